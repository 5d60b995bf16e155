"""Every page loads in a real browser, its plotly charts actually draw, nothing is asked of the
internet, axe-core finds no WCAG 2.1 A/AA violation, and narrowed to a phone's 390 px nothing scrolls
sideways; on the Map every country with data is drawn from the local boundaries. One load per page
serves all of these checks: a page load is most of a browser test's time.

axe-core is the copy bundled in the PyPI package axe-playwright-python (pinned in
requirements-dev.txt); nothing is fetched.
"""

from __future__ import annotations

import pandas as pd
import pycountry
import pytest

from ._support import (
    DRAWN_LOCATIONS_JS,
    PHONE,
    REPO,
    chart_data,
    expect,
    phone_layout_problems,
    settled_chart_data,
    shot,
    wait_for_app,
    wait_for_charts,
)

MONEY_TYPES = ("fine", "penalty_payment", "court_fine")
#: (path, title, how many charts a person must see at least)
PAGES = [
    ("/", "Enforcement Atlas", 3),
    ("/Map", "Map", 1),
    ("/Companies?company=Clearview+AI", "Companies", 2),
    ("/Timeline", "Timeline", 1),
    ("/Collection", "Collection", 1),
    ("/Appeals", "Appeals", 1),
]
if any(REPO.glob("pages/*_Data.py")):
    PAGES.append(("/Data", "Data", 0))  # the upload page: charts only after an upload
if (REPO / "pages" / "7_Fines.py").exists():
    PAGES.append(("/Fines", "Fines", 0))  # the table page: its charts are optional
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: What a drawn trace leaves in the SVG, per plotly trace type.
DRAWN_MARKS = {
    "bar": "g.point path",
    "choropleth": "path.choroplethlocation",
    "scatter": "g.scatterlayer path, g.scatterlayer .point",
    "box": "g.trace.boxes path",
    "sankey": "g.sankey-node rect, path.sankey-link",
    "histogram": "g.point path",
}


def _expected_iso3() -> set[str]:
    """ISO-3 codes of fining countries with at least one money decision, read from data/fines.csv directly."""
    fines = pd.read_csv(REPO / "data" / "fines.csv", dtype=str, keep_default_na=False)
    codes = set(fines.loc[fines["decision_type"].isin(MONEY_TYPES), "country"].str.strip().str.upper()) - {""}
    return {pycountry.countries.get(alpha_2=("GR" if c == "EL" else "GB" if c == "UK" else c)).alpha_3 for c in codes}


@pytest.mark.parametrize(("path", "title", "min_charts"), PAGES, ids=[p for p, _, _ in PAGES])
def test_page_loads_draws_its_charts_and_passes_axe(page, base_url, path, title, min_charts, capsys):
    page.goto(base_url + path)
    wait_for_app(page, title)
    count = wait_for_charts(page, min_charts)
    assert count >= min_charts, f"{path}: {count} plotly chart(s), expected at least {min_charts}"
    assert page.url.startswith(base_url + path.split("?")[0]), f"{path} was redirected to {page.url} (page missing?)"

    # each chart's own element, read once plotly has settled: by index, an early read on a loaded machine saw a box
    # trace at index 1 of /Appeals, which a chart mounted later then took (CI, 2026-12-03 09:46)
    settled_chart_data(page)
    for index, chart in enumerate(page.query_selector_all(".js-plotly-plot")):
        assert chart.query_selector(".main-svg") is not None, f"{path} chart {index}: no SVG drawn"
        types = set(chart.evaluate("g => (g.data || []).map(t => t.type || 'scatter')"))
        for kind in types & DRAWN_MARKS.keys():
            # maps draw after their boundaries arrive from /app/static/topojson/: wait, do not sample
            chart.wait_for_selector(DRAWN_MARKS[kind], state="attached", timeout=60_000)
    shot(page, f"page{path}", full_page=True)

    log = page.atlas_log
    assert log.external_requests() == [], f"{path} asked the internet for: {log.external_requests()}"
    assert log.app_failures() == [], f"{path}: failed responses {log.app_failures()}"
    assert log.page_errors == [], f"{path}: uncaught page errors {log.page_errors}"
    assert log.app_console_errors() == [], f"{path}: console errors {log.app_console_errors()}"
    assert log.dialogs == [], f"{path}: a dialog opened (script ran from data?): {log.dialogs}"

    violations = axe_violations(page)
    with capsys.disabled():
        print(f"\naxe WCAG 2.1 A/AA {path}: {sum(len(v['nodes']) for v in violations)} violating node(s)")
    assert violations == [], f"{path}:\n{describe_violations(violations)}"

    if path == "/Map":
        _assert_map_draws_every_country_with_data(page)
    if path == "/Timeline":  # on a desktop the source line sits inside the chart (on a phone: test_phone)
        expect(page.locator('[class*="st-key-narrowsrc_"]').first).to_be_hidden()
        expect(page.locator(".js-plotly-plot .annotation-text").filter(has_text="Source:").first).to_be_visible()

    # the same page narrowed to a phone's width (fresh phone loads of the busiest pages: test_accessibility)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(800)  # plotly's and the grid's resize handlers
    problems = phone_layout_problems(page, resized=True)
    if problems:
        shot(page, f"phone-resized{path}", full_page=True)
    assert problems == [], f"{path} at {PHONE['width']} px: {problems}"


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    return results.response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {len(v['nodes'])} node(s): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['html'][:160]}")
            for check in node.get("any", [])[:1]:
                lines.append(f"      {check['message'][:200]}")
    return "\n".join(lines)


def _assert_map_draws_every_country_with_data(page) -> None:
    expected = _expected_iso3()
    assert len(expected) >= 10, f"suspiciously few countries with fines in data/fines.csv: {sorted(expected)}"
    page.wait_for_selector("path.choroplethlocation", timeout=60_000)
    assert any("/app/static/topojson/" in u for u in page.atlas_log.requests), "the map did not load its local boundaries"

    traces = [t for chart in chart_data(page) for t in chart if t.get("type") == "choropleth"]
    assert traces, "the Map page has no choropleth"
    located = {loc for t in traces for loc in (t.get("locations") or [])}
    assert not expected - located, f"countries with fines missing from the map's data: {sorted(expected - located)}"

    drawn = page.evaluate(DRAWN_LOCATIONS_JS)
    assert len(drawn) >= len(expected), f"only {len(drawn)} shapes drawn for {len(expected)} countries with data"
    missing_shapes = expected - set(drawn)
    assert not missing_shapes, f"no shape drawn for: {sorted(missing_shapes)} (topojson served? world_50m?)"
    # the grey base layer covers every EEA state and the UK, small ones included
    for small in ("CYP", "MLT", "LIE"):
        assert small in located, f"{small} is not a location of the map"
        assert small in drawn, f"{small} has no drawn shape (scope/resolution too coarse?)"
    # the colour layer (countries with data) is exactly the expected set
    data_layers = [
        set(t.get("locations") or []) for t in traces if set(t.get("locations") or []) and set(t.get("locations")) <= expected
    ]
    assert expected in data_layers, (
        f"no choropleth trace holds exactly the countries with fines; traces: {[sorted(s) for s in data_layers]}"
    )
