"""Dates: a column's written dates to days, deciding day-first or month-first from evidence.

Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components.ingest.common import (
    _clean_text,
    _np,
    _short,
    _uniques,
    fold,
)

# --- dates ----------------------------------------------------------------------

MONTHS: Final[dict[str, int]] = {}
for _i, _names in enumerate(
    [
        "jan january januar janvier enero gennaio januari janeiro stycznia styczen",
        "feb february februar fevrier febrero febbraio februari fevereiro lutego luty",
        "mar march marz maerz mars marzo maart marco marca marzec",
        "apr april avril abril aprile kwietnia kwiecien",
        "may mai mayo maggio mei maio maja maj",
        "jun june juni juin junio giugno junho czerwca czerwiec",
        "jul july juli juillet julio luglio julho lipca lipiec",
        "aug august aout agosto augustus sierpnia sierpien",
        "sep sept september septembre septiembre settembre setembro wrzesnia wrzesien",
        "oct october oktober octobre octubre ottobre outubro pazdziernika pazdziernik",
        "nov november novembre noviembre novembro listopada listopad",
        "dec december dezember decembre diciembre dicembre dezembro grudnia grudzien",
    ],
    start=1,
):
    for _m in _names.split():
        MONTHS[_m] = _i

PLACEHOLDER_DATES: Final = frozenset(
    {"1970-01-01", "1900-01-01", "1899-12-30", "1899-12-31", "1901-01-01", "2099-12-31", "9999-12-31"}
)
EARLIEST_PLAUSIBLE: Final = pd.Timestamp("1990-01-01")
_EXCEL_EPOCH: Final = np.datetime64("1899-12-30")

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATE_PATTERNS: Final = {
    "iso": r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME + "$",
    "numeric": r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME + "$",
    "day_name": r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<mon>[A-Za-z]+)\.?,?\s+(?P<y>\d{4})$",
    "name_day": r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})$",
    "year_month": r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$",
    "month_year": r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$",
    "name_year": r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<y>\d{4})$",
    "year": r"^(?P<y>\d{4})$",
    "serial": r"^(?P<s>\d{5})(?:\.\d+)?$",
}
_PLACEHOLDER_TEXT = r"^0{1,4}[-/.]0{1,2}[-/.]0{1,4}" + _TIME + "$|^0+$"


@dataclass
class _DateParts:
    y: np.ndarray
    m: np.ndarray
    d: np.ndarray
    precision: np.ndarray  # "", "month", "year"
    kind: np.ndarray  # which pattern matched ("" none)


def _fold_array(arr: pa.Array) -> np.ndarray:
    return np.array([fold(v) for v in _np(arr)], dtype=object)


def _int(arr: pa.Array) -> np.ndarray:
    s = pc.fill_null(arr, "")
    vals = pc.if_else(pc.equal(s, ""), "0", s)
    return _np(pc.cast(vals, pa.int64())).astype(np.int64)


def _date_parts(uniq: pa.Array, *, excel_serials: bool) -> tuple[_DateParts, np.ndarray, np.ndarray]:
    n = len(uniq)
    y = np.zeros(n, np.int64)
    m = np.zeros(n, np.int64)
    d = np.zeros(n, np.int64)
    a = np.zeros(n, np.int64)
    b = np.zeros(n, np.int64)
    precision = np.full(n, "", dtype=object)
    kind = np.full(n, "", dtype=object)
    text = _clean_text(uniq)
    for name, pattern in _DATE_PATTERNS.items():
        if name == "serial" and not excel_serials:
            continue
        parts = pc.extract_regex(text, pattern)
        hit = _np(pc.is_valid(parts)) & (kind == "")
        if not hit.any():
            continue
        kind[hit] = name
        fields = {f.name for f in parts.type}

        def grab(key: str, parts: pa.Array = parts, hit: np.ndarray = hit) -> np.ndarray:
            return _int(pc.filter(pc.struct_field(parts, key), pa.array(hit)))

        if name == "serial":
            serial = grab("s")
            days = (_EXCEL_EPOCH + serial.astype("timedelta64[D]")).astype("datetime64[D]")
            stamp = pd.DatetimeIndex(days)
            y[hit], m[hit], d[hit] = stamp.year, stamp.month, stamp.day
            continue
        if "y" in fields:
            yy = grab("y")
            yy = np.where(yy < 100, 2000 + yy, yy) if name == "numeric" else yy
            y[hit] = yy
        if "mon" in fields:
            mon = _fold_array(pc.filter(pc.struct_field(parts, "mon"), pa.array(hit)))
            m[hit] = np.array([MONTHS.get(t, 0) for t in mon], dtype=np.int64)
        if "m" in fields:
            m[hit] = grab("m")
        if "d" in fields:
            d[hit] = grab("d")
        if name == "numeric":
            a[hit], b[hit] = grab("a"), grab("b")
        if name in ("year_month", "month_year", "name_year"):
            d[hit] = 1
            precision[hit] = "month"
        if name == "year":
            m[hit], d[hit] = 1, 1
            precision[hit] = "year"
    return _DateParts(y, m, d, precision, kind), a, b


def _assemble(y: np.ndarray, m: np.ndarray, d: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """datetime64[ns] from parts; NaT where the parts are not a real day in 1678..2261."""
    ok = ok & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1678) & (y <= 2261)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months  # 31 June is not a day
    return np.where(ok, days.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))


@dataclass
class _Dates:
    """A parsed date column kept per distinct value; `codes` maps rows to them."""

    codes: np.ndarray
    values: np.ndarray  # datetime64[ns], NaT unless accepted
    error: np.ndarray  # reason or None
    blank: np.ndarray
    precision: np.ndarray  # "", "month", "year"
    kind: np.ndarray
    placeholder: np.ndarray
    future: np.ndarray
    order: str
    numeric: np.ndarray
    uniq: pa.Array | None = None  # the distinct values as written

    def for_block(self, series: pd.Series) -> _Dates:
        """These parsed values for a block of the column they were parsed from (`uniq` holds every value
        of the block): each distinct date of a file is read once, not once per block."""
        assert self.uniq is not None
        codes, uniq = _uniques(series)
        pos = _np(pc.fill_null(pc.index_in(uniq, value_set=self.uniq), -1)).astype(np.int64)
        if (pos < 0).any():
            raise ValueError("a block holds a date the whole column does not")
        return replace(self, codes=pos[codes] if len(codes) else codes)


def decide_order(evidence: tuple[bool, bool, bool], order: str | None) -> tuple[str, str]:
    """(the order the values are read in, the order as reported) from the column's evidence."""
    any_numeric, day_first_evidence, month_first_evidence = evidence
    if order in ("day-first", "month-first"):
        return order, f"{order} (given)"
    if not any_numeric:
        return "day-first", ""
    if day_first_evidence and month_first_evidence:
        return "inconsistent", "inconsistent"
    if month_first_evidence:
        return "month-first", "month-first"
    if day_first_evidence:
        return "day-first", "day-first"
    return "day-first", "day-first (assumed)"


