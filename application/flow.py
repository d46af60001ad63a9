"""The designed flow in force, and the one rule for putting it on a log: a flow is compared with
tickets only when most of their activities are its own (a flow of another process would only
report that every step was skipped)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mining.bpmn import ModelFile, model_of, read_model_file
from mining.conformance import MOST_LABELS, Conformance, ForeignModel, check_conformance
from mining.pm4py_bridge import Method
from mining.selection import Selection
from store.errors import ModelError
from store.settings import DesignedFlow, Settings

if TYPE_CHECKING:
    import pyarrow as pa


def no_flow(dataset: str) -> str:
    """Why data set `dataset` has no designed flow to compare with, with the fix."""
    return (
        "no designed flow to compare with: set the data set's flow (the Settings page uploads one;"
        f" ticketloop settings --dataset {shlex.quote(dataset)} --flow FLOW.bpmn)"
    )


@dataclass(frozen=True)
class FlowFit:
    """The designed flow put on a selection: `conformance` when it may be, else `reason`, one line
    saying why not (no flow, a file that is not there or not a model, a flow of another process).
    `flow` names the flow."""

    flow: str | None
    conformance: Conformance | None = None
    reason: str | None = None

    @property
    def non_fitting_tickets(self) -> tuple[str, ...] | None:
        """The case ids of the tickets that do not fit; None when the flow is not put on."""
        return self.conformance.non_fitting_tickets if self.conformance is not None else None

    @property
    def unfit(self) -> pa.StringArray | None:
        """The same as an Arrow column, for a change's effect (mining.effect.measure_change)."""
        return self.conformance.unfit if self.conformance is not None else None


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
    the settings' of the selected data set), by `method` (default the settings'): results are
    cached in the store, and the settings' accepted deviations are marked. `progress(done,
    total)` is told of the variants replayed."""
    designed = settings.designed_flow
    if model is None and designed is None:
        return FlowFit(None, reason=no_flow(selection.dataset))
    try:
        flow = read_model_file(model) if model is not None else _model(designed)
    except ModelError as exc:  # not there, or not a model
        return FlowFit(str(model) if model is not None else designed.name, reason=str(exc))
    try:
        checked = check_conformance(
            db,
            selection,
            model=flow,
            method=method or settings.conformance_method,
            accepted=settings.accepted_deviations,
            progress=progress,
            least_share=MOST_LABELS,  # refused before any replay
        )
    except ForeignModel as exc:
        return FlowFit(
            flow.name, reason=foreign_flow(flow.name, exc.share, given=model is not None)
        )
    except ModelError as exc:  # a model that shares no label with the tickets
        return FlowFit(flow.name, reason=str(exc))
    return FlowFit(flow.name, checked)


def _model(flow: DesignedFlow) -> ModelFile:
    """A designed flow read as a model; ModelError when its file is not there or not a model."""
    if flow.data is None:
        raise ModelError(f"{flow.origin}: the designed flow is not there; name another one")
    return model_of(flow.name, flow.data)


def foreign_flow(flow: str, share: float, *, given: bool = False) -> str:
    """Why a flow is not put on a log, in one line, with the fix; `given`: a model the user gave
    for this check, not the designed flow of the settings."""
    fix = (
        "Give a model of this process (--model)"
        if given
        else "Set this data set's own flow (the Settings page uploads one)"
    )
    return (
        f"{'the model' if given else 'the designed flow'} {flow} is not a flow of this data set's"
        f" process: {share:.0%} of the tickets' activities are in it (at least {MOST_LABELS:.0%}"
        f" must be). {fix}, or discover one: ticketloop discover --out model.bpmn"
    )
