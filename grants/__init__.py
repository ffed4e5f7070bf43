"""Grants: what a municipality granted a citizen, its changes and periods, consumption, decision letters."""
