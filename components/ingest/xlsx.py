"""XLSX: a workbook's sheet to a table of strings, with bounded memory and clear refusals.

Before openpyxl (which parses with defusedxml when installed, as here) sees a part, the
shared strings and the chosen sheet are streamed in 1 MB pieces and counted (in C, no parse):
a cell over the cell limit, too many shared strings or too much text in all refuse the file
at once, so a crafted workbook cannot make openpyxl build gigabytes of strings. The sheet read
is the one named, else the first visible sheet with a header row. Formulas without a saved
value are reported per row. Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from components.ingest.common import (
    MAX_ZIP_RATIO,
    IngestError,
)
from components.ingest.reading import RawTable, _check_cell_chars, _dedupe_headers, _limit_error

#: At most this many shared strings (a 500,000-row register with four text columns has 2M).
MAX_SHARED_STRINGS: Final = 3_000_000
#: At most this many bytes of XML in the shared strings and the sheet together.
MAX_TEXT_CHARS: Final = 600_000_000
_CHUNK: Final = 1 << 20


@dataclass
class _Scan:
    """What streaming a part found: counts, and the rows holding formulas without a saved value."""

    strings: int = 0
    chars: int = 0
    no_value_rows: set[int] = field(default_factory=set)


_ROW_REF: Final = re.compile(rb'<c\b[^>]*?\br="[A-Z]+(\d+)"')


def _scan_part(archive: zipfile.ZipFile, name: str, scan: _Scan, max_cell_chars: int) -> None:
    """Stream one XML part in 1 MB pieces, counting in C (bytes.count, find): raise IngestError past a bound.

    A text run (bytes between two tags) longer than 4 bytes per allowed character is a cell over
    the limit; `<si` counts shared strings; `</f></c>` is a formula cell with no saved value.
    """
    longest_run = 4 * max_cell_chars
    carry = b""
    try:
        with archive.open(name) as part:
            while chunk := part.read(_CHUNK):
                buf = carry + chunk
                scan.strings += chunk.count(b"<si>") + chunk.count(b"<si ")
                scan.chars += len(chunk)
                if scan.strings > MAX_SHARED_STRINGS:
                    raise IngestError(f"The spreadsheet has more than {MAX_SHARED_STRINGS:,} shared strings; refused.")
                if scan.chars > MAX_TEXT_CHARS:
                    raise IngestError(f"The spreadsheet holds more than {MAX_TEXT_CHARS / 1e6:,.0f} MB of XML text; refused.")
                last_tag = buf.rfind(b"<")
                if _longest_text(buf) > longest_run:
                    raise IngestError(f"A cell has more than {max_cell_chars:,} characters; at most {max_cell_chars:,} are read.")
                _formula_rows(buf, scan)
                carry = buf[last_tag:] if last_tag >= 0 else buf
                carry = carry[-4096:] if len(carry) > longest_run else carry
    except IngestError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise IngestError(f"The XLSX spreadsheet cannot be read ({type(exc).__name__}).") from None
    except NotImplementedError as exc:  # a zip feature Python does not read: a newer zip version, strong encryption
        raise IngestError(f"The XLSX spreadsheet uses a zip format that cannot be read here ({exc}).") from None


def _longest_text(buf: bytes) -> int:
    """The longest run of bytes without a tag start: the biggest text a cell in this piece can hold."""
    tags = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 60)
    if not len(tags):
        return len(buf)
    edges = np.concatenate(([-1], tags, [len(buf)]))
    return int(np.diff(edges).max()) - 1


def _formula_rows(buf: bytes, scan: _Scan) -> None:
    """Rows holding a formula cell without a saved value: `<f>..</f></c>` with no `<v>` between."""
    for marker in (b"</f></c>", b"/></c>"):
        at = buf.find(marker)
        while at >= 0:
            start = buf.rfind(b"<c", 0, at)
            cell = buf[start:at]
            if b"<f" in cell and b"<v" not in cell:
                m = _ROW_REF.match(cell)
                if m:
                    scan.no_value_rows.add(int(m.group(1)))
            at = buf.find(marker, at + 1)


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _check_archive(data: bytes) -> zipfile.ZipFile:
    """The zip archive, refused when it is not an XLSX or expands like a bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise IngestError("The file is not a valid XLSX spreadsheet (it is not a readable zip archive).") from None
    except NotImplementedError as exc:  # a newer zip version, a zip spanning disks
        raise IngestError(f"The XLSX spreadsheet uses a zip format that cannot be read here ({exc}).") from None
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise IngestError("The file is a zip archive but not an XLSX spreadsheet.")
    infos = archive.infolist()
    packed = sum(i.compress_size for i in infos) or 1
    unpacked = sum(i.file_size for i in infos)
    if unpacked > 50 * max(len(data), 1 << 20) or unpacked / packed > MAX_ZIP_RATIO:
        raise IngestError(
            f"The spreadsheet expands from {packed / 1e6:,.1f} MB to {unpacked / 1e6:,.0f} MB; refused as a possible zip bomb."
        )
    return archive


