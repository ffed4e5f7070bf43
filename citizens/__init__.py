"""Citizens beyond their account: the cutting measure, consents per purpose, and their data (export, correction)."""
