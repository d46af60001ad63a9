"""Data: upload exports (formats recognised; a mapping assistant for an unrecognised CSV), the
load summary, the data-quality report, and renaming or deleting data sets.

The one dashboard module that may import `ingest` (tests/test_layers.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import context, data, texts
from dashboard import format as fmt
from dashboard.context import PageContext
from ingest.load import dataset_name_for, ingest_files
from ingest.mapping import Mapping
from store.errors import IngestError, TicketloopError
from store.fields import BY_NAME, REQUIRED

UPLOADS = "data_uploads"  # session key: the files of the last upload, kept for the mapping step


def render(ctx: PageContext) -> None:
    if not ctx.datasets:
        st.info(texts.NO_DATA.split(". ")[0] + ".")
    _upload(ctx)
    pending = st.session_state.get(UPLOADS)
    if pending and pending.get("needs_mapping"):
        _mapping_assistant(ctx, pending)
    if report := st.session_state.get("data_report"):
        _summary(ctx, report)
    if ctx.selection is not None:
        _quality(ctx, ctx.selection.dataset)
        _manage(ctx, ctx.selection.dataset)


def _upload(ctx: PageContext) -> None:
    st.write(texts.DATA_INTRO)
    files = st.file_uploader(
        texts.UPLOAD_LABEL,
        accept_multiple_files=True,
        key="upload_files",
        help=texts.UPLOAD_LIMIT.format(mb=st.get_option("server.maxUploadSize")),
    )
    st.caption(texts.UPLOAD_LIMIT.format(mb=st.get_option("server.maxUploadSize")))
    default = dataset_name_for(Path(files[0].name)) if files else ""
    dataset = st.text_input(
        texts.UPLOAD_DATASET, value=default, key="upload_dataset", help=texts.UPLOAD_DATASET_HELP
    )
    if st.button(texts.UPLOAD_BUTTON, key="upload_load", disabled=not files, type="primary"):
        folder = Path(tempfile.mkdtemp(prefix="ticketloop-upload-"))
        paths = []
        for upload in files:
            path = folder / Path(upload.name).name  # the name only: never a path from a browser
            path.write_bytes(upload.getvalue())
            paths.append(path)
        pending = {"paths": [str(p) for p in paths], "dataset": dataset.strip() or default}
        st.session_state[UPLOADS] = pending
        _load(ctx, pending, mapping=None)


def _load(ctx: PageContext, pending: dict, mapping: Mapping | None) -> None:
    """Ingest the pending files with a progress bar; on an unmapped CSV, ask for the mapping."""
    paths = [Path(p) for p in pending["paths"]]
    total = sum(p.stat().st_size for p in paths) or 1
    bar = st.progress(
        0.0, text=texts.UPLOAD_PROGRESS.format(files=", ".join(p.name for p in paths))
    )
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar.progress(min(done / total, 1.0))

    data.let_go(ctx.db)  # this process writes: its reads let go of the file
    try:
        report = ingest_files(
            ctx.db, paths, dataset=pending["dataset"], mapping=mapping, progress=advance
        )
    except IngestError as exc:
        bar.empty()
        unmapped = "no column for the" in exc.reason and exc.file.lower().endswith((".csv", ".txt"))
        pending["needs_mapping"] = exc.file if unmapped else None
        if not unmapped:
            st.error(texts.UPLOAD_FAILED.format(message=_short(exc, paths)))
        return
    except TicketloopError as exc:
        bar.empty()
        st.error(texts.UPLOAD_FAILED.format(message=_short(exc, paths)))
        return
    bar.empty()
    st.session_state.pop(UPLOADS, None)
    st.session_state["data_report"] = report.to_json()
    context.show_dataset(report.dataset)  # the loaded data set, on every page
    data.clear()
    st.rerun()


def _short(exc: Exception, paths: list[Path]) -> str:
    """The message with the upload's temporary folder left out."""
    message = str(exc)
    for path in paths:
        message = message.replace(str(path), path.name)
    return message


def _mapping_assistant(ctx: PageContext, pending: dict) -> None:
    path = Path(pending["needs_mapping"])
    st.subheader(texts.MAPPING_TITLE.format(file=path.name))
    st.write(texts.MAPPING_INTRO)
    try:
        preview = pd.read_csv(path, nrows=10, sep=None, engine="python", dtype=str)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        st.error(texts.UPLOAD_FAILED.format(message=exc))
        return
    st.dataframe(preview, hide_index=True, key="mapping_preview")
    headers = list(preview.columns)
    choices = [texts.MAPPING_NONE, *headers]
    columns: dict[str, str] = {}
    grid = st.columns(3)
    for i, name in enumerate(BY_NAME):
        label = name.replace("_", " ") + (" *" if name in REQUIRED else "")
        picked = grid[i % 3].selectbox(label, choices, key=f"mapping_{name}")
        if picked != texts.MAPPING_NONE:
            columns[name] = picked
    ts_format = st.text_input(texts.MAPPING_FORMAT, key="mapping_ts_format").strip()
    missing = [name.replace("_", " ") for name in REQUIRED if name not in columns]
    toml = "[columns]\n" + "".join(f'{k} = "{_toml_escape(v)}"\n' for k, v in columns.items())
    if ts_format:
        toml += f'\n[timestamp]\nformat = "{_toml_escape(ts_format)}"\n'
    left, right = st.columns(2)
    right.download_button(
        texts.MAPPING_SAVE,
        toml,
        file_name=f"{dataset_name_for(path)}_mapping.toml",
        mime="application/toml",
        key="mapping_save",
    )
    if missing:
        st.info(texts.MAPPING_MISSING.format(fields=", ".join(missing)))
    if left.button(texts.MAPPING_LOAD, key="mapping_load", disabled=bool(missing), type="primary"):
        mapping = Mapping(
            columns=columns, timestamp_format=ts_format or None, source="the dashboard"
        )
        _load(ctx, pending, mapping)


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _summary(ctx: PageContext, report: dict) -> None:
    st.subheader(texts.LOAD_SUMMARY)
    st.success(
        texts.UPLOAD_DONE.format(
            dataset=report["dataset"], cases=report["cases"], events=report["events_loaded"]
        )
    )
    files = pd.DataFrame(report["files"])
    if not files.empty:
        shown = ["file", "recognised_as", "rows_read", "events_loaded", "duplicates_skipped",
                 "rows_rejected", "values_nulled", "already_loaded"]  # fmt: skip
        files["file"] = files["file"].map(lambda f: Path(f).name)
        st.dataframe(files[[c for c in shown if c in files]], hide_index=True, key="load_files")
    for note in report["notes"]:
        st.caption(note)
    if report["rows_rejected"] and ctx.db.exists():
        rejects = data.all_rejected_rows(ctx.db, data.db_version(ctx.db), report["dataset"])
        st.download_button(
            texts.REJECTS_DOWNLOAD.format(n=len(rejects)),
            fmt.csv_safe(rejects),
            file_name=f"{report['dataset']}_rejected_rows.csv",
            mime="text/csv",
            key="rejects_download",
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
