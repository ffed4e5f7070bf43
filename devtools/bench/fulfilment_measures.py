"""The fulfilment pages' measures for the bench: the warehouse's start page and the FSC's delivery SLA page, timed at
1x and 10x history (issue 24, item 14: both were read whole on every load)."""
from __future__ import annotations

WAREHOUSE_USER = "lager@stomi-demo.dk"
FSC_ADMIN_USER = "admin@stomi-demo.dk"


def _page(app, email: str, path: str) -> dict:
    """Median time of one staff page over HTTP in-process (session, render, all), logged in once."""
    from devtools.bench.timing import PAGE_REPEATS, timed
    from devtools.demo import DEMO_PASSWORD

    client = app.test_client()
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    first = client.get(path)  # warms the connection pool and the template cache
    assert first.status_code == 200, (path, first.status_code)

    def once():
        assert client.get(path).status_code == 200

    return timed(once, repeats=PAGE_REPEATS)


def measure_warehouse_page(app) -> dict:
    """/lager/, where the warehouse lands after login: counts, the oldest pending and the newest sent instructions."""
    return _page(app, WAREHOUSE_USER, "/lager/")


def measure_delivery_sla_page(app) -> dict:
    """/admin/levering: twelve months of deliveries measured against the contract's promise."""
    return _page(app, FSC_ADMIN_USER, "/admin/levering")
