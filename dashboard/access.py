"""Sign-in and roles in the dashboard: who this session is, the sign-in form shown before any
data, and what the session's role may write (application.access). Sign-in is asked for when the
store has users (`ticketloop users add`) or the server listens beyond this machine; a server
without either serves the person at this machine, who may do everything. `--read-only`
(TICKETLOOP_READ_ONLY) lets nobody write."""

from __future__ import annotations

import logging
import os

import streamlit as st

from application.access import User, is_local, may, read_users, sign_in, users_path
from dashboard import texts
from dashboard.markdown import text
from store.errors import TicketloopError
from store.location import default_db_path

LOCAL = User("local", "lead")  # the person at this machine, on a server without sign-in
_SESSION = "signed_in"
log = logging.getLogger("ticketloop.dashboard")


def read_only() -> bool:
    return os.environ.get("TICKETLOOP_READ_ONLY") == "1"


def user() -> User | None:
    """Who this session is: LOCAL without sign-in, the signed-in user, or None (not yet)."""
    if _SESSION in st.session_state:
        return st.session_state[_SESSION]
    users = read_users(users_path(default_db_path()))
    address = st.get_option("server.address")
    if not users and (address is None or is_local(address)):
        return LOCAL
    return None


def allowed(action: str) -> bool:
    """Whether this session may make the write `action` (application.access.ACTIONS)."""
    who = user()
    return who is not None and may(who.role, action, read_only=read_only())


def require(action: str) -> str:
    """The name of who makes the write `action`; TicketloopError when their role may not (the
    pages hide what a role lacks: this refuses it on the server too)."""
    who = user()
    if who is None or not may(who.role, action, read_only=read_only()):
        role = "read-only" if read_only() else who.role if who else "signed out"
        raise TicketloopError(texts.NOT_ALLOWED.format(action=action, role=role))
    return who.name


def sign_in_form() -> None:
    """The sign-in form; reruns signed in when the name and password match a user."""
    try:
        users = read_users(users_path(default_db_path()))
    except TicketloopError as exc:
        st.error(text(exc))
        st.stop()
    if not users:
        st.error(texts.SIGN_IN_NO_USERS)
        st.stop()
    with st.form("sign_in"):
        st.subheader(texts.SIGN_IN_TITLE)
        name = st.text_input(texts.SIGN_IN_NAME, key="sign_in_name")
        password = st.text_input(texts.SIGN_IN_PASSWORD, type="password", key="sign_in_password")
        if st.form_submit_button(texts.SIGN_IN_BUTTON, type="primary"):
            found = sign_in(users, name.strip(), password)
            if found is None:
                log.warning("failed sign-in as %r", name.strip())
                st.error(texts.SIGN_IN_FAILED)
            else:
                st.session_state[_SESSION] = found
                st.rerun()


def sign_out() -> None:
    st.session_state.pop(_SESSION, None)
