"""Quoting user-given names (column headers, XES keys) as SQL identifiers."""


def quote_ident(name: str) -> str:
    """A SQL identifier for any column name: double quotes, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'
