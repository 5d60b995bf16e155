"""Reading: bytes to a table of strings (encoding, delimiter, CSV fast and exact paths).

XLSX has its own module, `xlsx`. Pure: no streamlit.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from components.ingest import hygiene
from components.ingest.common import (
    DELIMITERS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    SAMPLE_BYTES,
    IngestError,
    _np,
)


def _read_xlsx(*args: Any, **kwargs: Any) -> RawTable:
    from components.ingest.xlsx import read_xlsx

    return read_xlsx(*args, **kwargs)


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
    #: text cells from which control or bidi-override characters were removed
    cleaned_cells: int = 0
    #: XLSX: the sheet read, and every sheet's name
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)


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


#: Single-byte code pages a register may be saved in: Western, Central European, Cyrillic, Greek, Baltic.
LEGACY_ENCODINGS: Final = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1257")
#: Letters (lower case) that each Latin code page's languages use; others count against it.
_LATIN_LETTERS: Final = {
    "cp1252": set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœšž"),
    "cp1250": set("ąćęłńóśźżčďěňřšťůžáéíýúőűöüäôĺľŕşţăâî"),
    "cp1257": set("ąčęėįšųūžāēģīķļņōŗõäöüåæøéóśźżćńł"),
}
_WORD = re.compile(r"[^\W\d_]+")


def _plausibility(text: str, encoding: str) -> int:
    """How much a decoding reads like text: words in one script, with letters its languages use."""
    score = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if word.isascii():
            continue
        odd = [ch for ch in word if not ch.isascii()]
        scripts = {unicodedata.name(ch, "?").split()[0] for ch in word if ch.isalpha()}
        if len(scripts) > 1:
            score -= 3 * len(odd)  # "Ð¡Ð¾Ñ„Ð¸Ñ": Latin mixed with symbols and letters of another script
        elif scripts <= {"CYRILLIC", "GREEK"}:
            score += len(word) if encoding in ("cp1251", "cp1253") else -len(word)
        elif len(word) >= 3 and len(odd) > len(word) / 2:
            score -= 3 * len(odd)  # a Latin word of mostly accented letters is another script misread
        else:
            known = _LATIN_LETTERS.get(encoding, set())
            score += sum(1 if ch.lower() in known else -2 for ch in odd)
    return score


def _wedged(text: str) -> int:
    """Symbols wedged against letters ("Wroc³aw", "£ódŸ") and undecodable bytes: each counts against."""
    bad = 0
    for m in re.finditer(r"[^\x00-\x7f]", text):
        ch = m.group()
        if ch.isalpha() or ch in "€£$¥§°«»–—‘’“”„•…·":
            continue
        i = m.start()
        near = text[max(0, i - 1) : i] + text[i + 1 : i + 2]
        if ch == "\ufffd" or any(c.isalpha() for c in near):
            bad += 1
    return bad


def _guess_legacy(data: bytes, around: int) -> str:
    """A single-byte encoding for text that is not UTF-8, chosen on evidence among LEGACY_ENCODINGS.

    Each decoding is scored by how much it reads like text (`_plausibility`) less 4 per symbol
    wedged against letters. Cyrillic and Greek (cp1251 and cp1253 both decode either as
    letters) are then told apart by charset-normalizer, which is good at that and poor at
    telling Latin code pages apart on short tables; cp1252 wins a tie.
    """
    lo = max(0, around - SAMPLE_BYTES // 2)
    window = data[lo : lo + SAMPLE_BYTES]
    scores = {}
    for enc in LEGACY_ENCODINGS:
        text = window.decode(enc, errors="replace")
        scores[enc] = _plausibility(text, enc) - 4 * _wedged(text)
    best = max(scores.values())
    tied = [enc for enc in LEGACY_ENCODINGS if scores[enc] == best]
    if len(tied) > 1 and set(tied) <= {"cp1251", "cp1253"}:
        from charset_normalizer import from_bytes

        match = from_bytes(window, cp_isolation=tied).best()
        if match is not None and match.encoding in tied:
            return match.encoding
    return tied[0]


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
    """Fast path. None when some row has the wrong number of fields (the exact path handles those).

    Arrow parses blocks in parallel only when told that no value holds a newline, so that is
    tried first. Inside a block its parser still reads quoted newlines right; only a block
    boundary that falls inside a quoted value splits it into two rows, and the halves leave a
    quote or a line break in a value next to the boundary (or rows of the wrong width, or a
    parse error). Any of those, or a one-column file, and the file is parsed again allowing
    newlines in values (one thread), as before.
    """
    if width > 1:
        table = _parse_csv_arrow(payload, width, delimiter, newlines_in_values=False)
        if table is not None and not _split_at_a_boundary(table):
            return table
    return _parse_csv_arrow(payload, width, delimiter, newlines_in_values=True)


def _split_at_a_boundary(table: pa.Table) -> bool:
    """Does a row on either side of a parsed block's boundary hold a quote or a line break?"""
    for column in table.columns:
        chunks = [c for c in column.chunks if len(c)]
        edges = [c.slice(len(c) - 1) for c in chunks[:-1]] + [c.slice(0, 1) for c in chunks[1:]]
        if edges and pc.any(pc.match_substring_regex(pa.concat_arrays(edges), '["\\r\\n]')).as_py():
            return True
    return False


