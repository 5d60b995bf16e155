"""Chart images: light even in the dark theme, with the filters and source, and reachable by keyboard.

The dark-theme page is also where axe-core's WCAG 2.1 A/AA rules run in the dark theme (the light
theme's run is on every page, in test_pages).

Plotly's toolbar (modebar) is a row of links without href: no tab stop reaches it. Every chart
therefore has its own download button under it (components/charts.py), rendered on the server in
the light theme (components/imageexport.py); in the dark theme the camera, which would save the
dark drawing, is removed from the toolbar.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from ._support import expect, new_page, shot, wait_for_app, wait_for_charts
from .test_pages import axe_violations, describe_violations

DARK_PAPER = "rgb(14, 17, 23)"  # Streamlit's dark background (#0e1117)
WHITE = "rgb(255, 255, 255)"


def _download_by_keyboard(page, button) -> str:
    button.focus()
    expect(button).to_be_focused()
    with page.expect_download(timeout=90_000) as pending:
        page.keyboard.press("Enter")
    download = pending.value
    assert download.failure() is None, download.failure()
    return open(download.path(), encoding="utf-8").read()


def test_dark_theme_passes_axe_and_exports_a_light_image_with_filters_by_keyboard(browser, base_url):
    context, page = new_page(browser, color_scheme="dark")
    try:
        page.goto(base_url + "/Timeline?img=SVG&country=" + quote_plus("Ireland (IE)"))
        wait_for_app(page)
        wait_for_charts(page, minimum=2)  # the totals and the lifecycles, drawn
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
        charts = 2
        buttons = page.get_by_role("button", name=re.compile(r"^Download image \(SVG, light\)"))
        expect(buttons).to_have_count(charts)  # one keyboard path per chart
        first = page.locator('[data-testid="stPlotlyChart"]').first
        first.hover()
        expect(first.get_by_role("button", name=re.compile(r"^download plot", re.I))).to_have_count(0)
        shot(page, "dark-timeline-export-buttons")
        violations = axe_violations(page)
        assert violations == [], f"dark theme:\n{describe_violations(violations)}"

        svg = _download_by_keyboard(page, buttons.first)
        assert svg.lstrip().startswith("<svg"), svg[:80]
        assert "Filters: Ireland" in svg and "Source: " in svg
        background = re.search(r'<rect x="0" y="0"[^>]*style="fill: ([^;"]+)', svg)
        assert background and background.group(1).replace(" ", "") in (WHITE.replace(" ", ""), "#fff", "white"), (
            background.group(0) if background else svg[:400]
        )
        assert DARK_PAPER not in svg
        assert "updatemenu" not in svg and "slider" not in svg
    finally:
        context.close()


def test_dark_theme_map_exports_with_light_land_and_sea(browser, base_url):
    context, page = new_page(browser, color_scheme="dark")
    try:
        page.goto(base_url + "/Map?img=SVG")
        wait_for_app(page)
        wait_for_charts(page)
        button = page.get_by_role("button", name=re.compile(r"^Download image \(SVG, light\)")).first
        svg = _download_by_keyboard(page, button)
        assert "choroplethlocation" in svg, "the map's countries are not in the image"
        assert DARK_PAPER not in svg, "the dark theme's sea or paper is in the exported map"
    finally:
        context.close()
