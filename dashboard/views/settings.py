"""Settings: KPI and SLA targets, the business calendar, escalation thresholds, accepted
deviations and the designed flow, saved to `ticketloop.toml` beside the store; the data set's
process-change log, kept in the store."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from application.settings_form import SettingsForm, save_form
from dashboard import change_log, charts, texts
from dashboard.bpmn import bpmn_layout
from dashboard.context import PageContext
from store.errors import TicketloopError
from store.settings import CONFORMANCE_METHODS, WEEKDAYS, Settings, settings_file


def render(ctx: PageContext) -> None:
    path = settings_file(ctx.db)
    current = ctx.settings
    st.caption(texts.SETTINGS_INTRO.format(path=path))
    if message := st.session_state.pop("settings_message", None):
        st.success(message)
    shown = SettingsForm.of(current)
    with st.form("settings_form", border=False):
        st.subheader(texts.CALENDAR)
        days = st.multiselect(
            texts.WORKDAYS, [d.title() for d in WEEKDAYS], shown.workdays, key="set_workdays"
        )
        left, mid, right = st.columns(3)
        opens = left.time_input(texts.OPENS, shown.opens, key="set_opens")
        closes = mid.time_input(texts.CLOSES, shown.closes, key="set_closes")
        zone = right.text_input(texts.TIMEZONE, shown.timezone, key="set_timezone")
        holidays = st.text_area(texts.HOLIDAYS, shown.holidays, key="set_holidays", height=80)
        st.subheader(texts.TARGETS)
        st.caption(texts.TARGETS_HINT)
        targets = st.data_editor(
            pd.DataFrame(shown.targets),
            key="set_targets",
            height="content",  # every KPI in sight
            hide_index=True,
            disabled=["KPI", "unit"],
            width="stretch",
            column_config={
                "target": st.column_config.NumberColumn(required=True),
                "better": st.column_config.SelectboxColumn(options=["lower", "higher"]),
            },
        )
        st.subheader(texts.SLA)
        sla = st.data_editor(
            pd.DataFrame(shown.sla),
            key="set_sla",
            height="content",
            hide_index=True,
            num_rows="dynamic",
            width="stretch",
        )
        st.subheader(texts.ESCALATIONS)
        share = st.number_input(
            texts.PUSH_TO_FRONT, 1.0, 100.0, shown.push_to_front_share, 5.0, key="set_share"
        )
        deviations = st.text_area(
            texts.DEVIATIONS, shown.accepted_deviations, key="set_deviations", height=80
        )
        st.subheader(texts.FLOW)
        upload = st.file_uploader(texts.FLOW_UPLOAD, type=["bpmn", "xml"], key="set_flow")
        method = st.radio(
            texts.FLOW_METHOD,
            CONFORMANCE_METHODS,
            index=CONFORMANCE_METHODS.index(shown.method),
            format_func=texts.FLOW_METHODS.get,
            key="set_method",
        )
        saved = st.form_submit_button(texts.SETTINGS_SAVE, type="primary")
    if saved:
        form = SettingsForm(
            workdays=days,
            opens=opens,
            closes=closes,
            timezone=zone,
            holidays=holidays,
            targets=targets.to_dict("records"),
            sla=sla.to_dict("records"),
            push_to_front_share=share,
            accepted_deviations=deviations,
            method=method,
            flow=upload.getvalue() if upload is not None else None,
        )
        try:
            save_form(current, form, path)
        except TicketloopError as exc:
            st.error(texts.SETTINGS_REFUSED.format(message=str(exc).replace(f"{path}: ", "")))
        else:
            st.session_state["settings_message"] = texts.SETTINGS_SAVED.format(path=path)
            st.rerun()
    _designed_flow(current)
    st.subheader(texts.CHANGE_LOG)
    if ctx.selection is None:
        st.info(texts.CHANGE_LOG_NO_DATA)
    else:
        change_log.render_change_log(ctx, ctx.selection.dataset)


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
