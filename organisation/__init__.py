"""The FSC's organisation data: a municipality's invoicing identifiers, whether it is in, its ordering rules."""
