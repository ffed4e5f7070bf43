"""gunicorn's settings for `stomi serve` (production): workers from the CPU count, bounded requests, graceful restarts,
an access log that never holds a query string (a CPR number or a name typed into a search must not reach a log)."""
import multiprocessing
import os

bind = os.environ.get("STOMI_BIND", "127.0.0.1:8000")  # behind the TLS-terminating proxy
workers = int(os.environ.get("STOMI_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30  # a request that takes longer is a fault; the worker is replaced
graceful_timeout = 30  # on SIGTERM/SIGHUP, requests in flight finish before a worker stops
keepalive = 5
max_requests = 2000  # workers are recycled now and then (with jitter, never all at once)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# %(U)s is the path without its query string; no referer, no user agent: nothing a person typed.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("STOMI_FORWARDED_ALLOW_IPS", "127.0.0.1")
