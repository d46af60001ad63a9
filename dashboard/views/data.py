"""Data: upload exports (formats recognised; a mapping assistant for an unrecognised CSV), the
load summary (dashboard/upload.py), the data set's vocabulary (its labels' canonical activities
and its teams' levels, changed without loading again), the data-quality report, and renaming or
deleting data sets."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from application.vocabulary import kpi_names
from dashboard import context, data, texts, upload
from dashboard.context import PageContext
from store.dataset_vocabulary import Vocabulary
from store.errors import TicketloopError
from store.vocabulary import CANONICAL_ACTIVITIES, LEVELS


def render(ctx: PageContext) -> None:
    if not ctx.datasets:
        st.info(texts.NO_DATA.split(". ")[0] + ".")
    upload.render_upload(ctx)
    if ctx.selection is not None:
        _vocabulary(ctx, ctx.selection.dataset)
        _quality(ctx, ctx.selection.dataset)
        _manage(ctx, ctx.selection.dataset)


def _vocabulary(ctx: PageContext, dataset: str) -> None:
    """The data set's labels, each with a canonical activity pre-filled by the suggestion from
    its words, its teams' levels, the KPIs the choice makes computable, and apply / reset."""
    st.subheader(texts.VOCAB_TITLE.format(dataset=dataset))
    st.caption(texts.VOCAB_INTRO)
    if message := st.session_state.pop("vocab_message", None):
        st.success(message)
    found = data.vocabulary(ctx.db, ctx.version, dataset)
    labels = pd.DataFrame(
        found.label_choices(), columns=["label", "events", "now", "choice"]
    ).fillna({"choice": texts.VOCAB_KEEP})
    edited = _choices(
        labels,
        "vocab_labels",
        texts.VOCAB_LABEL,
        texts.VOCAB_NOW,
        st.column_config.SelectboxColumn(
            texts.VOCAB_MAP_TO, options=[texts.VOCAB_KEEP, *CANONICAL_ACTIVITIES], required=True
        ),
    )
    activities = {
        row.label: row.choice for row in edited.itertuples() if row.choice != texts.VOCAB_KEEP
    }
    levels: dict[str, int] = {}
    if found.teams:
        teams = pd.DataFrame(found.team_choices(), columns=["team", "events", "now", "choice"])
        edited_teams = _choices(
            teams,
            "vocab_teams",
            texts.VOCAB_TEAM,
            st.column_config.NumberColumn(texts.VOCAB_LEVEL_NOW, format="%d"),
            st.column_config.SelectboxColumn(texts.VOCAB_LEVEL, options=sorted(LEVELS)),
        )
        levels = {
            row.team: int(row.choice) for row in edited_teams.itertuples() if pd.notna(row.choice)
        }
    preview = data.vocabulary_preview(
        ctx.db, ctx.version, dataset, tuple(sorted(activities.items()))
    )
    if preview.computable:
        st.info(texts.VOCAB_COMPUTABLE.format(kpis=kpi_names(preview.computable)))
    if preview.lost:
        st.warning(texts.VOCAB_LOST.format(kpis=kpi_names(preview.lost)))
    if not preview.computable and not preview.lost:
        st.caption(texts.VOCAB_NO_CHANGE)
    left, right = st.columns(2)
    chosen = None
    if left.button(texts.VOCAB_APPLY, key="vocab_apply", type="primary"):
        chosen = Vocabulary(activities, levels)
    if right.button(texts.VOCAB_RESET, key="vocab_reset"):
        chosen = Vocabulary()
    if chosen is None:
        return
    try:
        change = data.map_vocabulary(ctx.db, dataset, chosen)
    except TicketloopError as exc:
        st.error(str(exc))
        return
    computable = (
        texts.VOCAB_NOW_COMPUTABLE.format(kpis=kpi_names(change.computable))
        if change.computable
        else ""
    )
    st.session_state["vocab_message"] = texts.VOCAB_APPLIED.format(
        dataset=dataset,
        labels=len(change.remapped),
        teams=len(change.levels),
        computable=computable,
    )
    st.rerun()


