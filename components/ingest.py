"""Ingest: turn an uploaded fines file (CSV, TSV or XLSX, from a path or bytes) into canonical fines.

One job: read what people actually upload (tracker exports, authority registers, hand-kept
spreadsheets) and account for every data row: accepted in the canonical columns of
`components.schema`, rejected with a reason, or set aside as not a fine with a reason.
Parsing is vectorised (pyarrow compute over each column's distinct values), so a million
rows import in seconds. Pure: no streamlit. `python -m components.ingest FILE` is the CLI.

Accounting rule for blank lines: a blank line (or a row whose cells are all empty) between
data rows is a row. It counts in `rows_read` and is rejected as "empty row", so row numbers
stay those a spreadsheet shows (data rows from 1, header excluded). Blank rows after the last
row with any content are the end of the file, not rows, and are not counted.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import io
import json
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from components import countries, schema

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
MAPPABLE_FIELDS: Final = tuple(c for c in schema.FINE_COLUMNS) + ("type",)


class IngestError(ValueError):
    """The file cannot be read at all. The message is one line a person understands."""


# --- header synonyms ------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: the key headers are matched on."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_only.lower()).split())


#: Folded header -> canonical field. English, the usual tracker exports (CMS Enforcement
#: Tracker, GDPRhub, privacyaffairs / TidyTuesday gdpr_violations), and plain words.
HEADER_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "fine_id": (
        "id",
        "etid",
        "fine id",
        "case id",
        "case",
        "case number",
        "case no",
        "reference",
        "ref",
        "decision id",
        "decision number",
        "decision no",
        "file number",
        "no",
        "nr",
    ),
    "authority": (
        "authority",
        "dpa",
        "sa",
        "supervisory authority",
        "data protection authority",
        "regulator",
        "fining authority",
        "authority name",
        "imposed by",
        "agency",
        "dpa name",
    ),
    "country": (
        "country",
        "jurisdiction",
        "member state",
        "authority country",
        "country of authority",
        "country of dpa",
        "dpa country",
        "authority country iso2",
        "state",
        "land",
        "pays",
    ),
    "controller": (
        "controller",
        "controller processor",
        "controller or processor",
        "company",
        "organisation",
        "organization",
        "entity",
        "defendant",
        "fined party",
        "firm",
        "undertaking",
        "data controller",
        "fined entity",
        "company name",
        "name of controller",
        "party",
        "respondent",
    ),
    "controller_group": ("controller group", "group", "parent", "parent company", "company group"),
    "controller_country": (
        "controller country",
        "company country",
        "home country",
        "hq country",
        "controller hq country",
        "controller hq country iso2",
        "headquarters",
        "controller country iso2",
    ),
    "sector": ("sector", "industry", "branch"),
    "decision_date": (
        "date of decision",
        "decision date",
        "date",
        "date decided",
        "date of fine",
        "fine date",
        "decided",
        "date of the decision",
        "decision made",
    ),
    "announced_date": (
        "announced",
        "date announced",
        "announcement date",
        "published",
        "publication date",
        "date published",
        "date of publication",
        "press release date",
    ),
    "amount": (
        "fine",
        "amount",
        "fine amount",
        "penalty",
        "sanction",
        "price",
        "sum",
        "amount of fine",
        "amount of the fine",
        "monetary penalty",
        "penalty amount",
        "fine imposed",
        "fine value",
        "bussgeld",
        "busgeld",
        "amende",
        "multa",
        "boete",
        "sanzione",
    ),
    "currency": ("currency", "cur", "ccy", "currency code", "fine currency"),
    "legal_basis": ("legal basis", "law", "legal framework", "regime", "legislation"),
    "articles": (
        "quoted art",
        "quoted articles",
        "articles",
        "article",
        "article violated",
        "articles violated",
        "gdpr articles",
        "provisions",
        "legal provisions",
        "violated articles",
        "infringed articles",
        "articles infringed",
    ),
    "appeal_status": (
        "appeal status",
        "appeal",
        "appealed",
        "status of appeal",
        "appeal outcome",
        "court status",
        "appeal stage",
    ),
    "standing_amount": (
        "standing amount",
        "amount after appeal",
        "amount standing",
        "final amount",
        "reduced amount",
        "fine after appeal",
    ),
    "payment_status": ("payment status", "payment", "paid", "status of payment", "collected"),
    "paid_amount": ("paid amount", "amount paid", "collected amount", "amount collected"),
    "status_checked": ("status checked", "checked", "as of", "last checked", "status date"),
    "source_url": (
        "source",
        "url",
        "link",
        "source url",
        "source urls",
        "sources",
        "press release",
        "website",
        "reference url",
        "source link",
        "links",
    ),
    "notes": ("notes", "note", "summary", "comments", "comment", "description", "remarks", "details"),
    "decision_type": ("decision type", "measure", "sanction type", "type of decision", "kind of decision"),
    "type": ("type", "violation type", "type of violation", "kind"),
}
_SYNONYM_INDEX: Final[dict[str, str]] = {s: f for f, names in HEADER_SYNONYMS.items() for s in names}

#: Currency words a header may carry ("Fine [€]", "Amount (EUR)"): removed before matching, kept as a hint.
_HEADER_CURRENCY: Final[dict[str, str]] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "pln": "PLN",
    "czk": "CZK",
    "huf": "HUF",
    "usd": "USD",
    "chf": "CHF",
    "ron": "RON",
    "bgn": "BGN",
    "isk": "ISK",
    "hrk": "HRK",
}


def _header_currency(header: str) -> str | None:
    if "€" in header:
        return "EUR"
    if "£" in header:
        return "GBP"
    words = fold(header).split()
    found = {_HEADER_CURRENCY[w] for w in words if w in _HEADER_CURRENCY}
    return found.pop() if len(found) == 1 else None


def _header_key(header: str) -> str:
    words = [w for w in fold(header).split() if w not in _HEADER_CURRENCY and w not in ("in",)]
    return " ".join(words)


_KEYWORD_RULES: Final = (
    ("paid_amount", r"\b(paid|collected)\b.*\b(amount|sum)\b|\bamount\b.*\b(paid|collected)\b"),
    ("standing_amount", r"\b(standing|after appeal|final|reduced)\b.*\b(amount|fine)\b"),
    ("announced_date", r"\b(announce\w*|publi\w*)\b"),
    ("status_checked", r"\bchecked\b"),
    ("decision_date", r"\bdate\b"),
    ("currency", r"\b(currency|ccy)\b"),
    ("amount", r"\b(fine|amount|penalty|sanction)\b"),
    ("controller_country", r"\b(controller|company|hq|home)\b.*\bcountry\b"),
    ("country", r"\bcountry\b"),
    ("source_url", r"\b(url|link|source)\b"),
    ("controller", r"\b(controller|company|organi[sz]ation)\b"),
    ("authority", r"\b(authority|dpa|regulator)\b"),
    ("appeal_status", r"\bappeal"),
    ("payment_status", r"\bpayment\b"),
    ("articles", r"\bart(icle)?s?\b"),
)


def suggest_mapping(headers: Sequence[str], sample: pd.DataFrame | None = None) -> dict[str, str]:
    """{canonical field: header} from the headers alone (and, if given, a few rows to break ties).

    Exact synonyms (case, space, accent and punctuation insensitive) win over keyword guesses;
    each field takes the first header that fits, and each header serves one field.
    """
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        key = fold(header)
        f = _SYNONYM_INDEX.get(key) or _SYNONYM_INDEX.get(_header_key(header))
        if f and f not in mapping and header not in used:
            mapping[f] = header
            used.add(header)
    folded = {h: fold(h) for h in headers}
    # privacyaffairs / TidyTuesday: "name" is the country, "controller" the company.
    if "name" in folded.values():
        name_header = next(h for h in headers if folded[h] == "name")
        if name_header not in used:
            target = "controller"
            if "country" not in mapping and _looks_like_countries(sample, name_header, folded):
                target = "country"
            if target not in mapping:
                mapping[target] = name_header
                used.add(name_header)
    for f, pattern in _KEYWORD_RULES:
        if f in mapping:
            continue
        for header in headers:
            if header not in used and re.search(pattern, folded[header]):
                mapping[f] = header
                used.add(header)
                break
    return mapping


def _looks_like_countries(sample: pd.DataFrame | None, header: str, folded: Mapping[str, str]) -> bool:
    if sample is not None and header in sample.columns:
        values = [v for v in sample[header].head(50).tolist() if isinstance(v, str) and v.strip()]
        if values:
            hits = sum(countries.lookup(v)[0] is not None for v in values)
            return hits >= 0.8 * len(values)
    # no rows to look at: the tracker layout says so
    return "controller" in folded.values() and ("price" in folded.values() or "picture" in folded.values())


# --- reading --------------------------------------------------------------------


@dataclass
class RawTable:
    """A file as read: every cell a string, one row per data row (index: row number from 1)."""

    frame: pd.DataFrame
    headers: list[str]
    encoding: str
    delimiter: str | None
    format: str  # "csv" or "xlsx"
    #: rows already judged at read time (wrong number of fields): row -> reason
    problems: dict[int, str] = field(default_factory=dict)
    #: per row: does any cell hold something (computed once while reading)
    nonblank: np.ndarray | None = None


def _limit_error(what: str, n: int, limit: int, unit: str) -> IngestError:
    return IngestError(f"The file has {n:,} {what}; at most {limit:,} {unit} read.")


def _load(source: str | Path | bytes, max_bytes: int) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = None
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IngestError(f"No such file: {path}") from None
        except OSError as exc:
            raise IngestError(f"Cannot open {path}: {exc.strerror or exc}") from None
        if path.is_dir():
            raise IngestError(f"{path} is a folder, not a file.")
        if size > max_bytes:
            raise IngestError(f"The file is {size / 1e6:,.1f} MB; at most {max_bytes / 1e6:,.0f} MB are read.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"Cannot read {path}: {exc.strerror or exc}") from None
        name = path.name
    if len(data) > max_bytes:
        raise IngestError(f"The file is {len(data) / 1e6:,.1f} MB; at most {max_bytes / 1e6:,.0f} MB are read.")
    return data, name


def _sniff_encoding(data: bytes) -> tuple[str, bool]:
    """(encoding, certain). UTF-8 is checked on a sample; pyarrow checks the rest."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    sample = data[:SAMPLE_BYTES]
    if b"\x00" in sample:
        raise IngestError("The file looks binary (it contains NUL bytes); expected CSV, TSV or XLSX.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) == len(data))
        return "utf-8", len(sample) == len(data)
    except UnicodeDecodeError as exc:
        return _guess_legacy(data, exc.start), True


def _guess_legacy(data: bytes, around: int) -> str:
    """A single-byte encoding for text that is not UTF-8: cp1252 unless the bytes say cp1250.

    charset-normalizer guesses poorly on short tables (it read a French/Spanish register as
    cp1250), so the choice is made on evidence: a byte that one encoding decodes to a symbol
    wedged against letters ("Wroc³aw", "£ódŸ") counts against that encoding.
    """
    lo = max(0, around - SAMPLE_BYTES // 2)
    window = data[lo : lo + SAMPLE_BYTES]
    penalty = {}
    for enc in ("cp1252", "cp1250"):
        text = window.decode(enc, errors="replace")
        bad = 0
        for m in re.finditer(r"[^\x00-\x7f]", text):
            ch = m.group()
            if ch.isalpha() or ch in "€£$¥§°«»–—‘’“”„•…·":
                continue
            i = m.start()
            near = text[max(0, i - 1) : i] + text[i + 1 : i + 2]
            if ch == "\ufffd" or any(c.isalpha() for c in near):
                bad += 1
        penalty[enc] = bad
    return "cp1250" if penalty["cp1250"] < penalty["cp1252"] else "cp1252"


def _decode_all(data: bytes, encoding: str) -> tuple[str, str]:
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 reads any byte, so nothing is lost
        return data.decode("latin-1"), "latin-1"


def _check_text(text: str) -> None:
    sample = text[:SAMPLE_BYTES]
    if not sample.strip():
        raise IngestError("The file is empty.")
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > max(2, len(sample) // 200):
        raise IngestError("The file looks binary, not text; expected CSV, TSV or XLSX.")


def _sniff_delimiter(text: str) -> str:
    """The candidate that splits the first records into the most columns, consistently."""
    lines = text[:65536].splitlines()[:60]
    head = "\n".join(lines)
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head), delimiter=delim))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if len(rows) > 1:
            rows = rows[:-1]  # the sample may cut the last record
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        same = sum(len(r) == width for r in rows) / len(rows)
        score = (same, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _dedupe_headers(cells: Sequence[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = (cell or "").strip() or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        seen.setdefault(name, 1)
        out.append(name)
    return out


def _strip_sep_line(text: str) -> tuple[str, str | None]:
    """Excel's "sep=;" first line names the delimiter and is not a row."""
    m = re.match(r"sep=(.)\r?\n", text[:8])
    if m:
        return text[m.end() :], m.group(1)
    return text, None


def _content_end(buf: memoryview) -> int:
    """Length without trailing blank lines: those are the end of the file, not rows."""
    end = len(buf)
    while end and buf[end - 1] in b"\r\n\t ":
        end -= 1
    return end


def _read_csv_arrow(payload: bytes | memoryview, width: int, delimiter: str) -> pa.Table | None:
    """Fast path. None when some row has the wrong number of fields (the exact path handles those)."""
    bad: list[int] = []

    def on_invalid(row: Any) -> str:
        bad.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(payload)),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                # large_string is what pandas' str dtype holds: no cast (and no copy) later
                column_types={f"f{i}": pa.large_string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if bad or table.num_columns != width:
        return None
    return table


def _read_csv_exact(
    text: str, delimiter: str, max_cell_chars: int, max_columns: int, max_rows: int
) -> tuple[list[str], list[list[str]], dict[int, str]]:
    """Exact path: Python's csv module, row by row, so ragged rows keep their place."""
    csv.field_size_limit(max(csv.field_size_limit(), max_cell_chars + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise IngestError("The file is empty.") from None
    except csv.Error as exc:
        raise IngestError(f"The first line cannot be read as CSV ({exc}).") from None
    width = len(header)
    rows: list[list[str]] = []
    problems: dict[int, str] = {}
    try:
        for n, record in enumerate(reader, start=1):
            if n > max_rows + 1:
                break
            if len(record) != width and any(c.strip() for c in record):
                extra = record[width:]
                if len(record) > width and not any(c.strip() for c in extra):
                    record = record[:width]
                elif len(record) > width:
                    problems[n] = f"the row has {len(record)} fields; the header has {width}"
                    record = record[:width]
                else:
                    # a short row: the missing trailing cells are blank (spreadsheets drop them)
                    record = record + [""] * (width - len(record))
            elif len(record) != width:
                record = [""] * width
            rows.append(record)
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            raise IngestError(
                f"A cell has more than {max_cell_chars:,} characters; at most {max_cell_chars:,} are read."
            ) from None
        raise IngestError(f"The file cannot be read as CSV: {msg}.") from None
    return header, rows, problems


def read_table(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_bytes: int = MAX_BYTES,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> RawTable:
    """Read a CSV, TSV or XLSX file (path or bytes) into strings, sniffing encoding and delimiter."""
    data, name = _load(source, max_bytes)
    filename = filename or name or ""
    suffix = Path(filename).suffix.lower()
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data, max_rows=max_rows, max_columns=max_columns, max_cell_chars=max_cell_chars)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError("This is an old Excel .xls file; save it as .xlsx or CSV and upload that.")
    if data.startswith(b"%PDF"):
        raise IngestError("This is a PDF, not a table; expected CSV, TSV or XLSX.")
    if not data[:SAMPLE_BYTES].strip() and not data.strip():
        raise IngestError("The file is empty.")
    encoding, _ = _sniff_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        # a view, not a copy: the file may be 200 MB
        body = memoryview(data)[3:] if encoding == "utf-8-sig" else memoryview(data)
        try:
            head_text = codecs.getincrementaldecoder("utf-8")().decode(body[:SAMPLE_BYTES], final=False)
        except UnicodeDecodeError:
            head_text = ""
        payload: memoryview | None = body
        text: str | None = None
    else:
        text, encoding = _decode_all(data, encoding)
        head_text = text[:SAMPLE_BYTES]
        payload = None
    _check_text(head_text or (text or ""))
    head_text, declared = _strip_sep_line(head_text)
    if declared is not None:
        if payload is not None:
            payload = payload[bytes(payload[:16]).index(b"\n") + 1 :]
        if text is not None:
            text = _strip_sep_line(text)[0]
    if suffix == ".tsv":
        delimiter = "\t"
    else:
        delimiter = declared if declared in DELIMITERS else _sniff_delimiter(head_text)
    try:
        header = next(csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        raise IngestError("The file has no header row.") from None
    if not any(c.strip() for c in header):
        raise IngestError("The first row is empty; the file needs a header row naming its columns.")
    width = len(header)
    if width > max_columns:
        raise _limit_error("columns", width, max_columns, "are")

    table = None
    if payload is not None:
        # trailing blank lines are the end of the file, not rows
        table = _read_csv_arrow(payload[: _content_end(payload)], width, delimiter)
        if table is None:
            whole = bytes(payload)
            text, encoding = _decode_all(whole, "utf-8")
            if encoding != "utf-8":  # not UTF-8 after all, past the sample
                text, encoding = _decode_all(whole, _guess_legacy(whole, _first_bad_utf8(whole)))
    elif text is not None and not text.isascii():
        table = _read_csv_arrow(text.rstrip("\r\n\t ").encode("utf-8") + b"\n", width, delimiter)
    elif text is not None:
        table = _read_csv_arrow(text.rstrip("\r\n\t ").encode("ascii") + b"\n", width, delimiter)

    problems: dict[int, str] = {}
    if table is not None:
        headers = _dedupe_headers([table.column(i)[0].as_py() if table.num_rows else "" for i in range(width)])
        if table.num_rows - 1 > max_rows:
            raise _limit_error("rows", table.num_rows - 1, max_rows, "are")
        body_table = table.slice(1)
        columns = {h: body_table.column(i) for i, h in enumerate(headers)}
        for h, col in columns.items():
            _check_cell_chars(col, h, max_cell_chars)
        frame = pd.DataFrame({h: col.to_pandas() for h, col in columns.items()})
    else:
        assert text is not None
        raw_header, rows, problems = _read_csv_exact(
            text.rstrip("\r\n\t ") + "\n", delimiter, max_cell_chars, max_columns, max_rows
        )
        headers = _dedupe_headers(raw_header)
        if len(rows) > max_rows:
            raise _limit_error("rows", len(rows), max_rows, "are")
        cols = list(zip(*rows)) if rows else [() for _ in headers]
        frame = pd.DataFrame({h: pd.Series(list(c), dtype="str") for h, c in zip(headers, cols)})
        for h in headers:
            _check_cell_chars(pa.array(frame[h].array), h, max_cell_chars)
    frame, content = _drop_trailing_blank(frame)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    problems = {r: why for r, why in problems.items() if r <= len(frame)}
    return RawTable(frame, headers, encoding, delimiter, "csv", problems, content)


def _first_bad_utf8(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _check_cell_chars(col: pa.Array | pa.ChunkedArray, header: str, limit: int) -> None:
    if len(col) == 0:
        return
    longest = pc.max(pc.utf8_length(col)).as_py() or 0
    if longest > limit:
        raise IngestError(f"A cell in column '{header}' has {longest:,} characters; at most {limit:,} are read.")


def _nonblank(frame: pd.DataFrame) -> np.ndarray:
    """Per row: does any cell hold something other than spaces?"""
    any_content = np.zeros(len(frame), dtype=bool)
    for col in frame.columns:
        arr = pa.array(frame[col].array) if len(frame) else pa.array([], pa.string())
        any_content |= _np(pc.fill_null(pc.match_substring_regex(arr, r"\S"), False)).astype(bool)
    return any_content


def _drop_trailing_blank(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Blank rows after the last row with content are the end of the file, not rows."""
    content = _nonblank(frame)
    last = int(np.flatnonzero(content)[-1]) + 1 if content.any() else 0
    if last < len(frame):
        return frame.iloc[:last].reset_index(drop=True), content[:last]
    return frame, content


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


def _read_xlsx(data: bytes, *, max_rows: int, max_columns: int, max_cell_chars: int) -> RawTable:
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


# --- amounts --------------------------------------------------------------------

#: Written currency (lower case) -> ISO 4217, or a marker for the ambiguous signs.
CURRENCY_TOKENS: Final[dict[str, str]] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "us$": "USD",
    "u.s.$": "USD",
    "usd": "USD",
    "$": "$",
    "zł": "PLN",
    "zl": "PLN",
    "pln": "PLN",
    "ft": "HUF",
    "huf": "HUF",
    "kč": "CZK",
    "kc": "CZK",
    "czk": "CZK",
    "lei": "RON",
    "ron": "RON",
    "kn": "HRK",
    "hrk": "HRK",
    "лв": "BGN",
    "лв.": "BGN",
    "bgn": "BGN",
    "kr": "kr",
    "kr.": "kr",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "isk": "ISK",
    "chf": "CHF",
    "fr.": "CHF",
    "cad": "CAD",
    "aud": "AUD",
    "jpy": "JPY",
    "cny": "CNY",
    "try": "TRY",
    "rsd": "RSD",
    "uah": "UAH",
    "nzd": "NZD",
    "inr": "INR",
    "brl": "BRL",
    "zar": "ZAR",
    "sgd": "SGD",
    "hkd": "HKD",
    "krw": "KRW",
    "mxn": "MXN",
    "ils": "ILS",
    "mkd": "MKD",
    "all": "ALL",
    "bam": "BAM",
    "mdl": "MDL",
    "gel": "GEL",
    "rub": "RUB",
    "ltl": "LTL",
    "lvl": "LVL",
    "eek": "EEK",
    "skk": "SKK",
    "cyp": "CYP",
    "mtl": "MTL",
}
#: What a currency column may say beyond the tokens above.
CURRENCY_WORDS: Final[dict[str, str]] = {
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "pound sterling": "GBP",
    "gb pound": "GBP",
    "dollar": "USD",
    "dollars": "USD",
    "us dollar": "USD",
    "zloty": "PLN",
    "forint": "HUF",
    "koruna": "CZK",
    "czech koruna": "CZK",
    "swedish krona": "SEK",
    "krona": "SEK",
    "kronor": "SEK",
    "norwegian krone": "NOK",
    "danish krone": "DKK",
    "icelandic krona": "ISK",
    "leu": "RON",
    "lev": "BGN",
    "leva": "BGN",
    "kuna": "HRK",
    "swiss franc": "CHF",
    "franc": "CHF",
}
MULTIPLIERS: Final[dict[str, float]] = {
    "k": 1e3,
    "tsd": 1e3,
    "thousand": 1e3,
    "tys": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "millionen": 1e6,
    "miljoner": 1e6,
    "millones": 1e6,
    "milioni": 1e6,
    "miljoen": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "mrd": 1e9,
    "mld": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "milliarden": 1e9,
}
#: Words that mean "no amount given".
_NO_AMOUNT = (
    r"(?i)^(|-+|–|—|n/?a|n\.a\.|na|none|nil|null|nan|unknown|not known|unk|tbc|tbd|\?+|"
    r"not disclosed|undisclosed|not published|unspecified|not specified|k\. ?a\.|keine angabe|"
    r"x|\.)$"
)
_NO_FINE = r"(?i)^(no fine|none imposed|no penalty|kein bu(ss|ß)geld|reprimand|warning)$"

#: Currency per country (ISO-2) for the GDPR era; changeovers handled in `country_currency`.
COUNTRY_CURRENCY: Final[dict[str, str]] = {
    **{
        c: "EUR"
        for c in [
            "AT",
            "BE",
            "CY",
            "DE",
            "EE",
            "ES",
            "FI",
            "FR",
            "GR",
            "IE",
            "IT",
            "LT",
            "LU",
            "LV",
            "MT",
            "NL",
            "PT",
            "SI",
            "SK",
            "HR",
            "BG",
            "MC",
            "SM",
            "VA",
            "AD",
            "ME",
            "XK",
        ]
    },
    "GB": "GBP",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "IS": "ISK",
    "PL": "PLN",
    "CZ": "CZK",
    "HU": "HUF",
    "RO": "RON",
    "CH": "CHF",
    "LI": "CHF",
    "US": "USD",
    "GI": "GBP",
    "IM": "GBP",
    "JE": "GBP",
    "GG": "GBP",
    "FO": "DKK",
    "GL": "DKK",
    "RS": "RSD",
    "MK": "MKD",
    "AL": "ALL",
    "BA": "BAM",
    "MD": "MDL",
    "UA": "UAH",
    "TR": "TRY",
    "GE": "GEL",
    "CA": "CAD",
    "AU": "AUD",
    "JP": "JPY",
    "CN": "CNY",
    "KR": "KRW",
    "IN": "INR",
    "BR": "BRL",
    "ZA": "ZAR",
    "SG": "SGD",
    "HK": "HKD",
    "MX": "MXN",
    "IL": "ILS",
    "NZ": "NZD",
}
#: Euro changeovers: before the day, the country's own currency.
EURO_SINCE: Final[dict[str, tuple[str, str]]] = {
    "HR": ("2023-01-01", "HRK"),
    "BG": ("2026-01-01", "BGN"),
    "LT": ("2015-01-01", "LTL"),
    "LV": ("2014-01-01", "LVL"),
    "EE": ("2011-01-01", "EEK"),
    "SK": ("2009-01-01", "SKK"),
    "CY": ("2008-01-01", "CYP"),
    "MT": ("2008-01-01", "MTL"),
}
KRONA_BY_COUNTRY: Final[dict[str, str]] = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK", "FO": "DKK", "GL": "DKK"}


#: The shape of an amount: what stands before and after the number is read word by word
#: (few distinct affixes), which is far cheaper than one regex with every token in it.
_AMOUNT_SHAPE: Final = (
    r"^(?P<open>\()?\s*(?P<pre>[^\d()]*?)\s*(?P<num>\d(?:[\d.,' ]*\d)?)\s*(?P<post>[^\d()]*?)\s*(?P<close>\))?$"
)


def _prefix(text: str) -> tuple[bool, str, bool]:
    """What stands before the number: (negative, currency token, understood)."""
    s = text.strip()
    neg = False
    if s.startswith("-"):
        neg, s = True, s[1:].strip()
    if s.endswith("-"):
        neg, s = True, s[:-1].strip()
    if not s:
        return neg, "", True
    cur = CURRENCY_TOKENS.get(s.lower())
    return neg, cur or "", cur is not None


def _suffix(text: str) -> tuple[str, float, bool]:
    """What stands after the number: (currency token, multiplier, understood)."""
    words = text.split()
    if len(words) == 1 and words[0].lower() not in CURRENCY_TOKENS and words[0].lower().rstrip(".") not in MULTIPLIERS:
        glued = re.match(r"^([A-Za-z]+\.?)(\S+)$", words[0])  # "m€", "Mio.€"
        if glued:
            words = [glued.group(1), glued.group(2)]
    cur, mult = "", 1.0
    if words and words[0].lower().rstrip(".") in MULTIPLIERS and words[0].lower() not in CURRENCY_TOKENS:
        mult = MULTIPLIERS[words[0].lower().rstrip(".")]
        words = words[1:]
    if len(words) > 1:
        return "", 1.0, False
    if words:
        cur = CURRENCY_TOKENS.get(words[0].lower(), "")
        if not cur:
            return "", 1.0, False
    return cur, mult, True


def _per_distinct(values: pa.Array, fn: Callable[[str], tuple[Any, ...]]) -> list[np.ndarray]:
    """fn on each distinct value; one array per field of its result, spread back over `values`."""
    enc = pc.dictionary_encode(values)
    codes = _np(enc.indices).astype(np.int64)
    results = [fn(v) for v in _np(enc.dictionary)]
    fields = list(zip(*results)) if results else []
    return [np.array(f, dtype=object)[codes] for f in fields]



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
    return _np(enc.indices).astype(np.int64), enc.dictionary


def _clean_text(arr: pa.Array) -> pa.Array:
    arr = pc.replace_substring_regex(arr, "[\u00a0\u202f\u2009\u2007\u2002\u2003]", " ")
    arr = pc.replace_substring_regex(arr, "[\u2212\u2012\u2013]", "-")
    arr = pc.replace_substring_regex(arr, "[\u2019\u02bc]", "'")
    return pc.utf8_trim_whitespace(arr)


def _short(text: object, n: int = 60) -> str:
    s = str(text).replace("\n", " ").replace("\r", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def _parse_amount_values(uniq: pa.Array) -> dict[str, np.ndarray]:
    """Parse distinct amount strings: value, cell currency token, error, not-a-fine reason."""
    n = len(uniq)
    text = _clean_text(uniq)
    text = pc.replace_substring_regex(text, r"(\d)[.,]-+", r"\1")  # "1.000,-" German style
    missing = _np(pc.match_substring_regex(text, _NO_AMOUNT))
    no_fine = _np(pc.match_substring_regex(text, _NO_FINE))
    parts = pc.extract_regex(text, _AMOUNT_SHAPE)
    matched = _np(pc.is_valid(parts))
    get = {name: pc.fill_null(pc.struct_field(parts, name), "") for name in ("open", "pre", "num", "post", "close")}
    if n:
        pre_neg, cur1, pre_ok = _per_distinct(get["pre"], _prefix)
        cur2, factor, post_ok = _per_distinct(get["post"], _suffix)
        factor = factor.astype(float)
    else:
        pre_neg = pre_ok = post_ok = np.zeros(0, dtype=bool)
        cur1 = cur2 = np.zeros(0, dtype=object)
        factor = np.ones(0)
    matched &= pre_ok.astype(bool) & post_ok.astype(bool)
    num = get["num"]
    has_mult = factor != 1.0
    # grouping by spaces or apostrophes: "4 500 000", "CHF 1'000'000"
    spaced = _np(pc.match_substring_regex(num, r"[ ']"))
    spaced_ok = _np(pc.match_substring_regex(num, r"^\d{1,3}([ ']\d{3})+([.,]\d+)?$"))
    flat = pc.replace_substring_regex(num, r"[ ']", "")
    n_dot = _np(pc.count_substring(flat, ".")).astype(np.int64)
    n_com = _np(pc.count_substring(flat, ",")).astype(np.int64)
    tail = _np(pc.utf8_length(pc.fill_null(pc.struct_field(pc.extract_regex(flat, r"[.,](?P<t>\d*)$"), "t"), "")))
    last_is_dot = _np(pc.match_substring_regex(flat, r"\.\d*$"))
    head_zero = _np(pc.match_substring_regex(flat, r"^0[.,]"))
    both = (n_dot > 0) & (n_com > 0)
    single_kind = (n_dot > 0) ^ (n_com > 0)
    count = np.maximum(n_dot, n_com)
    # which separator is the decimal point, which groups thousands
    dec_dot = np.zeros(n, dtype=bool)
    dec_com = np.zeros(n, dtype=bool)
    grp_dot = np.zeros(n, dtype=bool)
    grp_com = np.zeros(n, dtype=bool)
    dec_dot |= both & last_is_dot
    grp_com |= both & last_is_dot
    dec_com |= both & ~last_is_dot
    grp_dot |= both & ~last_is_dot
    one = single_kind & (count == 1)
    thousands = one & (tail == 3) & ~has_mult & ~head_zero & ~spaced
    dot = n_dot > 0
    grp_dot |= (single_kind & (count > 1) & dot) | (thousands & dot)
    grp_com |= (single_kind & (count > 1) & ~dot) | (thousands & ~dot)
    dec_dot |= one & ~thousands & dot
    dec_com |= one & ~thousands & ~dot
    ok_groups = np.ones(n, dtype=bool)
    ok_groups &= ~(both & ((np.where(last_is_dot, n_dot, n_com)) != 1))
    ok_groups &= ~(grp_dot & ~_np(pc.match_substring_regex(flat, r"^\d{1,3}(\.\d{3})+(,\d+)?$")))
    ok_groups &= ~(grp_com & ~_np(pc.match_substring_regex(flat, r"^\d{1,3}(,\d{3})+(\.\d+)?$")))
    ok_groups &= ~(spaced & ~spaced_ok)
    ok_groups &= ~(spaced & both)
    no_dots = pc.replace_substring(flat, ".", "")
    no_coms = pc.replace_substring(flat, ",", "")
    step = pc.if_else(pa.array(grp_dot), no_dots, pc.if_else(pa.array(grp_com), no_coms, flat))
    step = pc.if_else(pa.array(dec_com), pc.replace_substring(step, ",", "."), step)
    valid_num = _np(pc.match_substring_regex(step, r"^\d+(\.\d+)?$")) & ok_groups & matched
    numbers = np.full(n, np.nan)
    if valid_num.any():
        numbers[valid_num] = _np(pc.cast(pc.filter(step, pa.array(valid_num)), pa.float64()))
    numbers = numbers * factor
    opened = _np(pc.not_equal(get["open"], ""))
    closed = _np(pc.not_equal(get["close"], ""))
    negative = (opened & closed) | pre_neg.astype(bool)
    unbalanced = opened ^ closed
    two = (cur1 != "") & (cur2 != "") & (cur1 != cur2)
    cell_cur = np.where(cur1 != "", cur1, cur2)

    raw = _np(uniq)
    error = np.full(n, None, dtype=object)
    not_fine = np.full(n, None, dtype=object)
    good = valid_num & ~unbalanced & ~two & ~missing & ~no_fine
    for i in np.flatnonzero(~good & ~missing & ~no_fine):
        error[i] = f"could not read the amount '{_short(raw[i])}'"
    for i in np.flatnonzero(two & ~missing):
        error[i] = f"two different currencies in the amount '{_short(raw[i])}'"
    neg = good & negative
    error[neg] = "negative amount"
    not_fine[missing] = "no amount"
    for i in np.flatnonzero(no_fine & ~missing):
        not_fine[i] = f"the amount says '{_short(raw[i])}': not a fine"
    zero = good & ~negative & (numbers == 0)
    not_fine[zero] = "zero amount"
    ok = good & ~negative & ~zero & np.isfinite(numbers)
    overflow = good & ~np.isfinite(numbers)
    for i in np.flatnonzero(overflow):
        error[i] = f"could not read the amount '{_short(raw[i])}'"
    return {"amount": np.where(ok, numbers, np.nan), "cell": cell_cur, "error": error, "not_fine": not_fine}


def country_currency(iso2: pd.Series | np.ndarray, dates: pd.Series | np.ndarray | None = None) -> np.ndarray:
    """The currency a country's authority fines in, on a date (euro changeovers respected)."""
    codes = pd.Series(np.asarray(iso2, dtype=object))
    out = codes.map(COUNTRY_CURRENCY).to_numpy(dtype=object)
    if dates is not None:
        when = pd.to_datetime(pd.Series(np.asarray(dates)), errors="coerce").to_numpy()
        for country, (day, old) in EURO_SINCE.items():
            before = (codes.to_numpy(dtype=object) == country) & (when < np.datetime64(day))
            out[before] = old
    return np.where(pd.isna(out), "", out).astype(object)


CURRENCY_SOURCES: Final = ("", "cell", "column", "header", "symbol+country", "symbol", "country")


def _factor(values: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes per row, distinct values as an object array; missing -> ""). Categoricals cost nothing."""
    if values is None:
        return np.zeros(n, dtype=np.int64), np.array([""], dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        uniq = np.append(values.cat.categories.to_numpy(dtype=object), "")
        return np.where(codes < 0, len(uniq) - 1, codes), uniq
    codes, uniq = _uniques(values)
    return codes, _np(uniq).astype(object)


def _vocab_ids(values: np.ndarray, vocab: dict[str, int]) -> np.ndarray:
    """Each value's index in `vocab` (added when new); "" and None are 0."""
    codes, uniq = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    ids = np.array([vocab.setdefault(str(u), len(vocab)) if u else 0 for u in uniq] + [0], dtype=np.int64)
    return ids[codes]


@dataclass
class _Amounts:
    """Parsed amounts kept as codes: cheap to turn into rows, arrow or objects."""

    amount: np.ndarray  # per row, NaN unless accepted
    cur: np.ndarray  # per row index into `vocab`
    vocab: np.ndarray  # currency codes, vocab[0] == ""
    src: np.ndarray  # per row index into CURRENCY_SOURCES
    codes: np.ndarray  # per row index into the distinct written amounts
    error_u: np.ndarray  # per distinct amount: why it cannot be read, or None
    not_fine_u: np.ndarray  # per distinct amount: why it is not a fine, or None
    extra_pos: np.ndarray  # rows whose currency cannot be told
    extra_msg: np.ndarray  # and why

    def error_rows(self) -> np.ndarray:
        error = self.error_u[self.codes] if len(self.codes) else np.zeros(0, dtype=object)
        error[self.extra_pos] = self.extra_msg
        return error


def _amounts_core(
    series: pd.Series,
    countries: pd.Series | None,
    currency_col: pd.Series | None,
    dates: np.ndarray | pd.Series | None,
    header_currency: str | None,
) -> _Amounts:
    n = len(series)
    codes, uniq = _uniques(series)
    p = _parse_amount_values(uniq)
    amount = p["amount"][codes] if n else np.zeros(0)
    vocab: dict[str, int] = {"": 0}
    cell_u = p["cell"]
    kind_u = np.where(cell_u == "kr", 1, np.where(cell_u == "$", 2, 0))
    cell_id_u = _vocab_ids(np.where(kind_u == 0, cell_u, ""), vocab)
    cell_id = cell_id_u[codes]
    kind = kind_u[codes]
    has_perr = ~pd.isna(p["error"])[codes] if n else np.zeros(0, dtype=bool)
    finite = np.isfinite(amount)
    cc_codes, cc_u = _factor(countries, n)
    cur = np.zeros(n, dtype=np.int64)
    src = np.zeros(n, dtype=np.int64)

    def take(mask: np.ndarray, ids: np.ndarray | int, label: str) -> None:
        free = mask & (cur == 0)
        cur[free] = ids[free] if isinstance(ids, np.ndarray) else ids
        src[free] = CURRENCY_SOURCES.index(label)

    take(cell_id != 0, cell_id, "cell")
    extra_pos: list[np.ndarray] = []
    extra_msg: list[np.ndarray] = []
    if currency_col is not None:
        col_codes, col_u = _factor(currency_col, n)
        words = np.array([_currency_word(v) for v in col_u], dtype=object)
        col_id = _vocab_ids(np.where(words == "?", "", words), vocab)[col_codes]
        bad = (words == "?")[col_codes] & (cur == 0) & finite & ~has_perr
        pos = np.flatnonzero(bad)
        msg_u = np.array([f"unknown currency '{_short(v)}'" for v in col_u], dtype=object)
        extra_pos.append(pos)
        extra_msg.append(msg_u[col_codes[pos]])
        take(col_id != 0, col_id, "column")
    no_sign = finite & (kind == 0) & (cell_id == 0)
    if header_currency:
        take(no_sign, vocab.setdefault(header_currency, len(vocab)), "header")
    krona_id = _vocab_ids(np.array([KRONA_BY_COUNTRY.get(c, "") for c in cc_u], dtype=object), vocab)[cc_codes]
    take((kind == 1) & (krona_id != 0), krona_id, "symbol+country")
    unresolved_kr = (kind == 1) & (cur == 0) & finite & ~has_perr
    take(kind == 2, vocab.setdefault("USD", len(vocab)), "symbol")
    home_id = _vocab_ids(np.array([COUNTRY_CURRENCY.get(c, "") for c in cc_u], dtype=object), vocab)[cc_codes]
    if dates is not None:
        when = np.asarray(pd.to_datetime(pd.Series(np.asarray(dates)), errors="coerce"), dtype="datetime64[ns]")
        for country, (day, old) in EURO_SINCE.items():
            hit = np.flatnonzero(cc_u == country)
            if len(hit):
                before = (cc_codes == hit[0]) & (when < np.datetime64(day))
                home_id[before] = vocab.setdefault(old, len(vocab))
    take(no_sign, home_id, "country")
    pos = np.flatnonzero(unresolved_kr)
    kr_msg_u = np.array(
        [f"'kr' could be SEK, NOK, DKK or ISK and the country ({c or 'none'}) does not say which" for c in cc_u],
        dtype=object,
    )
    extra_pos.append(pos)
    extra_msg.append(kr_msg_u[cc_codes[pos]])
    flagged = np.zeros(n, dtype=bool)
    for q in extra_pos:
        flagged[q] = True
    missing = finite & (cur == 0) & ~has_perr & ~flagged
    pos = np.flatnonzero(missing)
    miss_msg_u = np.array(
        [f"no currency given for the country '{c}'" if c else "no currency given and no country to infer it from" for c in cc_u],
        dtype=object,
    )
    extra_pos.append(pos)
    extra_msg.append(miss_msg_u[cc_codes[pos]])
    all_pos = np.concatenate(extra_pos) if extra_pos else np.zeros(0, dtype=np.int64)
    all_msg = np.concatenate(extra_msg) if extra_msg else np.zeros(0, dtype=object)
    flagged[all_pos] = True
    accepted = finite & ~has_perr & ~flagged
    amount = np.where(accepted, amount, np.nan)
    cur[~accepted] = 0
    src[~accepted] = 0
    vocab_arr = np.empty(len(vocab), dtype=object)
    for k, v in vocab.items():
        vocab_arr[v] = k
    return _Amounts(amount, cur, vocab_arr, src, codes, p["error"], p["not_fine"], all_pos.astype(np.int64), all_msg)


def parse_amounts(
    series: pd.Series,
    countries: pd.Series | None = None,
    currency_col: pd.Series | None = None,
    *,
    dates: pd.Series | None = None,
    header_currency: str | None = None,
) -> pd.DataFrame:
    """Parse written amounts, vectorised: each distinct string is parsed once.

    Returns a frame aligned with `series`: `amount` (float, NaN unless accepted), `currency`
    (ISO 4217 or ""), `currency_source` ("cell", "column", "header", "symbol+country", "symbol",
    "country" or ""), `error` (why it is rejected, or None) and `not_fine` (why the row is not a
    fine: "no amount", "zero amount"; or None). `countries` are ISO-2 codes; `dates` decide
    HRK/BGN before the euro; `header_currency` is what the amount column's heading says ("Fine [€]").
    """
    core = _amounts_core(series, countries, currency_col, dates, header_currency)
    n = len(series)
    return pd.DataFrame(
        {
            "amount": core.amount,
            "currency": pd.Series(core.vocab[core.cur], dtype=object).to_numpy(),
            "currency_source": np.array(CURRENCY_SOURCES, dtype=object)[core.src],
            "error": core.error_rows(),
            "not_fine": core.not_fine_u[core.codes] if n else np.zeros(0, dtype=object),
        },
        index=series.index,
    )


def _currency_word(value: str) -> str:
    """A currency column's cell -> ISO code, "" when blank, "?" when not understood."""
    v = str(value).strip()
    if not v:
        return ""
    low = v.lower().rstrip(".")
    if low in CURRENCY_TOKENS and CURRENCY_TOKENS[low] not in ("kr", "$"):
        return CURRENCY_TOKENS[low]
    if low == "$":
        return "USD"
    if fold(v) in CURRENCY_WORDS:
        return CURRENCY_WORDS[fold(v)]
    if re.fullmatch(r"[A-Za-z]{3}", v):
        import pycountry

        return v.upper() if pycountry.currencies.get(alpha_3=v.upper()) is not None else "?"
    return "?"


# --- dates ----------------------------------------------------------------------

MONTHS: Final[dict[str, int]] = {}
for _i, _names in enumerate(
    [
        "jan january januar janvier enero gennaio januari janeiro stycznia styczen",
        "feb february februar fevrier febrero febbraio februari fevereiro lutego luty",
        "mar march marz maerz mars marzo maart marco marca marzec",
        "apr april avril abril aprile kwietnia kwiecien",
        "may mai mayo maggio mei maio maja maj",
        "jun june juni juin junio giugno junho czerwca czerwiec",
        "jul july juli juillet julio luglio julho lipca lipiec",
        "aug august aout agosto augustus sierpnia sierpien",
        "sep sept september septembre septiembre settembre setembro wrzesnia wrzesien",
        "oct october oktober octobre octubre ottobre outubro pazdziernika pazdziernik",
        "nov november novembre noviembre novembro listopada listopad",
        "dec december dezember decembre diciembre dicembre dezembro grudnia grudzien",
    ],
    start=1,
):
    for _m in _names.split():
        MONTHS[_m] = _i

PLACEHOLDER_DATES: Final = frozenset(
    {"1970-01-01", "1900-01-01", "1899-12-30", "1899-12-31", "1901-01-01", "2099-12-31", "9999-12-31"}
)
EARLIEST_PLAUSIBLE: Final = pd.Timestamp("1990-01-01")
_EXCEL_EPOCH: Final = np.datetime64("1899-12-30")

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATE_PATTERNS: Final = {
    "iso": r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME + "$",
    "numeric": r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME + "$",
    "day_name": r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<mon>[A-Za-z]+)\.?,?\s+(?P<y>\d{4})$",
    "name_day": r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})$",
    "year_month": r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$",
    "month_year": r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$",
    "name_year": r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<y>\d{4})$",
    "year": r"^(?P<y>\d{4})$",
    "serial": r"^(?P<s>\d{5})(?:\.\d+)?$",
}
_PLACEHOLDER_TEXT = r"^0{1,4}[-/.]0{1,2}[-/.]0{1,4}" + _TIME + "$|^0+$"


@dataclass
class _DateParts:
    y: np.ndarray
    m: np.ndarray
    d: np.ndarray
    precision: np.ndarray  # "", "month", "year"
    kind: np.ndarray  # which pattern matched ("" none)


def _fold_array(arr: pa.Array) -> np.ndarray:
    return np.array([fold(v) for v in _np(arr)], dtype=object)


def _int(arr: pa.Array) -> np.ndarray:
    s = pc.fill_null(arr, "")
    vals = pc.if_else(pc.equal(s, ""), "0", s)
    return _np(pc.cast(vals, pa.int64())).astype(np.int64)


def _date_parts(uniq: pa.Array, *, excel_serials: bool) -> tuple[_DateParts, np.ndarray, np.ndarray]:
    n = len(uniq)
    y = np.zeros(n, np.int64)
    m = np.zeros(n, np.int64)
    d = np.zeros(n, np.int64)
    a = np.zeros(n, np.int64)
    b = np.zeros(n, np.int64)
    precision = np.full(n, "", dtype=object)
    kind = np.full(n, "", dtype=object)
    text = _clean_text(uniq)
    for name, pattern in _DATE_PATTERNS.items():
        if name == "serial" and not excel_serials:
            continue
        parts = pc.extract_regex(text, pattern)
        hit = _np(pc.is_valid(parts)) & (kind == "")
        if not hit.any():
            continue
        kind[hit] = name
        fields = {f.name for f in parts.type}

        def grab(key: str, parts: pa.Array = parts, hit: np.ndarray = hit) -> np.ndarray:
            return _int(pc.filter(pc.struct_field(parts, key), pa.array(hit)))

        if name == "serial":
            serial = grab("s")
            days = (_EXCEL_EPOCH + serial.astype("timedelta64[D]")).astype("datetime64[D]")
            stamp = pd.DatetimeIndex(days)
            y[hit], m[hit], d[hit] = stamp.year, stamp.month, stamp.day
            continue
        if "y" in fields:
            yy = grab("y")
            yy = np.where(yy < 100, 2000 + yy, yy) if name == "numeric" else yy
            y[hit] = yy
        if "mon" in fields:
            mon = _fold_array(pc.filter(pc.struct_field(parts, "mon"), pa.array(hit)))
            m[hit] = np.array([MONTHS.get(t, 0) for t in mon], dtype=np.int64)
        if "m" in fields:
            m[hit] = grab("m")
        if "d" in fields:
            d[hit] = grab("d")
        if name == "numeric":
            a[hit], b[hit] = grab("a"), grab("b")
        if name in ("year_month", "month_year", "name_year"):
            d[hit] = 1
            precision[hit] = "month"
        if name == "year":
            m[hit], d[hit] = 1, 1
            precision[hit] = "year"
    return _DateParts(y, m, d, precision, kind), a, b


def _assemble(y: np.ndarray, m: np.ndarray, d: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """datetime64[ns] from parts; NaT where the parts are not a real day in 1678..2261."""
    ok = ok & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1678) & (y <= 2261)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months  # 31 June is not a day
    return np.where(ok, days.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))


@dataclass
class _Dates:
    """A parsed date column kept per distinct value; `codes` maps rows to them."""

    codes: np.ndarray
    values: np.ndarray  # datetime64[ns], NaT unless accepted
    error: np.ndarray  # reason or None
    blank: np.ndarray
    precision: np.ndarray  # "", "month", "year"
    kind: np.ndarray
    placeholder: np.ndarray
    future: np.ndarray
    order: str
    numeric: np.ndarray


def _dates_core(series: pd.Series, order: str | None, excel_serials: bool, today: dt.date | None) -> _Dates:
    today = today or dt.datetime.now(dt.UTC).date()
    codes, uniq = _uniques(series)
    parts, a, b = _date_parts(uniq, excel_serials=excel_serials)
    text = _np(_clean_text(uniq))
    numeric = parts.kind == "numeric"
    # evidence over the distinct values, each of which is present in some row
    day_first_evidence = bool((numeric & (a > 12)).any())
    month_first_evidence = bool((numeric & (b > 12)).any())
    if order in ("day-first", "month-first"):
        decided = order
        info_order = f"{order} (given)"
    elif not numeric.any():
        decided = "day-first"
        info_order = ""
    elif day_first_evidence and month_first_evidence:
        decided = info_order = "inconsistent"
    elif month_first_evidence:
        decided = info_order = "month-first"
    elif day_first_evidence:
        decided = info_order = "day-first"
    else:
        decided = "day-first"
        info_order = "day-first (assumed)"
    y, m, d = parts.y.copy(), parts.m.copy(), parts.d.copy()
    ambiguous = np.zeros(len(uniq), dtype=bool)
    if decided == "month-first":
        m[numeric], d[numeric] = a[numeric], b[numeric]
    elif decided == "day-first":
        d[numeric], m[numeric] = a[numeric], b[numeric]
    else:
        # each value that shows its own order keeps it; those that could be either are rejected
        day_first = numeric & (a > 12)
        month_first = numeric & (b > 12)
        d[day_first], m[day_first] = a[day_first], b[day_first]
        m[month_first], d[month_first] = a[month_first], b[month_first]
        ambiguous = numeric & ~day_first & ~month_first
    blank = text == ""
    placeholder_text = _np(pc.match_substring_regex(pa.array(text, pa.large_string()), _PLACEHOLDER_TEXT))
    values = _assemble(y, m, d, parts.kind != "")
    iso = np.datetime_as_string(values, unit="D")
    error = np.full(len(uniq), None, dtype=object)
    unreadable = ~blank & (parts.kind == "") & ~placeholder_text
    for i in np.flatnonzero(unreadable):
        error[i] = f"could not read the date '{_short(text[i])}'"
    invalid = ~blank & (parts.kind != "") & np.isnat(values) & ~ambiguous
    for i in np.flatnonzero(invalid & ~placeholder_text):
        error[i] = f"not a real date '{_short(text[i])}'"
    placeholder = placeholder_text | (
        ~np.isnat(values) & np.isin(iso, list(PLACEHOLDER_DATES)) & (parts.precision == "")
    )
    for i in np.flatnonzero(placeholder):
        error[i] = f"placeholder date '{_short(text[i])}'"
    for i in np.flatnonzero(ambiguous):
        error[i] = f"day and month order is inconsistent in this column; '{_short(text[i])}' could be either"
    last = np.datetime64(today, "ns") + np.timedelta64(1, "D") - np.timedelta64(1, "ns")
    future = ~np.isnat(values) & (values > last) & pd.isna(error)
    for i in np.flatnonzero(future):
        error[i] = f"date in the future ({iso[i]})"
    early = ~np.isnat(values) & (values < EARLIEST_PLAUSIBLE.to_datetime64()) & pd.isna(error)
    for i in np.flatnonzero(early):
        error[i] = f"implausible date ({iso[i]}, before 1990)"
    good = ~np.isnat(values) & pd.isna(error)
    values = np.where(good, values, np.datetime64("NaT", "ns"))
    precision = np.where(good, parts.precision, "").astype(object)
    return _Dates(codes, values, error, blank, precision, parts.kind, placeholder, future, info_order, numeric)


def parse_dates(
    series: pd.Series,
    *,
    order: str | None = None,
    excel_serials: bool = False,
    today: dt.date | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Parse a date column, deciding day-first or month-first for the whole column from evidence.

    Returns (dates as datetime64[ns] with NaT where not accepted, info). info holds `order`
    ("day-first", "month-first", "day-first (assumed)", "inconsistent" or "" when no numeric
    d/m/y dates), `errors` (Series: reason per row or None; None also for blanks), `blank`
    (bool Series), `precision` (Series: "", "month" or "year") and counts. `order` forces
    "day-first" or "month-first".
    """
    core = _dates_core(series, order, excel_serials, today)
    index = series.index
    c = core.codes
    row_error = pd.Series(core.error[c], index=index, dtype=object)
    row_precision = pd.Series(core.precision[c], index=index, dtype=object)
    info: dict[str, Any] = {
        "order": core.order,
        "numeric_dates": int(core.numeric[c].sum()),
        "excel_serials": int((core.kind[c] == "serial").sum()),
        "year_only": int((row_precision == "year").sum()),
        "year_month": int((row_precision == "month").sum()),
        "placeholders": int(core.placeholder[c].sum()),
        "future": int(core.future[c].sum()),
        "unreadable": int(row_error.notna().sum()),
        "errors": row_error,
        "precision": row_precision,
        "blank": pd.Series(core.blank[c], index=index, dtype=bool),
    }
    return pd.Series(core.values[c], index=index, dtype="datetime64[ns]"), info


# --- statuses -------------------------------------------------------------------

_APPEAL_RULES: Final = (
    ("withdrawn", r"withdr"),
    ("annulled", r"annul|quash|set aside|overturn|cancel|void|revoked|aufgehoben|annule"),
    ("reduced", r"reduc|lower|decreas|partly upheld|partially upheld|cut to"),
    ("remitted", r"remit|referred back|sent back|remand|zuruckverwiesen"),
    ("upheld", r"upheld|uphold|confirm|dismissed|rejected appeal|appeal rejected|final and binding|rechtskraftig"),
    ("pending", r"pending|under appeal|appealed|ongoing|lodged|in progress|before the court|challenged|appeal filed"),
    ("not_appealed", r"not appealed|no appeal|none|^no$|final$|^final|not challenged|accepted"),
    ("unknown", r"^unknown$|^n ?a$|^$|not known|unclear"),
)
_PAYMENT_RULES: Final = (
    ("partly_paid", r"part|instal|install|some"),
    ("unpaid", r"unpaid|not paid|outstanding|^no$|owed|overdue|refused|never paid|not yet paid"),
    ("suspended", r"suspend|stay|deferred|on hold"),
    ("not_due", r"not due|nothing to pay|no payment due"),
    ("paid", r"paid|^yes$|settled|collected|bezahlt|paye"),
    ("unknown", r"^unknown$|^n ?a$|^$|not known|unclear"),
)
_TYPE_RULES: Final = (
    (
        "not_fine",
        (
            r"reprimand|warning|admonition|caution|court ruling|court decision|judgment|judgement|"
            r"notice of intent|no fine|order only|enforcement notice|rebuke|verwarnung|avertissement"
        ),
    ),
    ("penalty_payment", r"penalty payment|periodic penalty|astreinte|zwangsgeld|non compliance penalty"),
    ("court_fine", r"court fine|imposed by (the )?court"),
)


# --- the result -----------------------------------------------------------------


@dataclass
class IngestResult:
    """Every data row of a file, in exactly one of accepted, rejected or not_fines."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    not_fines: pd.DataFrame
    rows_read: int
    mapping: dict[str, str]
    choices: dict[str, Any]

    @property
    def accounting_ok(self) -> bool:
        """rows_read == accepted + rejected + not_fines, and no row is in two of them."""
        rows = list(self.accepted.index) + list(self.rejected["row"]) + list(self.not_fines["row"])
        return self.rows_read == len(rows) == len(set(rows))

    def totals(self) -> dict[str, float]:
        """Sum of accepted amounts per original currency."""
        sums = self.accepted.groupby("currency", sort=True)["amount"].sum()
        return {str(k): float(v) for k, v in sums.items()}

    def summary(self, to: str | None = None) -> dict[str, Any]:
        """A JSON-ready account of the import (what the CLI prints with --json)."""
        out: dict[str, Any] = {
            "rows_read": self.rows_read,
            "rows_accepted": len(self.accepted),
            "rows_rejected": len(self.rejected),
            "rows_not_fines": len(self.not_fines),
            "rejected": [{"row": int(r), "reason": str(w)} for r, w in zip(self.rejected["row"], self.rejected["reason"])],
            "not_fines": [{"row": int(r), "reason": str(w)} for r, w in zip(self.not_fines["row"], self.not_fines["reason"])],
            "totals": self.totals(),
            "mapping": dict(self.mapping),
            "choices": self.choices,
        }
        if to:
            from components import fx

            conv = fx.convert(self.accepted["amount"], self.accepted["currency"], self.accepted["decision_date"], to=to)
            value = conv["value"].to_numpy(dtype=float)
            out["to"] = to.upper()
            out["total_converted"] = float(np.nansum(value))
            out["not_converted"] = int(np.isnan(value).sum())
        return out


# --- the pipeline ---------------------------------------------------------------


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


class _Col:
    """One mapped column as codes into its distinct trimmed values (absent column: all blank)."""

    def __init__(self, series: pd.Series | None, n: int, exact: bool = False) -> None:
        self.present = series is not None
        if series is None:
            self.codes = np.zeros(n, dtype=np.int64)
            self.uniq = pa.array([""], _STR)
            return
        arr = _arrow(series)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        trimmed = pc.utf8_trim_whitespace(arr)
        sample = trimmed.slice(0, 2000)
        if not exact and n > 10_000 and len(pc.unique(sample)) > 0.5 * len(sample):
            # ids, URLs, free text: nearly every row differs, so hashing them buys nothing
            self.codes = np.arange(n, dtype=np.int64)
            self.uniq = trimmed
            return
        enc = pc.dictionary_encode(trimmed)
        self.codes = _np(enc.indices).astype(np.int64)
        self.uniq = enc.dictionary if len(enc.dictionary) else pa.array([""], _STR)

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


def _classify_u(col: _Col, rules: Sequence[tuple[str, str]]) -> np.ndarray:
    """A label per distinct value ("" when no rule fits)."""
    labels = []
    for v in col.text:
        f = fold(v)
        labels.append(next((name for name, pattern in rules if re.search(pattern, f)), ""))
    return np.array(labels, dtype=object)


def _resolve_mapping(
    headers: Sequence[str], sample: pd.DataFrame, explicit: Mapping[str, str | None] | None
) -> dict[str, str]:
    mapping = suggest_mapping(headers, sample)
    if explicit:
        by_fold = {fold(h): h for h in headers}
        for f, header in explicit.items():
            if f not in MAPPABLE_FIELDS:
                raise IngestError(f"'{f}' is not a field that can be mapped; use one of {', '.join(MAPPABLE_FIELDS)}.")
            if header in (None, ""):
                mapping.pop(f, None)
                continue
            real = header if header in headers else by_fold.get(fold(str(header)))
            if real is None:
                raise IngestError(f"The mapping names a column '{header}' for {f}, but the file has no such column.")
            for other in [k for k, v in mapping.items() if v == real and k != f]:
                del mapping[other]  # one header serves one field; the explicit choice wins
            mapping[f] = real
    return mapping


_URL_FIRST = r"(?P<u>https?://[^\s\"'<>;,|]+)"


def ingest(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_bytes: int = MAX_BYTES,
    max_cell_chars: int = MAX_CELL_CHARS,
    date_order: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Read a fines file and account for every row: accepted (canonical), rejected, or not a fine.

    `mapping` ({canonical field: header}) overrides the headers' suggested mapping; a field
    mapped to "" or None is left unmapped. `date_order` ("day-first"/"month-first") overrides the
    per-column evidence. Raises IngestError (one-line message) only when the file cannot be read.
    """

    def step(frac: float, what: str) -> None:
        if progress is not None:
            progress(frac, what)

    step(0.0, "reading the file")
    raw = read_table(
        source,
        filename=filename,
        max_rows=max_rows,
        max_columns=max_columns,
        max_bytes=max_bytes,
        max_cell_chars=max_cell_chars,
    )
    try:
        return _ingest_table(raw, mapping, date_order, today, step)
    except IngestError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, pa.ArrowException) as exc:  # pragma: no cover
        raise IngestError(f"The file could not be processed ({type(exc).__name__}: {_short(exc, 120)}).") from exc


def _ingest_table(
    raw: RawTable,
    explicit: Mapping[str, str | None] | None,
    date_order: str | None,
    today: dt.date | None,
    step: Callable[[float, str], None],
) -> IngestResult:
    frame = raw.frame
    n = len(frame)
    today = today or dt.datetime.now(dt.UTC).date()
    mapping = _resolve_mapping(raw.headers, frame.head(50), explicit)
    missing = [f for f in REQUIRED_FIELDS if f not in mapping]
    if missing:
        names = {"amount": "the amount", "country": "the country", "decision_date": "the decision date"}
        shown = ", ".join(raw.headers[:12]) + (", ..." if len(raw.headers) > 12 else "")
        raise IngestError(
            f"No column for {' or '.join(names[f] for f in missing)} was found among the headers "
            f"({_short(shown, 200)}); map one explicitly."
        )
    cols: dict[str, _Col] = {}

    def col(f: str) -> _Col:
        if f not in cols:
            cols[f] = _Col(frame[mapping[f]] if f in mapping else None, n)
        return cols[f]

    step(0.1, "checking rows")
    rows = np.arange(1, n + 1)
    nonblank = raw.nonblank if raw.nonblank is not None and len(raw.nonblank) == n else _nonblank(frame)
    empty = ~nonblank
    problem_pos = np.array(sorted(raw.problems), dtype=np.int64) - 1
    read_problem = np.zeros(n, dtype=bool)
    read_problem[problem_pos] = True
    first = read_problem | empty

    # what kind of decision a row is: a tracker's "Type" or an explicit decision type
    decision_type_u = {"fine": 0, "penalty_payment": 1, "court_fine": 2}
    dtype_code = np.zeros(n, dtype=np.int64)
    type_not_fine = np.zeros(n, dtype=bool)
    type_msg = pa.nulls(n, _STR)
    type_note_u: np.ndarray | None = None
    for f in ("type", "decision_type"):
        if f not in mapping:
            continue
        c = col(f)
        labels = _classify_u(c, _TYPE_RULES)
        exact = np.array([v.lower().replace(" ", "_") for v in c.text], dtype=object)
        labels = np.where((labels == "") & np.isin(exact, schema.DECISION_TYPES), exact, labels)
        labels = np.where(np.isin(labels, ["no_fine", "notice_of_intent"]), "not_fine", labels)
        nf_u = labels == "not_fine"
        type_not_fine |= nf_u[c.codes]
        kind = np.array([decision_type_u.get(x, -1) for x in labels])[c.codes]
        dtype_code = np.where((kind > 0) & (dtype_code == 0), kind, dtype_code)
        msg_u = c.messages(nf_u, lambda v: f"the type says '{_short(v)}': not a fine")
        type_msg = pc.coalesce(type_msg, c.spread(nf_u[c.codes], msg_u))
        if f == "type":
            # a "Type" that is not a kind of decision (the CMS tracker's kind of violation) is kept as a note
            plain = np.isin(np.array([v.lower() for v in c.text], dtype=object), ["", "fine", "fines", "penalty", "sanction"])
            type_note_u = np.where((labels == "") & ~plain, np.array([f"type: {_short(v, 120)}" for v in c.text], dtype=object), None)

    step(0.2, "countries")
    cc = col("country")
    iso_s, aliases = countries.normalise_series(pd.Series(cc.text, dtype=object))
    iso_u = iso_s.astype(object).where(iso_s.notna(), "").to_numpy(dtype=object)
    blank_country_u = cc.blank_u()
    bad_country_u = ~blank_country_u & (iso_u == "")
    # the amount parser wants ISO codes per row: a categorical over the distinct ISO codes costs nothing
    iso_cat_codes, iso_cats = pd.factorize(pd.Series(iso_u, dtype=object))
    iso_rows = pd.Series(pd.Categorical.from_codes(iso_cat_codes[cc.codes], categories=iso_cats)) if n else pd.Series([], dtype=object)

    step(0.3, "dates")
    excel = raw.format == "xlsx"
    dc = _dates_core(frame[mapping["decision_date"]], date_order, excel, today)
    date_choices = {mapping["decision_date"]: dc.order or "no day/month dates"}
    dates_arr = dc.values[dc.codes]
    extra_dates: dict[str, _Dates] = {}
    for f in ("announced_date", "status_checked"):
        if f in mapping:
            extra_dates[f] = _dates_core(frame[mapping[f]], date_order, excel, today)
            date_choices[mapping[f]] = extra_dates[f].order or "no day/month dates"

    step(0.45, "amounts")
    amount_header = mapping["amount"]
    header_cur = _header_currency(amount_header)
    header_note = None
    folded_headers = {fold(h) for h in raw.headers}
    if header_cur is None and fold(amount_header) == "price" and {"article violated", "controller"} <= folded_headers:
        header_cur = "EUR"
        header_note = "privacyaffairs/TidyTuesday layout: 'price' is in euro"
    currency_series = frame[mapping["currency"]] if "currency" in mapping else None
    am = _amounts_core(frame[amount_header], iso_rows, currency_series, dates_arr, header_cur)

    step(0.55, "sorting rows")
    idc = cols["fine_id"] = _Col(frame[mapping["fine_id"]] if "fine_id" in mapping else None, n, exact=True)
    given_u = ~idc.blank_u()
    given = given_u[idc.codes]
    # dictionary codes number values in order of first appearance: a row is a value's first
    # occurrence exactly when its code exceeds every code before it
    before = np.concatenate([[-1], np.maximum.accumulate(idc.codes)[:-1]]) if n else np.zeros(0, np.int64)
    is_first = idc.codes > before
    seen_first = np.flatnonzero(is_first)  # by code
    dup = given & ~is_first
    long_id_u = _np(pc.greater(pc.utf8_length(idc.uniq), 80)).astype(bool)

    # not a fine: the type says so, or there is no (or a zero) amount
    live0 = ~first
    tnf = type_not_fine & live0
    amount_nf_u = ~pd.isna(am.not_fine_u)
    anf = amount_nf_u[am.codes] & live0 & ~tnf
    not_fine_reason = pc.coalesce(
        _when(tnf, type_msg),
        _spread(anf, am.not_fine_u, am.codes),
    )
    is_not_fine = tnf | anf
    live = live0 & ~is_not_fine
    dup_pos = np.flatnonzero(dup & live)
    dup_ids = _np(pc.take(idc.uniq, pa.array(idc.codes[dup_pos]))) if len(dup_pos) else []
    dup_msg = np.array(
        [f"duplicate id '{_short(v)}' (also row {seen_first[idc.codes[i]] + 1})" for v, i in zip(dup_ids, dup_pos)],
        dtype=object,
    )
    country_msg_u = cc.messages(bad_country_u, lambda v: f"unknown country '{_short(v)}'")

    amount_err_u = ~pd.isna(am.error_u)
    date_err_u = ~pd.isna(dc.error)
    # a currency that could only come from the country is not asked for when the country itself is the problem
    country_ok = ~(blank_country_u | bad_country_u)[cc.codes]
    extra_live = np.isin(am.extra_pos, np.flatnonzero(live & country_ok))
    parts = [
        _sparse(n, problem_pos, np.array([raw.problems[p + 1] for p in problem_pos], dtype=object)),
        _when(empty & ~read_problem, "empty row"),
        _spread(live & amount_err_u[am.codes], am.error_u, am.codes),
        _sparse(n, am.extra_pos[extra_live], am.extra_msg[extra_live]),
        _when(live & blank_country_u[cc.codes], "no country"),
        cc.spread(live & bad_country_u[cc.codes], country_msg_u),
        _when(live & dc.blank[dc.codes], "no decision date"),
        _spread(live & date_err_u[dc.codes], dc.error, dc.codes),
        _sparse(n, dup_pos, dup_msg),
        _when(live & long_id_u[idc.codes] & given, "id longer than 80 characters"),
    ]
    reasons = _join(parts, n)
    is_rejected = _bools(pc.is_valid(reasons))
    accepted_mask = ~is_rejected & ~is_not_fine

    step(0.65, "building the fines")
    idx = np.flatnonzero(accepted_mask)
    k = len(idx)
    acc_rows = rows[idx]
    iso_acc = pc.take(_arr(iso_u), pa.array(cc.codes[idx]))
    acc_dates = dates_arr[idx]
    notes: list[pa.Array] = []

    def note_u(c: _Col, values_u: np.ndarray) -> None:
        if 4 * len(values_u) < k:  # few distinct notes on many rows: spread them in arrow
            notes.append(c.take(values_u, idx))
            return
        vals = values_u[c.codes[idx]]
        pos = np.flatnonzero(~pd.isna(vals))
        if len(pos):
            notes.append(_sparse(k, pos, vals[pos]))

    def note(mask: np.ndarray, text: str) -> None:
        if mask.any():
            notes.append(_when(mask, text))

    if "notes" in mapping:
        nc = col("notes")
        notes.append(pc.if_else(pc.equal(nc.rows(idx), ""), _NULL, nc.rows(idx)))
    # ids: as given, else U-<row>
    gen = ~given[idx]
    fine_id = idc.rows(idx)
    if gen.any():
        generated = pc.binary_join_element_wise(pa.scalar("U-", _STR), pc.cast(pa.array(acc_rows), _STR), pa.scalar("", _STR))
        clash = _bools(pc.is_in(generated, value_set=idc.uniq))
        generated = pc.if_else(pa.array(clash), pc.binary_join_element_wise(generated, pa.scalar("-generated", _STR), pa.scalar("", _STR)), generated)
        fine_id = pc.if_else(pa.array(gen), generated, fine_id)
    country_names = np.array([f"Unnamed authority ({countries.name(c)})" if c else "" for c in iso_u], dtype=object)
    ac = col("authority")
    no_auth = ac.blank_u()[ac.codes[idx]]
    authority = pc.if_else(pa.array(no_auth), cc.take(country_names, idx), ac.rows(idx))
    if ac.present:  # a blank cell; a file without the column is reported once, in choices
        note(no_auth, "authority not given")
    ctl = col("controller")
    no_ctrl = ctl.blank_u()[ctl.codes[idx]]
    controller = pc.if_else(pa.array(no_ctrl), pa.scalar("Unknown", _STR), ctl.rows(idx))
    if ctl.present:
        note(no_ctrl, "controller not given")
    gc = col("controller_group")
    group = pc.if_else(pa.array(gc.blank_u()[gc.codes[idx]]), controller, gc.rows(idx))

    def shorten(arr: pa.Array, limit: int, label: str) -> pa.Array:
        long = _bools(pc.fill_null(pc.greater(pc.utf8_length(arr), limit), False))
        if not long.any():
            return arr
        note(long, f"{label} name shortened")
        cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, limit - 1), pa.scalar("…", _STR), pa.scalar("", _STR))
        return pc.if_else(pa.array(long), cut, arr)

    authority = shorten(authority, 200, "authority")
    controller = shorten(controller, 300, "controller")
    group = shorten(group, 300, "controller group")
    controller_country = pa.nulls(k, _STR)
    if "controller_country" in mapping:
        hc = col("controller_country")
        h_iso, _ = countries.normalise_series(pd.Series(hc.text, dtype=object))
        h_u = h_iso.astype(object).where(h_iso.notna(), None).to_numpy(dtype=object)
        controller_country = hc.take(h_u, idx)
        unknown_u = ~hc.blank_u() & pd.isna(h_u)
        note_u(hc, hc.messages(unknown_u, lambda v: f"controller country '{_short(v)}' not recognised"))
    iso_np = _np(iso_acc).astype(object) if k else np.zeros(0, dtype=object)
    uk = (iso_np == "GB") & (acc_dates >= np.datetime64("2021-01-01"))
    legal = pc.if_else(pa.array(uk), pa.scalar("UK GDPR", _STR), pa.scalar("GDPR", _STR))
    if "legal_basis" in mapping:
        lc = col("legal_basis")
        lb_u = np.array([_legal_basis(v) for v in lc.text], dtype=object)
        legal = pc.if_else(pa.array((lb_u != "")[lc.codes[idx]]), lc.take(lb_u, idx), legal)
        bad_u = (lb_u == "") & ~lc.blank_u()
        note_u(lc, lc.messages(bad_u, lambda v: f"legal basis '{_short(v)}' not recognised"))
    appeal_u: np.ndarray | None = None
    appeal = pa.array(np.full(k, "unknown", dtype=object), _STR) if k else pa.array([], _STR)
    for f, rules, label in (("appeal_status", _APPEAL_RULES, "appeal status"), ("payment_status", _PAYMENT_RULES, "payment status")):
        value = pa.array(np.full(k, "unknown", dtype=object), _STR) if k else pa.array([], _STR)
        if f in mapping:
            sc = col(f)
            lab_u = _classify_u(sc, rules)
            value = sc.take(np.where(lab_u != "", lab_u, "unknown").astype(object), idx)
            bad_u = (lab_u == "") & ~sc.blank_u()
            note_u(sc, sc.messages(bad_u, lambda v, label=label: f"{label} '{_short(v)}' not understood"))
            if f == "appeal_status":
                appeal_u = lab_u
        if f == "appeal_status":
            appeal = value
        else:
            payment = value
    acc_amount = am.amount[idx]
    acc_cur = am.cur[idx]
    appeal_np = (
        appeal_u[col("appeal_status").codes[idx]] if appeal_u is not None else np.full(k, "", dtype=object)
    )
    annulled = appeal_np == "annulled"
    standing = np.where(np.isin(appeal_np, ["annulled", "reduced"]), np.nan, acc_amount)
    iso_rows_acc = iso_rows  # per row, categorical
    for f in ("standing_amount", "paid_amount"):
        if f not in mapping:
            continue
        sub = _amounts_core(frame[mapping[f]], iso_rows_acc, currency_series, dates_arr, _header_currency(mapping[f]))
        value = sub.amount[idx]
        zero = (sub.not_fine_u == "zero amount")[sub.codes[idx]]
        value = np.where(zero, 0.0, value)
        same = sub.vocab[sub.cur[idx]] == am.vocab[acc_cur]
        value = np.where(same | zero, value, np.nan)
        if f == "standing_amount":
            standing = np.where(~np.isnan(value), value, standing)
        else:
            paid = value
    if "paid_amount" not in mapping:
        paid = np.full(k, np.nan)
    standing = np.where(annulled & np.isnan(standing), 0.0, standing)
    url = pa.nulls(k, _STR)
    if "source_url" in mapping:
        uc = col("source_url")
        # most cells are one clean address: a yes/no match is cheap, extraction only for the rest
        clean = pc.fill_null(pc.match_substring_regex(uc.uniq, r"^https?://[^\s\"'<>;,|]+$"), False)
        found_u = uc.uniq
        if not pc.all(clean).as_py():
            extracted = pc.struct_field(pc.extract_regex(uc.uniq, _URL_FIRST), "u")
            found_u = pc.if_else(clean, uc.uniq, extracted)
        url = uc.take(found_u, idx)
        not_url_u = ~uc.blank_u() & ~_bools(pc.is_valid(found_u))
        if not_url_u.any():
            note_u(uc, uc.messages(not_url_u, lambda v: f"source '{_short(v, 40)}' is not a web address"))
    prec = dc.precision[dc.codes[idx]]
    note(prec == "year", "decision date given as a year only (kept as 1 January)")
    note(prec == "month", "decision date given as year and month only (kept as the 1st)")
    extra_out: dict[str, np.ndarray] = {}
    for f, core in extra_dates.items():
        extra_out[f] = core.values[core.codes[idx]]
        label = f.replace("_", " ")
        msg_u = np.array([f"{label}: {e}" if isinstance(e, str) else None for e in core.error], dtype=object)
        notes.append(pc.take(_arr(msg_u), pa.array(core.codes[idx])))
    if type_note_u is not None:
        note_u(col("type"), type_note_u)
    notes_arr = _join(notes, k)

    def text_or_null(f: str) -> pa.Array:
        if f not in mapping:
            return pa.nulls(k, _STR)
        vals = col(f).rows(idx)
        return pc.if_else(pc.equal(vals, ""), _NULL, vals)

    def series(arr: pa.Array) -> pd.Series:
        return arr.to_pandas().set_axis(index)

    index = pd.Index(acc_rows, name="row")
    nat = np.full(k, np.datetime64("NaT", "ns"))
    accepted = pd.DataFrame(
        {
            "fine_id": series(fine_id),
            "authority": series(authority),
            "country": series(iso_acc),
            "controller": series(controller),
            "controller_group": series(group),
            "controller_country": series(controller_country),
            "group_country": series(text_or_null("group_country")),
            "sector": series(text_or_null("sector")),
            "decision_type": series(pc.take(pa.array(list(decision_type_u), _STR), pa.array(dtype_code[idx]))),
            "decision_date": pd.Series(acc_dates, index=index, dtype="datetime64[ns]"),
            "date_precision": pd.Series("day", index=index, dtype=object),
            "announced_date": pd.Series(extra_out.get("announced_date", nat), index=index, dtype="datetime64[ns]"),
            "amount": pd.Series(acc_amount, index=index, dtype="float64"),
            "currency": series(pc.take(_arr(am.vocab), pa.array(acc_cur))),
            "legal_basis": series(legal),
            "articles": series(text_or_null("articles")),
            "violation": series(text_or_null("violation")),
            "appeal_status": series(appeal),
            "standing_amount": pd.Series(standing, index=index, dtype="float64"),
            "payment_status": series(payment),
            "paid_amount": pd.Series(paid, index=index, dtype="float64"),
            "status_checked": pd.Series(extra_out.get("status_checked", nat), index=index, dtype="datetime64[ns]"),
            "source_url": series(url),
            "notes": series(notes_arr),
        },
        index=index,
    )
    step(0.8, "validating")
    cols.clear()  # the encoded columns are no longer needed; free them before the copies below
    accepted, failed = _validate(accepted)
    if failed:
        fail_pos = np.array(sorted(failed), dtype=np.int64) - 1
        reasons = _join([reasons, _sparse(n, fail_pos, np.array([failed[p + 1] for p in fail_pos], dtype=object))], n)
        is_rejected = _bools(pc.is_valid(reasons))
        accepted_mask &= ~is_rejected
    accepted = _as_template_dtypes(accepted)

    step(0.9, "reporting")
    rej_idx = np.flatnonzero(is_rejected)
    nf_idx = np.flatnonzero(is_not_fine & ~is_rejected)
    reasons_np = _np(pc.take(reasons, pa.array(rej_idx))).astype(object)
    rejected = _with_raw(frame, rows[rej_idx], reasons_np)
    not_fines = _with_raw(frame, rows[nf_idx], _np(pc.take(not_fine_reason, pa.array(nf_idx))).astype(object))
    src_counts = np.bincount(am.src[accepted_mask], minlength=len(CURRENCY_SOURCES))
    choices: dict[str, Any] = {
        "format": raw.format,
        "encoding": raw.encoding,
        "delimiter": DELIMITER_NAMES.get(raw.delimiter or "", raw.delimiter),
        "date_order": date_choices,
        "currency_sources": {CURRENCY_SOURCES[i]: int(c) for i, c in enumerate(src_counts) if c and i},
        "header_currency": header_cur,
        "country_aliases": aliases,
        "placeholder_dates": int(dc.placeholder[dc.codes].sum()),
        "future_dates": int(dc.future[dc.codes].sum()),
        "year_only_dates": int((prec == "year").sum()),
        "year_month_dates": int((prec == "month").sum()),
        "excel_serial_dates": int((dc.kind[dc.codes] == "serial").sum()),
        "empty_rows": int((empty & ~read_problem).sum()),
        "generated_ids": int(gen.sum()),
        "authority_defaulted": int(no_auth.sum()),
        "controller_defaulted": int(no_ctrl.sum()),
    }
    if header_note:
        choices["header_currency_note"] = header_note
    step(1.0, "done")
    return IngestResult(accepted, rejected, not_fines, n, dict(mapping), choices)


def _to_object(values: pd.Series) -> np.ndarray:
    """Arrow strings to an object array (missing -> NaN) sharing one Python string per distinct value.

    astype(object) makes a new string object for every cell: for a million rows that is most
    of the import's memory. Ids, URLs and free text are nearly all distinct and are converted as is.
    """
    arr = pa.array(values.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    sample = arr.slice(0, 2000)
    if len(arr) > 10_000 and len(pc.unique(sample)) > 0.5 * len(sample):
        out = _np(arr).astype(object)
        out[pd.isna(out)] = np.nan
        return out
    enc = pc.dictionary_encode(arr)
    distinct = np.append(_np(enc.dictionary).astype(object), np.nan)
    return distinct[_np(pc.fill_null(enc.indices, -1)).astype(np.int64)]


def _as_template_dtypes(accepted: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of schema.empty_fines(): object strings, datetime64[ns], float64."""
    template = schema.empty_fines()
    out = {}
    for c in schema.FINE_COLUMNS:
        if template[c].dtype == object:
            out[c] = pd.Series(_to_object(accepted[c]), index=accepted.index, dtype=object)
        else:
            out[c] = accepted[c].astype(template[c].dtype)
        accepted[c] = 0.0  # drop each arrow column as soon as its copy exists
    return pd.DataFrame(out, index=accepted.index)


def _legal_basis(text: str) -> str:
    f = fold(text)
    if not f:
        return ""
    if re.search(r"uk gdpr|dpa 2018|data protection act 2018", f):
        return "UK GDPR"
    if re.search(r"eprivacy|pecr|cookie|telecom|l 34 5|article 82", f):
        return "ePrivacy (national)"
    if re.search(r"national|bdsg|lopd|loi informatique|codice", f):
        return "national data protection law"
    if re.search(r"gdpr|dsgvo|rgpd|avg|2016 679", f):
        return "GDPR"
    return ""


def _with_raw(frame: pd.DataFrame, rows: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    raw = frame.iloc[rows - 1] if len(rows) else frame.iloc[0:0]
    raw = raw.rename(columns={c: f"{c} (file)" for c in raw.columns if c in ("row", "reason")})
    out = pd.DataFrame({"row": rows.astype(np.int64), "reason": pd.Series(reasons, dtype=object).to_numpy()})
    body = raw.reset_index(drop=True)
    return pd.concat([out, body], axis=1) if len(body.columns) else out


def _validate(accepted: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
    """Check against UPLOAD_FINES_SCHEMA; rows that fail leave `accepted` with the check as reason."""
    import pandera.errors as pe

    if accepted.empty:
        # pandera cannot tell an empty object column holds strings; an empty frame has nothing to check
        return accepted, {}
    try:
        return schema.UPLOAD_FINES_SCHEMA.validate(accepted, lazy=True), {}
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        failed: dict[int, str] = {}
        for _, case in cases.iterrows():
            r = case.get("index")
            if r is None or pd.isna(r):
                raise IngestError(
                    f"The imported table failed the check {case.get('check')} on {case.get('column')}."
                ) from None
            why = f"failed the check on {case.get('column')}: {case.get('check')} ('{_short(case.get('failure_case'))}')"
            failed.setdefault(int(r), why)
        keep = accepted.drop(index=list(failed))
        return schema.UPLOAD_FINES_SCHEMA.validate(keep), failed


# --- command line ---------------------------------------------------------------


def _parse_map(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        f, sep, header = item.partition("=")
        if not sep or not f.strip():
            raise IngestError(f"--map takes FIELD=HEADER, not '{item}'.")
        out[f.strip()] = header.strip()
    return out


def _human(result: IngestResult, summary: dict[str, Any]) -> str:
    lines = [
        (
            f"rows read: {result.rows_read:,}   accepted: {len(result.accepted):,}   "
            f"rejected: {len(result.rejected):,}   not fines: {len(result.not_fines):,}"
        ),
        (
            f"read as {result.choices.get('format')}, encoding {result.choices.get('encoding')}, "
            f"delimiter {result.choices.get('delimiter')}"
        ),
        "columns: " + ", ".join(f"{f} <- '{h}'" for f, h in result.mapping.items()),
        "date order: " + ", ".join(f"'{h}': {o}" for h, o in result.choices.get("date_order", {}).items()),
        "currency from: " + (", ".join(f"{s} {c:,}" for s, c in result.choices.get("currency_sources", {}).items()) or "-"),
    ]
    if result.choices.get("country_aliases"):
        lines.append("country names read: " + ", ".join(f"'{k}' -> {v}" for k, v in result.choices["country_aliases"].items()))
    lines.append("totals: " + (", ".join(f"{c} {v:,.2f}" for c, v in summary["totals"].items()) or "-"))
    if "total_converted" in summary:
        extra = f" ({summary['not_converted']} not convertible)" if summary["not_converted"] else ""
        lines.append(f"total in {summary['to']} at decision-date rates: {summary['total_converted']:,.2f}{extra}")
    for title, items in (("rejected", summary["rejected"]), ("not fines", summary["not_fines"])):
        if items:
            lines.append(f"first {title}:")
            lines += [f"  row {it['row']}: {it['reason']}" for it in items[:10]]
            if len(items) > 10:
                lines.append(f"  ... and {len(items) - 10:,} more")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """python -m components.ingest FILE [--to CUR] [--map FIELD=HEADER ...] [--json]"""
    parser = argparse.ArgumentParser(
        prog="python -m components.ingest", description="Import a fines file and report on every row."
    )
    parser.add_argument("file", help="CSV, TSV or XLSX file")
    parser.add_argument("--to", help="also total the accepted amounts in this currency (decision-date ECB rates)")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER", help="map a column explicitly (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        result = ingest(args.file, mapping=_parse_map(args.map))
        summary = result.summary(to=args.to)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # an unknown --to currency
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        print(_human(result, summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
