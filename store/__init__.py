"""The DuckDB event store every layer shares: connections, schema, fields, settings, errors."""
