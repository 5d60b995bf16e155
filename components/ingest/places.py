"""Places and currencies: the currency a country's authority fines in, on a date.

Pure: no streamlit.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

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
