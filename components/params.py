"""The one place that names URL query parameters (which are also the widgets' keys).

A shared link is the view: every control that shapes what a page shows is bound to
the URL under one of these names. The README documents each one; a test fails when
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

PARAMS: Final[tuple[Param, ...]] = (
    Param(DATE_FROM, "global", "First decision date shown (ISO date)", "2020-01-01"),
    Param(DATE_TO, "global", "Last decision date shown (ISO date)", "2024-12-31"),
    Param(COUNTRIES, "global", "Fining authorities' countries, ISO-2, repeatable", "IE"),
    Param(COMPANY_SEARCH, "global", "Company name contains (case-insensitive)", "clearview"),
    Param(SECTORS, "global", "Sectors, repeatable", "social_media"),
    Param(APPEAL, "global", "Appeal statuses, repeatable", "pending"),
    Param(PAYMENT, "global", "Payment statuses, repeatable", "unpaid"),
    Param(DECISION_TYPES, "global", "Decision types, repeatable (default: fines, penalties, court fines)", "no_fine"),
    Param(CURRENCY, "global", "Display currency, ISO 4217", "USD"),
    Param(BASIS, "global", "Conversion basis: decision, latest or year", "latest"),
    Param(FX_YEAR, "global", "Year whose average rate is used when basis=year", "2023"),
    Param(AMOUNT_BASIS, "global", "Amounts shown: imposed, or standing after appeals", "standing"),
    Param(LIVE_RATES, "global", "Try forex-python live rates for basis=latest (true/false)", "true"),
    Param(PRESENT, "global", "Presentation mode: no sidebar, large type (1)", "1"),
    Param(MAP_METRIC, "Map", "total, standing, count, median or collection", "count"),
    Param(MAP_PERSPECTIVE, "Map", "authority (fining country) or company (home country)", "company"),
    Param(MAP_YEAR, "Map", "Show decisions up to this year (the slider; 'all' for every year)", "2022"),
    Param(MAP_FLOWS, "Map", "Draw cross-border flows (true/false)", "true"),
    Param(COMPANY, "Companies", "Company group whose profile is open", "Clearview AI"),
    Param(COMPANY_LEVEL, "Companies", "Totals per group or per company", "company"),
    Param(TIMELINE_FREQ, "Timeline", "month or year", "month"),
    Param(TIMELINE_DATE, "Timeline", "decision date or date of the latest outcome", "outcome"),
    Param(COLLECTION_BY, "Collection", "authority, year or origin", "origin"),
    Param(APPEALS_MEASURE, "Appeals", "count or money", "money"),
    Param(DATA_SOURCE, "Data", "Which data this session charts: bundled, mine, merged", "merged"),
)

NAMES: Final = frozenset(p.key for p in PARAMS)

#: Streamlit's own parameters that the app documents and respects.
STREAMLIT_PARAMS: Final = ("embed", "embed_options")