def _open_workbook(data: bytes) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise IngestError(f"The XLSX spreadsheet cannot be opened ({type(exc).__name__}).") from None
    except Exception as exc:  # noqa: BLE001 - a malformed workbook can fail anywhere inside openpyxl
        raise IngestError(f"The XLSX spreadsheet cannot be opened ({type(exc).__name__}).") from None


def _has_header(ws: Any) -> bool:
    try:
        first = next(ws.iter_rows(values_only=True, max_row=1, max_col=200), ())
    except Exception:  # noqa: BLE001 - a malformed sheet has no header we can read
        return False
    return any(_xlsx_cell(v).strip() for v in first)


def _choose_sheet(workbook: Any, name: str | None) -> Any:
    """The named sheet, else the first visible sheet whose first row has a header."""
    sheets = list(workbook.worksheets)
    if not sheets:
        raise IngestError("The spreadsheet has no worksheet.")
    if name:
        found = next((ws for ws in sheets if ws.title == name), None)
        if found is None:
            listed = ", ".join(f"'{ws.title}'" for ws in sheets[:10])
            raise IngestError(f"The spreadsheet has no sheet '{name}'; its sheets are {listed}.")
        return found
    visible = [ws for ws in sheets if getattr(ws, "sheet_state", "visible") == "visible"] or sheets
    return next((ws for ws in visible if _has_header(ws)), visible[0])


def _sheet_rows(ws: Any, max_rows: int, max_columns: int) -> tuple[list[list[str]], int]:
    declared_rows, declared_cols = ws.max_row, ws.max_column
    if declared_cols and declared_cols > max_columns and _declared_ok(ws):
        raise _limit_error("columns", declared_cols, max_columns, "are")
    if declared_rows and declared_rows - 1 > max_rows and _declared_ok(ws):
        raise _limit_error("rows", declared_rows - 1, max_rows, "are")
    rows: list[list[str]] = []
    width = 0
    try:
        for values in ws.iter_rows(values_only=True, max_col=max_columns + 1):
            cells = [_xlsx_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if len(cells) > max_columns:
                raise IngestError(f"The spreadsheet has more than {max_columns:,} columns; at most {max_columns:,} are read.")
            if len(rows) > max_rows + 1:
                raise IngestError(f"The spreadsheet has more than {max_rows:,} rows; at most {max_rows:,} are read.")
            width = max(width, len(cells))
            rows.append(cells)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed sheet XML
        raise IngestError(f"The XLSX worksheet cannot be read ({type(exc).__name__}).") from None
    return rows, width


def read_xlsx(data: bytes, *, max_rows: int, max_columns: int, max_cell_chars: int, sheet: str | None = None) -> RawTable:
    """The chosen sheet of an XLSX workbook as strings; the shared strings and the sheet are bounded first."""
    scan = _Scan()
    with _check_archive(data) as archive:
        if "xl/sharedStrings.xml" in archive.namelist():
            _scan_part(archive, "xl/sharedStrings.xml", scan, max_cell_chars)
        workbook = _open_workbook(data)
        try:
            ws = _choose_sheet(workbook, sheet)
            part = str(getattr(ws, "_worksheet_path", "")).lstrip("/")
            if part in archive.namelist():
                _scan_part(archive, part, scan, max_cell_chars)
            rows, width = _sheet_rows(ws, max_rows, max_columns)
            names = [w.title for w in workbook.worksheets]
        finally:
            workbook.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows or not any(c.strip() for c in rows[0]):
        raise IngestError("The spreadsheet's first row is empty; it needs a header row naming its columns.")
    headers = _dedupe_headers(rows[0] + [""] * (width - len(rows[0])))
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    cols = list(zip(*body)) if body else [() for _ in headers]
    frame = pd.DataFrame({h: pd.Series(list(c), dtype="str") for h, c in zip(headers, cols)})
    for h in headers:
        _check_cell_chars(pa.array(frame[h].array), h, max_cell_chars)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    problems = {
        r - 1: "a formula without a saved value (open and save the file in Excel, or export it as CSV)"
        for r in sorted(scan.no_value_rows)
        if 1 < r <= len(frame) + 1
    }
    return RawTable(frame, headers, "xlsx", None, "xlsx", problems, sheet=ws.title, sheets=names)


def _declared_ok(sheet: Any) -> bool:
    """openpyxl reports the sheet's declared dimension; trust it only when the sheet declares one."""
    try:
        return bool(sheet.calculate_dimension())
    except Exception:  # noqa: BLE001 - "unsized" sheets raise; then the row loop enforces limits
        return False
