"""Helpers shared by the real-browser tests: waiting for Streamlit, reading what plotly drew.

Kept free of module-level playwright imports so the folder can be collected (and skipped
with a reason) on a machine without a browser.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
if str(REPO) not in sys.path:  # the pure modules (params, countries) name what the app shows
    sys.path.insert(0, str(REPO))

APP_TIMEOUT_MS = 60_000
UI_TIMEOUT_MS = 30_000
#: playwright's own 5 s default for an `expect` is short when a second pytest worker shares the
#: two cores (pyproject: -n 2): a rerun that takes 1 s on a quiet machine can take 5 s then.
EXPECT_TIMEOUT_MS = 15_000

#: Streamlit's frontend probes `<page>/_stcore/host-config` and `<page>/_stcore/health` on a
#: deep link before it finds the server root; those 404s are Streamlit's, not the app's.
STREAMLIT_PROBE = re.compile(r"/[^/]+/_stcore/(host-config|health)$")

#: Every trace's drawn data, with typed arrays made plain (JSON-comparable).
CHART_DATA_JS = """
() => {
  const plain = v => (v && ArrayBuffer.isView(v)) ? Array.from(v) : v;
  const keys = ['type', 'name', 'locations', 'z', 'x', 'y', 'customdata', 'text', 'values', 'labels'];
  return Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => (g.data || []).map(t => {
    const out = {};
    for (const k of keys) if (t[k] !== undefined) out[k] = plain(t[k]);
    return out;
  }));
}
"""

#: Ids of the drawn choropleth shapes (plotly binds each path's ISO-3 code as `__data__.loc`).
DRAWN_LOCATIONS_JS = """
() => Array.from(document.querySelectorAll('path.choroplethlocation'))
        .map(p => p.__data__ && p.__data__.loc).filter(Boolean)
"""


def wait_for_app(page, text: str | None = None, timeout: int = APP_TIMEOUT_MS) -> None:
    """Streamlit connected, the page script finished, no exception element, and `text` visible."""
    from playwright.sync_api import expect

    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]',
        timeout=timeout,
    )
    # the running indicator ("Running..." / Stop) is gone once the script has finished
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=timeout)
    assert_no_exception(page)
    if text is not None:
        expect(page.get_by_text(text, exact=True).first).to_be_visible(timeout=timeout)
        assert_no_exception(page)


def assert_no_exception(page) -> None:
    """No exception element (with showErrorDetails = "none" it says only that the app hit an error)."""
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, "Streamlit exception on the page: " + " | ".join(errors.all_inner_texts())
    redacted = page.get_by_text("This app has encountered an error")
    assert redacted.count() == 0, "the app hit an uncaught error (details redacted; see the server log)"


def wait_for_charts(page, minimum: int = 1, timeout: int = APP_TIMEOUT_MS) -> int:
    """Wait until at least `minimum` plotly charts have drawn their SVG; return how many charts exist."""
    # count charts, not SVG layers: plotly gives each chart two .main-svg, so counting those let two drawn
    # charts pass for three while the third was not mounted yet
    page.wait_for_function(
        "n => { const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));"
        " return plots.length >= n && plots.every(g => g.querySelector('.main-svg')); }",
        arg=minimum,
        timeout=timeout,
    )
    return page.locator(".js-plotly-plot").count()


PHONE = {"width": 390, "height": 844}
_MAIN = '[data-testid="stMain"]'


def phone_layout_problems(page, resized: bool = False) -> list[str]:
    """What is wrong with the page at a phone's width: sideways scrolling, controls cut off at the right
    edge, charts narrower than the column. `resized`: the page was loaded wider and then narrowed;
    the data grids' hover toolbars keep their old place until hovered, so they are not counted."""
    problems = []
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"the page scrolls sideways ({scroll_width} px wide)")
    clipped = page.evaluate(
        """([sel, resized]) => Array.from(document.querySelectorAll(sel + ' button, ' + sel + ' [data-testid=stMetric]'))
             .filter(e => e.offsetParent !== null)
             .filter(e => !(resized && e.closest('[data-testid=stElementToolbar]')))
             .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; })
             .map(e => (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 40))""",
        [_MAIN, resized],
    )
    if clipped:
        problems.append(f"controls cut off at the right edge: {clipped}")
    main_width = page.evaluate("(sel) => document.querySelector(sel + ' [data-testid=stMainBlockContainer]').clientWidth", _MAIN)
    widths = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => g.getBoundingClientRect().width)"
    )
    narrow = [round(w) for w in widths if w < 0.8 * main_width]
    if narrow:
        problems.append(f"charts narrower than the column ({round(main_width)} px): {narrow}")
    return problems