def _parse_csv_arrow(payload: bytes | memoryview, width: int, delimiter: str, *, newlines_in_values: bool) -> pa.Table | None:
    return read_cells(pa.py_buffer(payload), width, delimiter, newlines_in_values=newlines_in_values)


def read_cells(
    buffer: Any,
    width: int,
    delimiter: str,
    *,
    newlines_in_values: bool,
    block_size: int = 8 << 20,
    use_threads: bool = True,
    columns: Sequence[int] | None = None,
) -> pa.Table | None:
    """CSV bytes as a table of strings, every cell as written (header in the first row; columns f0, f1, …,
    or just those at `columns`). None when some row has the wrong number of fields or Arrow cannot read it."""
    bad: list[int] = []

    def on_invalid(row: Any) -> str:
        bad.append(1)
        return "skip"

    names = [f"f{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(buffer),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=block_size, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=newlines_in_values,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                # large_string is what pandas' str dtype holds: no cast (and no copy) later
                column_types={name: pa.large_string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                include_columns=[names[i] for i in columns] if columns is not None else None,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if bad or table.num_columns != (width if columns is None else len(columns)):
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
    sheet: str | None = None,
) -> RawTable:
    """Read a CSV, TSV or XLSX file (path or bytes) into strings, sniffing encoding and delimiter.

    Every text cell and header is cleaned of control and bidi-override characters (`hygiene`).
    """
    data, name = _load(source, max_bytes)
    filename = filename or name or ""
    suffix = Path(filename).suffix.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptedPackage".encode("utf-16-le") in data[: 1 << 20] or b"EncryptedPackage" in data[: 1 << 20]:
            raise IngestError(
                "This spreadsheet is encrypted (password-protected); save a copy without a password and upload that."
            )
        raise IngestError("This is an old Excel .xls file; save it as .xlsx or CSV and upload that.")
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(data, max_rows=max_rows, max_columns=max_columns, max_cell_chars=max_cell_chars, sheet=sheet)
    else:
        raw = _read_text(data, suffix, max_rows=max_rows, max_columns=max_columns, max_cell_chars=max_cell_chars)
    return _scrubbed(raw, data)


def _scrubbed(raw: RawTable, data: bytes | None = None) -> RawTable:
    if data is not None and raw.encoding in ("utf-8", "utf-8-sig") and not hygiene.may_hold_unsafe(data):
        return raw  # no byte of the file can be an unsafe character: nothing to look for cell by cell
    frame, changed = hygiene.scrub(raw.frame)
    headers = [hygiene.clean_text(h) for h in raw.headers]
    if headers != raw.headers:
        headers = _dedupe_headers(headers)
        frame = frame.set_axis(headers, axis=1)
        changed += 1
    raw.frame, raw.headers, raw.cleaned_cells = frame, headers, changed
    return raw


def _read_text(data: bytes, suffix: str, *, max_rows: int, max_columns: int, max_cell_chars: int) -> RawTable:
    """A CSV or TSV file's bytes to a table of strings."""
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
        headers, frame = _frame_from_arrow(table, width, max_rows, max_cell_chars)
    else:
        assert text is not None
        headers, frame, problems = _frame_from_text(text, delimiter, max_rows, max_columns, max_cell_chars)
    frame, content = _drop_trailing_blank(frame)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    problems = {r: why for r, why in problems.items() if r <= len(frame)}
    return RawTable(frame, headers, encoding, delimiter, "csv", problems, content)


def _frame_from_arrow(table: pa.Table, width: int, max_rows: int, max_cell_chars: int) -> tuple[list[str], pd.DataFrame]:
    """The fast path's table (header in its first row) as headers and a frame of Arrow strings."""
    headers = _dedupe_headers([table.column(i)[0].as_py() if table.num_rows else "" for i in range(width)])
    if table.num_rows - 1 > max_rows:
        raise _limit_error("rows", table.num_rows - 1, max_rows, "are")
    body_table = table.slice(1)
    columns = {h: body_table.column(i) for i, h in enumerate(headers)}
    for h, col in columns.items():
        _check_cell_chars(col, h, max_cell_chars)
    return headers, pd.DataFrame({h: col.to_pandas() for h, col in columns.items()})


def _frame_from_text(
    text: str, delimiter: str, max_rows: int, max_columns: int, max_cell_chars: int
) -> tuple[list[str], pd.DataFrame, dict[int, str]]:
    """The exact path: headers, a frame of strings, and the rows of the wrong width."""
    raw_header, rows, problems = _read_csv_exact(text.rstrip("\r\n\t ") + "\n", delimiter, max_cell_chars, max_columns, max_rows)
    headers = _dedupe_headers(raw_header)
    if len(rows) > max_rows:
        raise _limit_error("rows", len(rows), max_rows, "are")
    cols = list(zip(*rows)) if rows else [() for _ in headers]
    frame = pd.DataFrame({h: pd.Series(list(c), dtype="str") for h, c in zip(headers, cols)})
    for h in headers:
        _check_cell_chars(pa.array(frame[h].array), h, max_cell_chars)
    return headers, frame, problems


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
        # ASCII whitespace only, as RE2's \S: two cheap kernels instead of a regex per cell
        blank = pc.or_(pc.equal(pc.binary_length(arr), 0), pc.ascii_is_space(arr))
        any_content |= ~_np(pc.fill_null(blank, True)).astype(bool)
    return any_content


def _drop_trailing_blank(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Blank rows after the last row with content are the end of the file, not rows."""
    content = _nonblank(frame)
    last = int(np.flatnonzero(content)[-1]) + 1 if content.any() else 0
    if last < len(frame):
        return frame.iloc[:last].reset_index(drop=True), content[:last]
    return frame, content


def samples(frame: pd.DataFrame, k: int = 3, rows: int = 200) -> dict[str, list[str]]:
    """{header: its first k distinct non-blank values (cut to 40 characters)}: shown beside the mapping form's fields."""
    out: dict[str, list[str]] = {}
    head = frame.head(rows)
    for name in head.columns:
        seen: list[str] = []
        for value in head[name].tolist():
            text = str(value).strip() if isinstance(value, str) else ""
            if text and text not in seen:
                seen.append(text if len(text) <= 40 else text[:39] + "…")
                if len(seen) == k:
                    break
        out[str(name)] = seen
    return out
