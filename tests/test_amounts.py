"""Amounts as people write them: value, currency and where the currency came from."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from components.ingest import country_currency, parse_amounts

# (written, row country, currency column, expected amount, currency, currency source)
ACCEPTED = [
    ("1.250.000,50", "DE", None, 1_250_000.50, "EUR", "country"),
    ("1,250,000.50", "IE", None, 1_250_000.50, "EUR", "country"),
    ("€2.5m", "FR", None, 2_500_000, "EUR", "cell"),
    ("EUR 15 million", "IT", None, 15_000_000, "EUR", "cell"),
    ("0.3bn", "IE", None, 300_000_000, "EUR", "country"),
    ("£1,250,000", "GB", None, 1_250_000, "GBP", "cell"),
    ("4 500 000 kr", "SE", None, 4_500_000, "SEK", "symbol+country"),
    ("4 500 000 kr", "NO", None, 4_500_000, "NOK", "symbol+country"),
    ("kr 1.500.000", "DK", None, 1_500_000, "DKK", "symbol+country"),
    ("kr. 2.000.000", "IS", None, 2_000_000, "ISK", "symbol+country"),
    ("PLN 2,830,410", "PL", None, 2_830_410, "PLN", "cell"),
    ("95 000 000 Ft", "HU", None, 95_000_000, "HUF", "cell"),
    ("1 234 567,89 zł", "PL", None, 1_234_567.89, "PLN", "cell"),
    ("CHF 1'000'000", "CH", None, 1_000_000, "CHF", "cell"),
    ("20 Mio. €", "DE", None, 20_000_000, "EUR", "cell"),
    ("2,5 Mio EUR", "AT", None, 2_500_000, "EUR", "cell"),
    ("€ 35.000", "ES", None, 35_000, "EUR", "cell"),
    ("SEK 50 000 000", "SE", None, 50_000_000, "SEK", "cell"),
    ("$5,000", "US", None, 5_000, "USD", "symbol"),
    ("$5,000", "FR", None, 5_000, "USD", "symbol"),
    ("US$ 1.2m", "FR", None, 1_200_000, "USD", "cell"),
    ("1.5k", "FR", None, 1_500, "EUR", "country"),
    ("35.000", "ES", None, 35_000, "EUR", "country"),
    ("2,5", "DE", None, 2.5, "EUR", "country"),
    ("0,300", "DE", None, 0.3, "EUR", "country"),
    ("12.5", "IE", None, 12.5, "EUR", "country"),
    ("20000000.0", "IT", None, 20_000_000, "EUR", "country"),
    ("1.000,- €", "DE", None, 1_000, "EUR", "cell"),
    ("Kč 1 000 000", "CZ", None, 1_000_000, "CZK", "cell"),
    ("1 000 000 Kč", "CZ", None, 1_000_000, "CZK", "cell"),
    ("250 000 lei", "RO", None, 250_000, "RON", "cell"),
    ("100 000 kn", "HR", None, 100_000, "HRK", "cell"),
    ("10 000 лв.", "BG", None, 10_000, "BGN", "cell"),
    ("NOK 65 million", "NO", None, 65_000_000, "NOK", "cell"),
    ("£7.55m", "GB", None, 7_550_000, "GBP", "cell"),
    ("1,5 Mrd. €", "IE", None, 1_500_000_000, "EUR", "cell"),
    ("€1.2 billion", "IE", None, 1_200_000_000, "EUR", "cell"),
    ("1.2 million euros", "IE", None, 1_200_000, "EUR", "cell"),
    ("\u20ac\u00a0250\u202f000", "FR", None, 250_000, "EUR", "cell"),  # no-break and narrow spaces
    ("  7,500  ", "GB", None, 7_500, "GBP", "country"),
    ("150000", "PL", "PLN", 150_000, "PLN", "column"),
    ("150000", "PL", "EUR", 150_000, "EUR", "column"),
    ("150,000", "SE", "sek", 150_000, "SEK", "column"),
    ("150 000", "GB", "£", 150_000, "GBP", "column"),
    ("150 000", "GB", "pound sterling", 150_000, "GBP", "column"),
    ("kr 10 000", "IT", "NOK", 10_000, "NOK", "column"),  # the column settles what 'kr' means
    ("EUR 1,000", "PL", "PLN", 1_000, "EUR", "cell"),  # the cell wins over the column
    ("50000", "HR", None, 50_000, "HRK", "country"),  # before the euro (date below)
    ("50000", "BG", None, 50_000, "BGN", "country"),
]


@pytest.mark.parametrize(("written", "country", "column", "amount", "currency", "source"), ACCEPTED)
def test_accepted_forms(written: str, country: str, column: str | None, amount: float, currency: str, source: str) -> None:
    cur_col = pd.Series([column]) if column is not None else None
    dates = pd.Series(pd.to_datetime(["2022-06-01"]))
    out = parse_amounts(pd.Series([written]), pd.Series([country]), cur_col, dates=dates).iloc[0]
    assert pd.isna(out["error"]), out["error"]
    assert pd.isna(out["not_fine"])
    assert out["amount"] == pytest.approx(amount, rel=1e-12)
    assert out["currency"] == currency
    assert out["currency_source"] == source


REJECTED = [
    ("(1,000)", "negative amount"),
    ("-500", "negative amount"),
    ("€-500", "negative amount"),
    ("\u2212500", "negative amount"),  # a typographic minus
    ("garbage", "could not read the amount 'garbage'"),
    ("1.2.3", "could not read the amount '1.2.3'"),
    ("12,34,56", "could not read the amount '12,34,56'"),
    ("1 2 3", "could not read the amount '1 2 3'"),
    ("€ 5 £", "two different currencies in the amount '€ 5 £'"),
    ("(1,000", "could not read the amount '(1,000'"),
    ("5 euros approx", "could not read the amount '5 euros approx'"),
]


@pytest.mark.parametrize(("written", "reason"), REJECTED)
def test_rejected_forms(written: str, reason: str) -> None:
    out = parse_amounts(pd.Series([written]), pd.Series(["FR"])).iloc[0]
    assert out["error"] == reason
    assert math.isnan(out["amount"])


NOT_FINES = [
    ("", "no amount"),
    ("n/a", "no amount"),
    ("N/A", "no amount"),
    ("unknown", "no amount"),
    ("-", "no amount"),
    ("—", "no amount"),
    ("not disclosed", "no amount"),
    ("0", "zero amount"),
    ("€0", "zero amount"),
    ("0,00", "zero amount"),
]


@pytest.mark.parametrize(("written", "reason"), NOT_FINES)
def test_not_a_fine(written: str, reason: str) -> None:
    out = parse_amounts(pd.Series([written]), pd.Series(["FR"])).iloc[0]
    assert out["not_fine"] == reason
    assert pd.isna(out["error"])
    assert math.isnan(out["amount"])


def test_currency_that_cannot_be_told_is_a_reason() -> None:
    out = parse_amounts(
        pd.Series(["kr 5 000", "5 000", "5 000", "5 000"]),
        pd.Series(["IT", "ZZ", None, "FR"]),
        pd.Series(["", "", "", "doubloons"]),
    )
    assert out["error"].tolist() == [
        "'kr' could be SEK, NOK, DKK or ISK and the country (IT) does not say which",
        "no currency given for the country 'ZZ'",
        "no currency given and no country to infer it from",
        "unknown currency 'doubloons'",
    ]
    assert out["currency"].tolist() == ["", "", "", ""]


def test_header_currency_beats_the_country() -> None:
    out = parse_amounts(pd.Series(["9380", "£5"]), pd.Series(["PL", "GB"]), header_currency="EUR")
    assert out["currency"].tolist() == ["EUR", "GBP"]
    assert out["currency_source"].tolist() == ["header", "cell"]


def test_euro_changeovers_follow_the_decision_date() -> None:
    dates = pd.Series(pd.to_datetime(["2022-12-30", "2023-01-02", "2025-12-31", "2026-01-01"]))
    got = country_currency(pd.Series(["HR", "HR", "BG", "BG"]), dates)
    assert got.tolist() == ["HRK", "EUR", "BGN", "EUR"]


def test_each_distinct_string_parsed_once_and_mapped_back_in_order() -> None:
    written = pd.Series(["€1m", "n/a", "€1m", "-5", "£2"] * 1000, index=range(10, 5010))
    out = parse_amounts(written, pd.Series(["FR", "FR", "FR", "FR", "GB"] * 1000, index=written.index))
    assert list(out.index) == list(written.index)
    assert out["amount"].iloc[:5].fillna(-1).tolist() == [1e6, -1, 1e6, -1, 2.0]
    assert out["error"].iloc[3] == "negative amount"
    assert out["not_fine"].iloc[1] == "no amount"


def test_reading_by_shape_gives_what_reading_each_value_gives() -> None:
    """Many distinct amounts are read through their shapes; every field must equal the value-by-value read."""
    import numpy as np
    import pyarrow as pa

    from components.ingest import amounts

    rng = np.random.default_rng(11)
    pre = ["", "€", "EUR ", "£", "$", "US$ ", "-", "(", "CHF ", "kr ", "zł ", "x ", "\u2212", "€\u00a0"]
    post = ["", " kr", " EUR", "m", " million", " Mio. €", " zł", ")", ",-", " bn", " k", " foo", " €\u202f"]
    nums = []
    for _ in range(4_000):
        digits = "".join(rng.choice(list("0123456789"), rng.integers(1, 22)))
        kind = rng.integers(0, 7)
        if kind == 1 and len(digits) > 3:  # thousands by dots, decimals by comma
            head, tail = digits[:-2], digits[-2:]
            groups = [head[max(0, i - 3) : i] for i in range(len(head), 0, -3)][::-1]
            digits = ".".join(groups) + "," + tail
        elif kind == 2 and len(digits) > 3:
            groups = [digits[max(0, i - 3) : i] for i in range(len(digits), 0, -3)][::-1]
            digits = rng.choice([",", " ", "'", "."]).join(groups)
        elif kind == 3 and len(digits) > 1:
            cut = int(rng.integers(1, len(digits)))
            digits = digits[:cut] + rng.choice([".", ","]) + digits[cut:]
        elif kind == 4:
            digits = "0" + rng.choice([".", ","]) + digits
        template = f"{rng.choice(pre)}{digits}{rng.choice(post)}"
        for _ in range(8):  # values of one shape: the same layout, other non-zero digits
            nums.append("".join(str(rng.integers(1, 10)) if ch in "123456789" else ch for ch in template))
    nums += ["n/a", "", "no fine", "1.2.3", "€€5", "5 EUR £", "0", "0,00", "9" * 400, "(5"]
    uniq = pa.array(sorted(set(nums)), pa.large_string())
    by_shape = amounts._by_shape(uniq)
    assert by_shape is not None  # the sample is shaped enough for the shape path
    one_by_one = amounts._read_shapes(uniq)
    good = one_by_one["good"]
    assert np.array_equal(by_shape["good"], good)
    assert np.array_equal(by_shape["numbers"][good], one_by_one["numbers"][good], equal_nan=True)
    for key in ("negative", "two", "missing", "no_fine", "cell"):
        assert (by_shape[key] == one_by_one[key]).all(), key
