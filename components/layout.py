"""Shared page setup and render helpers (UI module: imports streamlit).

Every page starts with `ctx = setup_page("Title")`: page config, data (bundled or this
session's upload), the sidebar controls bound to the URL, currency conversion and the
filtered frame. Pages then only call metrics and figures and render.
"""

from __future__ import annotations

import datetime as dt
import gc
import html
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import streamlit as st

from components import countries, data, exports, figures, fx, metrics, publish, schema, sentences, sharing, uploads
from components import params as P

APP_NAME = "Enforcement Atlas"
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.png"
#: Focus ring and phone reflow rules that no theme setting covers; a static file, no data in it.
A11Y_CSS = Path(__file__).resolve().parent.parent / "static" / "a11y.css"
SESSION_UPLOAD = uploads.UPLOADED_FINES  # session_state key: this session's accepted upload (never global)
SESSION_UPLOAD_NAME = uploads.UPLOADED_NAME
_PREP_CACHE = "_prepared_cache"


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

    def source_line(self, extra: str = "") -> str:
        as_of = f"{self.as_of:%Y-%m-%d}" if self.as_of is not None else "unknown"
        parts = [
            f"Source: {self.data_label}; authorities' and courts' decisions (source_url per fine)",
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
# Objects frozen are never collected as cycles; freezing happens a bounded number of times
# (at most once per cache entry), so the cost is a fixed amount of memory, not a leak per rerun.
_FREEZE_LOCK = threading.Lock()
_runs_started = 0


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
        if len(memo) >= 2:  # the current view and one to go back to; each copy is the size of the upload
            memo.pop(next(iter(memo)))
        memo[key] = metrics.prepare(frame, money, live)
    return memo[key]


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


def _present_from_url() -> bool:
    value = st.query_params.get(P.PRESENT, "")
    return str(value).lower() in ("1", "true", "yes")


_PRESENT_TOGGLE = "present_toggle"


def _present_widget(from_url: bool) -> bool:
    """Presentation mode follows ?present=1 (not bound: a bound toggle only reads true/false)."""
    st.session_state[_PRESENT_TOGGLE] = from_url

    def sync() -> None:
        if st.session_state[_PRESENT_TOGGLE]:
            st.query_params[P.PRESENT] = "1"
        elif P.PRESENT in st.query_params:
            del st.query_params[P.PRESENT]

    return st.toggle(
        "Presentation mode",
        key=_PRESENT_TOGGLE,
        on_change=sync,
        help="Large type and full-width charts for a projector; the sidebar starts closed. Same as ?present=1.",
    )


def setup_page(title: str) -> Context:
    """The first statement of every page: idempotent, safe on a cold server and a deep link."""
    _freeze_after_first_run()
    present = _present_from_url()
    st.set_page_config(
        page_title=f"{title} · {APP_NAME}",
        # A local file: material-icon and emoji favicons are fetched from a CDN.
        page_icon=str(FAVICON),
        layout="wide",
        initial_sidebar_state="collapsed" if present or _embed_chart() is not None else "auto",
    )
    st.html(A11Y_CSS)  # a Path: Streamlit reads the file and sends it as one <style>, outside the page's layout
    try:
        bundle = load_bundle()
    except data.DataFileError as exc:
        st.error(str(exc), title="The bundled data could not be loaded", icon=":material/error:")
        st.caption("Restore the file from the repository (git checkout data/) and reload the page.")
        st.stop()
        raise  # for type checkers; st.stop() does not return

    sidebar = st.sidebar
    with sidebar:
        navigation()
        st.subheader("Filters", divider="gray")
        # ?dataset=ID: a saved, shared dataset replaces the data choice on every page
        shared = sharing.resolve()
        if shared.ok:
            raw, frame_key, data_label = shared.frame, shared.key, shared.label
        else:
            raw, frame_key, data_label = chosen_fines(bundle, _data_choice_widget())
        base = bundle.fines if raw is None else raw
        flt = _filter_widgets(base)
        st.subheader("Amounts", divider="gray")
        money, want_live = _money_widgets()
        present = _present_widget(present)
        image_format = bound(
            st.segmented_control,
            "Chart downloads",
            ["png", "svg"],
            options=["png", "svg"],
            format_func=str.upper,
            default="png",
            required=True,
            key=P.IMAGE_FORMAT,
            help="Format of the camera button on each chart. Works offline; the image keeps the chart's title and source.",
        )
        st.session_state[_IMAGE_FORMAT_STATE] = image_format or "png"
        share_link(_caller_page())

    live = fx.live_rates() if (want_live and money.basis == "latest") else None
    if raw is None:
        prepared = _prepared_bundled(money, "live" if live and live.ok else "")
    elif shared.ok:
        prepared = sharing.prepared(shared, money, bool(live and live.ok))
    else:
        prepared = _prepared(frame_key, raw, money, live if live and live.ok else None)
    filtered = metrics.apply_filters(prepared, flt)
    ctx = Context(
        bundle=bundle,
        fines=prepared,
        filtered=filtered,
        events=bundle.events,
        collection=bundle.collection,
        filters=flt,
        money=money,
        as_of=shared.as_of if shared.ok else bundle.as_of,
        present=bool(present),
        data_label=data_label,
        live=live,
        bundled=raw is None,
    )
    first, last = base["decision_date"].min(), base["decision_date"].max()
    st.session_state[_FILTER_LINE] = sentences.filter_summary(
        flt, first.date() if pd.notna(first) else None, last.date() if pd.notna(last) else None
    )
    st.session_state[_CHART_COUNT] = 0
    st.session_state[_DARK] = _dark_theme()
    if _embed_chart() is not None:
        _embed_view_start()
        return ctx
    st.title(title)
    sharing.banner(shared)
    if live is not None and not live.ok:
        st.warning(live.message, icon=":material/cloud_off:")
    elif live is not None and live.ok:
        st.caption(f"Latest rates: {live.source}, {live.as_of}.")
    return ctx


PAGES = (
    ("app.py", "Overview", ":material/dashboard:"),
    ("pages/1_Map.py", "Map", ":material/map:"),
    ("pages/7_Fines.py", "Fines", ":material/list_alt:"),
    ("pages/2_Companies.py", "Companies", ":material/business:"),
    ("pages/3_Timeline.py", "Timeline", ":material/timeline:"),
    ("pages/4_Collection.py", "Collection", ":material/payments:"),
    ("pages/5_Appeals.py", "Appeals", ":material/gavel:"),
    ("pages/6_Data.py", "Data", ":material/upload_file:"),
)


def navigation() -> None:
    """Our own page links (the default list is hidden in config.toml): they carry the view's URL."""
    query = view_query()
    for page, label, icon in PAGES:
        if (Path(__file__).resolve().parent.parent / page).exists():
            st.page_link(page, label=label, icon=icon, query_params=query)


_IMAGE_FORMAT_STATE = "_image_format"


def _caller_page() -> str:
    """The URL path of the page being run (pages/1_Map.py -> Map, app.py -> '')."""
    # Walk the frames directly: inspect.stack() reads source lines for every frame, on every rerun.
    frame = sys._getframe(1)
    for _ in range(8):
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
    from urllib.parse import urlencode, urlsplit

    base = st.context.url or ""
    parts = urlsplit(base)
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    prefix = st.get_option("server.baseUrlPath").strip("/")
    path = "/".join(p for p in (prefix, page_path) if p)
    query = urlencode(view_query(), doseq=True)
    link = f"{root}/{path}" + (f"?{query}" if query else "")
    with st.expander("Copy link to this view", icon=":material/share:"):
        st.code(link, language=None, wrap_lines=True)
        st.caption("Opens this page with the same filters, currency and settings, on any browser.")


def _data_choice_widget() -> str:
    has_upload = st.session_state.get(SESSION_UPLOAD) is not None
    if not has_upload:
        return "bundled"
    return (
        bound(
            st.segmented_control,
            "Data",
            ["bundled", "mine", "merged"],
            options=["bundled", "mine", "merged"],
            format_func={"bundled": "Bundled", "mine": "My upload", "merged": "Merged"}.get,
            default="merged",
            key=P.DATA_SOURCE,
            required=True,
            help="Your upload is visible to this browser session only.",
        )
        or "merged"
    )


# --- global controls: kept in the URL by hand, so they survive page switches --------
#
# Streamlit's bind="query-params" drops a parameter on a page switch when the widget that
# bound it lives on another page (it keeps only the entry script's bindings), and in the
# pages/ layout every page creates the sidebar itself. So the global controls sync with
# the URL here: the URL sets the value before the widget is created, and a change writes
# the URL back. Page links carry the parameters (view_query). Page-only controls use bind.
_MISSING = object()


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
        value = st.session_state.get(key)
        if value == default or (kind == "multi" and not value and not default):
            if key in st.query_params:
                del st.query_params[key]
        else:
            st.query_params[key] = to_url(value)

    return widget(label, *args, key=key, on_change=sync, **kwargs)


def set_global(key: str, value: str | list[str]) -> None:
    """Change a global control from code (a callback): the URL is where bound() reads it from."""
    if value in ("", [], None):
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = value


def _date_field(label: str, key: str, default: dt.date, end: bool) -> dt.date:
    """A date typed as text: it applies on Enter and on Tab, as every text field does.

    Streamlit's date picker commits a typed date only when the field loses focus to a click,
    not on Enter; a text field (as in the GOV.UK date pattern) works from the keyboard alone.
    """
    text = bound(
        st.text_input,
        label,
        key=key,
        kind="text",
        default=default.isoformat(),
        placeholder="YYYY-MM-DD",
        max_chars=10,
        help="A date as YYYY-MM-DD, or a month (YYYY-MM) or a year; Enter or Tab applies it.",
    )
    parsed = metrics.parse_date_text(text, end=end)
    if parsed is None:
        st.caption(f"Not a date between 1999 and today: {md_text(text)}. Showing {default:%Y-%m-%d}.")
        return default
    return parsed


def _filter_widgets(base: pd.DataFrame) -> metrics.Filters:
    first = base["decision_date"].min()
    last = base["decision_date"].max()
    first_d = first.date() if pd.notna(first) else dt.date(2018, 5, 25)
    last_d = last.date() if pd.notna(last) else dt.date.today()
    date_from = _date_field("From", P.DATE_FROM, first_d, end=False)
    date_to = _date_field("To", P.DATE_TO, last_d, end=True)
    country_codes = sorted(base["country"].dropna().unique(), key=countries.name)
    chosen_countries = bound(
        st.multiselect,
        "Authority countries",
        country_codes,
        options=country_codes,
        kind="multi",
        format_func=lambda c: f"{countries.name(c)} ({c})",
        key=P.COUNTRIES,
        placeholder="All countries",
    )
    company = bound(st.text_input, "Company", key=P.COMPANY_SEARCH, kind="text", placeholder="e.g. Clearview", max_chars=200)
    sector_label = lambda s: schema.SECTOR_LABELS.get(s, s)  # noqa: E731 - uploads keep their own wording
    sectors = sorted((s for s in base["sector"].dropna().unique() if s), key=sector_label)
    chosen_sectors = bound(
        st.multiselect,
        "Sector",
        sectors,
        options=sectors,
        kind="multi",
        format_func=sector_label,
        key=P.SECTORS,
        placeholder="All sectors",
    )
    appeal = bound(
        st.multiselect,
        "Appeal status",
        list(schema.APPEAL_STATUSES),
        options=list(schema.APPEAL_STATUSES),
        kind="multi",
        format_func=lambda s: figures.STATUS_LABELS.get(s, s),
        key=P.APPEAL,
        placeholder="Any",
    )
    payment = bound(
        st.multiselect,
        "Payment status",
        list(schema.PAYMENT_STATUSES),
        options=list(schema.PAYMENT_STATUSES),
        kind="multi",
        format_func=lambda s: figures.STATUS_LABELS.get(s, s),
        key=P.PAYMENT,
        placeholder="Any",
    )
    types = bound(
        st.multiselect,
        "Decision types",
        list(schema.DECISION_TYPES),
        options=list(schema.DECISION_TYPES),
        kind="multi",
        default=list(metrics.DEFAULT_TYPES),
        format_func=lambda s: TYPE_LABELS.get(s, s),
        key=P.DECISION_TYPES,
        help="Notices of intent and decisions without a fine are kept in the data but left out of totals by default.",
    )
    article_options = metrics.article_numbers(base["articles"]) if "articles" in base else []
    chosen_articles = bound(
        st.multiselect,
        "GDPR articles",
        article_options,
        options=article_options,
        kind="multi",
        format_func=lambda a: f"Art. {a}",
        key=P.ARTICLES,
        placeholder="Any article",
        help="Decisions citing any of these articles (Art. 5 includes 5(1)(f)).",
    )
    violation_options = [v for v in schema.VIOLATIONS if "violation" in base and (base["violation"] == v).any()]
    chosen_violations = bound(
        st.multiselect,
        "Violation type",
        violation_options,
        options=violation_options,
        kind="multi",
        format_func=lambda v: schema.VIOLATION_LABELS.get(v, v),
        key=P.VIOLATIONS,
        placeholder="Any type",
    )
    return metrics.Filters(
        articles=tuple(chosen_articles),
        violations=tuple(chosen_violations),
        date_from=date_from if isinstance(date_from, dt.date) else None,
        date_to=date_to if isinstance(date_to, dt.date) else None,
        countries=tuple(chosen_countries),
        company=company or "",
        sectors=tuple(chosen_sectors),
        appeal=tuple(appeal),
        payment=tuple(payment),
        types=tuple(types) if types else metrics.DEFAULT_TYPES,
    )


BASIS_LABELS = {"decision": "Decision date", "latest": "Latest", "year": "Year"}
TYPE_LABELS = {
    "fine": "Fines",
    "penalty_payment": "Penalties for non-compliance",
    "court_fine": "Court-imposed fines (DK, EE)",
    "notice_of_intent": "Notices of intent",
    "no_fine": "Decisions without a fine",
}


def _money_widgets() -> tuple[metrics.Money, bool]:
    currencies = fx.available_currencies()
    currency = bound(st.selectbox, "Display currency", currencies, options=currencies, key=P.CURRENCY)
    basis = (
        bound(
            st.segmented_control,
            "Conversion rate",
            list(fx.BASES),
            options=list(fx.BASES),
            format_func=BASIS_LABELS.get,
            default="decision",
            required=True,
            key=P.BASIS,
            help="Which ECB rate converts each fine: the rate of its decision date, the latest rate, or one year's average.",
        )
        or "decision"
    )
    year = None
    if basis == "year":
        last_year = fx.rates_table().last_published.year
        years = list(range(last_year, 1998, -1))
        year = bound(st.selectbox, "Rate year", years, options=years, key=P.FX_YEAR)
    amount_basis = (
        bound(
            st.segmented_control,
            "Amounts",
            ["imposed", "standing"],
            options=["imposed", "standing"],
            format_func={"imposed": "As imposed", "standing": "Standing after appeals"}.get,
            default="imposed",
            required=True,
            key=P.AMOUNT_BASIS,
        )
        or "imposed"
    )
    want_live = False
    if basis == "latest":
        want_live = bound(
            st.toggle,
            "Try live rates (forex-python)",
            key=P.LIVE_RATES,
            kind="bool",
            help="Off by default. Falls back to the embedded ECB rates within 3 seconds if the service does not answer.",
        )
    return metrics.Money(currency=currency or "EUR", basis=basis, year=year, amount_basis=amount_basis), bool(want_live)


# --- render helpers -----------------------------------------------------------

_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp):/|\bwww\.")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^&])")


