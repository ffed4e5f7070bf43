"""Monthly invoicing of the municipalities: fee schedule, invoice run, credit notes, allocation, PDF/UBL/CSV."""


def _register_bench_measures() -> None:
    """`stomi bench` times the invoice run when the bench package is there (it is part of the core)."""
    try:
        from invoicing.bench import register
    except ImportError:  # pragma: no cover - a core without the bench
        return
    register()


_register_bench_measures()
