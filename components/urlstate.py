"""The view's state in the URL: global controls bound to query parameters, links that carry them, modes.

UI module (imports streamlit). Parameter names come from params.py; this module decides how a
control meets the URL, and how a link to another page keeps the view.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import streamlit as st

from components import params as P

_TRUE = ("1", "true", "yes")


def present_from_url() -> bool:
    """Presentation mode: ?present=1 (or true, yes)."""
    return str(st.query_params.get(P.PRESENT, "")).lower() in _TRUE


def embed_chart() -> int | None:
    """With ?view=chart: the number (from 1) of the page's chart to show alone; else None."""
    if str(st.query_params.get(P.VIEW, "")).lower() != "chart":
        return None
    raw = str(st.query_params.get(P.CHART, "1"))
    return int(raw) if raw.isdigit() and int(raw) >= 1 else 1


# --- global controls: kept in the URL by hand, so they survive page switches --------
#
# Streamlit's bind="query-params" does not hold across page switches in the pages/ layout,
# where every page creates the sidebar itself. Measured with 1.67 (tests/browser/test_bind_across_pages.py,
# test_streamlit_bind_across_pages, an xfail that turns into a failure once Streamlit holds it):
# a deep link into a page other than app.py, then a switch to app.py by a link that carries the
# query, shows the controls at their defaults and an empty URL; a bare link from that page later
# brings the values back. So the global controls sync with the URL here: the URL sets the value
# before the widget is created, and a change writes the URL back. Page links carry the parameters
# (view_query). Page-only controls (on one page, never re-created elsewhere) use bind=.
#
# Each rerun takes its query string from the browser's address bar. When two controls change within
# one round trip (a currency, then at once a country), the second rerun still carries the address
# from before the first change, and the first change was lost: 3 of 6 quick tries in Chromium on a
# loaded machine; tests/browser/test_links.py::test_quick_changes_keep_every_control holds the server's
# messages back to make the slow round trip certain. So a change writes every
# bound control's value to the URL, not only its own: the widget values a rerun brings are current
# even when its address is not. Reruns no control started (a link, the back button) still take the
# URL as it is.
_MISSING = object()
_SYNCS = "_urlstate_syncs"  # session state: URL parameter -> its control's sync (all bound controls)


def bound(
    widget,
    label: str,
    *args,
    key: str,
    kind: str = "single",
    default=_MISSING,
    options: list | None = None,
    **kwargs,
):
    """A global control under URL parameter `key` (a name from params.py).

    kind: "single" (selectbox, segmented control), "multi" (multiselect), "date", "text", "bool".
    The URL holds what the control shows (the format_func label), as bind= would.
    """
    fmt = kwargs.get("format_func") or str
    if default is _MISSING:
        default = {"multi": [], "text": "", "bool": False}.get(kind, options[0] if options else None)

    def to_url(value) -> str | list[str]:
        if kind == "multi":
            return [str(fmt(v)) for v in value or []]
        if kind == "date":
            return value.isoformat() if isinstance(value, dt.date) else ""
        if kind == "bool":
            return "true" if value else "false"
        if kind == "text":
            return str(value or "")
        return str(fmt(value))

    def from_url(raw: list[str]):
        if kind == "multi":
            lookup = {str(fmt(o)): o for o in options or []} | {str(o): o for o in options or []}
            return [lookup[r] for r in raw if r in lookup]
        last = raw[-1]
        if kind == "date":
            try:
                return dt.date.fromisoformat(last)
            except ValueError:
                return default
        if kind == "bool":
            return last.lower() in ("true", "1", "yes")
        if kind == "text":
            return last
        lookup = {str(fmt(o)): o for o in options or []} | {str(o): o for o in options or []}
        return lookup.get(last, default)

    raw = st.query_params.get_all(key)
    wanted = from_url(raw) if raw else default
    # Always assign: after a page switch the key may still hold the previous page's widget
    # value while the new page's widget would start from its default.
    st.session_state[key] = wanted

    def sync() -> None:
        if key not in st.session_state:  # its widget was not drawn on the last run
            return
        value = st.session_state[key]
        if value == default or (kind == "multi" and not value and not default):
            if key in st.query_params:
                del st.query_params[key]
        else:
            st.query_params[key] = to_url(value)

    syncs = st.session_state.setdefault(_SYNCS, {})
    syncs[key] = sync
    return widget(label, *args, key=key, on_change=_sync_all, **kwargs)


def _sync_all() -> None:
    """A bound control changed: write every bound control's value to the URL (see the comment above)."""
    for sync in list(st.session_state.get(_SYNCS, {}).values()):
        sync()


def resend() -> None:
    """Send the server's query string to the browser again, once the global controls are drawn.

    A rerun that no bound control started (a button, a form, an expander) carries the address bar as it
    was; when it leaves before the previous run's new address has arrived, bound() reads the old address
    and the control falls back (measured with the server's messages held back: "Display currency" set to
    USD, then an expander opened). Streamlit then sent no address at all, since the run's query string
    equalled what the browser had sent, so the browser kept the first run's ?cur=USD over a page in EUR:
    a link that did not restore what the screen showed. Sent on every run, the address is always the
    screen's (tests/browser/test_links.py::test_the_address_matches_the_screen_after_a_click_that_raced_a_change)."""
    st.query_params.update()


def set_global(key: str, value: str | list[str]) -> None:
    """Change a global control from code (a callback): the URL is where bound() reads it from."""
    if value in ("", [], None):
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = value


def view_query() -> dict[str, str | list[str]]:
    """The current URL's parameters, to carry the view across page links."""
    out: dict[str, str | list[str]] = {}
    for key in st.query_params.keys():
        if key in P.NAMES:
            values = st.query_params.get_all(key)
            out[key] = values if len(values) > 1 else values[0]
    return out


def page_link(page: str, label: str, icon: str | None = None, **extra: str) -> None:
    """A link to another page that keeps the view (extra parameters added or replaced)."""
    query = view_query()
    query.update(extra)
    st.page_link(page, label=label, icon=icon, query_params=query)


def caller_page() -> str:
    """The URL path of the page being run (pages/1_Map.py -> Map, app.py -> '')."""
    # Walk the frames directly: inspect.stack() reads source lines for every frame, on every rerun.
    frame = sys._getframe(1)
    for _ in range(10):
        if frame is None:
            break
        path = Path(frame.f_code.co_filename)
        if path.parent.name == "pages":
            return re.sub(r"^\d+_", "", path.stem)
        if path.name == "app.py":
            return ""
        frame = frame.f_back
    return ""


def share_link(page_path: str) -> None:
    """'Copy link to this view': the page's address with every control in the query string."""
    parts = urlsplit(st.context.url or "")
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    prefix = st.get_option("server.baseUrlPath").strip("/")
    path = "/".join(p for p in (prefix, page_path) if p)
    query = urlencode(view_query(), doseq=True)
    link = f"{root}/{path}" + (f"?{query}" if query else "")
    with st.expander("Copy link to this view", icon=":material/share:"):
        st.code(link, language=None, wrap_lines=True)
        st.caption("Opens this page with the same filters, currency and settings, on any browser.")
