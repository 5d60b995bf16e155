"""Nothing leaves the machine: a walk through every page asks only the local server."""

from __future__ import annotations

from ._support import REPO, shot, sidebar_link, wait_for_app, wait_for_charts

PAGES = ["Map", "Companies", "Timeline", "Collection", "Appeals"] + (["Data"] if any(REPO.glob("pages/*_Data.py")) else [])


def test_no_request_leaves_localhost(page, base_url):
    page.goto(base_url + "/")
    wait_for_app(page, "Enforcement Atlas")
    wait_for_charts(page, 3)
    for label in PAGES:
        sidebar_link(page, label).click()
        page.wait_for_url(f"**/{label}**")
        wait_for_app(page, label)
        wait_for_charts(page, 0)
    # a deep link into a page reloads everything (favicon, fonts, map files) from scratch
    page.goto(base_url + "/Map")
    wait_for_app(page, "Map")
    page.wait_for_selector("path.choroplethlocation")
    shot(page, "offline-walk-map")

    log = page.atlas_log
    assert len(log.requests) > 20, f"suspiciously few requests recorded: {log.requests}"
    assert any("/app/static/topojson/" in u for u in log.requests), "the map did not load its local boundaries"
    assert log.external_requests() == [], f"requests left localhost: {log.external_requests()}"
    assert log.app_failures() == [], f"failed responses: {log.app_failures()}"
