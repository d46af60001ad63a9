"""The vocabulary part of the Data page: a data set's labels, each with a canonical activity
pre-filled by the suggestion from its words (application.vocabulary), its teams' levels, the KPIs
the choice makes computable, and apply / back to the labels as loaded (what `ticketloop map`
does), changed without loading again."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from application import format as fmt
from application.vocabulary import kpi_names
from dashboard import data, texts
from dashboard.context import PageContext
from dashboard.markdown import say, text
from store.dataset_vocabulary import Vocabulary
from store.errors import TicketloopError
from store.vocabulary import CANONICAL_ACTIVITIES, LEVELS


def render_vocabulary(ctx: PageContext, dataset: str) -> None:
    """The data set's labels, each with a canonical activity pre-filled by the suggestion from
    its words, its teams' levels, the KPIs the choice makes computable, and apply / reset."""
    st.subheader(say(texts.VOCAB_TITLE, dataset=dataset))
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
    # by position: the editor shows the labels defused (_choices), the mapping names them as loaded
    activities = {
        label: choice
        for label, choice in zip(labels["label"], edited["choice"], strict=True)
        if choice != texts.VOCAB_KEEP
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
            team: int(choice)
            for team, choice in zip(teams["team"], edited_teams["choice"], strict=True)
            if pd.notna(choice)
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
        st.error(text(exc))
        return
    computable = (
        texts.VOCAB_NOW_COMPUTABLE.format(kpis=kpi_names(change.computable))
        if change.computable
        else ""
    )
    st.session_state["vocab_message"] = texts.VOCAB_APPLIED.format(
        dataset=text(dataset),
        labels=len(change.remapped),
        teams=len(change.levels),
        computable=computable,
    )
    st.rerun()


def _choices(table: pd.DataFrame, key: str, first: str, now: Any, choice: Any) -> pd.DataFrame:
    """An editor of `table` (its first column, events, now, choice) where only the choice
    changes; the log's text in it defused (fmt.defused), as its toolbar downloads it as CSV."""
    return st.data_editor(
        fmt.defused(table),
        hide_index=True,
        key=key,
        disabled=[table.columns[0], "events", "now"],
        column_config={
            table.columns[0]: first,
            "events": st.column_config.NumberColumn(texts.VOCAB_EVENTS, format="localized"),
            "now": now,
            "choice": choice,
        },
        width="stretch",
        height="content",  # every label in sight
        placeholder="",  # no level yet: blank, not "None"
    )
