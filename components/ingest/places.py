"""Places and currencies: written country names to ISO-2, and the currency each country fines in.

Country names are read in every official language of the EU (pycountry's own translations of
ISO 3166), on top of `components.countries`. Kosovo (XK, not in ISO 3166) is one country
however it is written: "XK", "XKX", "Kosovo", "Kosova", "Косово". Pure: no streamlit.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import lru_cache
from typing import Final

import numpy as np
import pandas as pd
import pycountry

from components import countries

#: Currency per country (ISO-2) for the GDPR era; changeovers handled in `country_currency`.
COUNTRY_CURRENCY: Final[dict[str, str]] = {
    **{
        c: "EUR"
        for c in [
            "AT",
            "BE",
            "CY",
            "DE",
            "EE",
            "ES",
            "FI",
            "FR",
            "GR",
            "IE",
            "IT",
            "LT",
            "LU",
            "LV",
            "MT",
            "NL",
            "PT",
            "SI",
            "SK",
            "HR",
            "BG",
            "MC",
            "SM",
            "VA",
            "AD",
            "ME",
            "XK",
        ]
    },
    "GB": "GBP",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "IS": "ISK",
    "PL": "PLN",
    "CZ": "CZK",
    "HU": "HUF",
    "RO": "RON",
    "CH": "CHF",
    "LI": "CHF",
    "US": "USD",
    "GI": "GBP",
    "IM": "GBP",
    "JE": "GBP",
    "GG": "GBP",
    "FO": "DKK",
    "GL": "DKK",
    "RS": "RSD",
    "MK": "MKD",
    "AL": "ALL",
    "BA": "BAM",
    "MD": "MDL",
    "UA": "UAH",
    "TR": "TRY",
    "GE": "GEL",
    "CA": "CAD",
    "AU": "AUD",
    "JP": "JPY",
    "CN": "CNY",
    "KR": "KRW",
    "IN": "INR",
    "BR": "BRL",
    "ZA": "ZAR",
    "SG": "SGD",
    "HK": "HKD",
    "MX": "MXN",
    "IL": "ILS",
    "NZ": "NZD",
}
#: Euro changeovers: before the day, the country's own currency.
EURO_SINCE: Final[dict[str, tuple[str, str]]] = {
    "HR": ("2023-01-01", "HRK"),
    "BG": ("2026-01-01", "BGN"),
    "LT": ("2015-01-01", "LTL"),
    "LV": ("2014-01-01", "LVL"),
    "EE": ("2011-01-01", "EEK"),
    "SK": ("2009-01-01", "SKK"),
    "CY": ("2008-01-01", "CYP"),
    "MT": ("2008-01-01", "MTL"),
}
KRONA_BY_COUNTRY: Final[dict[str, str]] = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK", "FO": "DKK", "GL": "DKK"}


def country_currency(iso2: pd.Series | np.ndarray, dates: pd.Series | np.ndarray | None = None) -> np.ndarray:
    """The currency a country's authority fines in, on a date (euro changeovers respected)."""
    codes = pd.Series(np.asarray(iso2, dtype=object))
    out = codes.map(COUNTRY_CURRENCY).to_numpy(dtype=object)
    if dates is not None:
        when = pd.to_datetime(pd.Series(np.asarray(dates)), errors="coerce").to_numpy()
        for country, (day, old) in EURO_SINCE.items():
            before = (codes.to_numpy(dtype=object) == country) & (when < np.datetime64(day))
            out[before] = old
    return np.where(pd.isna(out), "", out).astype(object)


#: The EU's official languages (ISO 639-1) whose country names are read.
EU_LANGUAGES: Final = "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()
#: Kosovo is not in ISO 3166; XK is the code the EU and the ECB use.
KOSOVO: Final = {"xk": "XK", "xkx": "XK", "kosovo": "XK", "kosova": "XK", "kosove": "XK", "косово": "XK", "κοσσυφοπεδιο": "XK"}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().replace(".", " ").split())


@lru_cache(maxsize=1)
def translated_names() -> dict[str, str]:
    """Folded country name in any EU language -> ISO-2 (names two countries share are left out)."""
    found: dict[str, set[str]] = {}
    for lang in EU_LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                english = getattr(c, attr, None)
                if english:
                    found.setdefault(_fold(tr.gettext(english)), set()).add(c.alpha_2)
    return {name: codes.pop() for name, codes in found.items() if len(codes) == 1}


@lru_cache(maxsize=4096)
def to_iso2(text: str) -> str | None:
    """A written country (code, English, local or any EU language's name) as ISO-2, or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    key = _fold(text)
    if key in KOSOVO:
        return "XK"
    iso2, _ = countries.lookup(text.strip())
    if iso2 is not None:
        return iso2
    return translated_names().get(key)


def normalise(values: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """Distinct written countries -> (ISO-2 or "" per value, {written: ISO-2} for those not plain codes)."""
    out = np.full(len(values), "", dtype=object)
    aliases: dict[str, str] = {}
    for i, v in enumerate(values):
        text = str(v).strip()
        iso2 = to_iso2(text)
        if iso2:
            out[i] = iso2
            if text.upper() != iso2:
                aliases[text] = iso2
    return out, aliases


def country_name(iso2: str) -> str:
    """English name for a code, Kosovo included."""
    return "Kosovo" if iso2 == "XK" else countries.name(iso2)


#: The largest GDPR fine so far: EUR 1.2bn (Meta, Irish DPC, May 2023).
LARGEST_FINE_EUR: Final = 1.2e9
#: Amounts above twice that are two numbers run together or a typo, not a fine.
PLAUSIBLE_FACTOR: Final = 2.0


def plausible_bound(currencies: np.ndarray) -> np.ndarray:
    """The largest plausible amount in each currency: 2x the largest fine, at the latest ECB rate.

    A currency without an ECB rate gets a bound a thousand times the euro figure (only
    a runaway number is caught there).
    """
    from components import fx

    table = fx.rates_table()
    last = table.matrix[(np.datetime64(table.last_published, "D") - table.start).astype(int)]
    index = table.index
    bound = LARGEST_FINE_EUR * PLAUSIBLE_FACTOR
    out = np.full(len(currencies), bound * 1000.0)
    for i, cur in enumerate(currencies):
        j = index.get(str(cur))
        if j is not None and np.isfinite(last[j]):
            out[i] = bound * last[j]
    return out