def chart_data(page) -> list:
    return page.evaluate(CHART_DATA_JS)


def settled_chart_data(page, timeout: int = APP_TIMEOUT_MS) -> list:
    """Chart data once plotly has finished re-drawing after a rerun (two equal reads in a row)."""
    page.evaluate("() => { window.__atlasLastChartRead = undefined; }")
    page.wait_for_function(
        """() => {
          const read = () => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(g =>
            (g.data || []).map(t => [t.type, t.locations, t.x, t.y, t.z].map(v => v && ArrayBuffer.isView(v) ? Array.from(v) : v))));
          const now = read();
          const same = window.__atlasLastChartRead === now;
          window.__atlasLastChartRead = now;
          return same;
        }""",
        timeout=timeout,
        polling=400,
    )
    return chart_data(page)


def choose_option(page, label: str, option: str, settle: bool = True) -> None:
    """Pick `option` in the sidebar's select box or multiselect `label`, robust to a loaded machine.

    settle=False returns as soon as the choice is made, without waiting for the app's rerun (for a test
    of changes made in quick succession). With settle, a multiselect is checked afterwards: if the list was
    re-drawn between the check of its first entry and the Enter, Enter picked "Select all" (CI, stop 26: every
    country chosen instead of Ireland); the choice is then cleared and made again."""
    # the sidebar's controls can be missing for a moment after the first run (seen: none of the seven
    # multiselects for about a second after the title showed), so wait for this one before reading it
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    before = multiselect_values(page, label)
    for _attempt in range(3):
        _pick(page, label, option)
        if not settle:
            return
        wait_for_app(page)
        after = multiselect_values(page, label)
        if before is None or after is None or set(after) == set(before) | {option}:
            return
        _multiselect(page, label).get_by_role("button", name="Clear all").click()
        wait_for_app(page)
        for value in before:
            _pick(page, label, value)
            wait_for_app(page)
    raise AssertionError(f"{label}: {option!r} could not be chosen alone; the box holds {multiselect_values(page, label)}")


def _multiselect(page, label: str):
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has=page.get_by_role("combobox", name=label)
    )


def multiselect_values(page, label: str) -> list[str] | None:
    """The options chosen in the sidebar's multiselect `label` (None when `label` is a select box)."""
    box = _multiselect(page, label)
    if box.count() == 0:
        return None
    names = box.first.get_by_role("button", name=re.compile(r"^Remove ")).evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    return [n.removeprefix("Remove ").strip() for n in names]