def md_text(value: object) -> str:
    """Data text for elements that render markdown (headers, captions, labels).

    Every markdown, directive and HTML character is backslash-escaped, so a company
    named `![x](https://evil/)` or `:red[...]` shows literally and loads nothing.
    """
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    # The frontend turns bare URLs into links (GFM autolink literals) even in escaped text:
    # a word joiner (U+2060, invisible) after the scheme's colon and in "www." breaks them.
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u2060" + m.group(0)[-1], text)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def safe_url(url: object) -> str | None:
    """Only http(s) links are rendered as links; anything else is shown as text or dropped."""
    if not isinstance(url, str):
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


_HTTP_LINK = r"(?i)^https?://[^/?#\s]"


def safe_urls(urls: pd.Series) -> pd.Series:
    """safe_url over a whole column at once (one regex pass instead of urlparse per row)."""
    text = urls.astype("string").str.strip()
    ok = text.str.match(_HTTP_LINK).fillna(False).astype(bool)
    return text.astype(object).where(ok)


_FILTER_LINE = "_filter_line"
_CHART_COUNT = "_chart_count"
_DARK = "_dark_theme"
_EMBED_SLOT = "atlas_embed"
_EMBED_SLOT_DG = "_embed_slot"


def _dark_theme() -> bool:
    theme = getattr(st.context, "theme", None)
    return bool(theme is not None and getattr(theme, "type", None) == "dark")