def _dates_core(
    series: pd.Series,
    order: str | None,
    excel_serials: bool,
    today: dt.date | None,
) -> _Dates:
    """Parse a date column per distinct value, deciding day-first or month-first from the column's own values
    (a file read block by block parses each column once, over all its values: `_Dates.for_block`)."""
    today = today or dt.datetime.now(dt.UTC).date()
    codes, uniq = _uniques(series)
    parts, a, b = _date_parts(uniq, excel_serials=excel_serials)
    text = _np(_clean_text(uniq))
    numeric = parts.kind == "numeric"
    # evidence over the distinct values, each of which is present in some row
    evidence = (bool(numeric.any()), bool((numeric & (a > 12)).any()), bool((numeric & (b > 12)).any()))
    decided, info_order = decide_order(evidence, order)
    y, m, d = parts.y.copy(), parts.m.copy(), parts.d.copy()
    ambiguous = np.zeros(len(uniq), dtype=bool)
    if decided == "month-first":
        m[numeric], d[numeric] = a[numeric], b[numeric]
    elif decided == "day-first":
        d[numeric], m[numeric] = a[numeric], b[numeric]
    else:
        # each value that shows its own order keeps it; those that could be either are rejected
        day_first = numeric & (a > 12)
        month_first = numeric & (b > 12)
        d[day_first], m[day_first] = a[day_first], b[day_first]
        m[month_first], d[month_first] = a[month_first], b[month_first]
        ambiguous = numeric & ~day_first & ~month_first
    blank = text == ""
    placeholder_text = _np(pc.match_substring_regex(pa.array(text, pa.large_string()), _PLACEHOLDER_TEXT))
    values = _assemble(y, m, d, parts.kind != "")
    iso = np.datetime_as_string(values, unit="D")
    error = np.full(len(uniq), None, dtype=object)
    unreadable = ~blank & (parts.kind == "") & ~placeholder_text
    for i in np.flatnonzero(unreadable):
        error[i] = f"could not read the date '{_short(text[i])}'"
    invalid = ~blank & (parts.kind != "") & np.isnat(values) & ~ambiguous
    for i in np.flatnonzero(invalid & ~placeholder_text):
        error[i] = f"not a real date '{_short(text[i])}'"
    placeholder = placeholder_text | (~np.isnat(values) & np.isin(iso, list(PLACEHOLDER_DATES)) & (parts.precision == ""))
    for i in np.flatnonzero(placeholder):
        error[i] = f"placeholder date '{_short(text[i])}'"
    for i in np.flatnonzero(ambiguous):
        error[i] = f"day and month order is inconsistent in this column; '{_short(text[i])}' could be either"
    last = np.datetime64(today, "ns") + np.timedelta64(1, "D") - np.timedelta64(1, "ns")
    future = ~np.isnat(values) & (values > last) & pd.isna(error)
    for i in np.flatnonzero(future):
        error[i] = f"date in the future ({iso[i]})"
    early = ~np.isnat(values) & (values < EARLIEST_PLAUSIBLE.to_datetime64()) & pd.isna(error)
    for i in np.flatnonzero(early):
        error[i] = f"implausible date ({iso[i]}, before 1990)"
    good = ~np.isnat(values) & pd.isna(error)
    values = np.where(good, values, np.datetime64("NaT", "ns"))
    precision = np.where(good, parts.precision, "").astype(object)
    return _Dates(codes, values, error, blank, precision, parts.kind, placeholder, future, info_order, numeric, uniq)


