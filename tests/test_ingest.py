"""Ingest end to end: messy files in, every row accounted for with a reason a person understands."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from components import fx, schema
from components.ingest import (
    IngestError,
    IngestResult,
    ingest,
    read_table,
    suggest_mapping,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 26)


def reasons(frame: pd.DataFrame) -> dict[int, str]:
    return dict(zip(frame["row"].tolist(), frame["reason"].tolist()))


def counts(result: IngestResult) -> tuple[int, int, int, int]:
    return result.rows_read, len(result.accepted), len(result.rejected), len(result.not_fines)


def assert_canonical(result: IngestResult) -> None:
    assert result.accounting_ok
    assert list(result.accepted.columns) == list(schema.FINE_COLUMNS)
    # text columns stay Arrow-backed "str" (as the bundled data's); dates and amounts as the template's
    assert {c: str(d) for c, d in result.accepted.dtypes.items()} == {
        c: ("str" if d.kind == "O" else str(d)) for c, d in schema.empty_fines().dtypes.items()
    }
    if len(result.accepted):
        schema.UPLOAD_FINES_SCHEMA.validate(result.accepted)


# --- fixtures -----------------------------------------------------------------


def test_cms_tracker_export_with_bom_and_multiline_fields() -> None:
    result = ingest(FIXTURES / "cms_tracker.csv", today=TODAY)
    assert counts(result) == (11, 6, 3, 2)
    assert_canonical(result)
    assert result.choices["encoding"] == "utf-8-sig"
    assert result.choices["delimiter"] == "comma"
    assert result.mapping == {
        "fine_id": "ETid",
        "country": "Country",
        "decision_date": "Date of Decision",
        "amount": "Fine [€]",
        "controller": "Controller/Processor",
        "sector": "Sector",
        "articles": "Quoted Art.",
        "type": "Type",
        "source_url": "Source",
    }
    assert reasons(result.rejected) == {
        5: "could not read the date 'Unknown'",
        7: "unknown country 'Atlantis'",
        11: "duplicate id 'ETid-1' (also row 1)",
    }
    assert reasons(result.not_fines) == {6: "the type says 'Reprimand': not a fine", 8: "no amount"}
    acc = result.accepted
    assert acc.index.tolist() == [1, 2, 3, 4, 9, 10]
    assert acc["currency"].tolist() == ["EUR", "EUR", "GBP", "SEK", "EUR", "EUR"]
    assert acc["amount"].tolist() == [20e6, 8.15e6, 20e6, 200e3, 30.5e6, 1.2e9]
    # "Fine [€]" says euro; a currency written in the cell wins over the header
    assert result.choices["currency_sources"] == {"cell": 4, "header": 2}
    assert acc.loc[9, "controller"] == "Clearview AI Inc.\r\n(no EU establishment)"
    assert acc.loc[4, "controller"] == "Skellefteå municipality\tgymnasium"
    assert acc.loc[2, "country"] == "ES"  # "SPAIN " with a trailing space
    assert acc.loc[3, "legal_basis"] == "GDPR"  # BA was fined before the UK left
    assert acc.loc[1, "authority"] == "Unnamed authority (Italy)"
    assert result.choices["authority_defaulted"] == 6
    assert acc.loc[2, "notes"] == "type: Insufficient fulfilment  of data subjects rights"
    assert rejected_raw_cells_kept(result)


def rejected_raw_cells_kept(result: IngestResult) -> bool:
    row = result.rejected.set_index("row").loc[7]
    return row["Country"] == "Atlantis" and row["Controller/Processor"] == 'A company, "quoted"'


def test_tidytuesday_tsv_month_first_dates_and_euro_prices() -> None:
    result = ingest(FIXTURES / "tidytuesday.tsv", today=TODAY)
    assert counts(result) == (8, 5, 2, 1)
    assert_canonical(result)
    assert result.choices["delimiter"] == "tab"
    assert result.mapping["country"] == "name"
    assert result.mapping["amount"] == "price"
    assert result.mapping["notes"] == "summary"
    assert result.choices["date_order"] == {"date": "month-first"}
    assert reasons(result.rejected) == {4: "empty row", 6: "placeholder date '01/01/1970'"}
    assert reasons(result.not_fines) == {5: "zero amount"}
    acc = result.accepted
    assert acc.loc[7, "decision_date"] == pd.Timestamp("2019-12-06")  # 12/06 read month-first
    assert acc.loc[1, "decision_date"] == pd.Timestamp("2019-10-18")
    # privacyaffairs prices are in euro, whatever the country
    assert acc.loc[1, "currency"] == "EUR" and acc.loc[1, "country"] == "PL"
    assert result.choices["currency_sources"] == {"header": 5}
    assert acc.loc[2, "source_url"].startswith("https://www.dataprotection.ro/")
    assert result.choices["empty_rows"] == 1


def test_cp1252_semicolon_register_with_european_amounts() -> None:
    result = ingest(FIXTURES / "register_cp1252.csv", today=TODAY)
    assert counts(result) == (6, 4, 1, 1)
    assert_canonical(result)
    assert result.choices["encoding"] == "cp1252"
    assert result.choices["delimiter"] == "semicolon"
    assert result.choices["date_order"] == {"Decision date": "day-first"}
    assert reasons(result.rejected) == {6: "date in the future (2030-12-31)"}
    assert reasons(result.not_fines) == {4: "no amount"}
    acc = result.accepted
    assert acc["amount"].tolist() == [1_250_000.50, 9_500_000, 35_000, 1_234_567.89]
    assert acc["currency"].tolist() == ["EUR", "EUR", "EUR", "PLN"]
    assert acc["country"].tolist() == ["FR", "AT", "ES", "PL"]
    assert acc.loc[1, "controller"] == "Société Générale"
    assert acc.loc[1, "notes"] == "Décision n° SAN-2023-001; publiée"
    assert acc["fine_id"].tolist() == ["U-1", "U-2", "U-3", "U-5"]
    assert result.choices["country_aliases"]["ÖSTERREICH"] == "AT"
    assert result.choices["currency_sources"] == {"country": 2, "cell": 2}


def test_rows_that_are_not_fines() -> None:
    result = ingest(FIXTURES / "not_fines.csv", today=TODAY)
    assert counts(result) == (8, 2, 0, 6)
    assert_canonical(result)
    assert reasons(result.not_fines) == {
        2: "the type says 'Reprimand': not a fine",
        3: "the type says 'Warning': not a fine",
        4: "the type says 'Court ruling': not a fine",
        5: "no amount",
        6: "zero amount",
        8: "the type says 'Notice of intent': not a fine",
    }
    assert result.accepted["currency"].tolist() == ["EUR", "DKK"]
    assert result.choices["currency_sources"] == {"cell": 1, "symbol+country": 1}


def test_garbage_bytes_are_refused_with_a_reason() -> None:
    with pytest.raises(IngestError, match="binary"):
        ingest(FIXTURES / "garbage.bin")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n\n", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"PK\x03\x04garbage", "not a valid XLSX"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
        (b",,,\n1,2,3\n", "first row is empty"),
        (b"foo,bar\n1,2\n", "No column for the amount or the country or the decision date"),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message.replace(".", r"\.")) as info:
        ingest(data)
    assert "\n" not in str(info.value)


def test_zip_that_is_not_a_spreadsheet() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    with pytest.raises(IngestError, match="not an XLSX"):
        ingest(buf.getvalue())


def test_zip_bomb_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<x/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 << 20))
    with pytest.raises(IngestError, match="zip bomb"):
        ingest(buf.getvalue(), filename="bomb.xlsx")


def test_missing_file_is_an_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="No such file"):
        ingest(tmp_path / "nope.csv")


# --- xlsx ---------------------------------------------------------------------


def make_xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_date_cells_serials_and_statuses() -> None:
    data = make_xlsx(
        [
            ["Fine ID", "Authority", "Country", "Date", "Amount", "Currency", "Company", "Appeal status", "Payment"],
            ["X-1", "ICO", "UK", dt.datetime(2022, 5, 23), 7_552_800, "GBP", "Clearview AI Inc.", "annulled", "not paid"],
            ["X-2", "Garante", "ITA", 45068, 20_000_000, "EUR", "Clearview AI Inc.", "under appeal", "partially paid"],
            ["X-3", "AP", "Netherlands", "16/05/2024", "€30.5m", None, "Clearview AI Inc.", "reduced by court", "who knows"],
            ["X-4", "CNIL", "France", dt.datetime(2022, 10, 17), 0, "EUR", "Clearview AI Inc.", None, None],
            [None, None, None, None, None, None, None, None, None],
            ["X-6", "IMY", "Sweden", dt.datetime(2021, 2, 10), 2_500_000, "SEK", "Polismyndigheten", "upheld", "paid"],
            [None, None, None, None, None, None, None, None, None],
        ]
    )
    result = ingest(data, filename="fines.xlsx", today=TODAY)
    assert counts(result) == (6, 4, 1, 1)  # trailing blank row is the end of the sheet
    assert_canonical(result)
    assert result.choices["format"] == "xlsx"
    assert result.choices["excel_serial_dates"] == 1
    assert reasons(result.rejected) == {5: "empty row"}
    assert reasons(result.not_fines) == {4: "zero amount"}
    acc = result.accepted.set_index("fine_id")
    assert acc.loc["X-2", "decision_date"] == pd.Timestamp("2023-05-22")  # Excel serial 45068
    assert acc.loc["X-3", "decision_date"] == pd.Timestamp("2024-05-16")
    assert acc.loc["X-1", "legal_basis"] == "UK GDPR"
    assert acc["appeal_status"].to_dict() == {"X-1": "annulled", "X-2": "pending", "X-3": "reduced", "X-6": "upheld"}
    assert acc["payment_status"].to_dict() == {"X-1": "unpaid", "X-2": "partly_paid", "X-3": "unknown", "X-6": "paid"}
    assert acc.loc["X-3", "notes"] == "payment status 'who knows' not understood"
    # standing amount: zero when annulled, unknown when reduced (no figure given), else the amount
    assert acc.loc["X-1", "standing_amount"] == 0.0
    assert np.isnan(acc.loc["X-3", "standing_amount"])
    assert acc.loc["X-2", "standing_amount"] == 20_000_000
    assert np.isnan(acc["paid_amount"]).all()
    assert acc.loc["X-3", "currency"] == "EUR"
    assert result.choices["currency_sources"] == {"column": 3, "cell": 1}


def test_a_fine_the_authority_waived_is_not_an_annulment() -> None:
    # Barreiro's shape: the authority itself waived the fine; nothing stands and no court is credited
    data = (
        b"Authority,Country,Date,Amount,Currency,Company,Appeal status\n"
        b"CNPD,Portugal,2018-07-17,400000,EUR,Hospital,Waived by the authority\n"
        b"CNPD,Portugal,2019-01-10,20000,EUR,Shop,withdrawn\n"
    )
    acc = ingest(data, filename="waived.csv", today=TODAY).accepted.set_index("amount")
    assert acc.loc[400000, "appeal_status"] == "waived" and acc.loc[400000, "standing_amount"] == 0.0
    assert acc.loc[20000, "appeal_status"] == "withdrawn" and acc.loc[20000, "standing_amount"] == 20000


def test_xlsx_limits_on_declared_dimension() -> None:
    data = make_xlsx([["country", "date", "amount"]] + [["FR", "2021-01-01", 5]] * 30)
    with pytest.raises(IngestError, match="The file has 30 rows; at most 20 are read."):
        ingest(data, max_rows=20)
    wide = make_xlsx([[f"c{i}" for i in range(12)], list(range(12))])
    with pytest.raises(IngestError, match="The file has 12 columns; at most 10 are read."):
        ingest(wide, max_columns=10)


# --- countries ----------------------------------------------------------------


def test_countries_written_every_way() -> None:
    csv = (
        "country,date,amount,authority\n"
        'EL,2022-07-13,"€20,000,000",HDPA\n'
        'UK,2022-05-23,"£7,552,800",ICO\n'
        'DEUTSCHLAND,2020-10-01,"€35,258,708",HmbBfDI\n'
        'Spain ,2021-03-11,"€8,150,000",AEPD\n'
        'ITA,2022-02-10,"€20,000,000",Garante\n'
        'Narnia,2022-02-10,"€1,000",?\n'
        ',2022-02-10,"€1,000",?\n'
    ).encode()
    result = ingest(csv, today=TODAY)
    assert counts(result) == (7, 5, 2, 0)
    assert result.accepted["country"].tolist() == ["GR", "GB", "DE", "ES", "IT"]
    assert result.accepted["legal_basis"].tolist() == ["GDPR", "UK GDPR", "GDPR", "GDPR", "GDPR"]
    assert reasons(result.rejected) == {6: "unknown country 'Narnia'", 7: "no country"}
    assert result.choices["country_aliases"] == {"EL": "GR", "UK": "GB", "DEUTSCHLAND": "DE", "Spain": "ES", "ITA": "IT"}


def test_an_unknown_country_is_the_reason_not_the_currency_it_would_have_given() -> None:
    result = ingest(b"country,date,amount\nNarnia,2021-01-01,5\n,2021-01-01,5\nIT,2021-01-01,kr 5\n", today=TODAY)
    assert reasons(result.rejected) == {
        1: "unknown country 'Narnia'",
        2: "no country",
        3: "'kr' could be SEK, NOK, DKK or ISK and the country (IT) does not say which",
    }


# --- reading details ------------------------------------------------------------


def test_blank_lines_inside_count_as_empty_rows_trailing_ones_do_not() -> None:
    csv = b"country,date,amount\nFR,2021-01-01,5\n\nFR,2021-01-02,6\n,,\n\n\n"
    result = ingest(csv, today=TODAY)
    assert counts(result) == (3, 2, 1, 0)
    assert reasons(result.rejected) == {2: "empty row"}
    assert result.accepted.index.tolist() == [1, 3]


def test_ragged_rows_keep_their_place() -> None:
    csv = b"country,date,amount\nFR,2021-01-01,5,oops\nFR,2021-01-02\nFR,2021-01-03,7,\nFR,2021-01-04,8\n"
    result = ingest(csv, today=TODAY)
    assert counts(result) == (4, 2, 1, 1)
    assert reasons(result.rejected) == {1: "the row has 4 fields; the header has 3"}
    assert reasons(result.not_fines) == {2: "no amount"}  # a short row: missing cells are blank
    assert result.accepted.index.tolist() == [3, 4]


def test_quoted_newlines_and_tabs_pipe_delimited() -> None:
    csv = b'country|date|amount|company\nFR|2021-01-01|5|"two\nlines\tand a tab"\nDE|2021-01-02|6|x\n'
    table = read_table(csv)
    assert table.delimiter == "|"
    assert table.frame["company"].tolist() == ["two\nlines\tand a tab", "x"]
    result = ingest(csv, today=TODAY)
    assert counts(result) == (2, 2, 0, 0)


def test_excel_sep_line_and_utf16() -> None:
    csv = "sep=;\ncountry;date;amount\nFR;2021-01-01;5\n"
    result = ingest(csv.encode(), today=TODAY)
    assert counts(result) == (1, 1, 0, 0)
    assert result.choices["delimiter"] == "semicolon"
    utf16 = "country\tdate\tamount\nFR\t2021-01-01\t5\n".encode("utf-16")
    result = ingest(utf16, today=TODAY)
    assert counts(result) == (1, 1, 0, 0) and result.choices["encoding"] == "utf-16"


def test_cp1250_is_told_from_cp1252() -> None:
    csv = 'country;date;amount;company\nPolska;10.02.2022;"1 234 567,89 zł";Spółka Łódź\n'.encode("cp1250")
    result = ingest(csv, today=TODAY)
    assert result.choices["encoding"] == "cp1250"
    assert result.accepted["controller"].tolist() == ["Spółka Łódź"]
    assert result.accepted["currency"].tolist() == ["PLN"]


@pytest.mark.parametrize(
    ("kw", "data", "message"),
    [
        ({"max_columns": 3}, b"a,b,c,d\n1,2,3,4\n", "The file has 4 columns; at most 3 are read."),
        ({"max_rows": 2}, b"country,date,amount\n" + b"FR,2021-01-01,5\n" * 3, "The file has 3 rows; at most 2 are read."),
        ({"max_bytes": 10}, b"country,date,amount\n", "at most 0 MB are read"),
        (
            {"max_cell_chars": 12},
            b"country,date,amount\nFR,2021-01-01,12345678901234\n",
            "column 'amount' has 14 characters; at most 12 are read",
        ),
    ],
)
def test_limits(kw: dict, data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message.replace(".", r"\.")):
        ingest(data, **kw)


def test_explicit_mapping_overrides_and_unknown_header_is_refused() -> None:
    csv = b"land,when,fine,total\nFR,2021-01-01,5,999\n"
    result = ingest(csv, mapping={"country": "land", "decision_date": "when", "amount": "total"}, today=TODAY)
    assert result.accepted["amount"].tolist() == [999.0]
    assert result.mapping["amount"] == "total"
    with pytest.raises(IngestError, match="no such column"):
        ingest(csv, mapping={"amount": "nope"})
    with pytest.raises(IngestError, match="not a field"):
        ingest(csv, mapping={"price": "fine"})


def test_suggest_mapping_on_headings_alone() -> None:
    got = suggest_mapping(["ETid", "Country", "Date of Decision", "Fine [€]", "Controller/Processor", "Quoted Art.", "Source"])
    assert got == {
        "fine_id": "ETid",
        "country": "Country",
        "decision_date": "Date of Decision",
        "amount": "Fine [€]",
        "controller": "Controller/Processor",
        "articles": "Quoted Art.",
        "source_url": "Source",
    }
    got = suggest_mapping(["id", "picture", "name", "price", "authority", "date", "controller", "article_violated"])
    assert got["country"] == "name" and got["controller"] == "controller" and got["amount"] == "price"
    got = suggest_mapping(
        [
            "Decision Date",
            "Announced",
            "Amount (EUR)",
            "Organisation",
            "DPA",
            "Appeal status",
            "Payment",
            "URL",
            "Notes",
            "Penalty currency",
        ]
    )
    assert got == {
        "decision_date": "Decision Date",
        "announced_date": "Announced",
        "amount": "Amount (EUR)",
        "controller": "Organisation",
        "authority": "DPA",
        "appeal_status": "Appeal status",
        "payment_status": "Payment",
        "source_url": "URL",
        "notes": "Notes",
        "currency": "Penalty currency",
    }


def test_progress_callback_reaches_done() -> None:
    seen: list[tuple[float, str]] = []
    ingest(FIXTURES / "cms_tracker.csv", progress=lambda f, what: seen.append((f, what)), today=TODAY)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and seen[-1] == (1.0, "done")


def test_header_only_file_reads_zero_rows() -> None:
    result = ingest(b"country,date,amount\n", today=TODAY)
    assert counts(result) == (0, 0, 0, 0) and result.accounting_ok


# --- command line ---------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components.ingest", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_json_shape_and_totals() -> None:
    proc = run_cli(str(FIXTURES / "cms_tracker.csv"), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"rows_read", "rows_accepted", "rows_rejected", "rows_not_fines", "rejected", "not_fines", "totals", "choices"} <= set(
        out
    )
    assert (out["rows_read"], out["rows_accepted"], out["rows_rejected"], out["rows_not_fines"]) == (11, 6, 3, 2)
    assert out["rejected"][0] == {"row": 5, "reason": "could not read the date 'Unknown'"}
    assert out["not_fines"] == [{"row": 6, "reason": "the type says 'Reprimand': not a fine"}, {"row": 8, "reason": "no amount"}]
    assert out["totals"] == {"EUR": 20e6 + 8.15e6 + 30.5e6 + 1.2e9, "GBP": 20e6, "SEK": 200e3}
    assert out["choices"]["currency_sources"] == {"cell": 4, "header": 2}
    assert "total_converted" not in out


def test_cli_converts_at_decision_date_rates() -> None:
    proc = run_cli(str(FIXTURES / "cms_tracker.csv"), "--json", "--to", "EUR")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    expected = (
        20e6 + 8.15e6 + 30.5e6 + 1.2e9 + fx.convert_one(20e6, "GBP", "2020-10-16") + fx.convert_one(200e3, "SEK", "2019-08-20")
    )
    assert out["to"] == "EUR"
    assert out["total_converted"] == pytest.approx(expected, rel=1e-9)


def test_cli_map_option() -> None:
    proc = run_cli(str(FIXTURES / "register_cp1252.csv"), "--json", "--map", "controller=Notes", "--map", "notes=")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["mapping"]["controller"] == "Notes" and "notes" not in out["mapping"]


def test_cli_readable_summary() -> None:
    proc = run_cli(str(FIXTURES / "tidytuesday.tsv"))
    assert proc.returncode == 0
    assert "rows read: 8   accepted: 5   rejected: 2   not fines: 1" in proc.stdout
    assert "row 6: placeholder date '01/01/1970'" in proc.stdout


@pytest.mark.parametrize("target", ["missing.csv", "tests/fixtures/garbage.bin"])
def test_cli_exit_2_with_one_line(target: str) -> None:
    proc = run_cli(target, "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1


def test_columns_a_large_import_does_not_check_are_valid_by_construction() -> None:
    """fields.BUILT_VALID skips row checks; each such column's every possible value must pass the schema."""
    from components.ingest import fields

    assert set(fields.DECISION_KINDS) <= set(schema.DECISION_TYPES)
    assert {"day", "month", "year"} <= set(schema.DATE_PRECISIONS)
    written = ["UK GDPR", "PECR", "BDSG", "DSGVO", "GDPR art 6", "", "something else"]
    assert {fields._legal_basis_of(w) for w in written} - {""} <= set(schema.LEGAL_BASES)
    assert {"GDPR", "UK GDPR"} <= set(schema.LEGAL_BASES)
    assert {name for name, _ in fields._APPEAL_RULES} | {"unknown"} <= set(schema.APPEAL_STATUSES)
    assert {name for name, _ in fields._PAYMENT_RULES} | {"unknown"} <= set(schema.PAYMENT_STATUSES)
    assert {name for name, _ in fields._VIOLATION_RULES} | {"other"} <= set(schema.VIOLATIONS)
    # what source_urls keeps matches the schema's pattern (RE2, as the large-import checks read it)
    urls = pa.array(["https://a.example/x?y=1", "see http://b.example/p; and more", "x https://c.example/é"], pa.large_string())
    found = pc.struct_field(pc.extract_regex(urls, fields._URL_FIRST), "u")
    pattern = schema.UPLOAD_FINES_SCHEMA.columns["source_url"].checks[0].statistics["pattern"]
    assert pc.all(pc.match_substring_regex(found, pattern)).as_py()


