"""Ingest: turn an uploaded fines file (CSV, TSV or XLSX, from a path or bytes) into canonical fines.

One job: read what people actually upload (tracker exports, authority registers, hand-kept
spreadsheets) and account for every data row: accepted in the canonical columns of
`components.schema`, rejected with a reason, or set aside as not a fine with a reason.
Parsing is vectorised (pyarrow compute over each column's distinct values). Pure: no streamlit.

The modules follow the way a file is understood:

| module | job |
|---|---|
| `reading` | bytes to a table of strings: encoding, delimiter, CSV |
| `blocks` | a large UTF-8 CSV read block by block (each block judged by `rows`) |
| `parts` | the judged blocks of a file combined into one result |
| `xlsx` | a workbook's sheet to a table of strings, bounded |
| `headers` | which column holds which field (synonyms in `synonyms.json`, values scored) |
| `amounts` | written amounts to numbers and currencies |
| `dates` | written dates to days, with their precision |
| `places` | countries and the currency each fines in |
| `rows` | accept, reject or classify every row with a reason |
| `report` | the result and its account |
| `cli` | `python -m components.ingest FILE` |

Accounting rule for blank lines: a blank line (or a row whose cells are all empty) between
data rows is a row. It counts in `rows_read` and is rejected as "empty row", so row numbers
stay those a spreadsheet shows (data rows from 1, header excluded). Blank rows after the last
row with any content are the end of the file, not rows, and are not counted.
"""

from __future__ import annotations

from components.ingest.amounts import CURRENCY_TOKENS, MULTIPLIERS, parse_amounts
from components.ingest.cli import main
from components.ingest.common import (
    MAPPABLE_FIELDS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    REQUIRED_FIELDS,
    IngestError,
    Progress,
    fold,
)
from components.ingest.dates import parse_dates
from components.ingest.headers import HEADER_SYNONYMS, suggest_mapping
from components.ingest.places import COUNTRY_CURRENCY, country_currency
from components.ingest.reading import RawTable, read_table
from components.ingest.report import IngestResult
from components.ingest.rows import ingest

__all__ = [
    "COUNTRY_CURRENCY",
    "CURRENCY_TOKENS",
    "HEADER_SYNONYMS",
    "MAPPABLE_FIELDS",
    "MAX_BYTES",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MULTIPLIERS",
    "REQUIRED_FIELDS",
    "IngestError",
    "IngestResult",
    "Progress",
    "RawTable",
    "country_currency",
    "fold",
    "ingest",
    "main",
    "parse_amounts",
    "parse_dates",
    "read_table",
    "suggest_mapping",
]
