"""A copied link is the view: widgets, charts and figures come back the same in a new browser."""

from __future__ import annotations

import re
import time

from ._support import (
    UI_TIMEOUT_MS,
    choose_option,
    expect,
    metric_values,
    new_page,
    query,
    settled_chart_data,
    shot,
    switch_page,
    wait_for_app,
    wait_for_charts,
    wait_for_query,
)

SIDEBAR = '[data-testid="stSidebar"]'


def _view(page) -> dict:
    """What a person sees of the controls this test sets."""
    return {
        "currency": page.get_by_role("combobox", name="Display currency").input_value(),
        "company": page.get_by_role("textbox", name="Company").input_value(),
    }


def _checked_metric(page) -> str:
    return page.get_by_role("radiogroup", name="Metric").get_by_role("radio", checked=True).inner_text().strip()


def test_link_restores_the_view(page, browser, base_url):
    page.goto(base_url + "/")
    wait_for_app(page, "Enforcement Atlas")
    wait_for_charts(page, 3)
    baseline = metric_values(page)

    # display currency USD, through the sidebar selectbox
    choose_option(page, "Display currency", "USD")
    expect(page.locator('[data-testid="stMetricValue"]').nth(1)).to_contain_text("USD")
    wait_for_app(page)

    # company search "Meta"
    company = page.get_by_role("textbox", name="Company")
    company.fill("Meta")
    company.press("Enter")
    page.wait_for_url("**q=Meta**")
    expect(page.locator('[data-testid="stMetricValue"]').first).not_to_have_text(baseline[0])
    wait_for_app(page)
    expect(page.locator(".js-plotly-plot").filter(has_text="(USD)").first).to_be_visible()
    wait_for_charts(page, 3)
    # the top-companies bar chart shows the Meta group and no longer ByteDance (second overall)
    expect(page.locator(".js-plotly-plot").filter(has_text="Top companies").first).not_to_contain_text("ByteDance")
    overview_url = page.url
    overview_metrics = metric_values(page)
    overview_charts = settled_chart_data(page)
    assert overview_metrics != baseline, "the filters did not change the Overview's figures"
    assert all("USD" in v for v in overview_metrics[1:4]), f"money tiles not in USD: {overview_metrics}"

    # the sidebar navigation carries the view to every page
    hrefs = page.locator(f'{SIDEBAR} [data-testid="stPageLink"] a').evaluate_all("els => els.map(e => e.href)")
    assert len(hrefs) >= 6, hrefs
    for href in hrefs:
        q = query(href)
        assert q.get("cur") == ["USD"] and q.get("q") == ["Meta"], f"sidebar link drops the view: {href}"

    # on to the Map through the sidebar, pick "Number of fines"
    switch_page(page, "Map")
    wait_for_query(page, lambda q: q.get("cur") == ["USD"] and q.get("q") == ["Meta"], "the Map link lost the view")
    page.get_by_role("radiogroup", name="Metric").get_by_role("radio", name="Number of fines").click()
    page.wait_for_url("**metric=**")
    wait_for_app(page)  # the URL changes on the click; the map is redrawn when the rerun ends (slow on a loaded machine)
    expect(page.locator(".js-plotly-plot").filter(has_text="Number of fines by fining authority country").first).to_be_visible(
        timeout=30_000
    )
    wait_for_charts(page)
    link = page.url
    shot(page, "link-original-map")
    original = {"view": _view(page), "metric": _checked_metric(page), "charts": settled_chart_data(page)}
    assert original["view"] == {"currency": "USD", "company": "Meta"}, original["view"]
    assert original["metric"] == "Number of fines"

    # the same link in a brand-new browser context (no cookies, no session)
    context, fresh = new_page(browser)
    try:
        fresh.goto(link)
        wait_for_app(fresh, "Map")
        expect(
            fresh.locator(".js-plotly-plot").filter(has_text="Number of fines by fining authority country").first
        ).to_be_visible(timeout=UI_TIMEOUT_MS)
        wait_for_charts(fresh)
        shot(fresh, "link-restored-map")
        restored = {"view": _view(fresh), "metric": _checked_metric(fresh), "charts": settled_chart_data(fresh)}
        assert restored["view"] == original["view"]
        assert restored["metric"] == original["metric"]
        assert restored["charts"] == original["charts"], "the restored map draws different data"

        # the Overview's own link (made before leaving it) shows the same figures and charts
        fresh.goto(overview_url)
        wait_for_app(fresh, "Enforcement Atlas")
        wait_for_charts(fresh, 3)
        expect(fresh.locator(".js-plotly-plot").filter(has_text="(USD)").first).to_be_visible()
        assert _view(fresh) == original["view"]
        assert metric_values(fresh) == overview_metrics
        assert settled_chart_data(fresh) == overview_charts, "the Overview's charts differ from the original session's"
        shot(fresh, "link-restored-overview")
        assert fresh.atlas_log.dialogs == []
    finally:
        context.close()