def is_dark() -> bool:
    """The viewer's theme is dark (the figures pick their map colours from it)."""
    return bool(st.session_state.get(_DARK, False))


def _embed_chart() -> int | None:
    """With ?view=chart: the number (from 1) of the page's chart to show alone; else None."""
    if str(st.query_params.get(P.VIEW, "")).lower() != "chart":
        return None
    raw = str(st.query_params.get(P.CHART, "1"))
    return int(raw) if raw.isdigit() and int(raw) >= 1 else 1


def _embed_view_start() -> None:
    """The one-chart view: a slot for the chart, and a sink where the page's other elements replace one another.

    The sink is an st.empty entered for the rest of the script (Streamlit resets the container stack
    on every run), so the page code stays as it is; show_chart clears the sink and stops after its chart.
    """
    slot = st.container(key=_EMBED_SLOT)
    sink = st.empty()
    sink.__enter__()
    st.session_state[_EMBED_SLOT_DG] = (slot, sink)


def open_profile_on_click(selection) -> None:
    """A click on a company's bar (customdata: its group) opens the Companies page on its profile."""
    points = ((selection or {}).get("selection") or {}).get("points", []) if selection else []
    names = [html.unescape(p["customdata"]) for p in points if isinstance(p.get("customdata"), str)]
    if names:
        query = view_query()
        query[P.COMPANY] = names[0]
        st.switch_page("pages/2_Companies.py", query_params=query)


