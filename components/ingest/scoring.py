"""Scoring: choose a field's column by the share of its values that parse, not by its name alone.

The same idea as CleverCSV's type score: each candidate column is scored by the share of
its non-blank sample values that read as the field (a date, a country, an amount), and the
best candidate wins. The name still counts: a column whose header names the field is a
candidate even when its values are poor, and wins ties. Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from components.ingest import places
from components.ingest.common import _arrow, fold

#: Rows of the sample that are scored.
SAMPLE_ROWS: Final = 200
#: A column needs at least this share of readable values to replace the named one.
MIN_SHARE: Final = 0.5
#: A year-only column is worth less than a column of full dates.
YEAR_WEIGHT: Final = 0.9
#: A named column reading this well is kept without looking at others.
GOOD: Final = 0.8
_YEAR_NAME: Final = re.compile(r"\b(year|jahr|annee|ano|anno|rok|jaar|ar|vuosi|aasta|metai|gads)\b")
_DATE_NAME: Final = re.compile(r"\b(date|dated|datum|fecha|data|day|decided|decision)\b")


@dataclass(frozen=True)
class Score:
    """One candidate column for a field: the share of its values that parse."""

    header: str
    share: float
    year_only: bool = False

    @property
    def value(self) -> float:
        return self.share * (YEAR_WEIGHT if self.year_only else 1.0)


def _values(sample: pd.DataFrame, header: str) -> pd.Series:
    col = sample[header].head(SAMPLE_ROWS)
    text = pd.Series(_arrow(col).to_pylist(), dtype=object).str.strip()
    return text[text != ""].reset_index(drop=True)


def date_score(sample: pd.DataFrame, header: str, today: dt.date | None = None) -> Score:
    from components.ingest.dates import _dates_core

    values = _values(sample, header)
    if values.empty:
        return Score(header, 0.0)
    core = _dates_core(values, None, False, today)
    good = ~np.isnat(core.values[core.codes])
    year = (core.precision[core.codes] == "year") & good
    share = float(good.mean())
    return Score(header, share, year_only=bool(good.any() and year.sum() >= 0.5 * good.sum()))


def country_score(sample: pd.DataFrame, header: str) -> Score:
    values = _values(sample, header)
    if values.empty:
        return Score(header, 0.0)
    uniq, codes = np.unique(values.to_numpy(dtype=object).astype(str), return_inverse=True)
    iso, _ = places.normalise(uniq)
    return Score(header, float((iso[codes] != "").mean()))


def amount_score(sample: pd.DataFrame, header: str) -> Score:
    from components.ingest.amounts import _parse_amount_values

    values = _values(sample, header)
    if values.empty:
        return Score(header, 0.0)
    uniq, codes = np.unique(values.to_numpy(dtype=object).astype(str), return_inverse=True)
    parsed = _parse_amount_values(_arrow(uniq))
    readable = np.isfinite(parsed["amount"]) | ~pd.isna(parsed["not_fine"])
    return Score(header, float(readable[codes].mean()))


def _best(scores: Sequence[Score], named: str | None) -> Score | None:
    """The highest score; the named column wins ties and keeps the field unless beaten."""
    if not scores:
        return None
    return max(scores, key=lambda s: (s.value, s.header == named))


def _date_candidates(headers: Sequence[str], taken: set[str], named: str | None) -> list[str]:
    out = []
    for h in headers:
        words = fold(h)
        if h == named or (h not in taken and (_DATE_NAME.search(words) or _YEAR_NAME.search(words))):
            out.append(h)
    return out


def rechoose(headers: Sequence[str], sample: pd.DataFrame, mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping with decision date and country moved to the columns whose values read best.

    The named column is scored first; the others only when it reads poorly (below `GOOD`).
    """
    out = dict(mapping)
    for f, score_of in (("decision_date", date_score), ("country", country_score)):
        named = out.get(f)
        current = score_of(sample, named) if named in sample.columns else None
        if current is not None and current.value >= GOOD and not current.year_only:
            continue
        taken = {h for k, h in out.items() if k != f}
        if f == "decision_date":
            others = _date_candidates(headers, taken, None)
        else:
            others = [h for h in headers if h not in taken]
        scores = [score_of(sample, h) for h in others if h in sample.columns and h != named]
        best = _best(scores + ([current] if current else []), named)
        if best is None or best.share < MIN_SHARE or best.header == named:
            continue
        out[f] = best.header
    return out


def year_column(sample: pd.DataFrame, header: str) -> bool:
    """Does this column hold years rather than dates (so its dates have year precision)?"""
    return date_score(sample, header).year_only
