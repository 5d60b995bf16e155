"""Presenter-grade pages in a real browser: the map's one year control and Play, the Fines page's
search, an exported image that names its filters, the one-chart embed view, a bar that opens a profile."""

from __future__ import annotations

import re
import time
from urllib.parse import quote_plus

import pandas as pd

from ._support import REPO, expect, query, shot, wait_for_app, wait_for_charts

MONEY_TYPES = ("fine", "penalty_payment", "court_fine")


def _fines() -> pd.DataFrame:
    fines = pd.read_csv(REPO / "data" / "fines.csv", dtype=str, keep_default_na=False)
    return fines[fines["decision_type"].isin(MONEY_TYPES)]


def _map_title(page) -> str:
    return page.locator('[data-testid="stPlotlyChart"] .gtitle').first.text_content() or ""


def _map_state(page) -> str:
    """What the page holds when the year and the map disagree: every chart's title, the text title above the map,
    and whether a run is still going, so a rare mismatch says where it comes from."""
    titles = page.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()
    narrow = page.locator('[class*="st-key-narrowtitle_"]').all_text_contents()
    running = page.locator('[data-testid="stStatusWidget"]').count()
    return f"chart titles {titles!r}, text titles {narrow!r}, status widgets {running}"


def _shows_one_year(page, seconds: float = 30.0) -> str:
    """Once the page settles: the URL's year, and the map's title and the slider name the same year.

    The three are read together until they agree: the URL arrives in its own message after the run,
    so reading it once, straight after the run, raced it on a loaded machine (URL still the old year)."""
    deadline = time.monotonic() + seconds
    while True:
        wait_for_app(page)
        year = query(page.url).get("year", [""])[0]
        title = _map_title(page)
        slider = page.locator('[data-testid="stSlider"]').first.text_content() or ""
        if year and f"decisions up to {year}" in title and year in slider:
            return year
        if time.monotonic() >= deadline:
            shot(page, "map-year-mismatch")
            raise AssertionError(f"the URL says {year!r}, the title {title!r}, the slider {slider!r}; {_map_state(page)}")
        page.wait_for_timeout(250)


def test_map_has_one_year_control_and_play_and_pause_keep_url_title_and_slider_together(page, base_url):
    """One load for the map's year control: a linked year, Pause at several points of a step (a click
    can land while a tick is moving the year on), then Play to the end."""
    years = sorted({int(d[:4]) for d in _fines()["decision_date"]})
    page.goto(base_url + "/Map?year=2020")
    wait_for_app(page, "Map")
    wait_for_charts(page)
    # one year control: the page's slider; plotly draws no slider or play buttons of its own
    assert page.locator(".js-plotly-plot .slider-container, .js-plotly-plot .updatemenu-container").count() == 0
    sliders = page.locator('[data-testid="stSlider"]')
    expect(sliders).to_have_count(1)
    expect(sliders.first).to_contain_text("2020")
    assert "decisions up to 2020" in _map_title(page)

    play = page.get_by_role("button", name="▶ Play")
    pause = page.get_by_role("button", name="❚❚ Pause")
    for delay in (1300, 2500, 1900):
        play.click()
        expect(pause).to_be_visible(timeout=30_000)
        page.wait_for_timeout(delay)
        pause.click()
        expect(play).to_be_visible(timeout=30_000)
        _shows_one_year(page)

    # Play (which starts from the first year) ends on the last year and gives the button back
    play.click()
    expect(pause).to_be_visible(timeout=30_000)
    expect(play).to_be_visible(timeout=60_000)
    wait_for_app(page)
    last = str(years[-1])
    page.wait_for_function("y => document.location.search.includes('year=' + y)", arg=last, timeout=30_000)
    assert _shows_one_year(page) == last
    shot(page, "map-after-play")


def test_fines_page_search_narrows_the_table_and_the_url(page, base_url):
    from components import data, metrics, tables

    prepared = metrics.prepare(data.load_bundle().fines, metrics.Money())
    expected = len(tables.search_rows(tables.fines_frame(metrics.apply_filters(prepared, metrics.Filters())), "clearview"))
    total = len(metrics.apply_filters(prepared, metrics.Filters()))
    assert 0 < expected < total

    page.goto(base_url + "/Fines")
    wait_for_app(page, "Fines")
    expect(page.get_by_text(f"Showing {total:,} decisions of {total:,}")).to_be_visible()
    box = page.get_by_role("textbox", name="Search the table")
    box.fill("clearview")
    box.press("Enter")
    expect(page.get_by_text(f"Showing {expected:,} decisions of {total:,}")).to_be_visible(timeout=30_000)
    assert query(page.url).get("search") == ["clearview"], page.url
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    shot(page, "fines-search-clearview")