def _choices(table: pd.DataFrame, key: str, first: str, now: Any, choice: Any) -> pd.DataFrame:
    """An editor of `table` (its first column, events, now, choice) where only the choice
    changes."""
    return st.data_editor(
        table,
        hide_index=True,
        key=key,
        disabled=[table.columns[0], "events", "now"],
        column_config={
            table.columns[0]: first,
            "events": st.column_config.NumberColumn(texts.VOCAB_EVENTS, format="%d"),
            "now": now,
            "choice": choice,
        },
        width="stretch",
    )


def _quality(ctx: PageContext, dataset: str) -> None:
    st.subheader(texts.QUALITY_TITLE.format(dataset=dataset))
    doc = data.quality(ctx.db, ctx.version, dataset)
    found = [c for c in [*doc["checks"], *doc["empty_values"]] if c["count"]]
    if not found:
        st.success(texts.QUALITY_CLEAN)
    else:
        table = pd.DataFrame(
            {
                "finding": [c["label"] for c in found],
                "count": [c["count"] for c in found],
                "examples": ["; ".join(map(str, c["examples"] or [])) for c in found],
            }
        )
        st.dataframe(table, hide_index=True, key="quality_table", width="stretch")
    with st.expander(texts.QUALITY_FILES):
        st.dataframe(pd.DataFrame(doc["files"]), hide_index=True, key="quality_files")


def _manage(ctx: PageContext, dataset: str) -> None:
    st.subheader(texts.MANAGE_TITLE)
    rows = pd.DataFrame(data.datasets(ctx.db, ctx.version))
    when = "YYYY-MM-DD HH:mm"
    st.dataframe(
        rows,
        hide_index=True,
        key="datasets_table",
        column_config={
            "name": "data set",
            "cases": "tickets",
            "first_ts": st.column_config.DatetimeColumn("first event (UTC)", format=when),
            "last_ts": st.column_config.DatetimeColumn("last event (UTC)", format=when),
            "format": "formats",
            "loaded_at": st.column_config.DatetimeColumn("last loaded (UTC)", format=when),
            "version": st.column_config.NumberColumn("loads", help=texts.DATASET_VERSION_HELP),
        },
    )
    if message := st.session_state.pop("data_message", None):
        st.success(message)
    left, right = st.columns(2)
    new = left.text_input(texts.RENAME_LABEL.format(dataset=dataset), key="rename_to")
    if left.button(texts.RENAME_BUTTON, key="rename", disabled=not new.strip()):
        try:
            name = data.rename_dataset(ctx.db, dataset, new)
        except TicketloopError as exc:
            left.error(str(exc))
        else:
            st.session_state["data_message"] = texts.RENAMED.format(old=dataset, new=name)
            context.show_dataset(name)
            st.rerun()
    if right.button(texts.DELETE_BUTTON.format(dataset=dataset), key="delete"):
        st.session_state["confirm_delete"] = dataset
    if st.session_state.get("confirm_delete") == dataset:
        events = int(rows.loc[rows["name"] == dataset, "events"].iloc[0])
        right.warning(texts.DELETE_CONFIRM.format(dataset=dataset, events=events))
        yes, no = right.columns(2)
        if yes.button(texts.DELETE_YES, key="delete_yes", type="primary"):
            st.session_state.pop("confirm_delete")
            try:
                data.delete_dataset(ctx.db, dataset)
            except TicketloopError as exc:
                right.error(str(exc))
            else:
                st.session_state["data_message"] = texts.DELETED.format(dataset=dataset)
                context.show_dataset(None)
                st.rerun()
        if no.button(texts.DELETE_NO, key="delete_no"):
            st.session_state.pop("confirm_delete")
            st.rerun()
