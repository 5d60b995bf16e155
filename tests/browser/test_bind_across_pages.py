"""Filters set in the sidebar survive page switches, in the controls and in the URL.

The global controls sync with the URL by hand (components/urlstate.py, bound()), because
Streamlit 1.67's bind="query-params" does not hold across page switches in the pages/ layout:
test_streamlit_bind_across_pages shows it on a two-page probe app (bind_probe/) and is an xfail
that fails loudly once Streamlit fixes it, the day to replace bound() with bind=.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ._support import choose_option, expect, query, switch_page, wait_for_app, wait_for_query
from .conftest import free_port

PROBE = Path(__file__).resolve().parent / "bind_probe"

SIDEBAR = '[data-testid="stSidebar"]'


def _controls(page) -> tuple[str, str]:
    sidebar = page.locator(SIDEBAR)
    currency = sidebar.get_by_role("combobox", name="Display currency").input_value()
    countries = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Authority countries").inner_text()
    return currency, countries


def test_filters_survive_page_switches(page, base_url):
    page.goto(base_url + "/")
    wait_for_app(page, "Enforcement Atlas")
    choose_option(page, "Display currency", "USD")
    choose_option(page, "Authority countries", "Ireland (IE)")
    try:
        page.wait_for_url(lambda u: query(u).get("cur") == ["USD"] and query(u).get("country") == ["Ireland (IE)"])
    except Exception as error:  # say what the page held, not only that the URL never matched
        raise AssertionError(f"URL {page.url}, controls {_controls(page)}") from error

    for label in ("Fines", "Map", "Appeals"):
        switch_page(page, label)
        currency, countries = _controls(page)
        assert "USD" in currency and "Ireland (IE)" in countries, (label, currency, countries)
        wait_for_query(page, lambda q: q.get("cur") == ["USD"] and q.get("country") == ["Ireland (IE)"], label)

    # a switch whose link carries no query (as st.switch_page or a bare page path would)
    page.evaluate("() => window.history.pushState({}, '', window.location.pathname)")
    switch_page(page, "Collection")
    currency, countries = _controls(page)
    assert "USD" in currency and "Ireland (IE)" in countries

    # back to the default: the parameter leaves the URL on the page that changed it
    choose_option(page, "Display currency", "EUR")
    try:
        page.wait_for_url(lambda u: "cur" not in query(u) and query(u).get("country") == ["Ireland (IE)"])
    except Exception as error:
        heading = page.locator('[data-testid="stMain"] h1').all_inner_texts()
        raise AssertionError(f"URL {page.url}, page heading {heading}, controls {_controls(page)}") from error


@pytest.fixture(scope="module")
def probe_url():
    """The two-page probe app (bind_probe/) on its own server."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
        + ["--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=PROBE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.xfail(
    strict=True,
    reason="Streamlit 1.67: a bound control loses its value and parameter when a deep link into pages/ "
    "switches to the entry page. When this passes, bind= can replace urlstate.bound (see its comment).",
)
def test_streamlit_bind_across_pages(page, probe_url):
    # Three tries: the probe counts as fixed only if the value holds every time, so one lucky
    # ordering on a loaded machine cannot pass it for fixed.
    held = [_bound_value_holds(page, probe_url) for _ in range(3)]
    assert all(held), held


def _bound_value_holds(page, probe_url) -> bool:
    page.goto(probe_url + "/Other?cur=USD")
    wait_for_app(page, "Other")
    expect(page.get_by_text("cur is USD")).to_have_count(1)  # the deep link's value was read on Other
    page.locator('[data-testid="stSidebarUserContent"] a').filter(has_text="Home").click()
    # The switch is over only once the address is the entry page's: until then the previous page's
    # elements ("cur is USD" under the new title) may still stand, and on a loaded CI machine the
    # asserts once read those stale elements and passed (an XPASS that said nothing).
    page.wait_for_url(lambda u: urlparse(u).path == "/")
    wait_for_app(page, "Home")
    page.wait_for_timeout(500)
    wait_for_app(page, "Home")
    return page.get_by_text("cur is USD").count() == 1 and query(page.url).get("cur") == ["USD"]