def test_sidebar_navigation_keeps_a_linked_view(page, base_url):
    """Open a shared link, then move to another page with the sidebar: the filters must stay, and
    nothing loaded on the way leaves localhost (every page's deep link is checked so in test_pages)."""
    page.goto(base_url + "/Map?cur=USD&q=Meta")
    wait_for_app(page, "Map")
    wait_for_charts(page)
    assert _view(page) == {"currency": "USD", "company": "Meta"}
    switch_page(page, "Overview")
    wait_for_charts(page, 3)
    shot(page, "linked-view-after-sidebar-navigation")
    wait_for_query(page, lambda q: q.get("cur") == ["USD"] and q.get("q") == ["Meta"], "the sidebar link lost the linked view")
    assert _view(page) == {"currency": "USD", "company": "Meta"}
    assert all("USD" in v for v in metric_values(page)[1:4]), metric_values(page)
    log = page.atlas_log
    assert len(log.requests) > 20, f"suspiciously few requests recorded: {log.requests}"
    assert log.external_requests() == [], f"requests left localhost: {log.external_requests()}"
    assert log.app_failures() == [], f"failed responses: {log.app_failures()}"


def _wait_until_held(page, held: list, seconds: float = 30.0) -> None:
    """Wait until the server has answered (its messages held back), then a little longer for the second rerun's.
    A fixed second was too short in CI, where a rerun can take longer than that to send its first message."""
    deadline = time.monotonic() + seconds
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert held, "no server message was held back: the test did not slow the round trip"
    page.wait_for_timeout(1_500)


def test_quick_changes_keep_every_control(page, base_url):
    """Two controls changed within one round trip both hold.

    Streamlit takes each rerun's query string from the address bar. When the second change leaves before
    the server's answer to the first has updated the address, the second rerun carries the old address;
    before urlstate wrote every bound control on a change, the first choice was then lost (3 of 6 quick
    choices in Chromium on a loaded machine). The server's messages are held back here while both
    choices are made, so the round trip is slow on any machine."""
    held: list = []
    holding = [False]
    routes: list = []

    def slow_stream(ws):
        routes.append(ws)
        server = ws.connect_to_server()  # the page's messages still go straight to the server

        def from_server(message):
            if holding[0]:
                held.append(message)
            else:
                ws.send(message)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/_stcore/stream"), slow_stream)
    page.goto(base_url + "/")
    wait_for_app(page, "Enforcement Atlas")
    holding[0] = True
    choose_option(page, "Display currency", "USD", settle=False)
    choose_option(page, "Authority countries", "Ireland (IE)", settle=False)
    _wait_until_held(page, held)  # both reruns have reached the server; its answers wait here
    holding[0] = False
    for message in held:  # in order, to the page's socket
        routes[-1].send(message)
    held.clear()
    try:
        page.wait_for_url(lambda u: query(u).get("cur") == ["USD"] and query(u).get("country") == ["Ireland (IE)"])
    except Exception as error:  # the lost choice shows in the address: say what it held
        raise AssertionError(f"a quick second change lost the first: {page.url}") from error
    wait_for_app(page)
    sidebar = page.locator(SIDEBAR)
    assert "USD" in sidebar.get_by_role("combobox", name="Display currency").input_value()
    expect(sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Authority countries")).to_contain_text(
        "Ireland (IE)"
    )


def test_the_address_matches_the_screen_after_a_click_that_raced_a_change(page, base_url):
    """A click that is not a bound control (here an expander), sent before the answer to a currency change has
    reached the page, reruns with the old address. The currency then falls back to EUR; before urlstate.resend
    the address kept ?cur=USD over a page in EUR, so a copied link showed another view than the screen."""
    held: list = []
    holding = [False]
    routes: list = []

    def slow_stream(ws):
        routes.append(ws)
        server = ws.connect_to_server()
        server.on_message(lambda message: held.append(message) if holding[0] else ws.send(message))

    page.route_web_socket(re.compile(r"/_stcore/stream"), slow_stream)
    page.goto(base_url + "/")
    wait_for_app(page, "Enforcement Atlas")
    expect(page.get_by_text("Coverage against published totals").first).to_be_visible()
    holding[0] = True
    choose_option(page, "Display currency", "USD", settle=False)
    page.wait_for_timeout(800)
    page.get_by_text("Coverage against published totals").first.click()
    _wait_until_held(page, held)  # both reruns have reached the server; its answers wait here
    holding[0] = False
    for message in held:
        routes[-1].send(message)
    held.clear()
    wait_for_app(page)
    box = page.locator(SIDEBAR).get_by_role("combobox", name="Display currency")

    def agree() -> bool:
        shown = box.input_value()
        in_url = query(page.url).get("cur", ["EUR"])[0]
        return shown == in_url

    deadline = time.monotonic() + 15
    while not agree() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert agree(), f"the address says {page.url} while the currency box shows {box.input_value()}"
