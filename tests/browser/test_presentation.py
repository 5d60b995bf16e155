"""Presentation mode (?present=1) and Streamlit's embed mode (?embed=true) show the dashboard without chrome."""

from __future__ import annotations

import pandas as pd

from ._support import REPO, expect, query, shot, wait_for_app, wait_for_charts


def _money_decisions() -> int:
    fines = pd.read_csv(REPO / "data" / "fines.csv", dtype=str, keep_default_na=False)
    return int(fines["decision_type"].isin(("fine", "penalty_payment", "court_fine")).sum())


def test_presentation_mode_hides_the_sidebar(page, base_url):
    page.goto(base_url + "/?present=1")
    wait_for_app(page, "Enforcement Atlas")
    wait_for_charts(page, 3)
    shot(page, "present")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expanded = sidebar.get_attribute("aria-expanded")
    collapsed = sidebar.get_attribute("data-collapsed")
    assert expanded == "false" or collapsed == "true" or not sidebar.is_visible(), (
        f"sidebar still open in presentation mode (aria-expanded={expanded}, data-collapsed={collapsed})"
    )
    box = sidebar.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0, f"the sidebar occupies the screen: {box}"
    # the headline tiles: each label and the number of fines counted from data/fines.csv
    main = page.locator('[data-testid="stMain"]')
    for label in ("Fines", "Imposed (EUR)", "Standing (EUR)", "Known collected (EUR)", "Collection rate", "Under appeal"):
        expect(main.get_by_text(label, exact=True).first).to_be_visible()
    expect(main.get_by_text(f"{_money_decisions():,}", exact=True).first).to_be_visible()
    # the page itself is in presentation mode, and a copied link keeps it
    assert page.get_by_role("switch", name="Presentation mode").is_checked(), "the Presentation mode toggle is off"
    assert query(page.url).get("present"), f"present=1 dropped from the URL: {page.url}"
    heights = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => g.layout.height)")
    assert max(heights) >= 640, f"charts are not at presentation size: heights {heights}"


def test_embed_mode_has_no_toolbar(page, base_url):
    page.goto(base_url + "/?embed=true")
    wait_for_app(page, "Enforcement Atlas")
    wait_for_charts(page, 3)
    shot(page, "embed")
    expect(page.locator('[data-testid="stToolbar"]')).to_have_count(0)
    expect(page.locator('[data-testid="stMainMenu"]')).to_have_count(0)
    expect(page.locator('[data-testid="stMain"]').get_by_text("Fines", exact=True).first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()


def test_presentation_mode_scales_tables_captions_and_source_lines(browser, base_url):
    """At 1920x1080 with ?present=1: captions and tables grow with the charts, and nothing overflows."""
    from ._support import new_page

    context, page = new_page(browser, viewport={"width": 1920, "height": 1080})
    try:
        page.goto(base_url + "/Fines?present=1")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Fines")).to_be_visible()
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
        shot(page, "present-fines-1920")
        sizes = page.evaluate(
            """() => ({
              caption: parseFloat(getComputedStyle(document.querySelector('[data-testid=stMain] [data-testid=stCaptionContainer]')).fontSize),
              zoom: parseFloat(getComputedStyle(document.querySelector('[data-testid=stElementContainer]:has([data-testid=stDataFrame])')).zoom),
              overflow: document.querySelector('[data-testid=stMain]').scrollWidth - document.querySelector('[data-testid=stMain]').clientWidth,
            })"""
        )
        assert sizes["caption"] >= 18, sizes
        assert sizes["zoom"] >= 1.3, sizes
        assert sizes["overflow"] <= 0, f"the zoomed table is wider than the page: {sizes}"

        page.goto(base_url + "/Timeline?present=1")
        wait_for_app(page)
        wait_for_charts(page)
        source = page.locator(".js-plotly-plot .annotation-text").filter(has_text="Source:").first
        size = float(source.evaluate("e => getComputedStyle(e).fontSize").replace("px", ""))
        assert size >= 15, f"the source line under the chart is {size}px in presentation mode"
    finally:
        context.close()
