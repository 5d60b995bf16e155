"""One session's upload: where it is kept, how it merges with and compares to the bundled data.

The state lives in the session's own mapping (Streamlit passes st.session_state), never
in a module global or a cache that another session could reach, and never on disk.
Pure: no streamlit import.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from components import schema
from components.ingest import IngestResult

#: session keys (the pages read the accepted frame under UPLOADED_FINES)
UPLOADED_FINES: Final = "uploaded_fines"
UPLOADED_NAME: Final = "uploaded_name"
UPLOAD_TOKEN: Final = "upload_token"  # noqa: S105 - a session key holding the hash of the file's bytes
UPLOAD_VERSION: Final = "upload_version"
_RESULT: Final = "upload_result"
_DATA: Final = "upload_bytes"  # the file, zlib-compressed: kept to re-import it with another mapping
_HEADERS: Final = "upload_headers"
_ERROR: Final = "upload_error"
_MAPPING: Final = "upload_mapping"
_PARTS: Final = "upload_parts"  # the files combined into this session's upload: [(name, uploaded at, rows)]
_SAMPLES: Final = "upload_samples"  # {header: three values}: shown beside each field of the mapping form
_SHEETS: Final = "upload_sheets"
_OPTIONS: Final = "upload_options"  # {"currency": ..., "sheet": ...}: the answers the next import uses
_COMPARED: Final = "upload_compared"
_MERGED: Final = "upload_merged"  # (key, bundled merged with the upload): built once per upload, not per rerun


@dataclass(frozen=True)
class UploadState:
    token: str
    name: str
    packed: bytes  # the file as stored (see `pack`); `data` gives it back
    result: IngestResult | None
    headers: tuple[str, ...]
    error: str = ""  # why the last import failed (the file is kept so the user can map it)
    mapping: dict[str, str] | None = None
    parts: list[tuple[str, str, int]] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        """The uploaded file's bytes (decompressed on use: only a re-import needs them)."""
        return unpack(self.packed)

    @property
    def label(self) -> str:
        """What the upload is called on screen: its file name(s) and when it was uploaded (UTC)."""
        if not self.parts:
            return self.name
        return " + ".join(f"{name} (uploaded {when})" for name, when, _ in self.parts)


def pack(data: bytes) -> bytes:
    """The file as a session keeps it: a CSV compresses 5-10x at level 1 in a fraction of its read time
    (a 500,000-row export: 69 MB raw), and the session holds it until the next upload."""
    return zlib.compress(data, 1)


def unpack(packed: bytes) -> bytes:
    return zlib.decompress(packed) if packed else b""


