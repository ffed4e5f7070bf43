"""Login rate limits kept in Redis, as production keeps them (one count for every worker), on the machine's Redis."""
from __future__ import annotations

import socket
import uuid

import pytest

from tests.fixtures.app import make_app

pytestmark = pytest.mark.committing


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_the_login_limit_is_counted_in_redis(app, database_url, instance_dir, limits_restored):  # `app` has migrated the database
    from redis import Redis

    prefix = f"stomi-test-{uuid.uuid4().hex[:8]}"
    app = make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                   RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    answers = [client.post("/login", data={"email": "nobody@example.dk", "password": "wrong"}).status_code
               for _ in range(4)]
    assert answers[-1] == 429 and 429 not in answers[:3]
    redis = Redis(host="127.0.0.1", port=6379, db=15)
    keys = list(redis.scan_iter(f"*{prefix}*"))
    assert keys  # the count lives in Redis, shared by every worker
    redis.delete(*keys)
