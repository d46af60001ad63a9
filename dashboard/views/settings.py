"""Settings of the selected data set: KPI and SLA targets, the business calendar, escalation
thresholds, accepted deviations and the designed flow, and its process-change log, all kept in the
store with the data set."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from application import format as fmt
from application.settings_form import SettingsForm
from dashboard import change_log, charts, data, texts
from dashboard.bpmn import bpmn_layout
from dashboard.context import PageContext
from dashboard.markdown import say, text
from store.errors import TicketloopError
from store.settings import WEEKDAYS, Settings, settings_file
from store.vocabulary import CONFORMANCE_METHODS


def render(ctx: PageContext) -> None:
    defaults = settings_file(ctx.db)
    where = (
        texts.SETTINGS_DEFAULTS_FILE.format(path=defaults)  # a code span
        if defaults.exists()
        else texts.SETTINGS_BUILT_IN
    )
    if ctx.selection is None:
        st.info(texts.SETTINGS_NO_DATA.format(defaults=where))
        return
    dataset = ctx.selection.dataset
    _forget_another_data_sets_form(dataset)
    current = ctx.settings
    st.caption(texts.SETTINGS_INTRO.format(dataset=text(dataset), defaults=where))
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
            column_config={
                "first_response_hours": st.column_config.NumberColumn(texts.SLA_FIRST_RESPONSE),
                "resolution_hours": st.column_config.NumberColumn(texts.SLA_RESOLUTION),
            },
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
            flow_name=upload.name if upload is not None else "",
        )
        try:
            data.save_settings(ctx.db, dataset, current, form)
        except TicketloopError as exc:
            st.error(say(texts.SETTINGS_REFUSED, message=_without_where(str(exc), dataset)))
        else:
            st.session_state["settings_message"] = say(texts.SETTINGS_SAVED, dataset=dataset)
            st.rerun()
    _designed_flow(current)
    with st.expander(texts.SETTINGS_SOURCES):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "setting": key,
                        "value": fmt.setting(value),
                        "from": texts.SOURCE.get(source, source),
                    }
                    for key, value, source in data.settings_shown(
                        ctx.db, ctx.version, dataset
                    ).values()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.subheader(texts.CHANGE_LOG)
    change_log.render_change_log(ctx, dataset)


def _forget_another_data_sets_form(dataset: str) -> None:
    """Open the form on `dataset`'s settings: what was typed for another data set is dropped,
    so it can never be saved as this one's."""
    state = st.session_state
    if state.get("settings_for") != dataset:
        for key in [k for k in state if str(k).startswith("set_")]:
            del state[key]
        state["settings_for"] = dataset


def _without_where(message: str, dataset: str) -> str:
    """A settings error without the data set it names (the page is that data set's)."""
    return message.removeprefix(f"the settings of data set '{dataset}': ")


def _designed_flow(settings: Settings) -> None:
    flow = settings.designed_flow
    if flow is None:
        st.info(texts.FLOW_NONE)
        return
    if flow.data is None:
        st.info(say(texts.FLOW_MISSING, path=flow.origin))
        return
    try:
        shapes, edges = bpmn_layout(flow.data, flow.name)
    except TicketloopError as exc:
        st.error(text(exc))
        return
    st.plotly_chart(
        charts.bpmn_diagram(shapes, edges, f"{texts.FLOW}: {flow.name}"),
        key="flow",
        config={"scrollZoom": True},
    )
    st.caption(texts.DESIGN_PAN)
