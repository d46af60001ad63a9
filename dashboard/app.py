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

import logging

import streamlit as st

from dashboard import access, context, texts
from dashboard.markdown import say, text
from dashboard.pages import DATA_PAGE, PAGES
from store.errors import TicketloopError

log = logging.getLogger("ticketloop.dashboard")
st.set_page_config(page_title=texts.APP_TITLE, page_icon="🎫", layout="wide")


def _unexpected(exc: Exception) -> None:
    """One line in the browser, the details (traceback, paths) in the server's log only."""
    log.error("unexpected error on a page", exc_info=exc)
    st.error(texts.UNEXPECTED)
    st.stop()


try:
    who = access.user()
except TicketloopError as exc:  # a users file that cannot be read: one line, nothing else
    st.error(text(exc))
    st.stop()
if who is None:  # the sign-in form before anything of the store
    access.sign_in_form()
    st.stop()
try:
    ctx = context.build()
except Exception as exc:  # the browser gets one line, the log the rest
    _unexpected(exc)
has_data = ctx.selection is not None
shown = [s for s in PAGES if s.writes is None or access.allowed(s.writes)]
menu = {
    spec.url_path: st.Page(spec.script, title=spec.title, icon=spec.icon, url_path=spec.url_path)
    for spec in shown
}
landing = next(s for s in shown if (s.landing if has_data else s.module == DATA_PAGE))
# `/` is a hidden page that moves on to the landing page, so that every page keeps its own path.
home = st.Page(
    lambda: None, title=landing.title, url_path="home", default=True, visibility="hidden"
)
chosen = st.navigation([home, *menu.values()])
if chosen is home:
    url = {key: st.query_params.get_all(key) for key in st.query_params}
    st.switch_page(menu[landing.url_path], query_params=url)
spec = next(s for s in shown if menu[s.url_path] is chosen)
if who is not access.LOCAL:
    st.sidebar.caption(say(texts.SIGNED_IN_AS, name=who.name, role=who.role))
    st.sidebar.button(texts.SIGN_OUT, key="sign_out", on_click=access.sign_out)
else:
    st.sidebar.caption(texts.STORE_CAPTION.format(db=ctx.db))  # the server's path: local only
if access.read_only():
    st.sidebar.caption(texts.READ_ONLY)
st.title(spec.title)
if ctx.problem or (spec.needs_data and not has_data):  # a store it cannot read: no page
    shown_db = str(ctx.db) if who is access.LOCAL else ctx.db.name  # no server path when shared
    if ctx.problem:
        st.error(say(texts.STORE_PROBLEM, message=ctx.problem.replace(str(ctx.db), shown_db)))
    elif not ctx.db.exists():
        st.info(texts.NO_DATABASE.format(db=shown_db))  # a code span
    else:
        st.info(texts.NO_DATA)
    st.stop()
try:
    spec.render(ctx)
except Exception as exc:  # the browser gets one line, the log the rest
    _unexpected(exc)