def _pick(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label)
    options = page.get_by_role("option")
    for _attempt in range(4):
        box.click()
        # fill, not keyboard.type: keys typed while the sidebar re-rendered after the previous choice went
        # nowhere, and the unfiltered list showed "Select all" first (CI rehearsal, 2026-12-02)
        box.fill(option.split(" (")[0])
        try:
            # the typed text leaves this option first; Enter picks it (a click on it timed out on a loaded
            # machine, the list re-rendering under the pointer: "element is not stable")
            expect(options.first).to_have_text(option, timeout=5_000)
            break
        except AssertionError:
            # the list closed as the field was filled and ArrowDown did not bring it back (CI, stop 18):
            # close whatever is left, let the app settle and start again
            page.keyboard.press("Escape")
            wait_for_app(page)
    else:
        raise AssertionError(f"{label}: no option {option!r} appeared after four tries")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def metric_values(page) -> list[str]:
    return page.locator('[data-testid="stMetricValue"]').all_inner_texts()


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def sidebar_link(page, label: str):
    """The app's own sidebar navigation link (components/layout.py navigation())."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a').filter(has=page.get_by_text(label, exact=True))


#: The page each sidebar link opens: its URL path and its own heading (components/layout.py setup_page).
PAGE_PATHS = {
    "Overview": "/",
    "Map": "/Map",
    "Companies": "/Companies",
    "Timeline": "/Timeline",
    "Collection": "/Collection",
    "Appeals": "/Appeals",
    "Data": "/Data",
    "Fines": "/Fines",
}
PAGE_TITLES = {"Overview": "Enforcement Atlas"}


def switch_page(page, label: str, timeout: int = APP_TIMEOUT_MS) -> None:
    """Click the sidebar link `label` and wait until that page has run: its path in the address bar,
    its own heading in the main area, the script finished.

    wait_for_app(page, label) alone proved nothing: the sidebar's link of that name is visible all
    along, and right after the click the old page still reads "not running", so a test went on to
    the next click before the switch had happened. Clicks piled up, and a late switch to the Map
    arrived after the Collection page's change (CI, stop 25: the URL ended on /Map?cur=USD)."""
    path = PAGE_PATHS[label]
    sidebar_link(page, label).first.click()
    page.wait_for_url(lambda u: (urlparse(u).path.rstrip("/") or "/") == path, timeout=timeout)
    title = PAGE_TITLES.get(label, label)
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stMain"]').get_by_role("heading", name=title, exact=True).first).to_be_visible(
        timeout=timeout
    )
    wait_for_app(page, timeout=timeout)


def wait_for_query(page, wanted, what: str, timeout: int = UI_TIMEOUT_MS) -> None:
    """Wait until the address bar's query satisfies `wanted` (a function of query(url)). After a page switch or
    a rerun the URL arrives in its own message, so a read straight after the run can see the old address
    (CI, stop 26: the Overview's URL read as a bare "/" just before its view's parameters arrived)."""
    try:
        page.wait_for_url(lambda u: bool(wanted(query(u))), timeout=timeout)
    except Exception as error:
        raise AssertionError(f"{what}: the URL is {page.url}") from error


def external(url: str) -> bool:
    """True for a request that would leave this machine."""
    scheme = urlparse(url).scheme
    if scheme in ("data", "blob", "about", "chrome", "chrome-extension", "devtools"):
        return False
    return urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1", "[::1]")


def shot(page, name: str, full_page: bool = False) -> Path:
    """A screenshot a person can look at (tests/artifacts/, gitignored).

    Streamlit scrolls inside its main container, so a "full page" screenshot needs a
    viewport as tall as that container's content; the viewport is restored afterwards.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"browser-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    size = page.viewport_size
    if full_page and size:
        height = page.evaluate(
            "() => Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebarContent]'))"
            ".map(e => e.scrollHeight), 0)"
        )
        if height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
            page.wait_for_timeout(300)  # let plotly's resize handler redraw at the new size (cosmetic only)
    try:
        page.screenshot(path=str(path))
    finally:
        if size and page.viewport_size != size:
            page.set_viewport_size(size)
    return path


def expect(*args, **kwargs):
    """playwright's expect, imported late so the folder collects without playwright."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return playwright_expect(*args, **kwargs)


# --- pages with a log ----------------------------------------------------------------


@dataclass
class PageLog:
    """What a page did besides drawing: requests, failed responses, console errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        return sorted({u for u in self.requests if external(u)})

    def app_failures(self) -> list[str]:
        """Failed responses other than Streamlit's own base-path probes on deep links."""
        return [r for r in self.failed_responses if not STREAMLIT_PROBE.search(r.split(" ", 1)[1])]

    def app_console_errors(self) -> list[str]:
        # "Failed to load resource" lines are covered by failed_responses, which know the URL
        return [e for e in self.console_errors if not e.startswith("Failed to load resource")]


def attach_log(page) -> PageLog:
    log = PageLog()
    page.on("request", lambda r: log.requests.append(r.url))
    page.on("response", lambda r: log.failed_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))

    def on_dialog(dialog) -> None:
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return log


def new_page(browser, **context_args):
    context_args.setdefault("viewport", {"width": 1400, "height": 1000})
    context = browser.new_context(accept_downloads=True, **context_args)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.atlas_log = attach_log(page)
    return context, page