def parse_dates(
    series: pd.Series,
    *,
    order: str | None = None,
    excel_serials: bool = False,
    today: dt.date | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Parse a date column, deciding day-first or month-first for the whole column from evidence.

    Returns (dates as datetime64[ns] with NaT where not accepted, info). info holds `order`
    ("day-first", "month-first", "day-first (assumed)", "inconsistent" or "" when no numeric
    d/m/y dates), `errors` (Series: reason per row or None; None also for blanks), `blank`
    (bool Series), `precision` (Series: "", "month" or "year") and counts. `order` forces
    "day-first" or "month-first".
    """
    core = _dates_core(series, order, excel_serials, today)
    index = series.index
    c = core.codes
    row_error = pd.Series(core.error[c], index=index, dtype=object)
    row_precision = pd.Series(core.precision[c], index=index, dtype=object)
    info: dict[str, Any] = {
        "order": core.order,
        "numeric_dates": int(core.numeric[c].sum()),
        "excel_serials": int((core.kind[c] == "serial").sum()),
        "year_only": int((row_precision == "year").sum()),
        "year_month": int((row_precision == "month").sum()),
        "placeholders": int(core.placeholder[c].sum()),
        "future": int(core.future[c].sum()),
        "unreadable": int(row_error.notna().sum()),
        "errors": row_error,
        "precision": row_precision,
        "blank": pd.Series(core.blank[c], index=index, dtype=bool),
    }
    return pd.Series(core.values[c], index=index, dtype="datetime64[ns]"), info
