"""Clicking a country on the map filters every page to its authority."""

from __future__ import annotations

import pandas as pd

from ._support import REPO, expect, metric_values, shot, switch_page, wait_for_app, wait_for_charts

MONEY_TYPES = ("fine", "penalty_payment", "court_fine")

#: Centre of the topmost drawn shape of a country (the coloured data layer lies over the grey base).
SHAPE_CENTRE_JS = """
iso3 => {
  const paths = Array.from(document.querySelectorAll('path.choroplethlocation')).filter(p => p.__data__ && p.__data__.loc === iso3);
  if (!paths.length) return null;
  const r = paths[paths.length - 1].getBoundingClientRect();
  return {x: r.x + r.width / 2, y: r.y + r.height / 2};
}
"""


def _fines_by_country() -> pd.Series:
    fines = pd.read_csv(REPO / "data" / "fines.csv", dtype=str, keep_default_na=False)
    return fines[fines["decision_type"].isin(MONEY_TYPES)].groupby("country").size()


def test_clicking_ireland_filters_to_its_authority(page, base_url):
    counts = _fines_by_country()
    page.goto(base_url + "/Map?persp=authority")
    wait_for_app(page, "Map")
    wait_for_charts(page)
    page.wait_for_selector("path.choroplethlocation")
    countries = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Authority countries")
    expect(countries).not_to_contain_text("Ireland")

    centre = page.evaluate(SHAPE_CENTRE_JS, "IRL")
    assert centre is not None, "no Ireland shape on the map"
    page.mouse.move(centre["x"], centre["y"])
    expect(page.locator(".hovertext").filter(has_text="Ireland").first).to_be_visible()
    page.mouse.click(centre["x"], centre["y"])

    expect(countries).to_contain_text("Ireland", timeout=30_000)
    wait_for_app(page)
    shot(page, "map-click-ireland")
    assert "country=" in page.url, f"the selection is not in the URL: {page.url}"

    switch_page(page, "Overview")
    wait_for_charts(page, 3)
    expect(countries).to_contain_text("Ireland")
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text(f"{counts['IE']:,}")
    shot(page, "map-click-overview")
    fines_tile = metric_values(page)[0]
    assert fines_tile == f"{counts['IE']:,}" and counts["IE"] < counts.sum(), fines_tile
