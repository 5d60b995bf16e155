"""Page setup: the first statement of every page, and the data it hands the page.

`ctx = setup_page("Title")` sets the page up (config, stylesheet), loads the data (bundled, a saved
dataset or this session's upload), builds the sidebar (components/sidebar.py) and returns a Context:
the converted and filtered frame, the filters and the money settings. Pages then only call metrics,
figures, charts, tables and panels and render.

The names pages have long used here (layout.kpi, layout.show_chart, layout.md_text, ...) still work:
they are imported from the modules that own them now (panels, charts, urlstate, text).
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from components import data, fx, metrics, sentences, sharing, sidebar, sources, uploads, urlstate
from components.charts import begin_page, filter_line, is_dark, open_profile_on_click, show_chart, viewer_theme_is_dark
from components.panels import (
    APP_NAME,
    coverage_panel,
    download_buttons,
    empty_state,
    kpi,
    open_data_panel,
    sources_panel,
)
from components.sentences import home_sentence
from components.sidebar import BASIS_LABELS, TYPE_LABELS
from components.text import md_text, safe_url, safe_urls
from components.urlstate import bound, embed_chart, page_link, present_from_url, set_global, view_query

__all__ = [
    "APP_NAME",
    "BASIS_LABELS",
    "TYPE_LABELS",
    "Context",
    "bound",
    "bundled_coverage",
    "coverage_panel",
    "download_buttons",
    "empty_state",
    "filter_line",
    "home_sentence",
    "is_dark",
    "kpi",
    "load_bundle",
    "md_text",
    "open_data_panel",
    "open_profile_on_click",
    "page_link",
    "safe_url",
    "safe_urls",
    "set_global",
    "setup_page",
    "show_chart",
    "sources_panel",
    "view_query",
]

FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.png"
#: Focus ring and phone reflow rules that no theme setting covers; a static file, no data in it.
A11Y_CSS = Path(__file__).resolve().parent.parent / "static" / "a11y.css"
A11Y_DARK_CSS = A11Y_CSS.with_name("a11y-dark.css")
SESSION_UPLOAD = uploads.UPLOADED_FINES  # session_state key: this session's accepted upload (never global)
SESSION_UPLOAD_NAME = uploads.UPLOADED_NAME
_PREP_CACHE = "_prepared_cache"
_FILTER_CACHE = "_filtered_cache"
#: In presentation mode the title's container has this key: it marks the page (class st-key-atlas_present).
PRESENT_MARKER = "atlas_present"


@dataclass
class Context:
    bundle: data.Bundle
    fines: pd.DataFrame  # all rows of the chosen data, prepared (display currency columns)
    filtered: pd.DataFrame  # after the global filters
    events: pd.DataFrame
    collection: pd.DataFrame
    filters: metrics.Filters
    money: metrics.Money
    as_of: pd.Timestamp | None
    present: bool
    data_label: str
    live: fx.LiveRates | None
    bundled: bool = True  # the bundled data (not an upload or a merge): published totals compare with it

    @property
    def currency(self) -> str:
        return self.money.currency

    @property
    def through(self) -> pd.Timestamp | None:
        """The last day the selection covers: the To filter or the data's as-of date, whichever is earlier."""
        days = [pd.Timestamp(d) for d in (self.filters.date_to, self.as_of) if d is not None]
        return min(days) if days else None

    def _sources_phrase(self) -> str:
        if self.filters.sources == sources.PRIMARY_ONLY:
            return "authorities' and courts' decisions and news reports"
        return "authorities' and courts' decisions, news reports, case summaries and commentary"

    def source_line(self, extra: str = "") -> str:
        as_of = f"{self.as_of:%Y-%m-%d}" if self.as_of is not None else "unknown"
        parts = [
            f"Source: {self.data_label}; {self._sources_phrase()} (source_url per fine)",
            f"{self.money.label}; rates: {fx.ECB_SOURCE.split(' (')[0]}",
            f"data as of {as_of}",
        ]
        if extra:
            parts.insert(1, extra)
        return " · ".join(parts)


