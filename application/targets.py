"""What a page, command or report that judges KPIs against targets says of the targets when
nobody set them: a desk is then judged by another desk's idea of good."""

from __future__ import annotations

from store.settings import Settings

_UNSET = {
    ("targets", "sla"): "The targets and SLA times are",
    ("targets",): "The targets are",
    ("sla",): "The SLA times are",
}


def defaults_note(settings: Settings) -> str | None:
    """The note, when the targets or SLA times of `settings` are the built-in ones (nobody set
    any of them: Settings.unset); None otherwise."""
    if not settings.unset:
        return None
    return (
        f"{_UNSET[settings.unset]} ticketloop's built-in defaults, not this desk's: set its own on"
        " the Settings page or with `ticketloop settings`, so that on, near and off target mean"
        " something here."
    )
