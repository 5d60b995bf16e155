"""Accessibility in a real browser: axe-core's WCAG 2.1 A/AA rules in the dark theme (every page's
light-theme run is in test_pages, on the load that checks its charts), a phone's
390 px width without horizontal scrolling, and the keyboard (skip link, a visible focus ring
unlike the current page's highlight, dates that apply on Enter and Tab, the map's year control).

axe-core is the copy bundled in the PyPI package axe-playwright-python (pinned in
requirements-dev.txt); nothing is fetched.
"""

from __future__ import annotations

import pytest

from ._support import expect, new_page, query, shot, wait_for_app, wait_for_charts
from .test_pages import PAGES
from .test_pages import axe_violations as _axe_violations
from .test_pages import describe_violations as _describe

PHONE = {"width": 390, "height": 844}
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'


def _loaded(page, url: str, title: str | None, min_charts: int) -> None:
    page.goto(url)
    wait_for_app(page)
    if title:  # the page's own heading (on a phone the sidebar's link of the same name is hidden)
        expect(page.locator(MAIN).get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=60_000)
    if min_charts:
        wait_for_charts(page, min_charts)


def test_axe_dark_theme_overview(browser, base_url):
    context, page = new_page(browser, color_scheme="dark")
    try:
        _loaded(page, base_url + "/", "Enforcement Atlas", 3)
        shot(page, "a11y-dark-overview")
        violations = _axe_violations(page)
        assert violations == [], f"dark theme:\n{_describe(violations)}"
    finally:
        context.close()


@pytest.mark.parametrize(("path", "title", "min_charts"), PAGES, ids=[p for p, _, _ in PAGES])
def test_phone_width_has_no_horizontal_overflow(browser, base_url, path, title, min_charts):
    """At 390 px: nothing wider than the screen, controls wrap instead of clipping, charts use the width."""
    context, page = new_page(browser, viewport=PHONE)
    try:
        _loaded(page, base_url + path, title, min_charts)
        page.wait_for_timeout(500)  # plotly's resize after the first layout
        shot(page, f"phone{path}", full_page=True)
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{path}: the page scrolls sideways ({scroll_width} px wide)"
        clipped = page.evaluate(
            """(sel) => Array.from(document.querySelectorAll(sel + ' button, ' + sel + ' [data-testid=stMetric]'))
                 .filter(e => e.offsetParent !== null)
                 .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; })
                 .map(e => (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40))""",
            MAIN,
        )
        assert clipped == [], f"{path}: controls cut off at the right edge: {clipped}"
        main_width = page.evaluate(
            "(sel) => document.querySelector(sel + ' [data-testid=stMainBlockContainer]').clientWidth", MAIN
        )
        widths = page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => g.getBoundingClientRect().width)"
        )
        narrow = [round(w) for w in widths if w < 0.8 * main_width]
        assert not narrow, f"{path}: charts narrower than the column ({round(main_width)} px): {narrow}"
    finally:
        context.close()


def _focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
             return {tag: e.tagName, text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 60),
                     inMain: !!e.closest('[data-testid=stMain]'), outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
                     background: s.backgroundColor}; }"""
    )


def test_skip_link_is_the_first_tab_stop_and_reaches_the_content(page, base_url):
    _loaded(page, base_url + "/", "Enforcement Atlas", 1)
    page.keyboard.press("Tab")
    first = _focused(page)
    assert "skip" in first["text"].lower(), f"first tab stop is not a skip link: {first}"
    page.keyboard.press("Enter")
    after = _focused(page)
    page.keyboard.press("Tab")
    following = _focused(page)
    assert after["inMain"] or following["inMain"], f"the skip link did not move focus into the content: {after}, {following}"
    assert not following["text"].lower().startswith(("overview", "dashboard")), following


def test_focus_ring_differs_from_the_current_page_highlight(page, base_url):
    _loaded(page, base_url + "/", "Enforcement Atlas", 1)
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


@pytest.mark.parametrize(("label", "key", "commit"), [("From", "from", "Enter"), ("To", "to", "Tab")])
def test_a_typed_date_applies_on_enter_and_on_tab(page, base_url, label, key, commit):
    _loaded(page, base_url + "/", "Enforcement Atlas", 1)
    field = page.locator(SIDEBAR).get_by_role("textbox", name=label, exact=True)
    field.click()
    field.press("Control+A")
    page.keyboard.type("2022-06-30" if key == "to" else "2021-01-01")
    page.keyboard.press(commit)
    page.wait_for_url(f"**{key}=202*", timeout=30_000)
    wait_for_app(page)
    assert query(page.url)[key] == ["2022-06-30" if key == "to" else "2021-01-01"], page.url


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
