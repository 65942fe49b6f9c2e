"""Write side: aggregates decide and emit immutable events; no I/O here."""