def filter_line() -> str:
    return str(st.session_state.get(_FILTER_LINE, ""))


def show_chart(fig, key: str, filename: str, alt: str, on_select=None, selection_mode=("points",)):
    """Every chart: the active filters as its subtitle, presentation sizes, and the embed view's one chart."""
    figures.add_subtitle(fig, filter_line())
    if _present_from_url():
        figures.presentation_sizes(fig)
    config = figures.plot_config(filename, st.session_state.get(_IMAGE_FORMAT_STATE, "png"), fig.layout.height)
    kwargs = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": selection_mode}
    st.session_state[_CHART_COUNT] = st.session_state.get(_CHART_COUNT, 0) + 1
    wanted = _embed_chart()
    if wanted is not None:
        if st.session_state[_CHART_COUNT] != wanted:
            return None
        slot, sink = st.session_state[_EMBED_SLOT_DG]
        with slot:
            st.plotly_chart(fig, key=key, config=config, alt=alt, theme="streamlit", **kwargs)
        sink.empty()
        st.stop()
    return st.plotly_chart(fig, key=key, config=config, alt=alt, theme="streamlit", **kwargs)


SOURCES_TABLE_ROWS = 1000
SOURCE_COLUMNS = {
    "controller": "Company",
    "authority": "Authority",
    "country": "Country",
    "decision_date": "Decided",
    "amount": "Amount",
    "currency": "Currency",
    "rate": "Rate used",
    "rate_date": "Rate date",
    "value_x": "Shown",
    "appeal_status": "Appeal",
    "payment_status": "Payment",
    "source_url": "Source",
}


