"""The change log part of the Settings page: a data set's process changes, with add and remove
(what `ticketloop change add|list|remove` does), whose effects the KPI pages measure."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, parts, texts
from dashboard.context import PageContext
from dashboard.markdown import say, text
from store.errors import TicketloopError


def render_change_log(ctx: PageContext, dataset: str) -> None:
    """The data set's process changes, with add and remove (what `ticketloop change` does)."""
    st.caption(say(texts.CHANGE_LOG_INTRO, dataset=dataset))
    if message := st.session_state.pop("change_message", None):
        st.success(message)
    changes = data.changes(ctx.db, ctx.version, dataset)
    if not changes:
        st.info(texts.CHANGE_LOG_EMPTY)
    else:
        parts.table(
            pd.DataFrame(changes)[["id", "date", "title", "note"]],
            key="changes_table",
        )
    with st.form("change_add", border=True):
        left, mid = st.columns([1, 3])
        day = left.date_input(texts.CHANGE_DATE, value=None, key="change_date", format="YYYY-MM-DD")
        title = mid.text_input(texts.CHANGE_TITLE, key="change_title")
        note = st.text_input(texts.CHANGE_NOTE, key="change_note")
        if st.form_submit_button(texts.CHANGE_ADD):
            if day is None or not title.strip():
                st.error(texts.CHANGE_NEEDS)
            else:
                try:
                    data.add_change(ctx.db, dataset, day, title, note.strip())
                except TicketloopError as exc:
                    st.error(text(exc))
                else:
                    st.session_state["change_message"] = say(
                        texts.CHANGE_ADDED, title=title.strip(), date=day
                    )
                    for key in ("change_date", "change_title", "change_note"):  # a new form
                        del st.session_state[key]
                    st.rerun()
    if changes:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        picked = left.selectbox(
            texts.CHANGE_PICK,
            [c["id"] for c in changes],
            format_func=lambda i: next(
                f"{c['date']} {c['title']}" for c in changes if c["id"] == i
            ),
            key="change_remove_pick",
        )
        if right.button(texts.CHANGE_REMOVE, key="change_remove"):
            removed = data.remove_change(ctx.db, picked)
            st.session_state["change_message"] = say(
                texts.CHANGE_REMOVED, title=removed["title"], date=removed["date"]
            )
            st.rerun()