# --- data ---------------------------------------------------------------------
#
# After every script run Streamlit collects garbage over every object of the process
# (runner.postScriptGC): ~170k objects, 65-75 ms a rerun, most of them long-lived (modules,
# the bundled frames, plotly's validators, the ECB rates). gc.freeze() moves the objects alive
# at that moment out of the collector's sight; collection stays on for everything made later.
# Freeze when long-lived objects were just made: after loading or preparing the bundled data,
# and once after the process's first complete run (imports and plotly's lazy validators).
# Objects frozen are not collected as cycles until the next refreeze: every REFREEZE_EVERY_S a page
# run unfreezes everything, collects once over all of it and freezes the survivors again. In between,
# the collection after every run walks only what was made since the last refreeze: with 20 sessions
# on one process, the sessions' own objects (widget states, script runners, queues: ~1,500 a session)
# had made each of those collections ~40 ms, two fifths of the server's CPU.
_FREEZE_LOCK = threading.Lock()
_runs_started = 0
#: Measured with 20 sessions (bench/RESULTS.md, Run 12): p95 1.54 and 1.87 s at 3 s, 1.79 and 2.07 s at 10 s. A
#: refreeze is one full collection (~240k objects, well under 0.1 s), so every 3 s costs a few percent of a core.
REFREEZE_EVERY_S: Final = 3.0
_last_refreeze = [time.monotonic()]


def refreeze_if_due(now: float | None = None) -> bool:
    """Collect everything once and freeze the survivors, at most every REFREEZE_EVERY_S (True if it did)."""
    now = time.monotonic() if now is None else now
    if now - _last_refreeze[0] < REFREEZE_EVERY_S:
        return False
    with _FREEZE_LOCK:
        if now - _last_refreeze[0] < REFREEZE_EVERY_S:
            return False
        _last_refreeze[0] = now
        gc.unfreeze()
        gc.collect()
        gc.freeze()
    return True


def freeze_long_lived(collect: bool = True) -> None:
    """Freeze what is alive now (after one collection, unless `collect` is False): it lives as long as the process."""
    with _FREEZE_LOCK:
        if collect:
            gc.collect()
        gc.freeze()


def _freeze_after_first_run() -> None:
    global _runs_started
    with _FREEZE_LOCK:
        _runs_started += 1
        first_again = _runs_started == 2
    if first_again:
        freeze_long_lived()


@st.cache_resource(max_entries=1, show_spinner=False)
def load_bundle() -> data.Bundle:
    """The bundled, public data: one copy per process (read-only; nothing per user)."""
    bundle = data.load_bundle()
    freeze_long_lived()
    return bundle


@st.cache_resource(max_entries=64, show_spinner=False)
def _prepared_bundled(money: metrics.Money, live_key: str) -> pd.DataFrame:
    live = fx.live_rates() if live_key else None
    prepared = metrics.prepare(load_bundle().fines, money, live)
    freeze_long_lived(collect=False)  # the last run's garbage went at its end (postScriptGC)
    return prepared


@st.cache_resource(max_entries=1, show_spinner=False)
def bundled_coverage() -> pd.DataFrame:
    """The bundled data beside published totals: the same for every session, so computed once (do not mutate)."""
    bundle = load_bundle()
    return metrics.coverage(bundle.fines, bundle.reference_totals)


def _prepared(frame_key: str, frame: pd.DataFrame, money: metrics.Money, live: fx.LiveRates | None) -> pd.DataFrame:
    """Per-session memo for uploaded data: never in a cache another session can reach."""
    memo: dict = st.session_state.setdefault(_PREP_CACHE, {})
    key = (frame_key, money, live.as_of if live and live.ok else "")
    if key not in memo:
        memo.clear()  # one copy the size of the upload (a second one held 257 MB for a 500,000-row upload)
        memo[key] = metrics.prepare(frame, money, live)
    return memo[key]


def _filtered(prepared: pd.DataFrame, flt: metrics.Filters, bundled: bool) -> pd.DataFrame:
    """The selection. For an upload, kept per session for the current filters: filtering copies every
    column of the rows kept (the default types drop a few of the bundled rows from a merged view),
    0.3 s of each rerun at 500,000 rows; it takes the place of the second prepared copy."""
    if bundled:
        return metrics.apply_filters(prepared, flt)
    held = st.session_state.get(_FILTER_CACHE)
    if held is not None and held[0]() is prepared and held[1] == flt:
        return held[2]
    filtered = metrics.apply_filters(prepared, flt)
    st.session_state[_FILTER_CACHE] = (weakref.ref(prepared), flt, filtered)
    return filtered


