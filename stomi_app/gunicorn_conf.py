"""gunicorn's settings for `stomi serve` (production): workers from the CPU count, bounded requests, graceful restarts,
and gunicorn's own lines in the app's log format; the access log is the app's (stomi_app/logs.py), with the request id
and never a query string (a CPR number or a name typed into a search must not reach a log)."""
import multiprocessing
import os

from stomi_app.logs import log_format, log_level

bind = os.environ.get("STOMI_BIND", "127.0.0.1:8000")  # behind the TLS-terminating proxy
workers = int(os.environ.get("STOMI_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30  # a request that takes longer is a fault; the worker is replaced
graceful_timeout = 30  # on SIGTERM/SIGHUP, requests in flight finish before a worker stops
keepalive = 5
max_requests = 2000  # workers are recycled now and then (with jitter, never all at once)
max_requests_jitter = 200
# No gunicorn access log: the app writes one line per request (method, path without query string, status, duration,
# request id) through the same handler as every other line, so one format reaches the log collector.
accesslog = None
errorlog = "-"
loglevel = log_level().lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": log_level(), "handlers": []},  # the app installs its own handler in each worker
    "loggers": {
        "gunicorn.error": {"level": log_level(), "handlers": ["stomi"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
    "handlers": {"stomi": {"class": "stomi_app.logs.StderrHandler", "formatter": "stomi"}},
    "formatters": {"stomi": {"()": "stomi_app.logs.formatter", "fmt": log_format()}},
}
forwarded_allow_ips = os.environ.get("STOMI_FORWARDED_ALLOW_IPS", "127.0.0.1")
