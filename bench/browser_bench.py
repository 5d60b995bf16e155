"""Figure 6: time from navigation to the first drawn chart in headless Chromium.

Debian's /usr/bin/chromium through Playwright (never `playwright install`), flags
--no-sandbox --disable-gpu --disable-background-networking --disable-component-update
--disable-sync --no-first-run. For `/` and `/Map`: a fresh app server and its first
visitor (cold: the process imports, loads and converts the data), then three visits in new
browser contexts (warm: new sessions, caches filled), median. Time = from `page.goto` to
the first `.js-plotly-plot .main-svg` in the DOM and visible. Baseline of each line: in the
same navigation, the time until Streamlit's own frontend has rendered its shell
(`[data-testid="stApp"]`), i.e. what any Streamlit app costs before its script's output.
Every request the page makes is logged; any that leaves 127.0.0.1 is reported.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.common import Figure, app_servers, emit, median, note, target

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHART = ".js-plotly-plot .main-svg"
SHELL = '[data-testid="stApp"]'


def _visit(browser, url: str, outside: list[str], frames: list[float] | None = None) -> tuple[float, float]:
    """(seconds to the app shell, seconds to the first drawn chart) in a new context.

    `frames` collects the arrival time (from navigation) of every websocket frame the
    server sends, to tell server time from browser time.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()

        def on_request(req) -> None:
            host = urlparse(req.url).hostname
            if req.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in ("127.0.0.1", "localhost"):
                outside.append(req.url)

        page.on("request", on_request)
        t0 = time.perf_counter()
        if frames is not None:
            page.on("websocket", lambda ws: ws.on("framereceived", lambda _: frames.append(time.perf_counter() - t0)))
        page.goto(url, wait_until="commit", timeout=120_000)
        page.wait_for_selector(SHELL, state="attached", timeout=120_000)
        shell = time.perf_counter() - t0
        page.wait_for_selector(CHART, state="visible", timeout=120_000)
        chart = time.perf_counter() - t0
        return shell, chart
    finally:
        context.close()


def _attribute(name: str, which: str, frames: list[float], chart: float) -> None:
    before = [f for f in frames if f <= chart]
    if before:
        note(
            f"{name} {which}: first websocket frame at {before[0]:.2f} s, last before the chart at {before[-1]:.2f} s "
            f"({len(before)} frames), chart at {chart:.2f} s"
        )


def run(quick: bool = False) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    warm_visits = 2 if quick else 3
    figs: list[Figure] = []
    outside: list[str] = []
    with tempfile.TemporaryDirectory(prefix="atlas-bench-browser-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for name, path in (("overview", "/"), ("map", "/Map")):
                with app_servers(1, Path(tmp)) as (server,):
                    url = server.url + path
                    frames: list[float] = []
                    shell, chart = _visit(browser, url, outside, frames)
                    figs.append(emit(Figure(f"browser_{name}_cold_first_chart", chart, "s", shell)))
                    _attribute(name, "cold", frames, chart)
                    warm = []
                    for _ in range(warm_visits):
                        frames = []
                        warm.append(_visit(browser, url, outside, frames))
                    figs.append(
                        emit(
                            Figure(
                                f"browser_{name}_warm_first_chart",
                                median([c for _, c in warm]),
                                "s",
                                median([s for s, _ in warm]),
                            )
                        )
                    )
                    _attribute(name, "warm (last visit)", frames, warm[-1][1])
        finally:
            browser.close()
    note(f"cold = first visit to a fresh server; warm = median of {warm_visits} later visits (new contexts)")
    note("baseline = time to Streamlit's own app shell in the same navigation")
    note(f"requests leaving 127.0.0.1: {len(outside)}" + (f" (first: {outside[0]})" if outside else ""))
    target("no request leaves loopback", not outside)
    return figs
