"""`stomi serve`: gunicorn with the production settings, an access log without query strings, forwarded headers
trusted only from the configured proxies."""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.app import make_app

pytestmark = pytest.mark.committing

ROOT = Path(__file__).resolve().parents[1]


def _settings():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "stomi_app" / "gunicorn_conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_access_log_is_the_apps_own_and_workers_follow_the_cpus():
    settings = _settings()
    # gunicorn's access log (request line with query string, referer, user agent) is off; the app writes its own.
    assert settings.accesslog is None
    assert settings.logconfig_dict["loggers"]["gunicorn.access"]["handlers"] == []
    assert settings.logconfig_dict["root"]["handlers"] == []  # the app's handler only, never two copies of a line
    assert settings.workers >= 3 and settings.timeout == settings.graceful_timeout == 30


def test_forwarded_proto_is_trusted_behind_one_proxy_only(database_url, app, instance_dir):
    from flask import request

    for count, secure in ((0, False), (1, True)):
        proxied = make_app(database_url, PROXY_COUNT=count)

        @proxied.route("/_secure")
        def _secure():
            return "yes" if request.is_secure else "no"

        answer = proxied.test_client().get("/_secure", headers={"X-Forwarded-Proto": "https"})
        assert answer.get_data(as_text=True) == ("yes" if secure else "no")


def test_stomi_serve_answers_and_logs_no_query_string(database_url, app, instance_dir, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "STOMI_DATABASE_URL": database_url, "STOMI_INSTANCE_PATH": str(instance_dir),
           "STOMI_BIND": f"127.0.0.1:{port}", "STOMI_WORKERS": "1", "STOMI_LOG_FORMAT": "json"}
    log = tmp_path / "access.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("stomi")), "serve"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    request_id = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz?cpr=1503481234", timeout=2)
                if answer.status_code == 200:
                    request_id = answer.headers["X-Request-ID"]
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log.read_text()
    assert "1503481234" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # gunicorn's own lines are JSON too
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    access = [line for line in lines if line["logger"] == "stomi.access" and line["request_id"] == request_id]
    assert len(access) == 1 and (access[0]["path"], access[0]["status"]) == ("/healthz", 200)
