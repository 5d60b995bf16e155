"""Columns: a mapped column as codes into its distinct values, and the table every step reads.

Parsing, classifying and messages happen once per distinct value (`Col`); a `Table` holds the
file as read, the mapping, and each column encoded once. Pure: no streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components.ingest.common import _STR, _arr, _arrow, _bools, _np, _spread, fold
from components.ingest.reading import RawTable


class Col:
    """One mapped column as codes into its distinct trimmed values (absent column: all blank)."""

    def __init__(self, series: pd.Series | None, n: int, exact: bool = False) -> None:
        self.present = series is not None
        if series is None:
            self.codes = np.broadcast_to(np.int32(0), n)  # read-only: one value, no memory per row
            self.uniq = pa.array([""], _STR)
            return
        arr = _arrow(series)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        trimmed = pc.utf8_trim_whitespace(arr)
        sample = trimmed.slice(0, 2000)
        if not exact and n > 10_000 and len(pc.unique(sample)) > 0.5 * len(sample):
            # ids, URLs, free text: nearly every row differs, so hashing them buys nothing
            self.codes = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
            self.uniq = trimmed
            return
        enc = pc.dictionary_encode(trimmed)
        self.codes = _np(enc.indices)  # Arrow's int32 indices: half the memory of int64 per row
        self.uniq = enc.dictionary if len(enc.dictionary) else pa.array([""], _STR)

    def sliced(self, offset: int, n: int) -> Col:
        """The n rows after `offset`, coded into the same distinct values (a block of a file read block by block)."""
        out = Col.__new__(Col)
        out.present, out.uniq, out.codes = self.present, self.uniq, self.codes[offset : offset + n]
        if hasattr(self, "_text"):
            out._text = self._text
        return out

    def messages(self, flag_u: np.ndarray, fmt: Callable[[str], str]) -> np.ndarray:
        """Per distinct value: fmt(value) where flagged, else None (built only where flagged)."""
        out = np.full(len(self.uniq), None, dtype=object)
        pos = np.flatnonzero(flag_u)
        if len(pos):
            out[pos] = [fmt(v) for v in _np(pc.take(self.uniq, pa.array(pos)))]
        return out

    def spread(self, mask: np.ndarray, values_u: np.ndarray) -> pa.Array:
        """values_u[code] on the rows where mask holds, null elsewhere."""
        return _spread(mask, values_u, self.codes)

    @property
    def text(self) -> np.ndarray:
        """The distinct values as Python strings (few, unless the column is an id or a URL)."""
        if not hasattr(self, "_text"):
            self._text = _np(self.uniq).astype(object)
        return self._text

    def blank_u(self) -> np.ndarray:
        return _bools(pc.equal(self.uniq, ""))

    def rows(self, idx: np.ndarray) -> pa.Array:
        return pc.take(self.uniq, pa.array(self.codes[idx]))

    def take(self, values_u: pa.Array | np.ndarray, idx: np.ndarray | None = None) -> pa.Array:
        """A per-distinct-value result (arrow or object) spread over rows."""
        u = values_u if isinstance(values_u, pa.Array) else _arr(values_u)
        return pc.take(u, pa.array(self.codes if idx is None else self.codes[idx]))


def classify_u(col: Col, rules: Sequence[tuple[str, str]]) -> np.ndarray:
    """A label per distinct value ("" when no rule fits)."""
    labels = []
    for v in col.text:
        f = fold(v)
        labels.append(next((name for name, pattern in rules if re.search(pattern, f)), ""))
    return np.array(labels, dtype=object)


@dataclass
class Table:
    """The file as read, the mapping in force, and each mapped column encoded once."""

    raw: RawTable
    mapping: dict[str, str]
    cols: dict[str, Col] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        return self.raw.frame

    @property
    def n(self) -> int:
        return len(self.raw.frame)

    def has(self, f: str) -> bool:
        return f in self.mapping

    def series(self, f: str) -> pd.Series | None:
        """The raw cells of field f's column, or None when unmapped."""
        return self.frame[self.mapping[f]] if f in self.mapping else None

    def col(self, f: str, exact: bool = False) -> Col:
        """Field f's column, encoded on first use (an unmapped field: all blank)."""
        if f not in self.cols:
            self.cols[f] = Col(self.series(f), self.n, exact=exact)
        return self.cols[f]
