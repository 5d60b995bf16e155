"""Time from navigation to the first drawn chart, cold and warm (printed, not asserted).

cold: the first visit of the page on a freshly started server, from a new browser profile.
warm: the same page loaded again in the same tab (server caches and browser cache warm).
"""

from __future__ import annotations

import time

from ._support import ARTIFACTS, new_page, wait_for_app


def _first_chart_seconds(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    elapsed = time.perf_counter() - start
    wait_for_app(page)
    return elapsed


def test_time_to_first_chart(browser, fresh_server, capsys):
    lines = []
    for path in ("/", "/Map"):
        context, page = new_page(browser)
        try:
            for label in ("cold", "warm"):
                seconds = _first_chart_seconds(page, fresh_server.url + path)
                lines.append(f"browser first-chart {path} {label} {seconds:.1f} s")
        finally:
            context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser-timing.txt").write_text("\n".join(lines) + "\n")
    with capsys.disabled():
        print()
        for line in lines:
            print(line)
