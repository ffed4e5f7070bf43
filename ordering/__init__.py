"""Ordering: drafts, routing against the grant, the order flow, replacements, the order steps' forms."""
