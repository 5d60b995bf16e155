"""Time from navigation to the first drawn chart, cold and warm (printed, not asserted)."""

from __future__ import annotations

import time

from ._support import ARTIFACTS, new_page, wait_for_app


def _first_chart_seconds(browser, url: str) -> float:
    context, page = new_page(browser)
    try:
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        elapsed = time.perf_counter() - start
        wait_for_app(page)
        return elapsed
    finally:
        context.close()


def test_time_to_first_chart(browser, fresh_server, capsys):
    lines = []
    for path in ("/", "/Map"):
        for label in ("cold", "warm"):
            seconds = _first_chart_seconds(browser, fresh_server.url + path)
            lines.append(f"browser first-chart {path} {label} {seconds:.1f} s")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser-timing.txt").write_text("\n".join(lines) + "\n")
    with capsys.disabled():
        print()
        for line in lines:
            print(line)
