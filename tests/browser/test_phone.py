"""At 390 px on a phone: source lines wrap under the charts, the map is not mostly blank, nothing overflows."""

from __future__ import annotations

from ._support import expect, new_page, shot, wait_for_app, wait_for_charts

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1",
    "is_mobile": True,
    "has_touch": True,
}
OVERFLOW_JS = "() => document.querySelector('[data-testid=stMain]').scrollWidth - document.documentElement.clientWidth"


def test_phone_source_lines_wrap_and_map_fits(browser, base_url):
    context, page = new_page(browser, **PHONE)
    try:
        page.goto(base_url + "/Timeline")
        wait_for_app(page)
        wait_for_charts(page)
        caption = page.locator('[class*="st-key-narrowsrc_"]').first
        expect(caption).to_be_visible()
        expect(caption).to_contain_text("Source: ")
        box = caption.bounding_box()
        assert box and box["x"] + box["width"] <= 390, box
        inside = page.locator('.js-plotly-plot .infolayer .annotation[data-index="0"]').first
        expect(inside).to_be_hidden()  # the figure's own line would run past the screen's edge
        assert page.evaluate(OVERFLOW_JS) <= 0
        shot(page, "phone-timeline")

        page.goto(base_url + "/Map")
        wait_for_app(page)
        wait_for_charts(page)
        page.wait_for_selector("path.choroplethlocation")
        height = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.height")
        assert height <= 480, f"the map is {height} px tall on a phone: mostly blank around a narrow map"
        assert page.evaluate(OVERFLOW_JS) <= 0
        shot(page, "phone-map")
    finally:
        context.close()


def test_desktop_keeps_the_source_line_inside_the_chart(page, base_url):
    page.goto(base_url + "/Timeline")
    wait_for_app(page)
    wait_for_charts(page)
    expect(page.locator('[class*="st-key-narrowsrc_"]').first).to_be_hidden()
    expect(page.locator(".js-plotly-plot .annotation-text").filter(has_text="Source:").first).to_be_visible()