def test_exported_svg_names_the_active_filters(page, base_url):
    page.goto(base_url + "/Timeline?img=SVG&country=" + quote_plus("Ireland (IE)"))
    wait_for_app(page, "Timeline")
    wait_for_charts(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart).to_contain_text("Filters: Ireland")
    chart.hover()
    # plotly names the camera button "Download plot" when its format is not PNG
    button = chart.get_by_role("button", name=re.compile(r"^download plot$", re.I))
    with page.expect_download(timeout=30_000) as pending:
        button.click()
    download = pending.value
    assert download.failure() is None, download.failure()
    svg = open(download.path(), encoding="utf-8").read()
    assert svg.lstrip().startswith("<svg"), svg[:80]
    assert "Filters: Ireland" in svg
    assert "Source: " in svg  # the source line travels with the image
    assert "updatemenu" not in svg and "slider" not in svg  # no interactive controls baked in


def test_exported_png_of_the_map_has_no_play_controls(page, base_url):
    page.goto(base_url + "/Map?sector=" + quote_plus("Technology and online platforms"))
    wait_for_app(page, "Map")
    wait_for_charts(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart).to_contain_text("Filters: Technology and online platforms")
    assert chart.locator(".updatemenu-container, .slider-container").count() == 0
    chart.hover()
    with page.expect_download(timeout=30_000) as pending:
        chart.get_by_role("button", name=re.compile(r"download plot as a png", re.I)).click()
    assert open(pending.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_embed_view_shows_one_chart_and_nothing_else(page, base_url):
    page.goto(base_url + "/Map?embed=true&view=chart&metric=" + quote_plus("Number of fines"))
    wait_for_app(page)
    wait_for_charts(page)
    visible_charts = [c for c in page.locator('[data-testid="stPlotlyChart"]').all() if c.is_visible()]
    assert len(visible_charts) == 1
    expect(visible_charts[0]).to_contain_text("Number of fines by fining authority country")
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    assert not page.get_by_role("heading", name="Map", exact=True).is_visible()
    assert not page.get_by_text("Sources and rates").first.is_visible()
    shot(page, "embed-map-chart")


def test_clicking_a_company_bar_opens_its_profile(page, base_url):
    page.goto(base_url + "/Companies")
    wait_for_app(page, "Companies")
    wait_for_charts(page, 2)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    bars = chart.locator("g.trace.bars path")
    top = bars.last  # the largest bar is drawn last (on top)
    top.scroll_into_view_if_needed()
    box = top.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = page.locator(".hovertext").first
    expect(hover).to_be_visible()
    name = (hover.locator("text tspan").first.text_content() or "").strip()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=30_000)
    wait_for_app(page)
    assert query(page.url).get("company") == [name], page.url
    shot(page, "company-bar-profile")


def test_sources_control_leaves_out_fines_that_rest_on_a_case_summary(page, base_url):
    """The Overview says how many fines rest only on a GDPRhub summary; a click on the sidebar's Sources control
    leaves them out of the tiles, puts the choice in the URL, and a reload of that URL keeps it."""
    from components import data, metrics, sources

    prepared = metrics.prepare(data.load_bundle().fines, metrics.Money())
    every = metrics.headline(metrics.apply_filters(prepared, metrics.Filters()))
    primary = metrics.headline(metrics.apply_filters(prepared, metrics.Filters(sources=sources.PRIMARY_ONLY)))
    secondary = every.summary_only + every.commentary_only
    assert every.summary_only > 0 and every.commentary_only > 0 and primary.fines == every.fines - secondary

    page.goto(base_url + "/")
    wait_for_app(page)
    expect(page.get_by_text(f"{secondary:,} fines of {every.fines:,}")).to_be_visible()
    page.locator('[data-testid="stSidebar"]').get_by_text(sources.CHOICE_LABELS[sources.PRIMARY_ONLY], exact=True).click()
    tile = page.locator('[data-testid="stMetric"]').first
    expect(tile).to_contain_text(f"{primary.fines:,}", timeout=30_000)
    expect(page.get_by_text("rest only on a case summary")).to_have_count(0)
    assert query(page.url).get("sources") == [sources.CHOICE_LABELS[sources.PRIMARY_ONLY]], page.url
    page.reload()
    wait_for_app(page)
    expect(page.locator('[data-testid="stMetric"]').first).to_contain_text(f"{primary.fines:,}", timeout=30_000)
    shot(page, "overview-primary-sources-only")