def test_the_numpy_check_of_typed_columns_agrees_with_pandera() -> None:
    """fields._typed_pass lets float and date columns skip pandera only where pandera would pass them too."""
    import pandera.errors as pe

    from components.ingest import fields

    cols = schema.UPLOAD_FINES_SCHEMA.columns
    nat = np.datetime64("NaT", "ns")
    day = np.datetime64("2024-03-12", "ns")
    cases = [
        ("decision_date", pd.Series([day, day], dtype="datetime64[ns]")),
        ("decision_date", pd.Series([day, nat], dtype="datetime64[ns]")),  # not nullable
        ("announced_date", pd.Series([nat, day], dtype="datetime64[ns]")),
        ("amount", pd.Series([1.0, 2.5], dtype="float64")),
        ("amount", pd.Series([-1.0, 2.5], dtype="float64")),  # below the lower bound
        ("standing_amount", pd.Series([np.nan, 0.0], dtype="float64")),
    ]
    for name, values in cases:
        try:
            cols[name].validate(pd.DataFrame({name: values}))
            passes = True
        except (pe.SchemaError, pe.SchemaErrors):
            passes = False
        assert fields._typed_pass(cols[name], values) == passes, (name, values.tolist())
    # a column not in the schema's dtype is left to pandera
    assert not fields._typed_pass(cols["decision_date"], pd.Series(["2024-03-12"]))


