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


#: Every byte but the C0 controls (less tab, LF and CR), DEL, and the lead bytes C2 and E2.
_PLAIN_BYTES: Final = bytes(b for b in range(256) if not ((b < 32 and b not in (9, 10, 13)) or b in (127, 0xC2, 0xE2)))


def may_hold_unsafe(data: bytes, chunk: int = 16 << 20) -> bool:
    """Could a UTF-8 file hold an unsafe character? A byte scan, far cheaper than a regex per cell.

    C0 controls but tab, LF and CR, and DEL, are single bytes; C1 controls are C2 80..9F; the bidi
    controls are E2 80 AA..AE and E2 81 A6..A9. One `bytes.translate` keeps only the bytes that
    can start one; only when C2 or E2 is among them are their followers looked at, in numpy.
    """
    rest = data.translate(None, _PLAIN_BYTES)
    if not rest:
        return False
    if rest.translate(None, b"\xc2\xe2"):
        return True  # a C0 control or DEL
    view = np.frombuffer(data, dtype=np.uint8)
    look_c2, look_e2 = 0xC2 in rest, 0xE2 in rest
    for start in range(0, len(view), chunk):
        block = view[start : start + chunk + 2]  # two bytes of overlap: a sequence may straddle
        if look_c2:
            c2 = np.flatnonzero(block[:-1] == 0xC2)
            if len(c2) and ((block[c2 + 1] >= 0x80) & (block[c2 + 1] <= 0x9F)).any():
                return True
        if look_e2:
            e2 = np.flatnonzero(block[:-2] == 0xE2)
            if len(e2):
                b1, b2 = block[e2 + 1], block[e2 + 2]
                if (((b1 == 0x80) & (b2 >= 0xAA) & (b2 <= 0xAE)) | ((b1 == 0x81) & (b2 >= 0xA6) & (b2 <= 0xA9))).any():
                    return True
    return False
