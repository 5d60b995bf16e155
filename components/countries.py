"""Countries: normalise what people write to ISO 3166-1 alpha-2, and know who is in the EU/EEA.

pycountry does the lookup; the alias table below covers what it does not know
(the EU's own codes EL and UK, local names, old names). Pure: no streamlit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

import pandas as pd
import pycountry

EU: Final = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
EEA: Final = EU | {"IS", "LI", "NO"}
#: The map's area: every authority that applies the GDPR or the UK GDPR.
EEA_UK: Final = EEA | {"GB"}

#: Written forms pycountry does not resolve (or resolves wrongly), folded to lower
#: case without accents. Keys are matched after _fold().
ALIASES: Final[dict[str, str]] = {
    # the EU's and common non-ISO codes
    "el": "GR",
    "uk": "GB",
    "gbr": "GB",
    # English short and informal names
    "united kingdom": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "czech republic": "CZ",
    "czechia": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "slovak republic": "SK",
    "republic of ireland": "IE",
    "ireland": "IE",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "china": "CN",
    "taiwan": "TW",
    "turkey": "TR",
    "turkiye": "TR",
    "vietnam": "VN",
    "moldova": "MD",
    "macedonia": "MK",
    "north macedonia": "MK",
    "kosovo": "XK",
    "vatican": "VA",
    # local names (as authorities and trackers write them)
    "deutschland": "DE",
    "osterreich": "AT",
    "belgie": "BE",
    "belgique": "BE",
    "belgien": "BE",
    "bulgaria": "BG",
    "balgariya": "BG",
    "hrvatska": "HR",
    "kypros": "CY",
    "cesko": "CZ",
    "ceska republika": "CZ",
    "danmark": "DK",
    "eesti": "EE",
    "suomi": "FI",
    "grece": "GR",
    "hellas": "GR",
    "ellada": "GR",
    "ellas": "GR",
    "magyarorszag": "HU",
    "eire": "IE",
    "italia": "IT",
    "latvija": "LV",
    "lietuva": "LT",
    "letzebuerg": "LU",
    "luxemburg": "LU",
    "nederland": "NL",
    "niederlande": "NL",
    "polska": "PL",
    "romania": "RO",
    "slovensko": "SK",
    "slovenija": "SI",
    "espana": "ES",
    "espagne": "ES",
    "spanien": "ES",
    "sverige": "SE",
    "schweden": "SE",
    "norge": "NO",
    "noreg": "NO",
    "island": "IS",
    "iceland": "IS",
    "frankreich": "FR",
    "italien": "IT",
    "irland": "IE",
    "danemark": "DK",
    "daenemark": "DK",
    "polen": "PL",
    "ungarn": "HU",
    "tschechien": "CZ",
    "kroatien": "HR",
    "rumanien": "RO",
    "griechenland": "GR",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "liechtenstein": "LI",
}

_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: the key for alias lookup."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", ascii_only).strip().strip(".,;").lower()


@lru_cache(maxsize=4096)
def lookup(text: str) -> tuple[str | None, str]:
    """Resolve one written country to ISO-2.

    Returns (iso2 or None, how): how is "iso2", "iso3", "alias", "name" or "".
    """
    if not isinstance(text, str):
        return None, ""
    raw = text.strip()
    if not raw:
        return None, ""
    folded = _fold(raw)
    if folded in ALIASES:
        return ALIASES[folded], "alias"
    upper = raw.upper()
    if len(upper) == 2 and upper.isalpha():
        found = pycountry.countries.get(alpha_2=upper)
        if found is not None:
            return found.alpha_2, "iso2"
        return None, ""
    if len(upper) == 3 and upper.isalpha():
        found = pycountry.countries.get(alpha_3=upper)
        if found is not None:
            return found.alpha_2, "iso3"
    try:
        found = pycountry.countries.lookup(raw)
    except LookupError:
        found = None
    if found is not None:
        return found.alpha_2, "name"
    try:
        matches = pycountry.countries.search_fuzzy(folded)
    except LookupError:
        matches = []
    # Only accept an unambiguous fuzzy hit on the whole name, never a partial guess.
    if len(matches) == 1 and _fold(matches[0].name) == folded:
        return matches[0].alpha_2, "name"
    return None, ""


def to_iso2(text: object) -> str | None:
    """ISO 3166-1 alpha-2 for a country written any usual way, or None."""
    return lookup(text)[0] if isinstance(text, str) else None


def normalise_series(values: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Vectorised: map each distinct value once. Returns (iso2 or <NA>, {written: iso2} for aliases used)."""
    text = values.astype("string").str.strip()
    uniques = text.dropna().unique()
    resolved: dict[str, str | None] = {}
    aliases_used: dict[str, str] = {}
    for value in uniques:
        iso2, how = lookup(str(value))
        resolved[value] = iso2
        if iso2 is not None and how in ("alias", "name", "iso3"):
            aliases_used[str(value)] = iso2
    mapped = text.map(resolved)
    return mapped.astype("string"), aliases_used


@lru_cache(maxsize=512)
def iso3(iso2: str) -> str | None:
    """ISO-3 code for map geometry (the map files use ISO-3 ids)."""
    found = pycountry.countries.get(alpha_2=iso2) if isinstance(iso2, str) and iso2 else None
    return found.alpha_3 if found is not None else None


@lru_cache(maxsize=512)
def name(iso2: str) -> str:
    """Short English name, as people say it (United Kingdom, not the full ISO name)."""
    if not isinstance(iso2, str) or not iso2:
        return "Unknown"
    found = pycountry.countries.get(alpha_2=iso2)
    if found is None:
        return iso2
    return getattr(found, "common_name", None) or found.name


def region(iso2: str | None) -> str:
    """EU, EEA (non-EU), UK or elsewhere: the grouping used for company origin."""
    if iso2 in EU:
        return "EU"
    if iso2 in EEA:
        return "EEA (non-EU)"
    if iso2 == "GB":
        return "UK"
    if not iso2:
        return "Unknown"
    return "Outside EEA and UK"


def names(codes: Iterable[str]) -> dict[str, str]:
    """{iso2: name} for a set of codes, for widget labels."""
    return {code: name(code) for code in codes}
