"""Monthly invoicing of the municipalities: fee schedule, invoice run, credit notes, allocation, PDF/UBL/CSV."""
from stomi_app import signals


def _invoiced_months(municipality_id: int) -> dict:
    from invoicing.run import invoiced_months  # the package's __init__ is loaded with its models, before the run

    return invoiced_months(municipality_id)


def init_app(app) -> None:
    """Answer the grants' question which months are invoiced (blinker keeps one connection however many apps)."""
    signals.invoiced_months.connect(_invoiced_months)