def sources_panel(rows: pd.DataFrame, ctx: Context, key: str, note: str = "") -> None:
    """Beside a chart: which rows it uses, their sources, the rates and their dates."""
    with st.expander(f"Sources and rates: {len(rows)} row(s)", icon=":material/link:"):
        if note:
            st.caption(note)
        shown = rows
        if len(rows) > SOURCES_TABLE_ROWS:
            shown = rows.nlargest(SOURCES_TABLE_ROWS, "value_x") if "value_x" in rows.columns else rows.head(SOURCES_TABLE_ROWS)
            st.caption(f"Showing the {SOURCES_TABLE_ROWS:,} largest of {len(rows):,} rows; the downloads hold them all.")
        table = shown[[c for c in SOURCE_COLUMNS if c in shown.columns]].copy()
        table["source_url"] = safe_urls(table["source_url"])
        if "decision_date" in table:
            table["decision_date"] = metrics.decided_label(shown)
        st.dataframe(
            table,
            hide_index=True,
            key=f"src_{key}",
            column_config={
                "source_url": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)"),
                "decision_date": st.column_config.TextColumn("Decided", help="A month or a year where only that is known."),
                "amount": st.column_config.NumberColumn("Amount", format="%,.0f"),
                "value_x": st.column_config.NumberColumn(f"Shown ({ctx.currency})", format="%,.0f"),
                "rate": st.column_config.NumberColumn("Rate used", format="%.5f"),
                **{
                    c: st.column_config.TextColumn(label)
                    for c, label in SOURCE_COLUMNS.items()
                    if c in ("controller", "authority", "country", "currency", "rate_date", "appeal_status", "payment_status")
                },
            },
            alt=f"Rows behind the chart, with sources and rates ({len(rows)} rows)",
        )
        rates = rows.groupby(["currency", "rate_date"], observed=True)["rate"].first().reset_index()
        rates = rates[rates["currency"] != ctx.currency]
        if len(rates):
            st.caption(
                f"Rates to {ctx.currency} ({fx.ECB_SOURCE}): "
                + "; ".join(f"1 {r.currency} = {r.rate:.5f} on {r.rate_date}" for r in rates.head(12).itertuples())
                + (f"; and {len(rates) - 12} more" if len(rates) > 12 else "")
            )


