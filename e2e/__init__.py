"""Playwright journeys through the running app in Debian's Chromium, every page checked with axe-core."""
