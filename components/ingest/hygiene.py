"""Text hygiene: remove control characters and bidirectional overrides from every text cell.

A control character (other than tab, newline and carriage return) makes spreadsheet writers
refuse the whole export (openpyxl raises IllegalCharacterError on `\\x0b`), and a right-to-left
override makes a name read reversed on screen. Both are removed when the file is read, and
the number of cells changed is reported. Pure: no streamlit.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: RE2 (Arrow) pattern: C0 controls but tab, LF and CR; DEL; C1 controls; bidi embeddings,
#: overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI).
UNSAFE_RE2: Final = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{80}-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}]"
UNSAFE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """One string with the unsafe characters removed."""
    return UNSAFE.sub("", text)


def scrub(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(frame with unsafe characters removed from every cell, number of cells changed)."""
    changed = 0
    out = {}
    for name in frame.columns:
        arr = pa.array(frame[name].array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        hit = pc.match_substring_regex(arr, UNSAFE_RE2)
        count = pc.sum(hit).as_py() or 0
        if count:
            changed += count
            out[name] = pc.replace_substring_regex(arr, UNSAFE_RE2, "").to_pandas().set_axis(frame.index)
    if not out:
        return frame, 0
    frame = frame.copy()
    for name, col in out.items():
        frame[name] = col.astype(frame[name].dtype)
    return frame, changed


def may_hold_unsafe(data: bytes, chunk: int = 16 << 20) -> bool:
    """Could a UTF-8 file hold an unsafe character? A byte scan in numpy, far cheaper than a regex per cell.

    C0 controls but tab, LF and CR, and DEL, are single bytes; C1 controls are C2 80..9F; the bidi
    controls are E2 80 AA..AE and E2 81 A6..A9.
    """
    view = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, len(view), chunk):
        block = view[start : start + chunk + 2]  # two bytes of overlap: a sequence may straddle
        low = (block < 32) | (block == 127)
        if low.any() and not np.isin(block[low], (9, 10, 13)).all():
            return True
        c2 = np.flatnonzero(block[:-1] == 0xC2)
        if len(c2) and ((block[c2 + 1] >= 0x80) & (block[c2 + 1] <= 0x9F)).any():
            return True
        e2 = np.flatnonzero(block[:-2] == 0xE2)
        if len(e2):
            b1, b2 = block[e2 + 1], block[e2 + 2]
            if (((b1 == 0x80) & (b2 >= 0xAA) & (b2 <= 0xAE)) | ((b1 == 0x81) & (b2 >= 0xA6) & (b2 <= 0xA9))).any():
                return True
    return False
