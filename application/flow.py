"""The designed flow in force, and the one rule for putting it on a log: a flow is compared with
tickets only when most of their activities are its own (a flow of another process would only
report that every step was skipped)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mining.conformance import MOST_LABELS, Conformance, check_conformance
from mining.pm4py_bridge import Method
from mining.selection import Selection
from store.errors import ModelError
from store.settings import Settings

NO_FLOW = (
    "no designed flow to compare with: name one in [conformance] designed_flow of the"
    " settings (the Settings page uploads one), or give one: --model FLOW.bpmn"
)


@dataclass(frozen=True)
class FlowFit:
    """The designed flow put on a selection: `conformance` when it may be, else `reason`, one line
    saying why not (no flow, a file that is not there or not a model, a flow of another process)."""

    flow: Path | None
    conformance: Conformance | None = None
    reason: str | None = None

    @property
    def non_fitting_tickets(self) -> tuple[str, ...] | None:
        """The tickets that do not fit, for a change's effect; None when the flow is not put on."""
        return self.conformance.non_fitting_tickets if self.conformance is not None else None


def designed_flow(settings: Settings, model: Path | None = None) -> Path | None:
    """The flow in force: `model` when one is given, else the settings' designed flow."""
    return model if model is not None else settings.designed_flow


def flow_stamp(settings: Settings, model: Path | None = None) -> tuple[str, int] | None:
    """(path, modification time) of the flow in force, None without one: a cache key that changes
    when a flow is uploaded over the old file."""
    flow = designed_flow(settings, model)
    if flow is None or not flow.exists():
        return None
    return str(flow.resolve()), flow.stat().st_mtime_ns


def fit_designed_flow(
    db: Path,
    selection: Selection,
    settings: Settings,
    *,
    model: Path | None = None,
    method: Method | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FlowFit:
    """The tickets of `selection` in the store at `db` against the flow in force (`model`, else
    the settings'), by `method` (default the settings'): results are cached in the store, and
    the settings' accepted deviations are marked. `progress(done, total)` is told of the
    variants replayed."""
    flow = designed_flow(settings, model)
    if flow is None:
        return FlowFit(None, reason=NO_FLOW)
    if not flow.exists():
        return FlowFit(flow, reason=f"{flow}: the designed flow is not there; name another one")
    try:
        checked = check_conformance(
            db,
            selection,
            model=flow,
            method=method or settings.conformance_method,
            accepted=settings.accepted_deviations,
            progress=progress,
        )
    except ModelError as exc:  # not a model, or one that shares no label with the tickets
        return FlowFit(flow, reason=str(exc))
    if not checked.speaks_the_log:
        return FlowFit(flow, reason=foreign_flow(flow, checked.labels_in_model))
    return FlowFit(flow, checked)


def foreign_flow(flow: Path, share: float) -> str:
    """Why a flow is not put on a log, in one line, with the fix."""
    return (
        f"the designed flow {flow.name} is not a flow of this data set's process: {share:.0%} of"
        f" the tickets' activities are in it (at least {MOST_LABELS:.0%} must be). Name this"
        " process's flow in the settings (the Settings page uploads one), or discover one:"
        " ticketloop discover --out model.bpmn"
    )
