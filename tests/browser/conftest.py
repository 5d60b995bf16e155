"""Real-browser fixtures: one Streamlit server per session, headless Debian Chromium via Playwright.

Skipped with a reason when Chromium or playwright is missing, unless ATLAS_REQUIRE_BROWSER=1
(CI), which turns the same condition into a loud failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._support import ARTIFACTS, REPO, new_page

HERE = Path(__file__).resolve().parent
REQUIRE_BROWSER = os.environ.get("ATLAS_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 60


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def missing_reason() -> str | None:
    """Why these tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"playwright cannot be imported ({exc}); pip install playwright (never `playwright install`)"
    if chromium_path() is None:
        return "no Chromium at /usr/bin/chromium or on PATH; apt-get install -y chromium"
    return None


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: real-browser tests (headless Chromium through playwright)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing_reason()
    for item in items:
        if not _in_this_folder(item):
            continue
        item.add_marker(pytest.mark.browser)
        if reason and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


# --- the server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server() -> Server:
    """`python -m streamlit run app.py` on a free loopback port; returns once /_stcore/health says ok."""
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="atlas-streamlit-", suffix=".log")[1])
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with code {process.returncode} before it was healthy:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return server
        time.sleep(0.25)
    server.stop()
    pytest.fail(f"streamlit was not healthy within {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def atlas_server(request: pytest.FixtureRequest):
    server = start_server()
    request.config.stash.setdefault(_SERVERS_KEY, []).append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def base_url(atlas_server: Server) -> str:
    return atlas_server.url


_SERVERS_KEY = pytest.StashKey[list]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing browser test carries the tail of every server log it may have used."""
    report = yield
    if report.failed and _in_this_folder(item):
        for server in item.config.stash.get(_SERVERS_KEY, []):
            report.sections.append((f"streamlit server log (tail) {server.url}", server.log_tail()))
    return report


# --- the browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_session():
    reason = missing_reason()
    if reason:
        if REQUIRE_BROWSER:
            pytest.fail(f"ATLAS_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = playwright_session.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh context and page; its log is `page.atlas_log`; the last view is saved as a screenshot after the test."""
    context, page = new_page(browser)
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"browser-{name}-end.png"), timeout=10_000)
        context.close()


@pytest.fixture
def fresh_server(request: pytest.FixtureRequest):
    """A second, cold server of its own (empty caches), for first-load timings."""
    server = start_server()
    request.config.stash.setdefault(_SERVERS_KEY, []).append(server)
    try:
        yield server
    finally:
        server.stop()
