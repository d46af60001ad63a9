"""The dashboard's entry point and router: page setup, the page context, the menu.

How a page is made (layout, not boilerplate):

1. Write `dashboard/views/<name>.py` with `def render(ctx: PageContext) -> None`. The router has
   already drawn the title and the sidebar filters, and runs a page that needs data only when
   the store holds some (`ctx.selection` is then set).
2. Get data with `ctx.query(mining_function, **options)`: it calls
   `mining_function(con, ctx.selection, **options)` on a short read-only connection, cached on
   the store's version, the selection and the options (`dashboard/data.py`, the only cache).
3. Draw with `dashboard/charts.py` (DataFrame in, Plotly figure out; no Streamlit), strings from
   `dashboard/texts.py`, widgets with an explicit `key=`; when the data lacks something (no
   surveys, no channels: `ctx.has("channel")`), say so in one `st.info` line and show the rest.
4. Add one line to `PAGES` in `dashboard/pages.py`. The AppTest and browser tests and
   `benchmarks/dashboard.py` iterate over that list, so the page is covered at once.
"""

from __future__ import annotations

import streamlit as st

from dashboard import context, texts
from dashboard.pages import DATA_PAGE, PAGES

st.set_page_config(page_title=texts.APP_TITLE, page_icon="🎫", layout="wide")

ctx = context.build()
has_data = ctx.selection is not None
menu = {
    spec.url_path: st.Page(spec.script, title=spec.title, icon=spec.icon, url_path=spec.url_path)
    for spec in PAGES
}
landing = next(s for s in PAGES if (s.landing if has_data else s.module == DATA_PAGE))
# `/` is a hidden page that moves on to the landing page, so that every page keeps its own path.
home = st.Page(
    lambda: None, title=landing.title, url_path="home", default=True, visibility="hidden"
)
chosen = st.navigation([home, *menu.values()])
if chosen is home:
    url = {key: st.query_params.get_all(key) for key in st.query_params}
    st.switch_page(menu[landing.url_path], query_params=url)
spec = next(s for s in PAGES if menu[s.url_path] is chosen)
st.sidebar.caption(texts.STORE_CAPTION.format(db=ctx.db))
st.title(spec.title)
if spec.needs_data and not has_data:
    if ctx.problem:
        st.error(texts.STORE_PROBLEM.format(message=ctx.problem))
    elif not ctx.db.exists():
        st.info(texts.NO_DATABASE.format(db=ctx.db))
    else:
        st.info(texts.NO_DATA)
    st.stop()
spec.render(ctx)
