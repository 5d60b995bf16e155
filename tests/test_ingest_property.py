"""Property: whatever the file holds, ingest raises only IngestError, and the rows add up.

Profiles: "ci" (default, 200 examples) and "long" (10,000): HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.ingest import IngestError, ingest

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
PROFILE_SETTINGS = settings.get_profile(PROFILE if PROFILE in ("ci", "long") else "ci")

TODAY = dt.date(2026, 11, 26)
HEADERS = [
    "country",
    "date",
    "amount",
    "currency",
    "company",
    "authority",
    "type",
    "appeal status",
    "payment",
    "id",
    "url",
    "notes",
    "announced",
    "standing amount",
    "amount paid",
    "controller country",
]

# cells that look like the real thing, mixed with anything at all
realistic = st.sampled_from(
    [
        "",
        " ",
        "FR",
        "UK",
        "EL",
        "DEUTSCHLAND",
        "Spain ",
        "ITA",
        "Narnia",
        "kr",
        "$",
        "€2.5m",
        "1.250.000,50",
        "(1,000)",
        "-500",
        "n/a",
        "0",
        "4 500 000 kr",
        "2023-05-22",
        "22/05/2023",
        "05/22/2023",
        "03/04/2022",
        "1970-01-01",
        "2023",
        "2023-05",
        "45068",
        "Reprimand",
        "Fine",
        "annulled",
        "paid",
        "under appeal",
        "https://example.org/x",
        '=HYPERLINK("x")',
        '"',
        "a,b",
        "line\nbreak",
        "tab\there",
        "ETid-1",
        "9" * 30,
    ]
)
cell = st.one_of(realistic, st.text(max_size=20))
row = st.lists(cell, min_size=0, max_size=len(HEADERS) + 2)


def to_csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8", errors="surrogatepass")


def check(data: bytes, **kw: object) -> None:
    try:
        result = ingest(data, today=TODAY, **kw)
    except IngestError as exc:
        message = str(exc)
        assert message and "\n" not in message
        return
    assert result.accounting_ok
    assert result.rows_read == len(result.accepted) + len(result.rejected) + len(result.not_fines)
    assert result.rejected["reason"].map(lambda r: isinstance(r, str) and r != "").all()
    assert result.not_fines["reason"].map(lambda r: isinstance(r, str) and r != "").all()


@PROFILE_SETTINGS
@given(
    header=st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=12)), min_size=1, max_size=8, unique=True),
    rows=st.lists(row, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_arbitrary_rows_of_text(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    try:
        data = to_csv(header, rows, delimiter)
    except UnicodeEncodeError:  # lone surrogates cannot be written as UTF-8 by anyone
        return
    check(data)


@PROFILE_SETTINGS
@given(rows=st.lists(st.lists(cell, min_size=3, max_size=3), max_size=25))
def test_rows_under_a_good_header_always_add_up(rows: list[list[str]]) -> None:
    try:
        data = to_csv(["country", "date", "amount"], rows, ",")
    except UnicodeEncodeError:
        return
    check(data)


@PROFILE_SETTINGS
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


@PROFILE_SETTINGS
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_after_a_good_header(data: bytes) -> None:
    check(b"country,date,amount\n" + data)
    check(b"country,date,amount\n" + data, filename="upload.xlsx")
