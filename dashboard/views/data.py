"""Data: upload exports (formats recognised; a mapping assistant for an unrecognised CSV), the
load summary (dashboard/upload.py), the data set's vocabulary (dashboard/vocabulary.py), the
data-quality report, and renaming or deleting data sets."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import context, data, parts, texts, upload, vocabulary
from dashboard.context import PageContext
from store.errors import TicketloopError


def render(ctx: PageContext) -> None:
    if not ctx.datasets:
        st.info(texts.NO_DATA.split(". ")[0] + ".")
    upload.render_upload(ctx)
    if ctx.selection is not None:
        vocabulary.render_vocabulary(ctx, ctx.selection.dataset)
        _quality(ctx, ctx.selection.dataset)
        _manage(ctx, ctx.selection.dataset)


def _quality(ctx: PageContext, dataset: str) -> None:
    st.subheader(texts.QUALITY_TITLE.format(dataset=dataset))
    doc = data.quality(ctx.db, ctx.version, dataset, ctx.settings.calendar.timezone)
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
        parts.table(
            table,
            key="quality_table",
            width="stretch",
            column_config={
                "examples": texts.QUALITY_EXAMPLES.format(zone=doc["timezone"]),
            },
        )
    with st.expander(texts.QUALITY_FILES):
        parts.table(pd.DataFrame(doc["files"]), key="quality_files")


def _manage(ctx: PageContext, dataset: str) -> None:
    st.subheader(texts.MANAGE_TITLE)
    rows = pd.DataFrame(data.datasets(ctx.db, ctx.version))
    when = "YYYY-MM-DD HH:mm"
    parts.table(
        rows,
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
