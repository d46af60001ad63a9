"""Ingest: helpdesk exports (CSV, XES) into the canonical DuckDB event store."""
