"""Downloads that are safe to open in a spreadsheet. Pure: no streamlit.

A text cell that starts with = + - @ tab or carriage return would be read as a
formula by Excel, LibreOffice or Google Sheets; it is prefixed with an apostrophe so
it stays text. Numbers are never touched. Each export carries its sources and licence.
"""

from __future__ import annotations

import csv
import io
from typing import Final

import pandas as pd

FORMULA_LEADS: Final = ("=", "+", "-", "@", "\t", "\r")
LICENCE: Final = (
    "Compiled data: CC BY 4.0, Enforcement Atlas. Facts from the authorities' and courts' public decisions, news "
    "reports, case summaries (GDPRhub) and commentary cited in source_url. Uploaded rows are the uploader's own."
)


def neutralise_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell that could be read as a formula is made plain text."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            # vectorised: only text cells whose first character is a formula lead change
            text = series.astype(object)
            is_text = text.map(type).eq(str) if pd.api.types.is_object_dtype(series) else series.notna()
            first = text.where(is_text, "").astype(str).str[:1]
            risky = is_text & first.isin(FORMULA_LEADS)
            out[col] = text.where(~risky, "'" + text.where(risky, "").astype(str))
    out.columns = [str(neutralise_cell(str(c))) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame, header_lines: list[str] | None = None) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads accents), formulas neutralised.

    header_lines go first as '# ' comment lines (sources, licence, as of).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for line in header_lines or []:
        # One quoted cell per line, line breaks flattened: a comma or CR in an upload's
        # file name can neither split the line into cells nor start a new row.
        flat = " ".join(str(line).replace("\r", " ").replace("\n", " ").split())
        writer.writerow(["# " + flat])
    # Quote every text cell: a bare carriage return inside an unquoted cell would split the row.
    neutralise(frame).to_csv(buf, index=False, date_format="%Y-%m-%d", quoting=csv.QUOTE_NONNUMERIC)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(frame: pd.DataFrame, about: dict[str, str], sheet: str = "fines") -> bytes:
    """XLSX with the data and an 'about' sheet (sources, licence, rates, as of)."""
    buf = io.BytesIO()
    safe = neutralise(frame)
    for col in safe.columns:
        if pd.api.types.is_datetime64_any_dtype(safe[col]):
            safe[col] = safe[col].dt.tz_localize(None) if getattr(safe[col].dt, "tz", None) else safe[col]
    about = {**about, "note": "Excel cells hold at most 32,767 characters; longer text is cut here (the CSV keeps it whole)."}
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet, index=False)
        about_frame = neutralise(pd.DataFrame({"field": list(about.keys()), "value": list(about.values())}))
        about_frame.to_excel(writer, sheet_name="about", index=False)
    return buf.getvalue()
