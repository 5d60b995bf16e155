"""Fuzzed import: whatever bytes arrive, ingest raises nothing but IngestError and every row is accounted for.

Inputs a real upload can be: wrong and mixed encodings, files cut off mid-record, unbalanced
quotes, huge cells, thousands of columns, numbers where text belongs and text where numbers
belong, random and damaged XLSX. The check (`check` from test_ingest_property) asserts a
one-line IngestError or rows_read == accepted + rejected + not_fines with a reason per row.

Profiles are those of tests/test_ingest_property.py: by default ("ci") each strategy runs a
small share so this file stays under a minute; HYPOTHESIS_PROFILE=long runs 10,000 each.
The long run, every strategy mixed in one 10,000-case test (skipped unless the profile is long):
    HYPOTHESIS_PROFILE=long pytest -m slow tests/test_fuzz_long.py
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ingest_property import PROFILE, PROFILE_SETTINGS, check

EACH = PROFILE_SETTINGS if PROFILE == "long" else settings(PROFILE_SETTINGS, max_examples=40)
LONG_RUN = settings(settings.get_profile("long"), suppress_health_check=list(HealthCheck))

GOOD_HEADER = ["country", "date", "amount", "company", "authority", "notes", "currency", "source"]
GOOD_ROW = ["FR", "2021-03-04", "EUR 1,000", "Acme", "CNIL", "a note", "EUR", "https://example.org/x"]
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "cp1250", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "mac_roman", "koi8_r")
TEXTS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    max_size=30,
)


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD_CSV = csv_bytes([GOOD_HEADER] + [GOOD_ROW] * 5)
GOOD_XLSX = xlsx_bytes([GOOD_HEADER] + [GOOD_ROW, ["DE", 44197, 2500.5, "Beta", "BfDI", None, "EUR", None]] * 3)


# --- strategies: each draws (bytes, filename) ---------------------------------------


@st.composite
def mixed_encodings(draw) -> tuple[bytes, str]:
    """Rows of non-ASCII text, each row in its own encoding (an export pasted together from several)."""
    rows = draw(st.lists(st.lists(TEXTS, min_size=3, max_size=8), max_size=12))
    header_enc = draw(st.sampled_from(ENCODINGS))
    out = csv_bytes([GOOD_HEADER], encoding=header_enc)
    for r in rows:
        out += csv_bytes([r], encoding=draw(st.sampled_from(ENCODINGS)))
    return out, "mixed.csv"


@st.composite
def truncated(draw) -> tuple[bytes, str]:
    """A valid CSV or XLSX cut off anywhere (an interrupted upload or copy)."""
    base = draw(st.sampled_from([GOOD_CSV, GOOD_XLSX]))
    cut = draw(st.integers(0, len(base)))
    return base[:cut], "cut.xlsx" if base is GOOD_XLSX else "cut.csv"


@st.composite
def damaged_xlsx(draw) -> tuple[bytes, str]:
    """A valid XLSX with a few bytes overwritten."""
    data = bytearray(GOOD_XLSX)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data), "damaged.xlsx"


@st.composite
def unbalanced_quotes(draw) -> tuple[bytes, str]:
    """Quote characters dropped into a valid CSV anywhere: opened and never closed, doubled, stray."""
    text = GOOD_CSV.decode()
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(['"', '""', "'", '"""', '\\"'])) + text[i:]
    return text.encode(), "quotes.csv"


@st.composite
def huge_fields(draw) -> tuple[bytes, str]:
    """One cell near, at and over the 100,000-character limit, in any column."""
    n = draw(st.sampled_from([99_999, 100_000, 100_001, 250_000]) | st.integers(0, 300_000))
    ch = draw(st.sampled_from(["x", "é", "€", "\u200b", '"', ",", "\n", "𝔁"]))
    row = list(GOOD_ROW)
    col = draw(st.integers(0, len(row) - 1))
    row[col] = ch * n
    return csv_bytes([GOOD_HEADER, row, GOOD_ROW]), "huge.csv"


