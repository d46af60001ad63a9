"""Settings: KPI and SLA targets, the business calendar, escalation thresholds, accepted
deviations and the designed flow, saved to `ticketloop.toml` beside the store; the data set's
process-change log, kept in the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import charts, data, texts
from dashboard.bpmn import bpmn_layout
from dashboard.context import PageContext
from store.errors import TicketloopError
from store.settings import (
    CONFORMANCE_METHODS,
    WEEKDAYS,
    Calendar,
    Settings,
    SlaTarget,
    Target,
    save_settings,
    settings_file,
)


def render(ctx: PageContext) -> None:
    path = settings_file(ctx.db)
    current = ctx.settings
    st.caption(texts.SETTINGS_INTRO.format(path=path))
    if message := st.session_state.pop("settings_message", None):
        st.success(message)
    with st.form("settings_form", border=False):
        st.subheader(texts.CALENDAR)
        cal = current.calendar
        days = st.multiselect(
            texts.WORKDAYS,
            [d.title() for d in WEEKDAYS],
            key="set_workdays",
            default=[WEEKDAYS[d].title() for d in cal.workdays],
        )
        left, mid, right = st.columns(3)
        opens = left.time_input(texts.OPENS, cal.opens, key="set_opens")
        closes = mid.time_input(texts.CLOSES, cal.closes, key="set_closes")
        zone = right.text_input(texts.TIMEZONE, cal.timezone, key="set_timezone")
        holidays = st.text_area(
            texts.HOLIDAYS,
            "\n".join(h.isoformat() for h in cal.holidays),
            key="set_holidays",
            height=80,
        )
        st.subheader(texts.TARGETS)
        targets = st.data_editor(
            pd.DataFrame(
                [
                    {"kpi": k, "target": t.target, "better": t.better}
                    for k, t in current.targets.items()
                ]
            ),
            key="set_targets",
            hide_index=True,
            disabled=["kpi"],
            width="stretch",
            column_config={"better": st.column_config.SelectboxColumn(options=["lower", "higher"])},
        )
        st.subheader(texts.SLA)
        sla = st.data_editor(
            pd.DataFrame(
                [
                    {
                        "priority": p,
                        "first_response_hours": s.first_response_hours,
                        "resolution_hours": s.resolution_hours,
                    }
                    for p, s in current.sla.items()
                ]
            ),
            key="set_sla",
            hide_index=True,
            num_rows="dynamic",
            width="stretch",
        )
        st.subheader(texts.ESCALATIONS)
        share = st.number_input(
            texts.PUSH_TO_FRONT, 0.0, 1.0, current.push_to_front_share, 0.05, key="set_share"
        )
        deviations = st.text_area(
            texts.DEVIATIONS,
            "\n".join(current.accepted_deviations),
            key="set_deviations",
            height=80,
        )
        st.subheader(texts.FLOW)
        upload = st.file_uploader(texts.FLOW_UPLOAD, type=["bpmn", "xml"], key="set_flow")
        method = st.radio(
            texts.FLOW_METHOD,
            CONFORMANCE_METHODS,
            index=CONFORMANCE_METHODS.index(current.conformance_method),
            format_func=texts.FLOW_METHODS.get,
            key="set_method",
        )
        saved = st.form_submit_button(texts.SETTINGS_SAVE, type="primary")
    if saved:
        try:
            flow = current.designed_flow
            if upload is not None:
                bpmn_layout(upload.getvalue(), upload.name)  # refuse what cannot be drawn
                flow = path.with_name("designed_flow.bpmn")
            chosen = replace(
                current,
                calendar=Calendar(
                    tuple(sorted(WEEKDAYS.index(d.lower()) for d in days)),
                    opens,
                    closes,
                    zone.strip(),
                    tuple(_dates(holidays)),
                ),
                targets={
                    r["kpi"]: Target(float(r["target"]), r["better"])
                    for r in targets.to_dict("records")
                },
                sla={
                    str(r["priority"]).strip().lower(): SlaTarget(
                        float(r["first_response_hours"]), float(r["resolution_hours"])
                    )
                    for r in sla.to_dict("records")
                    if str(r.get("priority") or "").strip()
                },
                push_to_front_share=float(share),
                accepted_deviations=tuple(
                    line.strip() for line in deviations.splitlines() if line.strip()
                ),
                designed_flow=flow,
                conformance_method=method,
            )
            if not chosen.calendar.workdays:
                raise TicketloopError("pick at least one working day")
            if "default" not in chosen.sla:
                chosen.sla["default"] = current.sla["default"]
            save_settings(chosen, path)
            if upload is not None:
                path.with_name("designed_flow.bpmn").write_bytes(upload.getvalue())
        except (TicketloopError, ValueError, TypeError) as exc:
            st.error(texts.SETTINGS_REFUSED.format(message=str(exc).replace(f"{path}: ", "")))
        else:
            st.session_state["settings_message"] = texts.SETTINGS_SAVED.format(path=path)
            st.rerun()
    _designed_flow(current)
    st.subheader(texts.CHANGE_LOG)
    if ctx.selection is None:
        st.info(texts.CHANGE_LOG_NO_DATA)
    else:
        _change_log(ctx, ctx.selection.dataset)


def _change_log(ctx: PageContext, dataset: str) -> None:
    """The data set's process changes, with add and remove (what `ticketloop change` does)."""
    st.caption(texts.CHANGE_LOG_INTRO.format(dataset=dataset))
    if message := st.session_state.pop("change_message", None):
        st.success(message)
    changes = data.changes(ctx.db, ctx.version, dataset)
    if not changes:
        st.info(texts.CHANGE_LOG_EMPTY)
    else:
        st.dataframe(
            pd.DataFrame(changes)[["id", "date", "title", "note"]],
            hide_index=True,
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
                    st.error(str(exc))
                else:
                    st.session_state["change_message"] = texts.CHANGE_ADDED.format(
                        title=title.strip(), date=day
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
            st.session_state["change_message"] = texts.CHANGE_REMOVED.format(
                title=removed["title"], date=removed["date"]
            )
            st.rerun()


def _dates(text: str) -> list[date]:
    try:
        return sorted(
            {date.fromisoformat(line.strip()) for line in text.splitlines() if line.strip()}
        )
    except ValueError as exc:
        raise TicketloopError(f"holidays: {exc}; write one date a line, e.g. 2026-12-25") from None


def _designed_flow(settings: Settings) -> None:
    flow = settings.designed_flow
    if flow is None:
        st.info(texts.FLOW_NONE)
        return
    if not flow.exists():
        st.info(texts.FLOW_MISSING.format(path=flow))
        return
    try:
        shapes, edges = bpmn_layout(flow.read_bytes(), flow.name)
    except TicketloopError as exc:
        st.error(str(exc))
        return
    st.plotly_chart(
        charts.bpmn_diagram(shapes, edges, f"{texts.FLOW}: {flow.name}"),
        key="flow",
        config={"scrollZoom": True},
    )
    st.caption(texts.DESIGN_PAN)
