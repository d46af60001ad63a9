"""ticketloop's application shell: the Python API (`ticketloop.Store`), the `ticketloop` command
and the synthetic helpdesk generator. `import ticketloop` stays light: the API loads on first use."""

from __future__ import annotations

from typing import Any

__all__ = ["Analysis", "Store"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ticketloop import api

        return getattr(api, name)
    raise AttributeError(f"module 'ticketloop' has no attribute {name!r}")
