"""Statistics for municipalities and the FSC: periods, SQL aggregates, tables, charts, exports and monthly reports."""
