"""Errors a user can act on: each names the file, column or row and says what to do."""


class TicketloopError(Exception):
    """A failure the user can fix; its message is one line, printed as `error: <message>`."""


class IngestError(TicketloopError):
    """A source file that cannot be read or mapped."""

    def __init__(self, file: str, reason: str, hint: str = "") -> None:
        self.file, self.reason, self.hint = file, reason, hint
        super().__init__(f"{file}: {reason}." + (f" {hint}" if hint else ""))


class StoreError(TicketloopError):
    """The event store cannot be opened or is not one of ours."""


class SettingsError(TicketloopError):
    """`ticketloop.toml` says something we cannot use; the message names the key and the fix."""


class MiningError(TicketloopError):
    """An analysis that cannot run on what was selected (no tickets, no events to mine)."""
