"""What every step of the import shares: its limits, its one error type, and small Arrow helpers.

Pure: no streamlit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components import schema

Progress = Callable[[float, str], None]

MAX_ROWS: Final = 1_000_000
MAX_COLUMNS: Final = 200
MAX_BYTES: Final = 200 * 1024 * 1024
MAX_CELL_CHARS: Final = 100_000
#: An XLSX whose parts expand to more than this many times their packed size is refused.
MAX_ZIP_RATIO: Final = 200
SAMPLE_BYTES: Final = 256 * 1024
DELIMITERS: Final = (",", ";", "\t", "|")
DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

#: Fields a file must provide (by header or explicit mapping) to be read as fines at all.
REQUIRED_FIELDS: Final = ("amount", "country", "decision_date")
#: Mappable fields: the canonical columns plus `type` (a tracker's "Type": reprimand, fine, ...).
MAPPABLE_FIELDS: Final = tuple(c for c in schema.FINE_COLUMNS if c != "date_precision") + ("type",)


class IngestError(ValueError):
    """The file cannot be read at all. The message is one line a person understands.

    When the file was read but could not be imported (no amount column, say), `headers` and
    `suggested` hold its headers and the suggested mapping, so a page need not read it again.
    """

    headers: list[str] | None = None
    suggested: dict[str, str] | None = None
    sheets: list[str] | None = None
    samples: dict[str, list[str]] | None = None


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: the key headers are matched on."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", ascii_only.lower()).split())


def _arrow(values: pd.Series | Sequence[Any] | np.ndarray) -> pa.Array:
    """A pyarrow string array with no nulls (missing -> "")."""
    if isinstance(values, pd.Series):
        values = values.array
    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(
            [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values], type=pa.large_string()
        )
    return pc.fill_null(arr, "")


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False)


def _uniques(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """codes per row and the distinct values (as a pyarrow string array)."""
    arr = _arrow(series)
    if isinstance(arr, pa.ChunkedArray):
        # one dictionary for the whole column: encoding chunk by chunk and unifying costs twice as much
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr)
    return _np(enc.indices), enc.dictionary  # int32 codes


def _clean_text(arr: pa.Array) -> pa.Array:
    """Odd spaces to spaces, dashes to "-", typographic apostrophes to "'", then trimmed.

    Those characters are all non-ASCII: the three replacements run only on the values that
    are not plain ASCII (a cheap check), which are few in most columns.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    odd = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if pc.any(odd).as_py():
        pos = pa.array(np.flatnonzero(_np(odd)))
        sub = pc.take(arr, pos)
        sub = pc.replace_substring_regex(sub, "[\u00a0\u202f\u2009\u2007\u2002\u2003]", " ")
        sub = pc.replace_substring_regex(sub, "[\u2212\u2012\u2013]", "-")
        sub = pc.replace_substring_regex(sub, "[\u2019\u02bc]", "'")
        arr = pc.replace_with_mask(arr, odd, sub.cast(arr.type))
    return pc.utf8_trim_whitespace(arr)


def _short(text: object, n: int = 60) -> str:
    s = str(text).replace("\n", " ").replace("\r", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


_STR = pa.large_string()
_NULL = pa.scalar(None, _STR)
_SEP = pa.scalar("; ", _STR)


def _arr(values: np.ndarray | Sequence[Any]) -> pa.Array:
    """A small object array (distinct values, messages) as arrow strings; None stays null."""
    return pa.array(values, type=_STR, from_pandas=True)


def _when(mask: np.ndarray, text: pa.Array | str) -> pa.Array:
    """`text` where mask holds, null elsewhere."""
    if isinstance(text, str):
        ix = np.where(mask, 0, -1)
        return pc.take(pa.array([text], _STR), pa.array(ix, mask=ix < 0))
    value = pa.scalar(text, _STR) if isinstance(text, str) else text
    return pc.if_else(pa.array(mask, pa.bool_()), value, _NULL)


def _sparse(n: int, pos: np.ndarray, messages: np.ndarray) -> pa.Array:
    """n strings, null except messages[k] at row pos[k]."""
    ix = np.full(n, -1, dtype=np.int64)
    ix[pos] = np.arange(len(pos))
    return pc.take(_arr(messages), pa.array(ix, mask=ix < 0))


def _spread(mask: np.ndarray, values_u: np.ndarray, codes: np.ndarray) -> pa.Array:
    """values_u[codes] on the rows where mask holds, null elsewhere (cheap when mask is sparse)."""
    pos = np.flatnonzero(mask)
    return _sparse(len(mask), pos, values_u[codes[pos]])


def _join(parts: Sequence[pa.Array], n: int) -> pa.Array:
    """Join the non-null parts of each row with "; "; null where a row has none.

    Reasons and notes are sparse, so only the rows that have some are joined.
    """
    if not parts:
        return pa.nulls(n, _STR)
    has = np.zeros(n, dtype=bool)
    for part in parts:
        has |= _bools(pc.is_valid(part))
    pos = np.flatnonzero(has)
    if len(pos) == n:
        picked = list(parts)
    else:
        where = pa.array(pos)
        picked = [pc.take(part, where) for part in parts]
    out = picked[0]
    for part in picked[1:]:
        # null_handling="skip" returns an empty array when every input is null (pyarrow 26),
        # so join where both have text and coalesce elsewhere
        out = pc.coalesce(pc.binary_join_element_wise(out, part, _SEP), out, part)
    if len(pos) == n:
        return out
    return _sparse(n, pos, _np(out).astype(object))


def _bools(arr: pa.Array) -> np.ndarray:
    return _np(arr).astype(bool)
