"""XLSX: a workbook's sheet to a table of strings, with bounded memory and clear refusals.

Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pandas as pd
import pyarrow as pa

from components.ingest.common import (
    MAX_ZIP_RATIO,
    IngestError,
)
from components.ingest.reading import RawTable, _check_cell_chars, _dedupe_headers, _limit_error


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


def read_xlsx(data: bytes, *, max_rows: int, max_columns: int, max_cell_chars: int) -> RawTable:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise IngestError("The file is not a valid XLSX spreadsheet (it is not a readable zip archive).") from None
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise IngestError("The file is a zip archive but not an XLSX spreadsheet.")
        infos = archive.infolist()
        packed = sum(i.compress_size for i in infos) or 1
        unpacked = sum(i.file_size for i in infos)
        if unpacked > 50 * max(len(data), 1 << 20) or unpacked / packed > MAX_ZIP_RATIO:
            raise IngestError(
                f"The spreadsheet expands from {packed / 1e6:,.1f} MB to {unpacked / 1e6:,.0f} MB; "
                "refused as a possible zip bomb."
            )
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise IngestError(f"The XLSX spreadsheet cannot be opened ({type(exc).__name__}).") from None
    except Exception as exc:  # noqa: BLE001 - a malformed workbook can fail anywhere inside openpyxl
        raise IngestError(f"The XLSX spreadsheet cannot be opened ({type(exc).__name__}).") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise IngestError("The spreadsheet has no worksheet.")
        declared_rows, declared_cols = sheet.max_row, sheet.max_column
        if declared_cols and declared_cols > max_columns and _declared_ok(sheet):
            raise _limit_error("columns", declared_cols, max_columns, "are")
        if declared_rows and declared_rows - 1 > max_rows and _declared_ok(sheet):
            raise _limit_error("rows", declared_rows - 1, max_rows, "are")
        rows: list[list[str]] = []
        width = 0
        try:
            for values in sheet.iter_rows(values_only=True, max_col=max_columns + 1):
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
    return RawTable(frame, headers, "xlsx", None, "xlsx", {})


def _declared_ok(sheet: Any) -> bool:
    """openpyxl reports the sheet's declared dimension; trust it only when the sheet declares one."""
    try:
        return bool(sheet.calculate_dimension())
    except Exception:  # noqa: BLE001 - "unsized" sheets raise; then the row loop enforces limits
        return False
