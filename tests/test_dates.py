"""Dates: each column's day/month order decided from its own evidence, and reported."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from components.ingest import ingest, parse_dates

TODAY = dt.date(2026, 11, 26)


def _parse(values: list[str], **kw: object) -> tuple[list[str | None], dict]:
    dates, info = parse_dates(pd.Series(values), today=TODAY, **kw)
    return [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in dates], info


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2023-05-22", "2023-05-22"),
        ("2023-05-22T10:00", "2023-05-22"),
        ("2023-05-22 10:00:00", "2023-05-22"),
        ("2023/05/22", "2023-05-22"),
        ("22 May 2023", "2023-05-22"),
        ("22nd May 2023", "2023-05-22"),
        ("May 22, 2023", "2023-05-22"),
        ("Sept 1, 2021", "2021-09-01"),
        ("22. Mai 2023", "2023-05-22"),
        ("3 mars 2022", "2022-03-03"),
    ],
)
def test_unambiguous_forms(written: str, expected: str) -> None:
    got, info = _parse([written])
    assert got == [expected]
    assert info["errors"].isna().all()


def test_iso_column_needs_no_order() -> None:
    got, info = _parse(["2023-05-22", "2021-01-02"])
    assert got == ["2023-05-22", "2021-01-02"]
    assert info["order"] == ""


def test_day_first_column_from_evidence() -> None:
    got, info = _parse(["22/05/2023", "03/04/2022", "01.02.2021", "15-11-2020"])
    assert info["order"] == "day-first"
    assert got == ["2023-05-22", "2022-04-03", "2021-02-01", "2020-11-15"]


def test_month_first_column_from_evidence() -> None:
    got, info = _parse(["05/22/2023", "03/04/2022", "10/18/2019"])
    assert info["order"] == "month-first"
    assert got == ["2023-05-22", "2022-03-04", "2019-10-18"]


def test_ambiguous_column_assumes_day_first_and_says_so() -> None:
    got, info = _parse(["03/04/2022", "01/02/2021"])
    assert info["order"] == "day-first (assumed)"
    assert got == ["2022-04-03", "2021-02-01"]


def test_inconsistent_column_rejects_the_rows_that_could_be_either() -> None:
    got, info = _parse(["22/05/2023", "05/22/2023", "03/04/2022"])
    assert info["order"] == "inconsistent"
    # each value that shows its own order is read that way; never a silent swap
    assert got == ["2023-05-22", "2023-05-22", None]
    assert info["errors"].iloc[2] == ("day and month order is inconsistent in this column; '03/04/2022' could be either")


def test_forced_order() -> None:
    got, info = _parse(["03/04/2022"], order="month-first")
    assert got == ["2022-03-04"]
    assert info["order"] == "month-first (given)"


def test_placeholders_are_rejected() -> None:
    got, info = _parse(["1970-01-01", "1900-01-01", "0000-00-00", "00.00.0000", "01/01/1970"])
    assert got == [None] * 5
    assert info["errors"].tolist() == [
        "placeholder date '1970-01-01'",
        "placeholder date '1900-01-01'",
        "placeholder date '0000-00-00'",
        "placeholder date '00.00.0000'",
        "placeholder date '01/01/1970'",
    ]
    assert info["placeholders"] == 5


def test_future_impossible_and_unreadable_dates() -> None:
    got, info = _parse(["2027-01-01", "2026-11-26", "31/06/2023", "soon", "", "1985-03-01"])
    assert got == [None, "2026-11-26", None, None, None, None]
    assert info["errors"].tolist()[:4] == [
        "date in the future (2027-01-01)",
        None,
        "not a real date '31/06/2023'",
        "could not read the date 'soon'",
    ]
    assert info["errors"].iloc[4] is None and bool(info["blank"].iloc[4])
    assert info["errors"].iloc[5] == "implausible date (1985-03-01, before 1990)"


def test_year_only_and_year_month_keep_a_precision_flag() -> None:
    got, info = _parse(["2023", "2023-05", "05/2023", "May 2023"])
    assert got == ["2023-01-01", "2023-05-01", "2023-05-01", "2023-05-01"]
    assert info["precision"].tolist() == ["year", "month", "month", "month"]
    assert info["year_only"] == 1 and info["year_month"] == 3


def test_excel_serials_only_when_asked() -> None:
    got, info = _parse(["45068", "44197.5"], excel_serials=True)
    assert got == ["2023-05-22", "2021-01-01"]
    assert info["excel_serials"] == 2
    got, _ = _parse(["45068"])
    assert got == [None]


def test_date_order_reported_per_column_through_ingest() -> None:
    csv = b"country,date,announced,amount\nFR,05/06/2022,06/15/2022,1000\nFR,01/02/2021,02/03/2021,1000\n"
    result = ingest(csv, today=TODAY)
    assert result.choices["date_order"] == {"date": "day-first (assumed)", "announced": "month-first"}
    assert result.accepted["decision_date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-06-05", "2021-02-01"]
    assert result.accepted["announced_date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-06-15", "2021-02-03"]


def test_year_only_decision_date_is_flagged_in_notes() -> None:
    result = ingest(b"country,date,amount\nFR,2021,1000\nFR,2021-03,2000\n", today=TODAY)
    notes = result.accepted["notes"].tolist()
    assert notes == [
        "decision date given as a year only (kept as 1 January)",
        "decision date given as year and month only (kept as the 1st)",
    ]
    assert result.choices["year_only_dates"] == 1 and result.choices["year_month_dates"] == 1
