"""One session's upload: where it is kept, how it merges with and compares to the bundled data.

The state lives in the session's own mapping (Streamlit passes st.session_state), never
in a module global or a cache that another session could reach, and never on disk.
Pure: no streamlit import.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from components.ingest import IngestResult

#: session keys (the pages read the accepted frame under UPLOADED_FINES)
UPLOADED_FINES: Final = "uploaded_fines"
UPLOADED_NAME: Final = "uploaded_name"
UPLOAD_TOKEN: Final = "upload_token"  # noqa: S105 - a session key holding the hash of the file's bytes
UPLOAD_VERSION: Final = "upload_version"
_RESULT: Final = "upload_result"
_DATA: Final = "upload_bytes"
_HEADERS: Final = "upload_headers"
_ERROR: Final = "upload_error"
_MAPPING: Final = "upload_mapping"


@dataclass(frozen=True)
class UploadState:
    token: str
    name: str
    data: bytes
    result: IngestResult | None
    headers: tuple[str, ...]
    error: str = ""  # why the last import failed (the file is kept so the user can map it)
    mapping: dict[str, str] | None = None


def get_state(session: MutableMapping[str, Any]) -> UploadState:
    return UploadState(
        token=str(session.get(UPLOAD_TOKEN, "")),
        name=str(session.get(UPLOADED_NAME, "")),
        data=session.get(_DATA, b""),
        result=session.get(_RESULT),
        headers=tuple(session.get(_HEADERS, ())),
        error=str(session.get(_ERROR, "")),
        mapping=dict(session.get(_MAPPING, {})),
    )


def store(session: MutableMapping[str, Any], *, token: str, name: str, data: bytes, result: IngestResult) -> None:
    headers = list(result.mapping.values())
    if result.choices.get("headers"):
        headers = list(result.choices["headers"])
    else:
        headers = _headers_of(data, name) or headers
    session[UPLOAD_TOKEN] = token
    # changes whenever the accepted rows may change (a new file, or the same file re-mapped)
    session[UPLOAD_VERSION] = int(session.get(UPLOAD_VERSION, 0)) + 1
    session[UPLOADED_NAME] = name
    session[_DATA] = data
    session[_RESULT] = result
    session[_HEADERS] = headers
    session[UPLOADED_FINES] = result.accepted if len(result.accepted) else None
    session[_MAPPING] = dict(result.mapping)
    session.pop(_ERROR, None)


def store_failure(
    session: MutableMapping[str, Any],
    *,
    token: str,
    name: str,
    data: bytes,
    error: str,
    headers: list[str] | None = None,
    suggested: dict[str, str] | None = None,
) -> None:
    """Keep a file that could not be imported, with the reason, so its columns can be mapped by hand.

    `headers` and `suggested` come with the error when the file was read; then it is not read again.
    """
    from components.ingest import IngestError, read_table, suggest_mapping

    clear(session)
    session[UPLOAD_TOKEN] = token
    session[UPLOADED_NAME] = name
    session[_DATA] = data
    session[_ERROR] = error
    if headers is not None:
        session[_HEADERS] = list(headers)
        session[_MAPPING] = dict(suggested or {})
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
    for key in (UPLOAD_TOKEN, UPLOAD_VERSION, UPLOADED_NAME, _DATA, _RESULT, _HEADERS, _ERROR, _MAPPING, UPLOADED_FINES):
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
    return pd.concat([bundled, extra], ignore_index=True)


def compare(bundled: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """Each uploaded row as new, matching (same case and figures) or differing (same case, other figures)."""
    same_case = _keys(upload, False).isin(set(_keys(bundled, False)))
    same_all = _keys(upload, True).isin(set(_keys(bundled, True)))
    status = pd.Series("new", index=upload.index, dtype=object)
    status[same_case] = "differing"
    status[same_all] = "matching"
    cols = ["country", "controller", "decision_date", "amount", "currency"]
    return upload[cols].assign(status=status.to_numpy())