def download_buttons(rows: pd.DataFrame, ctx: Context, key: str, name: str = "enforcement-atlas") -> None:
    """Filtered data as CSV and XLSX, formula-safe, with sources and licence."""
    cols = [c for c in schema.FINE_COLUMNS if c in rows.columns] + [
        c for c in ("value_x", "rate", "rate_date", "rate_source") if c in rows.columns
    ]
    table = rows[cols].rename(columns={"value_x": f"shown_{ctx.currency}"})
    as_of = f"{ctx.as_of:%Y-%m-%d}" if ctx.as_of is not None else "unknown"
    header = [
        f"{APP_NAME}: {len(table)} row(s); {ctx.money.label}; data as of {as_of}",
        f"Data: {ctx.data_label}",
        exports.LICENCE,
    ]
    about = {
        "title": f"{APP_NAME} export",
        "rows": str(len(table)),
        "data": ctx.data_label,
        "amounts": ctx.money.label,
        "rates": fx.ECB_SOURCE,
        "as_of": as_of,
        "licence": exports.LICENCE,
        "sources": "Each row's source_url",
    }
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download CSV",
        lambda: exports.to_csv_bytes(table, header),  # built on click, not on every rerun
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Download XLSX",
        lambda: exports.to_xlsx_bytes(table, about),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_xlsx_{key}",
        icon=":material/table:",
        on_click="ignore",
    )


