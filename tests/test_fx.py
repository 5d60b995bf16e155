"""Currency engine: known ECB rates, weekends, changeovers, bases, vectorised == per-row, live fallback."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from currency_converter import CurrencyConverter

from components import fx

ECB = CurrencyConverter()


@pytest.mark.parametrize(
    ("currency", "day", "per_eur"),
    [
        # ECB reference rates published on these days (units per EUR)
        ("USD", "2024-01-05", ECB._rates["USD"][dt.date(2024, 1, 5)]),
        ("GBP", "2022-05-23", ECB._rates["GBP"][dt.date(2022, 5, 23)]),
        ("SEK", "2019-03-01", ECB._rates["SEK"][dt.date(2019, 3, 1)]),
        ("PLN", "2020-06-30", ECB._rates["PLN"][dt.date(2020, 6, 30)]),
    ],
)
def test_known_rates(currency, day, per_eur):
    out = fx.convert([per_eur], [currency], [day], to="EUR")
    assert out["value"].iloc[0] == pytest.approx(1.0)
    assert out["rate_date"].iloc[0] == day


def test_literal_ecb_values():
    # ECB reference rates as printed in the ECB history file shipped in the wheel
    # (unzip -p eurofxref-hist.zip | grep ^2024-01-05), not read through the library.
    assert fx.convert([1.0], ["EUR"], ["2024-01-05"], to="USD")["value"].iloc[0] == pytest.approx(1.0921)
    assert fx.convert([1.0], ["EUR"], ["2022-05-23"], to="GBP")["value"].iloc[0] == pytest.approx(0.84783)
    # Clearview UK: GBP 7,552,800 at the rate of 23 May 2022
    assert fx.convert_one(7_552_800, "GBP", "2022-05-23") == pytest.approx(7_552_800 / 0.84783)


def test_weekend_uses_last_known_rate():
    sat = fx.convert([100.0], ["USD"], ["2024-01-06"], to="EUR")
    fri = fx.convert([100.0], ["USD"], ["2024-01-05"], to="EUR")
    assert sat["value"].iloc[0] == pytest.approx(fri["value"].iloc[0])
    assert sat["rate_date"].iloc[0] == "2024-01-05"


def test_hrk_after_changeover_uses_legal_rate():
    out = fx.convert([7.5345], ["HRK"], ["2023-06-01"], to="EUR")
    assert out["value"].iloc[0] == pytest.approx(1.0)
    before = fx.convert([100.0], ["HRK"], ["2021-06-01"], to="EUR")
    assert before["value"].iloc[0] == pytest.approx(100.0 / ECB._rates["HRK"][dt.date(2021, 6, 1)])


def test_bgn_after_2025_uses_legal_rate():
    out = fx.convert([1.95583], ["BGN"], ["2026-03-02"], to="EUR")
    assert out["value"].iloc[0] == pytest.approx(1.0)


def test_unknown_currency_and_missing_date_are_nan_not_zero():
    out = fx.convert([100.0, 100.0, 100.0], ["XXX", None, "USD"], ["2024-01-05", "2024-01-05", None], to="EUR")
    assert out["value"].isna().all()


def test_cross_rate_between_two_non_euro_currencies():
    out = fx.convert([100.0], ["GBP"], ["2024-01-05"], to="USD")
    d = dt.date(2024, 1, 5)
    assert out["value"].iloc[0] == pytest.approx(100.0 * ECB._rates["USD"][d] / ECB._rates["GBP"][d])


def test_latest_basis_uses_last_publication():
    out = fx.convert([100.0], ["GBP"], ["2019-01-01"], to="EUR", basis="latest")
    last = fx.rates_table().last_published
    assert out["rate_date"].iloc[0] == last.isoformat()
    assert out["value"].iloc[0] == pytest.approx(100.0 / ECB._rates["GBP"][last])


def test_year_basis_is_year_average():
    out = fx.convert([1.0], ["EUR"], ["2019-01-01"], to="GBP", basis="year", year=2023)
    days = [v for d, v in ECB._rates["GBP"].items() if d.year == 2023 and v is not None]
    assert out["value"].iloc[0] == pytest.approx(float(np.mean(days)))
    assert out["rate_date"].iloc[0] == "2023 average"


def test_vectorised_equals_per_row():
    rng = np.random.default_rng(1)
    n = 500
    cur = rng.choice(["EUR", "GBP", "SEK", "PLN", "USD", "HUF", "HRK", "BGN"], n)
    days = pd.Series(pd.to_datetime("2018-06-01") + pd.to_timedelta(rng.integers(0, 2900, n), unit="D"))
    amounts = rng.random(n) * 1e6
    whole = fx.convert(amounts, cur, days, to="USD")["value"].to_numpy()
    one_by_one = np.array([fx.convert([a], [c], [d], to="USD")["value"].iloc[0] for a, c, d in zip(amounts, cur, days)])
    np.testing.assert_allclose(whole, one_by_one)


def test_available_currencies_include_display_defaults_and_exclude_retired():
    cur = fx.available_currencies()
    assert cur[:3] == ["EUR", "USD", "GBP"]
    for code in ("SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "ISK", "CHF", "RON"):
        assert code in cur
    for retired in ("HRK", "BGN", "ROL", "TRL", "CYP"):
        assert retired not in cur


def test_live_rates_fall_back_within_deadline_when_source_hangs():
    fx.clear_live_cache()

    def hang(base):
        time.sleep(10)
        return {}

    start = time.monotonic()
    result = fx.live_rates(deadline_s=0.5, fetch=hang)
    assert time.monotonic() - start < 2.0
    assert not result.ok
    assert "embedded ECB rates" in result.message
    fx.clear_live_cache()


def test_live_rates_fall_back_on_any_exception():
    fx.clear_live_cache()

    def boom(base):
        raise OSError("network is unreachable")

    result = fx.live_rates(deadline_s=1.0, fetch=boom)
    assert not result.ok and "OSError" in result.message
    fx.clear_live_cache()


def test_live_rates_used_for_latest_basis_and_reported():
    fx.clear_live_cache()
    result = fx.live_rates(deadline_s=1.0, fetch=lambda base: {"USD": 2.0, "GBP": 0.5, "SEK": 10.0, "PLN": 4.0, "JPY": 150.0})
    assert result.ok
    out = fx.convert([10.0], ["GBP"], ["2020-01-01"], to="USD", basis="latest", live=result)
    assert out["value"].iloc[0] == pytest.approx(40.0)
    assert out["source"].iloc[0] == fx.LIVE_SOURCE
    fx.clear_live_cache()
