"""Stoma care: the nurses' task queues, advice, product changes and approvals, discharges from hospital."""
