"""Data: upload exports (formats recognised; a mapping assistant for an unrecognised CSV), the
load summary (dashboard/upload.py), the data set's vocabulary (dashboard/vocabulary.py), the
data-quality report, and renaming or deleting data sets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from application import format as fmt
from dashboard import access, context, data, parts, texts, upload, vocabulary
from dashboard.context import PageContext
from dashboard.markdown import reason, say, text
from store.errors import TicketloopError


def render(ctx: PageContext) -> None:
    if not ctx.datasets:
        st.info(texts.NO_DATA.split(". ")[0] + ".")
    if access.allowed("upload"):
        upload.render_upload(ctx)
    if ctx.selection is not None:
        if access.allowed("map"):
            vocabulary.render_vocabulary(ctx, ctx.selection.dataset)
        _quality(ctx, ctx.selection.dataset)
        _manage(ctx, ctx.selection.dataset)
    if ctx.db.exists():
        _audit(ctx)


def _audit(ctx: PageContext) -> None:
    st.subheader(texts.AUDIT_TITLE)
    st.caption(texts.AUDIT_INTRO)
    log = data.audit_log(ctx.db, ctx.version)
    if log.empty:
        st.info(texts.AUDIT_EMPTY)
        return
    when = st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm:ss")
    st.dataframe(
        fmt.defused(log), hide_index=True, key="audit_log", column_config={"logged_at": when}
    )


def _quality(ctx: PageContext, dataset: str) -> None:
    st.subheader(say(texts.QUALITY_TITLE, dataset=dataset))
    doc = data.quality(ctx.db, ctx.version, dataset, ctx.settings.calendar.timezone)
    found = [c for c in [*doc["checks"], *doc["empty_values"]] if c["count"]]
    if not found:
        st.success(texts.QUALITY_CLEAN)
    else:  # a list, not a table: findings are sentences, cut short in a table's cells
        st.markdown("\n".join(_finding(c) for c in found))
        st.caption(say(texts.QUALITY_EXAMPLES, zone=doc["timezone"]))
    with st.expander(texts.QUALITY_FILES):
        files = pd.DataFrame(doc["files"])
        if "file" in files:  # the name only: never where the server keeps it
            files["file"] = [Path(str(f)).name for f in files["file"]]
        parts.table(files, key="quality_files")


def _finding(check: dict) -> str:
    """A finding as a Markdown list item: its count in bold, its words (our own, naming the log's
    labels `quoted`), its examples as text."""
    examples = "; ".join(map(str, check["examples"] or []))
    line = f"- **{check['count']:,}** {reason(check['label'])}"
    return line + (f" (e.g. {text(examples)})" if examples else "")


def _manage(ctx: PageContext, dataset: str) -> None:
    st.subheader(texts.MANAGE_TITLE)
    rows = pd.DataFrame(data.datasets(ctx.db, ctx.version))
    when = "YYYY-MM-DD HH:mm"
    parts.table(
        rows,
        key="datasets_table",
        column_config={
            "name": "data set",
            "cases": st.column_config.NumberColumn("tickets"),
            "first_ts": st.column_config.DatetimeColumn("first event (UTC)", format=when),
            "last_ts": st.column_config.DatetimeColumn("last event (UTC)", format=when),
            "format": "formats",
            "loaded_at": st.column_config.DatetimeColumn("last loaded (UTC)", format=when),
            "version": st.column_config.NumberColumn("version", help=texts.DATASET_VERSION_HELP),
        },
    )
    if message := st.session_state.pop("data_message", None):
        st.success(message)
    if not access.allowed("delete"):
        return
    left, right = st.columns(2)
    new = left.text_input(say(texts.RENAME_LABEL, dataset=dataset), key="rename_to")
    if left.button(texts.RENAME_BUTTON, key="rename", disabled=not new.strip()):
        try:
            name = data.rename_dataset(ctx.db, dataset, new)
        except TicketloopError as exc:
            left.error(text(exc))
        else:
            st.session_state["data_message"] = say(texts.RENAMED, old=dataset, new=name)
            context.show_dataset(name)
            st.rerun()
    if right.button(say(texts.DELETE_BUTTON, dataset=dataset), key="delete"):
        st.session_state["confirm_delete"] = dataset
    if st.session_state.get("confirm_delete") == dataset:
        events = int(rows.loc[rows["name"] == dataset, "events"].iloc[0])
        right.warning(say(texts.DELETE_CONFIRM, dataset=dataset, events=events))
        yes, no = right.columns(2)
        if yes.button(texts.DELETE_YES, key="delete_yes", type="primary"):
            st.session_state.pop("confirm_delete")
            try:
                data.delete_dataset(ctx.db, dataset)
            except TicketloopError as exc:
                right.error(text(exc))
            else:
                st.session_state["data_message"] = say(texts.DELETED, dataset=dataset)
                context.show_dataset(None)
                st.rerun()
        if no.button(texts.DELETE_NO, key="delete_no"):
            st.session_state.pop("confirm_delete")
            st.rerun()
