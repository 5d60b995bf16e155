"""Accessibility in a real browser, by keyboard: a skip link, a visible focus ring unlike the current
page's highlight, dates that apply on Enter and Tab, the map's year control. axe-core's WCAG 2.1 A/AA
rules run on every page in test_pages (dark theme: test_image_exports); the phone's 390 px width is in
test_phone and, for every page, test_pages.
"""

from __future__ import annotations

from ._support import expect, query, shot, wait_for_app, wait_for_charts

MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'


def _loaded(page, url: str, title: str | None, min_charts: int) -> None:
    page.goto(url)
    wait_for_app(page)
    if title:  # the page's own heading (on a phone the sidebar's link of the same name is hidden)
        expect(page.locator(MAIN).get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=60_000)
    if min_charts:
        wait_for_charts(page, min_charts)


def _focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
             return {tag: e.tagName, text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 60),
                     inMain: !!e.closest('[data-testid=stMain]'), outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
                     background: s.backgroundColor}; }"""
    )


def test_overview_by_keyboard_skip_link_focus_ring_and_typed_dates(page, base_url):
    """One Overview load for the keyboard checks that start there (a page load is most of a test's time)."""
    _loaded(page, base_url + "/", "Enforcement Atlas", 1)

    # the skip link is the first tab stop and moves focus into the content
    page.keyboard.press("Tab")
    first = _focused(page)
    assert "skip" in first["text"].lower(), f"first tab stop is not a skip link: {first}"
    page.keyboard.press("Enter")
    after = _focused(page)
    page.keyboard.press("Tab")
    following = _focused(page)
    assert after["inMain"] or following["inMain"], f"the skip link did not move focus into the content: {after}, {following}"
    assert not following["text"].lower().startswith(("overview", "dashboard")), following

    # a visible focus ring, unlike the current page's highlight
    links = page.locator(f'{SIDEBAR} [data-testid="stPageLink"] a')
    current = links.first  # Overview: the page we are on
    current.focus()
    page.keyboard.press("Shift+Tab")  # keyboard focus, so :focus-visible applies
    page.keyboard.press("Tab")
    focused = _focused(page)
    shot(page, "a11y-focus-current-page")
    assert focused["outline"] not in ("none", "") and focused["outlineWidth"] >= 2, f"no visible focus ring: {focused}"
    page.keyboard.press("Tab")
    other = _focused(page)
    assert other["outline"] not in ("none", "") and other["outlineWidth"] >= 2, f"no focus ring on the Map link: {other}"
    current_style = current.evaluate("e => getComputedStyle(e).outlineStyle")
    assert current_style == "none", "the current page's link keeps a ring when it is not focused"

    # a typed date applies on Enter (From) and on Tab (To)
    for label, key, value, commit in (("From", "from", "2021-01-01", "Enter"), ("To", "to", "2022-06-30", "Tab")):
        field = page.locator(SIDEBAR).get_by_role("textbox", name=label, exact=True)
        field.click()
        field.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press(commit)
        page.wait_for_url(f"**{key}={value}*", timeout=30_000)
        wait_for_app(page)
        assert query(page.url)[key] == [value], page.url


def test_map_year_control_works_from_the_keyboard(page, base_url):
    """The Map's year control is a page widget in the Tab order, and the arrow keys change the year in the URL."""
    _loaded(page, base_url + "/Map", "Map", 1)
    thumb = page.locator(MAIN).get_by_role("slider").first  # Streamlit 1.67: an <input type="range">
    expect(thumb).to_be_visible()
    assert thumb.evaluate("e => e.tabIndex") >= 0, "the year slider is not in the Tab order"
    thumb.focus()
    assert thumb.evaluate("e => e === document.activeElement"), _focused(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**year=*", timeout=30_000)
    wait_for_app(page)
    year = query(page.url)["year"][0]
    assert year.isdigit(), page.url
    shot(page, "a11y-map-year-keyboard")