def kpi(label: str, value: str, help: str | None = None, note: str | None = None) -> None:
    """A headline tile: st.metric, or in presentation mode a large heading readable from the back of a room."""
    if not _present_from_url():
        st.metric(label, value, delta=note, delta_color="off", delta_arrow="off", help=help, border=True)
        return
    with st.container(border=True):
        st.caption(label)
        st.markdown(f"# {md_text(value)}")
        if note:
            st.caption(note)


def coverage_panel(table: pd.DataFrame) -> None:
    """What share of the publicly known fines the bundled data holds, said in one line and shown in a table."""
    if not len(table):
        return
    st.caption(figures.coverage_sentence(table))
    with st.expander("Coverage against published totals", icon=":material/fact_check:"):
        st.dataframe(
            table.assign(source_url=safe_urls(table["source_url"])),
            hide_index=True,
            key="coverage_table",
            column_config={
                "publisher": st.column_config.TextColumn("Published by"),
                "what": st.column_config.TextColumn("What it counts"),
                "period": st.column_config.TextColumn("Period"),
                "cutoff": None,
                "since_start": None,
                "their_fines": st.column_config.NumberColumn("Their fines", format="%,.0f", help="Blank: not given."),
                "our_fines": st.column_config.NumberColumn("Atlas fines", format="%,.0f"),
                "fines_share": st.column_config.NumberColumn("Share of count", format="percent"),
                "their_total_eur": st.column_config.NumberColumn("Their total (EUR)", format="%,.0f"),
                "our_total_eur": st.column_config.NumberColumn("Atlas total (EUR)", format="%,.0f"),
                "total_share": st.column_config.NumberColumn("Share of total", format="percent"),
                "source_url": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)"),
                "notes": st.column_config.TextColumn("Notes", width="large"),
            },
            alt="The Atlas's count and total beside published totals of other trackers",
        )
        st.caption(
            "Atlas figures: money decisions dated in the same period, at decision-date ECB rates. Scopes differ a little "
            "(some trackers leave out ePrivacy fines or the UK), so a share can pass 100%."
        )


def open_data_panel(ctx: Context) -> None:
    """Links to the full bundled tables at stable URLs, with the licence and how to cite them."""
    counts = publish.summary(ctx.bundle)
    st.markdown("**The full bundled tables** (CSV, UTF-8, and a Frictionless Data Package describing them):")
    links = st.container(horizontal=True)
    for name, rows in counts.items():
        links.link_button(f"{name} ({rows:,} rows)", publish.STATIC_URL + name, icon=":material/table:")
    links.link_button("datapackage.json", publish.STATIC_URL + "datapackage.json", icon=":material/data_object:")
    as_of = f"{ctx.as_of:%Y-%m-%d}" if ctx.as_of is not None else "unknown"
    st.caption(
        "Licence: CC BY 4.0 for the compiled data (each fact's own source is in source_url). Cite as: "
        + md_text(publish.CITATION.format(as_of=as_of))
    )


def home_sentence(profile: pd.DataFrame) -> str:
    """Where the fined entities are established and where their group is headquartered, as a sentence."""

    def names(column: str) -> str:
        if column not in profile:
            return "unknown"
        codes = profile[column].dropna()
        codes = codes[codes != ""].value_counts().index.tolist()
        return ", ".join(countries.name(c) for c in codes) if codes else "unknown"

    return f"Group headquarters: {names('group_country')}. Fined entities established in: {names('controller_country')}."


def empty_state(message: str) -> None:
    """A clear 'nothing here' note; the message may carry data text (a company name), so it is escaped."""
    st.info(md_text(message) + " Widen the filters in the sidebar.", icon=":material/filter_alt_off:")


def view_query() -> dict[str, str | list[str]]:
    """The current URL's parameters, to carry the view across page links."""
    out: dict[str, str | list[str]] = {}
    for key in st.query_params.keys():
        if key in P.NAMES:
            values = st.query_params.get_all(key)
            out[key] = values if len(values) > 1 else values[0]
    return out


def page_link(page: str, label: str, icon: str | None = None, **extra: str) -> None:
    query = view_query()
    query.update(extra)
    st.page_link(page, label=label, icon=icon, query_params=query)
