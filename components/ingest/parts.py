"""Parts: the judged blocks of a file (`Part`), combined into one result (`combine`).

A file read whole is one part; a large file read block by block (`blocks`) is one part per
block. Combining them gives the result the file read whole gives: the accepted rows stacked
(their text columns joined as Arrow chunks, not copied), the rows set aside in order, the blank
rows after the last row with content dropped as the end of the file, and the counts summed.
Pure: no streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from components.ingest.amounts import CURRENCY_SOURCES
from components.ingest.common import DELIMITER_NAMES
from components.ingest.headers import fuzzy_suggestions
from components.ingest.reading import RawTable, samples
from components.ingest.report import IngestResult


@dataclass
class Part:
    """One block's rows, judged: accepted (canonical), rejected and not fines, with its counts."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    not_fines: pd.DataFrame
    n: int
    counts: dict[str, int]
    aliases: dict[str, str]
    currency_sources: np.ndarray
    header_currency: str | None
    header_note: str | None
    choices: dict[str, str]
    last_content: int  # the last row (in the file) with any content; 0 for none


def combine(parts: Sequence[Part], first: RawTable, mapping: dict[str, str], given_currency: str | None) -> IngestResult:
    """One result from the parts of a file, in order. `first`: the file as read (or its first block):
    its headers, format, samples. Rows after the last row with any content are the end of the file."""
    last = max((p.last_content for p in parts), default=0)
    accepted = _stack([p.accepted for p in parts])
    rejected = _rows_to(pd.concat([p.rejected for p in parts], ignore_index=True) if len(parts) > 1 else parts[0].rejected, last)
    not_fines = pd.concat([p.not_fines for p in parts], ignore_index=True) if len(parts) > 1 else parts[0].not_fines
    n = sum(p.n for p in parts)
    tallies = {k: sum(p.counts[k] for p in parts) for k in parts[0].counts}
    tallies["empty_rows"] -= max(n - last, 0)  # every row after the last with content is blank, and was counted
    src_counts = np.sum([p.currency_sources for p in parts], axis=0)
    aliases: dict[str, str] = {}
    for p in parts:
        aliases.update(p.aliases)
    head = parts[0]
    choices: dict[str, Any] = {
        "format": first.format,
        "encoding": first.encoding,
        "delimiter": DELIMITER_NAMES.get(first.delimiter or "", first.delimiter),
        "date_order": head.choices,
        "currency_sources": {CURRENCY_SOURCES[i]: int(c) for i, c in enumerate(src_counts) if c and i},
        "header_currency": head.header_currency,
        "country_aliases": aliases,
        "currency_from_country": int(src_counts[CURRENCY_SOURCES.index("country")]),
        "currency_given": given_currency,
        "text_cleaned_cells": first.cleaned_cells,
        "sheet": first.sheet,
        "sheets": first.sheets,
        "headers": list(first.headers),
        "samples": samples(first.frame),
        "suggested_headers": fuzzy_suggestions(first.headers, mapping),
    } | {k: tallies[k] for k in _TALLIES}
    if head.header_note:
        choices["header_currency_note"] = head.header_note
    return IngestResult(accepted, rejected, not_fines, min(n, last), dict(mapping), choices)


_TALLIES: Final = (
    "placeholder_dates",
    "future_dates",
    "year_only_dates",
    "year_month_dates",
    "excel_serial_dates",
    "empty_rows",
    "generated_ids",
    "authority_defaulted",
    "controller_defaulted",
)


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The accepted rows of every block in one frame, built a column at a time: each block's copy of a
    column is let go once it is stacked, so the numbers are not held twice at the end; text columns
    (Arrow strings) are joined as chunks, not copied."""
    if len(frames) == 1:
        return frames[0]
    index = pd.Index(np.concatenate([f.index.to_numpy() for f in frames]), name=frames[0].index.name)
    out = {c: pd.concat([f.pop(c) for f in frames], ignore_index=True).set_axis(index) for c in list(frames[0].columns)}
    return pd.DataFrame(out, index=index, copy=False)


def _rows_to(rejected: pd.DataFrame, last: int) -> pd.DataFrame:
    """The rejected rows up to the file's last row with content (blank rows after it end the file)."""
    keep = rejected["row"].to_numpy() <= last
    return rejected if keep.all() else rejected[keep].reset_index(drop=True)
