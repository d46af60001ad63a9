"""The upload part of the Data page: the file picker, the load with a progress bar, the mapping
step for a CSV whose columns nothing maps, and the load summary. Uploads load as `ticketloop
ingest` loads files (application.uploads)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from application import format as fmt
from application import uploads
from dashboard import context, data, texts
from dashboard.context import PageContext
from dashboard.markdown import say
from store.errors import TicketloopError
from store.fields import BY_NAME, REQUIRED

UPLOADS = "data_uploads"  # session key: the files of the last upload, kept for the mapping step


def render_upload(ctx: PageContext) -> None:
    """The file picker and what follows an upload: the mapping step, then the load summary."""
    _upload(ctx)
    pending = st.session_state.get(UPLOADS)
    if pending and pending.get("needs_mapping"):
        _mapping_assistant(ctx, pending)
    if report := st.session_state.get("data_report"):
        _summary(ctx, report)


def _upload(ctx: PageContext) -> None:
    st.write(texts.DATA_INTRO)
    files = st.file_uploader(
        texts.UPLOAD_LABEL,
        accept_multiple_files=True,
        key="upload_files",
    )
    st.caption(texts.UPLOAD_LIMIT.format(mb=st.get_option("server.maxUploadSize")))
    mapping = _mapping_file()
    adding = bool(ctx.datasets) and (
        st.radio(
            texts.UPLOAD_INTO,
            [texts.UPLOAD_NEW, texts.UPLOAD_ADD],
            horizontal=True,
            key="upload_mode",
        )
        == texts.UPLOAD_ADD
    )
    named = ""
    if adding:
        shown = ctx.selection.dataset if ctx.selection else ctx.datasets[0]
        dataset = st.selectbox(
            texts.UPLOAD_ADD_TO,
            ctx.datasets,
            index=ctx.datasets.index(shown) if shown in ctx.datasets else 0,
            key="upload_add_to",
        )
        if files:
            _held(ctx, files, dataset, mapping)
    else:
        taken = [row["name"] for row in data.datasets(ctx.db, ctx.version)] if ctx.datasets else []
        dataset = uploads.unique_dataset(uploads.safe_name(files[0].name), taken) if files else ""
        named = st.text_input(  # empty: the unique name, shown greyed (a value would stay stale)
            texts.UPLOAD_DATASET,
            placeholder=dataset,
            key="upload_dataset",
            help=texts.UPLOAD_DATASET_HELP,
        ).strip()
    zones = uploads.time_zones()
    # the desk's clock: the data set added to, else the defaults a new data set starts from
    home = data.settings(ctx.db, ctx.version, dataset if adding else None).calendar.timezone
    zone = mapping.timezone if mapping and mapping.timezone != "UTC" else home
    zone = st.selectbox(
        texts.UPLOAD_TIMEZONE,
        zones,
        index=zones.index(zone) if zone in zones else zones.index("UTC"),
        key="upload_timezone",
        help=texts.UPLOAD_TIMEZONE_HELP,
    )
    left, right = st.columns(2)
    customers = left.checkbox(
        texts.UPLOAD_PSEUDONYMISE, key="upload_pseudonymise", help=texts.UPLOAD_PSEUDONYMISE_HELP
    )
    agents = right.checkbox(texts.UPLOAD_PSEUDONYMISE_AGENTS, key="upload_pseudonymise_agents")
    if st.button(texts.UPLOAD_BUTTON, key="upload_load", disabled=not files, type="primary"):
        st.session_state.pop("data_report", None)  # the last load's summary is not this one's
        if earlier := st.session_state.pop(UPLOADS, None):  # a mapping step left unfinished
            uploads.discard([Path(p) for p in earlier["paths"]])
        paths = uploads.stage([(f.name, f.getvalue()) for f in files])
        # the same content again, into a data set of its own by default: nothing to load
        try:
            held = {} if adding or named else data.loaded_before(ctx.db, paths)
        except Exception:
            uploads.discard(paths)
            raise
        if held and len(held) == len(paths):
            uploads.discard(paths)
            st.info(
                say(texts.UPLOAD_SAME, files=", ".join(held), dataset=next(iter(held.values())))
            )
            return
        pending = {
            "paths": [str(p) for p in paths],
            "dataset": named or dataset,
            "timezone": zone,
            "privacy": (customers, agents),
        }
        st.session_state[UPLOADS] = pending
        _load(ctx, pending, mapping=mapping)


def _mapping_file() -> uploads.Mapping | None:
    """The uploaded mapping file, read; None without one (or one that cannot be used: said)."""
    upload = st.file_uploader(
        texts.UPLOAD_MAPPING, type=["toml"], key="upload_mapping", help=texts.UPLOAD_MAPPING_HELP
    )
    if upload is None:
        return None
    try:
        return uploads.read_mapping(upload.name, upload.getvalue())
    except TicketloopError as exc:
        st.error(say(texts.UPLOAD_MAPPING_BAD, message=exc))
        return None


def _held(ctx: PageContext, files: list, dataset: str, mapping: uploads.Mapping | None) -> None:
    """Say how many of the files' tickets `dataset` holds, before loading. The files' ticket ids
    are read once per upload and mapping (kept in the session)."""
    key = (tuple(f.file_id for f in files), mapping)
    kept = st.session_state.get("upload_tickets")
    if kept is None or kept[0] != key:
        paths = uploads.stage([(f.name, f.getvalue()) for f in files])
        try:
            kept = (key, uploads.file_tickets(paths, mapping))
        except TicketloopError as exc:
            st.caption(say(texts.UPLOAD_HELD_UNKNOWN, dataset=dataset, message=exc))
            return
        finally:
            uploads.discard(paths)
        st.session_state["upload_tickets"] = kept
    ids = kept[1]
    held = data.tickets_held(ctx.db, dataset, ids)
    names = ", ".join(f.name for f in files)
    if ids and not held:
        st.warning(say(texts.UPLOAD_HELD_NONE, total=len(ids), files=names, dataset=dataset))
        return
    st.info(say(texts.UPLOAD_HELD, held=held, total=len(ids), files=names, dataset=dataset))


def _load(ctx: PageContext, pending: dict, mapping: uploads.Mapping | None) -> None:
    """Ingest the pending files with a progress bar; on an unmapped CSV, ask for the mapping."""
    paths = [Path(p) for p in pending["paths"]]
    total = sum(p.stat().st_size for p in paths) or 1
    bar = st.progress(0.0, text=say(texts.UPLOAD_PROGRESS, files=", ".join(p.name for p in paths)))
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar.progress(min(done / total, 1.0))

    data.let_go(ctx.db)  # this process writes: its reads let go of the file
    try:
        report = data.load_upload(
            ctx.db,
            paths,
            dataset=pending["dataset"],
            mapping=mapping,
            timezone=pending["timezone"],
            progress=advance,
            pseudonymise=pending["privacy"][0],
            pseudonymise_agents=pending["privacy"][1],
        )
    except TicketloopError as exc:
        bar.empty()
        unmapped = uploads.needs_mapping(exc)
        pending["needs_mapping"] = str(paths[0].with_name(exc.file)) if unmapped else None
        if not unmapped:
            st.error(say(texts.UPLOAD_FAILED, message=exc))
        return
    bar.empty()
    st.session_state.pop(UPLOADS, None)
    st.session_state["data_report"] = {**report.to_json(), "zone": pending["timezone"]}
    context.show_dataset(report.dataset)  # the loaded data set, on every page
    data.clear()
    st.rerun()


def _mapping_assistant(ctx: PageContext, pending: dict) -> None:
    path = Path(pending["needs_mapping"])
    st.subheader(say(texts.MAPPING_TITLE, file=path.name))
    st.write(texts.MAPPING_INTRO)
    try:
        preview = uploads.preview(path)
    except TicketloopError as exc:
        st.error(say(texts.UPLOAD_FAILED, message=exc))
        return
    st.dataframe(fmt.defused(preview), hide_index=True, key="mapping_preview")
    headers = list(preview.columns)
    choices = [texts.MAPPING_NONE, *headers]
    guessed = uploads.guess_columns(path)  # pre-filled; the user confirms or changes each
    columns: dict[str, str] = {}
    grid = st.columns(3)
    for i, name in enumerate(BY_NAME):
        label = name.replace("_", " ") + (" *" if name in REQUIRED else "")
        picked = grid[i % 3].selectbox(
            label,
            choices,
            index=choices.index(guessed[name]) if name in guessed else 0,
            key=f"mapping_{name}",
        )
        if picked != texts.MAPPING_NONE:
            columns[name] = picked
    ts_format = st.text_input(texts.MAPPING_FORMAT, key="mapping_ts_format").strip()
    missing = [name.replace("_", " ") for name in REQUIRED if name not in columns]
    mapping = uploads.mapping_of(columns, ts_format or None)
    left, right = st.columns(2)
    right.download_button(
        texts.MAPPING_SAVE,
        mapping.to_toml(),
        file_name=f"{uploads.default_dataset(path.name)}_mapping.toml",
        mime="application/toml",
        key="mapping_save",
    )
    if missing:
        st.info(texts.MAPPING_MISSING.format(fields=", ".join(missing)))
    if left.button(texts.MAPPING_LOAD, key="mapping_load", disabled=bool(missing), type="primary"):
        _load(ctx, pending, mapping)


def _summary(ctx: PageContext, report: dict) -> None:
    st.subheader(texts.LOAD_SUMMARY)
    if uploads.nothing_added(report):
        names = ", ".join(f["file"] for f in report["files"])
        st.info(say(texts.UPLOAD_ALREADY, files=names, dataset=report["dataset"]))
    else:
        st.success(
            say(
                texts.UPLOAD_DONE,
                dataset=report["dataset"],
                cases=report["cases"],
                events=report["events_loaded"],
            )
        )
    if report["first_ts"] and report["last_ts"]:
        first, last = (
            uploads.wall_clock(report[k], report["zone"]) for k in ("first_ts", "last_ts")
        )
        st.caption(say(texts.UPLOAD_SPAN, first=first, last=last, zone=report["zone"]))
    files = pd.DataFrame(report["files"])
    if not files.empty:
        shown = ["file", "recognised_as", "rows_read", "events_loaded", "duplicates_skipped",
                 "rows_rejected", "values_nulled", "already_loaded"]  # fmt: skip
        st.dataframe(
            fmt.defused(files[[c for c in shown if c in files]]), hide_index=True, key="load_files"
        )
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
