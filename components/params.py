"""The one place that names URL query parameters (which are also the widgets' keys).

A shared link is the view: every control that shapes what a page shows is bound to
the URL under one of these names (Streamlit's bind="query-params"). The URL holds each
control's value as its label reads on screen ("Latest", "Ireland (IE)"). The README documents each one; a test fails when
a name here is missing from the README. Pure: no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Param:
    key: str  # query parameter name and widget key
    scope: str  # "global" (every page) or the page that owns it
    meaning: str
    example: str


# Global controls (sidebar, every page)
DATE_FROM: Final = "from"
DATE_TO: Final = "to"
COUNTRIES: Final = "country"
COMPANY_SEARCH: Final = "q"
SECTORS: Final = "sector"
APPEAL: Final = "appeal"
PAYMENT: Final = "payment"
DECISION_TYPES: Final = "types"
CURRENCY: Final = "cur"
BASIS: Final = "basis"
FX_YEAR: Final = "fxyear"
AMOUNT_BASIS: Final = "amount"
LIVE_RATES: Final = "live"
PRESENT: Final = "present"
IMAGE_FORMAT: Final = "img"
ARTICLES: Final = "article"
VIOLATIONS: Final = "violation"
SOURCES: Final = "sources"
VIEW: Final = "view"
CHART: Final = "chart"

# Page controls
MAP_METRIC: Final = "metric"
MAP_PERSPECTIVE: Final = "persp"
MAP_YEAR: Final = "year"
MAP_FLOWS: Final = "flows"
COMPANY: Final = "company"
COMPANY_LEVEL: Final = "level"
TIMELINE_FREQ: Final = "freq"
TIMELINE_DATE: Final = "dateby"
COLLECTION_BY: Final = "by"
APPEALS_MEASURE: Final = "measure"
DATA_SOURCE: Final = "data"
FINES_SEARCH: Final = "search"
SCALE: Final = "scale"
COMPARE_BY: Final = "vs"
COMPARE: Final = "compare"
DATASET: Final = "dataset"

PARAMS: Final[tuple[Param, ...]] = (
    Param(DATE_FROM, "global", "First decision date shown (ISO date)", "2020-01-01"),
    Param(DATE_TO, "global", "Last decision date shown (ISO date)", "2024-12-31"),
    Param(COUNTRIES, "global", "Fining authorities' countries, as labelled (name and ISO-2), repeatable", "Ireland (IE)"),
    Param(
        COMPANY_SEARCH,
        "global",
        "Company or group name has a word starting with this (case-insensitive: `TIM` finds TIM S.p.A., not Optimove)",
        "clearview",
    ),
    Param(SECTORS, "global", "Sectors as listed in the filter, repeatable", "Technology and online platforms"),
    Param(APPEAL, "global", "Appeal statuses as labelled, repeatable", "Appeal pending"),
    Param(PAYMENT, "global", "Payment statuses as labelled, repeatable", "Unpaid"),
    Param(
        DECISION_TYPES,
        "global",
        "Decision types as labelled, repeatable (default: fines, penalties, court fines)",
        "Decisions without a fine",
    ),
    Param(CURRENCY, "global", "Display currency, ISO 4217", "USD"),
    Param(BASIS, "global", "Conversion rate: Decision date, Latest or Year", "Latest"),
    Param(FX_YEAR, "global", "Year whose average rate is used when basis=year", "2023"),
    Param(AMOUNT_BASIS, "global", "Amounts shown: As imposed, or Standing after appeals", "Standing after appeals"),
    Param(LIVE_RATES, "global", "Try forex-python live rates when the rate is Latest (true/false)", "true"),
    Param(PRESENT, "global", "Presentation mode: sidebar closed, large type (1)", "1"),
    Param(IMAGE_FORMAT, "global", "Format of the charts' download (camera) button: PNG or SVG", "SVG"),
    Param(ARTICLES, "global", "GDPR articles cited, as labelled (Art. 5 matches 5(1)(f)), repeatable", "Art. 32"),
    Param(VIOLATIONS, "global", "Violation types as labelled, repeatable", "Insufficient security"),
    Param(
        SOURCES,
        "global",
        "Any source, or Authority, court or news only (leaves out fines whose only source is a case summary such as GDPRhub)",
        "Authority, court or news only",
    ),
    Param(VIEW, "global", "chart: the page's one chart with its title, filters and source, nothing else", "chart"),
    Param(CHART, "global", "With view=chart: which chart of the page (its number, from 1; default 1)", "2"),
    Param(
        MAP_METRIC,
        "Map",
        "Total imposed, Total standing, Number of fines, Median fine, Collection rate, Fines per million "
        "or Amount per million (inhabitants)",
        "Number of fines",
    ),
    Param(MAP_PERSPECTIVE, "Map", "Fining authority's country or Company's home country", "Company's home country"),
    Param(MAP_YEAR, "Map", "Decisions up to this year (the slider; default All years)", "2022"),
    Param(MAP_FLOWS, "Map", "Draw cross-border flows (true/false)", "true"),
    Param(COMPANY, "Companies", "Company group whose profile is open", "Clearview AI"),
    Param(COMPANY_LEVEL, "Companies", "Totals per Company group or per Company as named", "Company as named"),
    Param(TIMELINE_FREQ, "Timeline", "Month or Year", "Month"),
    Param(TIMELINE_DATE, "Timeline", "Decision date or Latest outcome", "Latest outcome"),
    Param(COLLECTION_BY, "Collection", "Authority, Year or Company origin", "Company origin"),
    Param(APPEALS_MEASURE, "Appeals", "Number of fines or Money", "Money"),
    Param(
        FINES_SEARCH,
        "Fines",
        "Words that every row shown contains (company, authority, country, articles, violation, notes)",
        "clearview",
    ),
    Param(SCALE, "Timeline", "Amount axis: Linear or Log (also on Companies' bar chart)", "Log"),
    Param(COMPARE_BY, "Timeline", "Compare as lines: Countries or Companies", "Companies"),
    Param(
        COMPARE,
        "Timeline",
        "Up to five countries (as labelled) or company groups (with vs=Companies) to compare, repeatable",
        "Meta",
    ),
    Param(DATA_SOURCE, "global", "With an upload in this session: Bundled, My upload or Merged", "My upload"),
    Param(
        DATASET,
        "global",
        "A saved, shared dataset's ID: every page shows that data (Data page: Save as a shared dataset)",
        "kX3v9QeR2mT7bN1cY5wZ8a",
    ),
)

NAMES: Final = frozenset(p.key for p in PARAMS)
#: What a link to a company's profile keeps from the page it is on: the global filters and settings,
#: not another page's own controls, nor the one-chart embed view.
CARRIED_TO_PROFILE: Final = frozenset(p.key for p in PARAMS if p.scope == "global") - {VIEW, CHART}

#: Streamlit's own parameters that the app documents and respects.
STREAMLIT_PARAMS: Final = ("embed", "embed_options")