def get_state(session: MutableMapping[str, Any]) -> UploadState:
    return UploadState(
        token=str(session.get(UPLOAD_TOKEN, "")),
        name=str(session.get(UPLOADED_NAME, "")),
        packed=session.get(_DATA, b""),
        result=session.get(_RESULT),
        headers=tuple(session.get(_HEADERS, ())),
        error=str(session.get(_ERROR, "")),
        mapping=dict(session.get(_MAPPING, {})),
        parts=list(session.get(_PARTS, [])),
        samples=dict(session.get(_SAMPLES, {})),
        sheets=list(session.get(_SHEETS, [])),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def store(
    session: MutableMapping[str, Any], *, token: str, name: str, data: bytes, result: IngestResult, add: bool = False
) -> None:
    """Keep an imported file as this session's upload; with `add`, its rows join the rows already uploaded."""
    earlier = session.get(UPLOADED_FINES) if add else None
    parts = list(session.get(_PARTS, [])) if add and earlier is not None else []
    headers = list(result.mapping.values())
    if result.choices.get("headers"):
        headers = list(result.choices["headers"])
    else:
        headers = _headers_of(data, name) or headers
    session[UPLOAD_TOKEN] = token
    # changes whenever the accepted rows may change (a new file, or the same file re-mapped)
    session[UPLOAD_VERSION] = int(session.get(UPLOAD_VERSION, 0)) + 1
    session[UPLOADED_NAME] = " + ".join([p[0] for p in parts] + [name])
    session[_DATA] = pack(data)
    session[_RESULT] = result
    session[_HEADERS] = headers
    accepted = result.accepted if len(result.accepted) else None
    if earlier is not None and accepted is not None:
        accepted = combine(earlier, accepted, len(parts) + 1)
    elif earlier is not None:
        accepted = earlier
    session[UPLOADED_FINES] = accepted
    session[_MAPPING] = dict(result.mapping)
    session[_PARTS] = parts + [(name, _now(), len(result.accepted))]
    session[_SAMPLES] = dict(result.choices.get("samples", {}))
    session[_SHEETS] = list(result.choices.get("sheets") or [])
    session.pop(_ERROR, None)
    session.pop(_MERGED, None)
    session.pop(_COMPARED, None)


def combine(earlier: pd.DataFrame, added: pd.DataFrame, part: int) -> pd.DataFrame:
    """Rows of an added file after the rows already uploaded; its ids prefixed where they clash."""
    added = added.copy()
    clash = added["fine_id"].isin(set(earlier["fine_id"]))
    added.loc[clash, "fine_id"] = f"F{part}-" + added.loc[clash, "fine_id"].astype(str)
    return pd.concat([earlier, added], ignore_index=True)


def store_failure(
    session: MutableMapping[str, Any],
    *,
    token: str,
    name: str,
    data: bytes,
    error: str,
    headers: list[str] | None = None,
    suggested: dict[str, str] | None = None,
    samples: dict[str, list[str]] | None = None,
    sheets: list[str] | None = None,
) -> None:
    """Keep a file that could not be imported, with the reason, so its columns can be mapped by hand.

    `headers` and `suggested` come with the error when the file was read; then it is not read again.
    """
    from components.ingest import IngestError, read_table, suggest_mapping

    options = session.get(_OPTIONS)
    clear(session)
    if options:
        session[_OPTIONS] = options  # the answer that failed stays visible, so it can be changed
    session[UPLOAD_TOKEN] = token
    session[UPLOADED_NAME] = name
    session[_DATA] = pack(data)
    session[_ERROR] = error
    if headers is not None:
        session[_HEADERS] = list(headers)
        session[_MAPPING] = dict(suggested or {})
        session[_SAMPLES] = dict(samples or {})
        session[_SHEETS] = list(sheets or [])
        return
    if error.startswith(("The file is", "The spreadsheet", "A cell", "This ")):
        return  # the file could not be read at all: reading it again would fail the same way
    try:
        raw = read_table(data, filename=name)
    except IngestError:
        return  # not even a table: only the message is shown
    session[_HEADERS] = list(raw.headers)
    session[_MAPPING] = suggest_mapping(raw.headers, raw.frame.head(50))


def clear(session: MutableMapping[str, Any]) -> None:
    for key in (
        UPLOAD_TOKEN,
        UPLOAD_VERSION,
        UPLOADED_NAME,
        _DATA,
        _RESULT,
        _HEADERS,
        _ERROR,
        _MAPPING,
        UPLOADED_FINES,
        _PARTS,
        _MERGED,
        _COMPARED,
        _SAMPLES,
        _SHEETS,
        _OPTIONS,
    ):
        session.pop(key, None)


def _headers_of(data: bytes, name: str) -> list[str]:
    from components.ingest import IngestError, read_table

    try:
        return list(read_table(data, filename=name).headers)
    except IngestError:
        return []


def _keys(frame: pd.DataFrame, with_amount: bool) -> pd.Series:
    key = (
        frame["country"].astype(str)
        + "|"
        + frame["controller"].astype(str).str.strip().str.lower()
        + "|"
        + frame["decision_date"].dt.strftime("%Y-%m-%d")
    )
    if with_amount:
        key = key + "|" + frame["amount"].round(2).astype(str) + "|" + frame["currency"].astype(str)
    return key


def merge(bundled: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """Bundled rows plus the uploaded rows that are not duplicates.

    Duplicate rule: same authority country, controller (case-insensitive), decision date
    and amount (and currency) as a bundled row; the bundled row, with its sources and
    history, is kept.
    """
    duplicate = _keys(upload, True).isin(set(_keys(bundled, True)))
    extra = upload[~duplicate].copy()
    extra["fine_id"] = "U-" + extra["fine_id"].astype(str).str.removeprefix("U-")
    # the bundled data keeps a few text columns as objects; concatenating those with the upload's
    # Arrow strings would turn a million of them into Python objects (a third more memory, and again
    # in every prepared copy), so the bundled few take the upload's dtype instead
    text = {
        c: extra[c].dtype for c in extra.columns if c in bundled and str(extra[c].dtype) == "str" and bundled[c].dtype == object
    }
    bundled = bundled.astype(text)
    # flags the bundle derives from its events (data.with_early_payment) are False for uploaded rows,
    # not missing: a missing value would make the column one of Python objects
    for c in bundled.columns:
        if bundled[c].dtype == bool and c not in extra:
            extra[c] = False
    # the rows the default filters keep (money decisions) first, so that the default selection is one
    # slice of the merged view rather than a copy of it (metrics.apply_filters)
    parts = []
    for default in (True, False):
        for frame in (bundled, extra):
            kept = frame["decision_type"].isin(schema.MONEY_DECISION_TYPES).to_numpy() == default
            if kept.any():
                parts.append(frame if kept.all() else frame[kept])
    return pd.concat(parts or [bundled, extra], ignore_index=True)


@dataclass(frozen=True)
class Comparison:
    """How the uploaded rows compare with the bundled data: the counts and the first rows, all a page shows."""

    counts: dict[str, int]
    head: pd.DataFrame


def compare(bundled: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """Each uploaded row as new, matching (same case and figures) or differing (same case, other figures)."""
    same_case = _keys(upload, False).isin(set(_keys(bundled, False)))
    same_all = _keys(upload, True).isin(set(_keys(bundled, True)))
    status = pd.Series("new", index=upload.index, dtype=object)
    status[same_case] = "differing"
    status[same_all] = "matching"
    cols = ["country", "controller", "decision_date", "amount", "currency"]
    return upload[cols].assign(status=status.to_numpy())


def merged(session: MutableMapping[str, Any], bundled: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """`merge` memoised in the session, once per upload: pages rerun without merging again."""
    key = (session.get(UPLOAD_TOKEN, ""), session.get(UPLOAD_VERSION, 0), id(bundled), len(bundled), id(upload))
    hit = session.get(_MERGED)
    if hit is None or hit[0] != key:
        hit = (key, merge(bundled, upload))
        session[_MERGED] = hit
    return hit[1]


def compared(session: MutableMapping[str, Any], bundled: pd.DataFrame, upload: pd.DataFrame, rows: int = 500) -> Comparison:
    """`compare` memoised in the session, once per upload: its counts and first `rows` rows, not every row."""
    key = (session.get(UPLOAD_TOKEN, ""), session.get(UPLOAD_VERSION, 0), id(bundled), len(bundled), id(upload), rows)
    hit = session.get(_COMPARED)
    if hit is None or hit[0] != key:
        table = compare(bundled, upload)
        counts = {k: int(v) for k, v in table["status"].value_counts().items()}
        hit = (key, Comparison(counts, table.head(rows).copy()))
        session[_COMPARED] = hit
    return hit[1]


def import_options(session: MutableMapping[str, Any]) -> dict[str, str]:
    """The answers the next import of this session's file uses: currency and sheet ("" when not given)."""
    return dict(session.get(_OPTIONS, {}))


def set_import_option(session: MutableMapping[str, Any], name: str, value: str) -> None:
    options = import_options(session)
    options[name] = value or ""
    session[_OPTIONS] = options


def reset_import_options(session: MutableMapping[str, Any]) -> None:
    """A new file starts with no answers: its currency and sheet are its own."""
    session.pop(_OPTIONS, None)
