"""On a phone (390 px, a mobile browser), fresh loads of the pages with the most controls: nothing
scrolls sideways, controls wrap instead of clipping, charts use the width, titles and source lines wrap
around the charts, and the map is not mostly blank. Every page is also narrowed to 390 px after its desktop load
in test_pages.
"""

from __future__ import annotations

import pytest

from ._support import PHONE, expect, new_page, phone_layout_problems, shot, wait_for_app, wait_for_charts

MOBILE = {
    "viewport": PHONE,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1",
    "is_mobile": True,
    "has_touch": True,
}
MAIN = '[data-testid="stMain"]'
#: (path, the page's own heading, charts at least)
PAGES = [
    ("/", "Enforcement Atlas", 3),
    ("/Map", "Map", 1),
    ("/Companies?company=Clearview+AI", "Companies", 2),
    ("/Timeline", "Timeline", 1),
]


@pytest.mark.parametrize(("path", "title", "min_charts"), PAGES, ids=[p for p, _, _ in PAGES])
def test_phone_layout(browser, base_url, path, title, min_charts):
    context, page = new_page(browser, **MOBILE)
    try:
        page.goto(base_url + path)
        wait_for_app(page)
        # the page's own heading (on a phone the sidebar's link of the same name is hidden)
        expect(page.locator(MAIN).get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=60_000)
        wait_for_charts(page, min_charts)
        page.wait_for_timeout(500)  # plotly's resize after the first layout
        shot(page, f"phone{path}", full_page=True)
        problems = phone_layout_problems(page)
        assert problems == [], f"{path}: {problems}"
        if path == "/Timeline":
            caption = page.locator('[class*="st-key-narrowsrc_"]').first
            expect(caption).to_be_visible()
            expect(caption).to_contain_text("Source: ")
            box = caption.bounding_box()
            assert box and box["x"] + box["width"] <= PHONE["width"], box
            inside = page.locator('.js-plotly-plot .infolayer .annotation[data-index="0"]').first
            expect(inside).to_be_hidden()  # the figure's own line would run past the screen's edge
            # the title too: SVG text does not wrap, so the figure's own title was cut at the screen's edge
            heading = page.locator('[class*="st-key-narrowtitle_"]').first
            expect(heading).to_be_visible()
            expect(heading).to_contain_text("Fines per year by decision date, and cumulative (EUR)")
            box = heading.bounding_box()
            assert box and box["x"] + box["width"] <= PHONE["width"], box
            expect(page.locator(".js-plotly-plot .infolayer .g-gtitle").first).to_be_hidden()
        if path == "/Map":
            page.wait_for_selector("path.choroplethlocation")
            height = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.height")
            assert height <= 480, f"the map is {height} px tall on a phone: mostly blank around a narrow map"
    finally:
        context.close()
