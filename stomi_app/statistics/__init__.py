"""Statistics for municipalities and the FSC: periods, SQL aggregates, tables, charts, exports and monthly reports."""


def _register_bench_measures() -> None:
    """`stomi bench` times the dashboard and the report run (HISTORY_MEASURES["dashboard"], RUN_MEASURES)."""
    from stomi_app.statistics.bench import register

    register()


_register_bench_measures()
