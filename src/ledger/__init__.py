"""Accountability ledger: an event-sourced record of who answered for what, and when."""

__version__ = "0.1.0"
