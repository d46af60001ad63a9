"""The dashboard's entry point: page setup, the data set picker, and the router."""

from __future__ import annotations

import streamlit as st

from dashboard import data, texts

st.set_page_config(page_title=texts.APP_TITLE, page_icon="🎫", layout="wide")

page = st.navigation(
    [st.Page("views/overview.py", title=texts.OVERVIEW_TITLE, icon="📊", default=True)]
)
st.sidebar.caption(f"Event store: `{data.db_path()}`")
page.run()
