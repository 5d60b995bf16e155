"""The sidebar: page links, the global filters, amounts and presentation controls, bound to the URL.

UI module (imports streamlit). Every page builds the sidebar through `render()` (from setup_page),
so the controls, their keys (params.py) and their URL binding are the same on every page.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from components import countries, figures, fx, memo, metrics, schema, sources, uploads
from components import params as P
from components.text import md_text
from components.urlstate import bound, caller_page, share_link, view_query

#: session_state key of the chosen image format (the camera button of every chart)
IMAGE_FORMAT_STATE = "_image_format"


_PRESENT_TOGGLE = "present_toggle"


def present_widget(from_url: bool) -> bool:
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
    for page, label, icon in _existing_pages():
        st.page_link(page, label=label, icon=icon, query_params=query)


@functools.cache
def _existing_pages() -> tuple[tuple[str, str, str], ...]:
    root = Path(__file__).resolve().parent.parent
    return tuple(p for p in PAGES if (root / p[0]).exists())


def _one_of(label: str, options, labels, default: str, key: str, help: str | None = None) -> str:
    """A global required choice of a few options (a segmented control bound to the URL under `key`)."""
    options = list(options)
    label_of = labels.get if isinstance(labels, dict) else labels
    value = bound(
        st.segmented_control,
        label,
        options,
        options=options,
        format_func=label_of,
        default=default,
        required=True,
        key=key,
        help=help,
    )
    return value or default


def data_choice_widget() -> str:
    has_upload = st.session_state.get(uploads.UPLOADED_FINES) is not None
    if not has_upload:
        return "bundled"
    return _one_of(
        "Data",
        ["bundled", "mine", "merged"],
        {"bundled": "Bundled", "mine": "My upload", "merged": "Merged"},
        "merged",
        P.DATA_SOURCE,
        help="Your upload is visible to this browser session only.",
    )


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


@dataclass(frozen=True)
class FilterOptions:
    """What the filters offer for one dataset: its date range and the values it holds."""

    first: dt.date
    last: dt.date
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    articles: tuple[str, ...]
    violations: tuple[str, ...]


@memo.on_frame
def filter_options(base: pd.DataFrame) -> FilterOptions:
    """The filters' choices for `base`, worked out once per dataset rather than on every rerun."""
    first = base["decision_date"].min()
    last = base["decision_date"].max()
    present = set(base["violation"].dropna().unique()) if "violation" in base else set()
    sector_label = lambda s: schema.SECTOR_LABELS.get(s, s)  # noqa: E731 - uploads keep their own wording
    return FilterOptions(
        first=first.date() if pd.notna(first) else dt.date(2018, 5, 25),
        last=last.date() if pd.notna(last) else dt.date.today(),
        countries=tuple(sorted(base["country"].dropna().unique(), key=countries.name)),
        sectors=tuple(sorted((s for s in base["sector"].dropna().unique() if s), key=sector_label)),
        articles=tuple(metrics.article_numbers(base["articles"])) if "articles" in base else (),
        violations=tuple(v for v in schema.VIOLATIONS if v in present),
    )


def filter_widgets(base: pd.DataFrame) -> metrics.Filters:
    opts = filter_options(base)
    first_d, last_d = opts.first, opts.last
    date_from = _date_field("From", P.DATE_FROM, first_d, end=False)
    date_to = _date_field("To", P.DATE_TO, last_d, end=True)
    country_codes = list(opts.countries)
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
    company = bound(
        st.text_input,
        "Company",
        key=P.COMPANY_SEARCH,
        kind="text",
        placeholder="e.g. Clearview",
        max_chars=200,
        help="Finds companies and groups with a word that starts with this text: TIM finds TIM S.p.A., not Optimove.",
    )
    sector_label = lambda s: schema.SECTOR_LABELS.get(s, s)  # noqa: E731 - uploads keep their own wording
    sectors = list(opts.sectors)
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
    article_options = list(opts.articles)
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
    violation_options = list(opts.violations)
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
    source_choice = _one_of(
        "Sources",
        sources.CHOICES,
        sources.CHOICE_LABELS,
        sources.ANY,
        P.SOURCES,
        help="A fine's source is the authority's decision or release, a court, or a news report; some fines rest "
        "only on a case summary (GDPRhub) or a law firm's or blog's article, whose original was not opened. Choose the "
        "second to leave those out (and uploaded rows that give no source at all).",
    )
    return metrics.Filters(
        sources=source_choice,
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


def money_widgets() -> tuple[metrics.Money, bool]:
    currencies = fx.available_currencies()
    currency = bound(st.selectbox, "Display currency", currencies, options=currencies, key=P.CURRENCY)
    basis = _one_of(
        "Conversion rate",
        fx.BASES,
        BASIS_LABELS,
        "decision",
        P.BASIS,
        help="Which ECB rate converts each fine: the rate of its decision date, the latest rate, or one year's average.",
    )
    year = None
    if basis == "year":
        last_year = fx.rates_table().last_published.year
        years = list(range(last_year, 1998, -1))
        year = bound(st.selectbox, "Rate year", years, options=years, key=P.FX_YEAR)
    amount_basis = _one_of(
        "Amounts",
        ["imposed", "standing"],
        {"imposed": "As imposed", "standing": "Standing after appeals"},
        "imposed",
        P.AMOUNT_BASIS,
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


@dataclass
class Choices:
    """What the sidebar's controls chose: the data, the filters, the money, the modes."""

    shared: object  # sharing.Shared: a saved dataset from ?dataset=, or not ok
    raw: pd.DataFrame | None  # None: the bundled data
    frame_key: str
    data_label: str
    base: pd.DataFrame  # the rows the filters' options come from
    filters: metrics.Filters
    money: metrics.Money
    want_live: bool
    present: bool


def render(bundle, choose, present: bool) -> Choices:
    """The whole sidebar, in order. `choose(choice)` gives (raw or None, key, label) for the data choice."""
    from components import sharing  # late: sharing imports the upload machinery

    with st.sidebar:
        navigation()
        st.subheader("Filters", divider="gray")
        # ?dataset=ID: a saved, shared dataset replaces the data choice on every page
        shared = sharing.resolve()
        if shared.ok:
            raw, frame_key, data_label = shared.frame, shared.key, shared.label
        else:
            raw, frame_key, data_label = choose(data_choice_widget())
        base = bundle.fines if raw is None else raw
        flt = filter_widgets(base)
        st.subheader("Amounts", divider="gray")
        money, want_live = money_widgets()
        present = present_widget(present)
        image_format = _one_of(
            "Chart downloads",
            ["png", "svg"],
            str.upper,
            "png",
            P.IMAGE_FORMAT,
            help="Format of the camera button on each chart. Works offline; the image keeps the chart's title and source.",
        )
        st.session_state[IMAGE_FORMAT_STATE] = image_format
        share_link(caller_page())
    return Choices(shared, raw, frame_key, data_label, base, flt, money, bool(want_live), bool(present))
