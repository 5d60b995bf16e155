"""Headers: which column holds which canonical field.

The synonym table is data (`synonyms.json`); matching folds case, accents and punctuation.
Pure: no streamlit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import pandas as pd

from components import countries
from components.ingest.common import (
    fold,
)

# --- header synonyms ------------------------------------------------------------


#: Folded header -> canonical field. English, the usual tracker exports (CMS Enforcement
#: Tracker, GDPRhub, privacyaffairs / TidyTuesday gdpr_violations), and plain words.
HEADER_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    f: tuple(names) for f, names in json.loads((Path(__file__).parent / "synonyms.json").read_text(encoding="utf-8")).items()
}
_SYNONYM_INDEX: Final[dict[str, str]] = {s: f for f, names in HEADER_SYNONYMS.items() for s in names}

#: Currency words a header may carry ("Fine [€]", "Amount (EUR)"): removed before matching, kept as a hint.
_HEADER_CURRENCY: Final[dict[str, str]] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "pln": "PLN",
    "czk": "CZK",
    "huf": "HUF",
    "usd": "USD",
    "chf": "CHF",
    "ron": "RON",
    "bgn": "BGN",
    "isk": "ISK",
    "hrk": "HRK",
}


def _header_currency(header: str) -> str | None:
    if "€" in header:
        return "EUR"
    if "£" in header:
        return "GBP"
    words = fold(header).split()
    found = {_HEADER_CURRENCY[w] for w in words if w in _HEADER_CURRENCY}
    return found.pop() if len(found) == 1 else None


def _header_key(header: str) -> str:
    words = [w for w in fold(header).split() if w not in _HEADER_CURRENCY and w not in ("in",)]
    return " ".join(words)


_KEYWORD_RULES: Final = (
    ("paid_amount", r"\b(paid|collected)\b.*\b(amount|sum)\b|\bamount\b.*\b(paid|collected)\b"),
    ("standing_amount", r"\b(standing|after appeal|final|reduced)\b.*\b(amount|fine)\b"),
    ("announced_date", r"\b(announce\w*|publi\w*)\b"),
    ("status_checked", r"\bchecked\b"),
    ("decision_date", r"\bdate\b"),
    ("currency", r"\b(currency|ccy)\b"),
    ("amount", r"\b(fine|amount|penalty|sanction)\b"),
    ("controller_country", r"\b(controller|company|hq|home)\b.*\bcountry\b"),
    ("country", r"\bcountry\b"),
    ("source_url", r"\b(url|link|source)\b"),
    ("controller", r"\b(controller|company|organi[sz]ation)\b"),
    ("authority", r"\b(authority|dpa|regulator)\b"),
    ("appeal_status", r"\bappeal"),
    ("payment_status", r"\bpayment\b"),
    ("articles", r"\bart(icle)?s?\b"),
)


def suggest_mapping(headers: Sequence[str], sample: pd.DataFrame | None = None) -> dict[str, str]:
    """{canonical field: header} from the headers alone (and, if given, a few rows to break ties).

    Exact synonyms (case, space, accent and punctuation insensitive) win over keyword guesses;
    each field takes the first header that fits, and each header serves one field.
    """
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        key = fold(header)
        f = _SYNONYM_INDEX.get(key) or _SYNONYM_INDEX.get(_header_key(header))
        if f and f not in mapping and header not in used:
            mapping[f] = header
            used.add(header)
    folded = {h: fold(h) for h in headers}
    # privacyaffairs / TidyTuesday: "name" is the country, "controller" the company.
    if "name" in folded.values():
        name_header = next(h for h in headers if folded[h] == "name")
        if name_header not in used:
            target = "controller"
            if "country" not in mapping and _looks_like_countries(sample, name_header, folded):
                target = "country"
            if target not in mapping:
                mapping[target] = name_header
                used.add(name_header)
    for f, pattern in _KEYWORD_RULES:
        if f in mapping:
            continue
        for header in headers:
            if header not in used and re.search(pattern, folded[header]):
                mapping[f] = header
                used.add(header)
                break
    return mapping


def _looks_like_countries(sample: pd.DataFrame | None, header: str, folded: Mapping[str, str]) -> bool:
    if sample is not None and header in sample.columns:
        values = [v for v in sample[header].head(50).tolist() if isinstance(v, str) and v.strip()]
        if values:
            hits = sum(countries.lookup(v)[0] is not None for v in values)
            return hits >= 0.8 * len(values)
    # no rows to look at: the tracker layout says so
    return "controller" in folded.values() and ("price" in folded.values() or "picture" in folded.values())