def test_the_byte_test_for_clean_addresses_is_the_pattern() -> None:
    from components.ingest import fields

    vals = ["https://a.b/c", "http://x", "http://", "https://", "ftp://x", "https://a b", "https://a|b", "https://é.fr/ü"]
    vals += ["HTTPS://a", " https://a", "https://a,", "https://a\tb", "https://a\x0bb", "http://a\u00a0b", "", "https://a;b"]
    vals += ['https://x"', "https://x'", "https://<", "https://a>", "https://a\r", "https://a\x0c"]
    arr = pa.array(vals, pa.large_string())
    pattern = r"^https?://[^\s\"'<>;,|]+$"
    for sliced in (arr, arr.slice(3)):
        expected = pc.fill_null(pc.match_substring_regex(sliced, pattern), False).to_pylist()
        assert fields._clean_urls(sliced).tolist() == expected


def test_no_function_of_the_importer_is_over_80_lines() -> None:
    import ast

    long = []
    for path in sorted((Path(__file__).resolve().parent.parent / "components" / "ingest").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 80:
                long.append(f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long


def test_an_uploaded_fine_reduced_on_appeal_without_its_new_sum_is_said_to_be_an_upper_bound():
    """A register that says "reduced on appeal" but gives no standing amount: the row keeps a blank standing
    amount (not the amount imposed), and the headline counts it as a reduction to an unknown sum."""
    from components import figures, metrics

    text = (
        "Authority,Country,Date,Fine,Controller,Appeal\n"
        "AEPD,Spain,2022-02-01,EUR 3940000,Operator A,reduced on appeal\n"
        "AEPD,Spain,2022-03-01,EUR 100000,Operator B,not appealed\n"
    )
    result = ingest(text.encode(), filename="register.csv", today=TODAY)
    assert len(result.accepted) == 2
    cut = result.accepted[result.accepted["controller"] == "Operator A"].iloc[0]
    assert cut["appeal_status"] == "reduced" and pd.isna(cut["standing_amount"])
    head = metrics.headline(metrics.prepare(result.accepted, metrics.Money()))
    assert head.reduced_unknown == 1
    assert head.standing == head.imposed  # counted at the amount imposed: an upper bound...
    note = figures.reductions_note(head.removed_by_courts, head.early_payment, "EUR", reduced_unknown=head.reduced_unknown)
    assert note == "1 fine reduced by a court to an amount not known, counted at the amount imposed"  # ...and said


def test_xlsx_whose_zip_says_a_newer_zip_version_gets_a_reason() -> None:
    """A byte flipped in a zip header can ask for a zip version Python does not read (NotImplementedError from
    zipfile, found by the damaged-XLSX fuzz test): a clear reason, not a traceback."""
    import struct

    wb = openpyxl.Workbook()
    wb.active.append(["country", "decision_date", "amount", "controller"])
    wb.active.append(["FR", "2021-01-01", 1000, "Alpha SA"])
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # "version needed to extract" of every central-directory entry: 9.9
        struct.pack_into("<H", data, at + 6, 99)
        at = data.find(b"PK\x01\x02", at + 4)
    with pytest.raises(IngestError, match="zip format that cannot be read here"):
        ingest(bytes(data), filename="version.xlsx")