def chosen_fines(bundle: data.Bundle, choice: str) -> tuple[pd.DataFrame | None, str, str]:
    """(raw fines or None for bundled, key, label) for the session's data choice."""
    upload = st.session_state.get(SESSION_UPLOAD)
    if upload is None or choice == "bundled":
        return None, "bundled", "Enforcement Atlas bundled data"
    name = st.session_state.get(SESSION_UPLOAD_NAME, "your file")
    token = f"{st.session_state.get(uploads.UPLOAD_TOKEN, '')}:{st.session_state.get(uploads.UPLOAD_VERSION, 0)}"
    if choice == "mine":
        return upload, f"mine:{token}", f"your upload ({name})"
    merged = uploads.merged(st.session_state, bundle.fines, upload)  # once per upload, not per rerun
    return merged, f"merged:{token}", f"bundled data merged with your upload ({name})"


# --- the page -----------------------------------------------------------------


def setup_page(title: str) -> Context:
    """The first statement of every page: idempotent, safe on a cold server and a deep link."""
    _freeze_after_first_run()
    refreeze_if_due()
    present = present_from_url()
    st.set_page_config(
        page_title=f"{title} · {APP_NAME}",
        # A local file: material-icon and emoji favicons are fetched from a CDN.
        page_icon=str(FAVICON),
        layout="wide",
        initial_sidebar_state="collapsed" if present or embed_chart() is not None else "auto",
    )
    # the dark theme's sheet: text on the accent colour, which only the dark theme's accent needs
    for sheet in (A11Y_CSS, A11Y_DARK_CSS) if viewer_theme_is_dark() else (A11Y_CSS,):
        st.html(sheet)  # a Path: Streamlit reads the file and sends it as one <style>, outside the page's layout
    try:
        bundle = load_bundle()
    except data.DataFileError as exc:
        st.error(str(exc), title="The bundled data could not be loaded", icon=":material/error:")
        st.caption("Restore the file from the repository (git checkout data/) and reload the page.")
        st.stop()
        raise  # for type checkers; st.stop() does not return

    chosen = sidebar.render(bundle, lambda choice: chosen_fines(bundle, choice), present)
    urlstate.resend()  # the address is the screen's, even after a click that raced a change (urlstate.resend)
    shared, raw, money, flt = chosen.shared, chosen.raw, chosen.money, chosen.filters
    live = fx.live_rates() if (chosen.want_live and money.basis == "latest") else None
    if raw is None:
        prepared = _prepared_bundled(money, "live" if live and live.ok else "")
    elif shared.ok:
        prepared = sharing.prepared(shared, money, bool(live and live.ok))
    else:
        prepared = _prepared(chosen.frame_key, raw, money, live if live and live.ok else None)
    ctx = Context(
        bundle=bundle,
        fines=prepared,
        filtered=_filtered(prepared, flt, raw is None),
        events=bundle.events,
        collection=bundle.collection,
        filters=flt,
        money=money,
        as_of=shared.as_of if shared.ok else bundle.as_of,
        present=chosen.present,
        data_label=chosen.data_label,
        live=live,
        bundled=raw is None,
    )
    first, last = chosen.base["decision_date"].min(), chosen.base["decision_date"].max()
    summary = sentences.filter_summary(flt, first.date() if pd.notna(first) else None, last.date() if pd.notna(last) else None)
    if begin_page(summary):  # the one-chart embed view: no title, no banners
        return ctx
    # in presentation mode the title's container is the marker under which static/a11y.css scales
    # captions, text and tables (an empty container is not drawn, so it could not mark anything)
    with st.container(key=PRESENT_MARKER if ctx.present else None):
        st.title(title)
    sharing.banner(shared)
    if live is not None and not live.ok:
        st.warning(live.message, icon=":material/cloud_off:")
    elif live is not None and live.ok:
        st.caption(f"Latest rates: {live.source}, {live.as_of}.")
    return ctx
