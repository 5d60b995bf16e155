"""The chart toolbar's PNG download works with no internet."""

from __future__ import annotations

import re

from ._support import shot, wait_for_app, wait_for_charts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_chart_png_download(page, base_url):
    page.goto(base_url + "/")
    wait_for_app(page, "Enforcement Atlas")
    wait_for_charts(page, 3)
    for index, expected_name in ((0, "atlas-overview-map"), (1, "atlas-top-companies")):
        chart = page.locator('[data-testid="stPlotlyChart"]').nth(index)
        chart.hover()
        button = chart.get_by_role("button", name=re.compile(r"download plot as a png", re.I))
        with page.expect_download(timeout=30_000) as pending:
            button.click()
        download = pending.value
        assert download.failure() is None, download.failure()
        content = open(download.path(), "rb").read()
        assert content.startswith(PNG_MAGIC), f"not a PNG: {content[:16]!r}"
        assert len(content) > 5_000, f"PNG suspiciously small ({len(content)} bytes)"
        assert download.suggested_filename == f"{expected_name}.png"
        download.save_as(str(shot(page, f"download-{index}").with_name(f"browser-download-{expected_name}.png")))
    assert page.atlas_log.external_requests() == []
