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
    words = header_words(header).split()
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
    ("decision_date", r"\bdate\b|\bdated\b"),
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


def header_words(header: str) -> str:
    """A header folded after splitting camelCase ("articleViolated", "fineEUR") into words."""
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(header))
    return fold(split)


def _synonym(header: str) -> str | None:
    for key in (fold(header), _header_key(header), header_words(header), _header_key(header_words(header))):
        if key in _SYNONYM_INDEX:
            return _SYNONYM_INDEX[key]
    return None


def _by_name(headers: Sequence[str], sample: pd.DataFrame | None) -> dict[str, str]:
    """Exact synonyms first, then the "name" rule, then keyword guesses; one header per field."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        f = _synonym(header)
        if f and f not in mapping and header not in used:
            mapping[f] = header
            used.add(header)
    folded = {h: header_words(h) for h in headers}
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


def suggest_mapping(headers: Sequence[str], sample: pd.DataFrame | None = None) -> dict[str, str]:
    """{canonical field: header} from the headers, then checked against a sample of the values.

    Exact synonyms (case, space, accent, punctuation and camelCase insensitive) win over keyword
    guesses; each header serves one field. With a sample, the required fields (decision date,
    country, amount) go to the column whose values parse best (`scoring`), so a Yes/No flag
    headed "date" loses to a year column.
    """
    mapping = _by_name(headers, sample)
    if sample is not None and len(sample):
        from components.ingest import scoring

        mapping = scoring.rechoose(headers, sample, mapping)
    return mapping


def fuzzy_suggestions(headers: Sequence[str], mapping: Mapping[str, str], cutoff: float = 85.0) -> dict[str, str]:
    """{header: field} for unmapped headers close to a known synonym: only shown, never applied."""
    from rapidfuzz import fuzz, process

    used = set(mapping.values())
    names = list(_SYNONYM_INDEX)
    out: dict[str, str] = {}
    for header in headers:
        key = header_words(header)
        if header in used or len(key) < 4:
            continue
        hit = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit is not None and _SYNONYM_INDEX[hit[0]] not in mapping:
            out[header] = _SYNONYM_INDEX[hit[0]]
    return out


def _looks_like_countries(sample: pd.DataFrame | None, header: str, folded: Mapping[str, str]) -> bool:
    if sample is not None and header in sample.columns:
        values = [v for v in sample[header].head(50).tolist() if isinstance(v, str) and v.strip()]
        if values:
            hits = sum(countries.lookup(v)[0] is not None for v in values)
            return hits >= 0.8 * len(values)
    # no rows to look at: the tracker layout says so
    return "controller" in folded.values() and ("price" in folded.values() or "picture" in folded.values())


#: Column sets of trackers that list every fine in euro, without a currency column.
EURO_LAYOUTS: Final = (
    ({"picture", "name", "price"}, "privacyaffairs/TidyTuesday layout: 'price' is in euro"),
    ({"etid"}, "CMS Enforcement Tracker layout: fines are listed in euro"),
)


def layout_currency(headers: Sequence[str], amount_header: str) -> tuple[str | None, str | None]:
    """(currency, why) when the amount's heading or the file's layout says the amounts are in one currency.

    "Fine (EUR)", "amount_eur", "fineEUR" and "Fine [€]" name it; a `price` column is a tracker's
    euro figure; a tracker's known column set says euro. Else (None, None): the currency comes
    from each row's country, and the report says so up front.
    """
    named = _header_currency(amount_header)
    if named:
        return named, f"the heading '{amount_header}' names {named}"
    words = {header_words(h) for h in headers}
    if header_words(amount_header) == "price":
        return "EUR", "a 'price' column: trackers that use it list fines in euro"
    for columns, why in EURO_LAYOUTS:
        if columns <= words:
            return "EUR", why
    return None, None