@st.composite
def many_columns(draw) -> tuple[bytes, str]:
    """Hundreds to thousands of columns (most files over 200 are refused; some are under)."""
    width = draw(st.sampled_from([199, 200, 201, 1000, 5000]) | st.integers(1, 3000))
    header = (GOOD_HEADER + [f"extra {i}" for i in range(width)])[:width]
    row = (GOOD_ROW + ["x"] * width)[:width]
    rows = [header] + [row] * draw(st.integers(0, 3))
    if draw(st.booleans()):
        rows.append(row + ["overflow"] * draw(st.integers(1, 50)))  # a ragged row wider than the header
    return csv_bytes(rows, delimiter=draw(st.sampled_from([",", ";", "\t"]))), "wide.csv"


NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e308", "-0", "0x1F", "1_000", "١٢٣", "Ⅻ", "1,5", "1.000.000,00", "NaN", "inf", "45068", "-45068"]),
)


@st.composite
def swapped_types(draw) -> tuple[bytes, str]:
    """Numbers in the text columns (company, authority, country) and text in the numeric ones (amount, date)."""
    rows = [GOOD_HEADER]
    for _ in range(draw(st.integers(1, 12))):
        row = list(GOOD_ROW)
        for i, h in enumerate(GOOD_HEADER):
            if h in ("amount", "date"):
                row[i] = draw(st.one_of(TEXTS, NUMBERS))
            else:
                row[i] = draw(st.one_of(NUMBERS, st.just(row[i])))
        rows.append(row)
    return csv_bytes(rows), "swapped.csv"


XLSX_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(),
    st.datetimes(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
)


@st.composite
def random_xlsx(draw) -> tuple[bytes, str]:
    """A real workbook with any cell values, under a good, a random or no header."""
    header = draw(st.one_of(st.just(GOOD_HEADER[:3]), st.lists(XLSX_CELLS, min_size=1, max_size=6), st.just([])))
    rows = draw(st.lists(st.lists(XLSX_CELLS, max_size=6), max_size=10))
    try:
        return xlsx_bytes([header, *rows]), "random.xlsx"
    except (ValueError, TypeError):  # openpyxl refuses some values (e.g. illegal characters); not an upload
        return GOOD_XLSX, "random.xlsx"


@st.composite
def raw_bytes(draw) -> tuple[bytes, str]:
    """Arbitrary bytes, optionally behind a byte-order mark or a good header, under any extension."""
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"country,date,amount\n"]))
    name = draw(st.sampled_from(["x.csv", "x.tsv", "x.txt", "x.xlsx", "noextension"]))
    return prefix + draw(st.binary(max_size=1024)), name


ALL = (
    mixed_encodings,
    truncated,
    damaged_xlsx,
    unbalanced_quotes,
    huge_fields,
    many_columns,
    swapped_types,
    random_xlsx,
    raw_bytes,
)


def run(case: tuple[bytes, str]) -> None:
    data, name = case
    check(data, filename=name)


# --- default run: each strategy on its own ------------------------------------------------


@EACH
@given(mixed_encodings())
def test_mixed_and_wrong_encodings(case):
    run(case)


@EACH
@given(truncated())
def test_truncated_files(case):
    run(case)


@EACH
@given(damaged_xlsx())
def test_damaged_xlsx(case):
    run(case)


@EACH
@given(unbalanced_quotes())
def test_unbalanced_quotes(case):
    run(case)


@settings(EACH, max_examples=min(EACH.max_examples, 20))
@given(huge_fields())
def test_huge_fields(case):
    run(case)


@settings(EACH, max_examples=min(EACH.max_examples, 15))
@given(many_columns())
def test_thousands_of_columns(case):
    run(case)


@EACH
@given(swapped_types())
def test_numbers_and_text_swapped(case):
    run(case)


@settings(EACH, max_examples=min(EACH.max_examples, 30))
@given(random_xlsx())
def test_random_xlsx(case):
    run(case)


@EACH
@given(raw_bytes())
def test_raw_bytes_under_any_name(case):
    run(case)


# --- the long run: every strategy mixed, 10,000 cases --------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(PROFILE != "long", reason="long run: HYPOTHESIS_PROFILE=long pytest -m slow tests/test_fuzz_long.py")
@LONG_RUN
@given(st.one_of(*(s() for s in ALL)))
def test_long_fuzz_every_strategy(case):
    assert LONG_RUN.max_examples >= 10_000
    run(case)
