"""Figure 7: shared datasets. Opening a saved dataset of 100,000 rows, cold and warm, against the same
rows as the session's own upload; and the scale-out proof: saved through process A, opened through B.

Open time (AppTest, the Overview): the upload baseline puts the frame in
`st.session_state["uploaded_fines"]` with `data=mine`, as the `pages` benchmark does; the shared
dataset is the same frame saved with `components.datasets.save` and opened with `?dataset=ID`.
Cold = the first run with every Streamlit cache empty (for the dataset: read the rows from the
database, then convert; for the upload: convert); warm = the median of later reruns of a new
session (for the dataset: the per-process cache by ID; for the upload: the session's own memo).
Also the bare `datasets.load_rows` (best of 3) and the save itself. SQLite always, PostgreSQL when
Debian's server binaries are installed (bench/pgserver.py starts one on loopback).

Scale-out proof (not in --quick; needs PostgreSQL, nginx and Chromium): two app processes with
one PostgreSQL behind nginx (bench/nginx.conf.template). Each browser context gets a route
cookie that nginx hashes to a known process (found by asking nginx's access log which process
answered). Context A uploads a file and saves it through process A; a fresh context B, pinned
to process B, opens the link; the proof holds when B shows the dataset's banner and the same chart
data as A, and the access log shows each websocket on its own process.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from bench.common import LOOPBACK, Figure, app_servers, emit, free_port, median, note, target, wait_http
from bench.pages_bench import upload_frame

RUNS = 7


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _overview(state: dict | None, query: dict, runs: int) -> tuple[float, float, str]:
    """(first run's seconds with empty caches, median of later reruns in a new session, problem)."""
    from streamlit.testing.v1 import AppTest

    from bench.common import REPO

    def session() -> AppTest:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
        for k, v in (state or {}).items():
            at.session_state[k] = v
        for k, v in query.items():
            at.query_params[k] = v
        return at

    _clear_caches()
    at = session()
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    problem = "exception: " + str(at.exception[0].value)[:200] if len(at.exception) else ""
    at = session()
    at.run()  # the new session's own first run (the upload's memo is per session)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    if not problem and not any("Shared dataset:" in m.value for m in at.markdown) and "dataset" in query:
        problem = "the shared dataset's banner is missing"
    return cold, median(times), problem


def _open_times(url: str, label: str, frame, runs: int) -> list[Figure]:
    from components import datasets

    figs: list[Figure] = []
    engine = datasets.make_engine(url)
    settings = datasets.Settings.from_env({"ATLAS_DATABASE_URL": url})
    report = datasets.Report(f"bench-{len(frame)}.csv", len(frame), len(frame), 0, 0, {"mapping": {}, "choices": {}})
    t0 = time.perf_counter()
    saved = datasets.save(engine, frame, report, title=f"bench {len(frame):,}", settings=settings)
    save_s = time.perf_counter() - t0
    loads = []
    for _ in range(3):
        t0 = time.perf_counter()
        back = datasets.load_rows(engine, saved.id)
        loads.append(time.perf_counter() - t0)
    assert len(back) == len(frame)
    engine.dispose()
    n = f"{len(frame) // 1000}k"
    figs.append(emit(Figure(f"shared_{label}_save_{n}", save_s, "s", None)))
    figs.append(emit(Figure(f"shared_{label}_load_rows_{n}", min(loads), "s", None)))

    os.environ["ATLAS_DATABASE_URL"] = url
    try:
        upload_state = {"uploaded_fines": frame, "uploaded_name": "bench.csv", "upload_token": "bench", "data": "mine"}
        up_cold, up_warm, p1 = _overview(upload_state, {"data": "mine"}, runs)
        sh_cold, sh_warm, p2 = _overview(None, {"dataset": saved.id}, runs)
    finally:
        os.environ.pop("ATLAS_DATABASE_URL", None)
        _clear_caches()
    figs.append(emit(Figure(f"shared_{label}_open_cold_{n}", sh_cold, "s", up_cold)))
    figs.append(emit(Figure(f"shared_{label}_open_warm_{n}", sh_warm, "s", up_warm)))
    for p in (p1, p2):
        if p:
            note(f"{label}: {p}")
    target(f"{label}: warm open of a shared dataset within 1.5x of the session's own upload", sh_warm <= 1.5 * up_warm,
           f"{sh_warm:.3f} s vs {up_warm:.3f} s")  # fmt: skip
    return figs


def _fault_times() -> list[Figure]:
    """The Overview with ?dataset= while the database hangs (accepts, never answers) or refuses."""
    import contextlib
    import socket

    from streamlit.testing.v1 import AppTest

    from bench.common import REPO

    def overview(query: dict) -> tuple[float, str]:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        t0 = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - t0
        shown = " ".join(str(w.value) for w in at.warning)
        return seconds, ("unavailable" if "unavailable right now" in shown else "NO MESSAGE") + (
            "; exception" if len(at.exception) else ""
        )

    figs: list[Figure] = []
    _clear_caches()
    overview({})
    base, _ = overview({})  # the bundled Overview, caches warm
    hung = socket.socket()
    hung.bind((LOOPBACK, 0))
    hung.listen(16)  # the kernel completes the handshakes; nobody ever answers
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        refused = s.getsockname()[1]
    try:
        for label, port in (("hung", hung.getsockname()[1]), ("refused", refused)):
            os.environ["ATLAS_DATABASE_URL"] = f"postgresql://atlas@{LOOPBACK}:{port}/atlas"
            with contextlib.suppress(Exception):
                import streamlit as st

                st.cache_resource.clear()  # settings and health are read afresh
                overview({})  # the bundle and rates loaded, as on a running server
            first, msg1 = overview({"dataset": "AAAAAAAAAAAAAAAAAAAAAA"})
            nxt, msg2 = overview({"dataset": "AAAAAAAAAAAAAAAAAAAAAA"})
            figs.append(emit(Figure(f"shared_db_{label}_first_page", first, "s", base)))
            figs.append(emit(Figure(f"shared_db_{label}_next_page", nxt, "s", base)))
            target(f"database {label}: the page answers within 3 s and says so", first < 3.0 and nxt < 3.0,
                   f"{first:.2f} s then {nxt:.2f} s; {msg1}, {msg2}")  # fmt: skip
    finally:
        os.environ.pop("ATLAS_DATABASE_URL", None)
        hung.close()
        _clear_caches()
    note("db_*: Overview with ?dataset=ID while the database hangs or refuses; baseline: the bundled Overview, warm")
    return figs


def run(quick: bool = False) -> list[Figure]:
    from bench import pgserver

    n = 10_000 if quick else 100_000
    frame = upload_frame(n)
    frame.index = np.arange(1, n + 1)
    frame.index.name = "row"
    figs: list[Figure] = _fault_times()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-shared-") as tmp:
        figs += _open_times(f"sqlite:///{Path(tmp) / 'atlas.db'}", "sqlite", frame, 3 if quick else RUNS)
    reason = pgserver.missing_reason()
    if reason:
        note(f"postgresql: skipped ({reason})")
    else:
        with pgserver.running() as pg:
            figs += _open_times(pg.url, "postgres", frame, 3 if quick else RUNS)
            if not quick:
                ok, detail = scaleout_proof(pg.url)
                note(f"scale-out proof: {detail}")
                target("a dataset saved through process A opens through process B (nginx, PostgreSQL)", ok, "")
    note(
        "open_cold: first Overview run with empty caches (dataset: read from the database + convert; baseline: the same "
        "rows as this session's upload, convert); open_warm: median rerun of a new session (dataset: per-process cache "
        f"by ID; baseline: the session's memo); {n:,} rows sampled from the bundled fines"
    )
    return figs


# --- scale-out proof -------------------------------------------------------------------------


def _upstream_of(proxy_port: int, access_log: Path, cookie: str) -> str:
    """Which process nginx sends this route cookie to (the access log's $upstream_addr)."""
    req = urllib.request.Request(f"http://{LOOPBACK}:{proxy_port}/_stcore/health", headers={"Cookie": f"atlas_route={cookie}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()
    for _ in range(20):
        lines = [ln for ln in access_log.read_text().splitlines() if "/_stcore/health" in ln]
        if lines:
            return lines[-1].split('" 200 ')[1].split()[0]
        time.sleep(0.1)
    raise RuntimeError("nginx logged no health request")


def _websocket_upstreams(access_log: Path) -> list[str]:
    return [
        ln.split('" 101 ')[1].split()[0]
        for ln in access_log.read_text().splitlines()
        if "/_stcore/stream" in ln and '" 101 ' in ln
    ]


def scaleout_proof(database_url: str, browser=None) -> tuple[bool, str]:
    """Two processes, one PostgreSQL, nginx: save through A, open through B. (ok, what was seen)."""
    from bench.scaleout_bench import NGINX, write_config

    own_browser = browser is None
    pw = None
    os.environ["ATLAS_DATABASE_URL"] = database_url
    try:
        with tempfile.TemporaryDirectory(prefix="atlas-bench-shared-proxy-") as tmp, app_servers(2, Path(tmp)) as servers:
            prefix = Path(tmp)
            port = free_port()
            conf = write_config(prefix, port, [s.port for s in servers])
            with open(prefix / "nginx.stderr", "wb") as err:
                proxy = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=err,
                                         start_new_session=True)  # fmt: skip
            try:
                wait_http(f"http://{LOOPBACK}:{port}/_stcore/health", timeout=20, proc=proxy)
                log = prefix / "access.log"
                routes: dict[str, str] = {}
                for _ in range(64):
                    cookie = secrets.token_hex(8)
                    routes.setdefault(_upstream_of(port, log, cookie), cookie)
                    if len(routes) == 2:
                        break
                if len(routes) < 2:
                    return False, f"nginx sent every route cookie to one process: {sorted(routes)}"
                (addr_a, cookie_a), (addr_b, cookie_b) = sorted(routes.items())
                if own_browser:
                    from playwright.sync_api import sync_playwright

                    pw = sync_playwright().start()
                    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
                base = f"http://{LOOPBACK}:{port}"
                seen = _save_and_open(browser, base, cookie_a, cookie_b)
                # nginx logs a websocket when it closes (the contexts are closed): wait for both
                deadline = time.monotonic() + 15
                while not {addr_a, addr_b} <= set(sockets := _websocket_upstreams(log)) and time.monotonic() < deadline:
                    time.sleep(0.2)
            finally:
                proxy.terminate()
                proxy.wait(10)
    finally:
        os.environ.pop("ATLAS_DATABASE_URL", None)
        if own_browser and browser is not None:
            browser.close()
        if pw is not None:
            pw.stop()
    ok = seen["same_charts"] and seen["banner_b"] and addr_a in sockets and addr_b in sockets
    detail = (
        f"saved through {addr_a} (context A's websockets: {sockets.count(addr_a)}), opened through {addr_b} "
        f"(context B's: {sockets.count(addr_b)}); banner on B: {seen['banner_b']}; same chart data on the Overview: "
        f"{seen['same_charts']} ({seen['charts']} charts)"
    )
    return ok, detail


def _save_and_open(browser, base: str, cookie_a: str, cookie_b: str) -> dict:
    from tests.browser._support import settled_chart_data, wait_for_app, wait_for_charts

    def context(cookie: str):
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.set_default_timeout(60_000)
        ctx.add_cookies([{"name": "atlas_route", "value": cookie, "url": base}])
        return ctx, ctx.new_page()

    rows = "\n".join(f"{c},{d},{a + secrets.randbelow(1000)},{n}" for c, d, a, n in (
        ("France", "2021-03-04", 150_000, "Acme SAS"), ("Ireland", "2022-09-15", 405_000_000, "Instagram"),
        ("Italy", "2022-02-10", 20_000_000, "Clearview AI"), ("Netherlands", "2024-05-16", 30_500_000, "Clearview AI"),
    ))  # fmt: skip
    data = f"country,decision_date,amount EUR,controller\n{rows}\n".encode()
    ctx_a, a = context(cookie_a)
    ctx_b, b = context(cookie_b)
    try:
        a.goto(base + "/Data")
        wait_for_app(a, "Data")
        a.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            {"name": "team.csv", "mimeType": "text/csv", "buffer": data}
        )
        wait_for_app(a, "Validation report")
        a.get_by_role("textbox", name="Title").fill("Team register")
        a.get_by_role("button", name="Save as a shared dataset").click()
        wait_for_app(a, "Saved 4 rows as a shared dataset.")
        link = next(c.strip() for c in a.locator('[data-testid="stCode"]').all_inner_texts() if "?dataset=" in c)
        dataset_id = re.search(r"dataset=([A-Za-z0-9_-]+)", link)[1]
        a.goto(f"{base}/?dataset={dataset_id}")
        wait_for_app(a, "Enforcement Atlas")
        charts = wait_for_charts(a, 3)
        a_charts = settled_chart_data(a)
        b.goto(f"{base}/?dataset={dataset_id}")
        wait_for_app(b, "Enforcement Atlas")
        banner = b.get_by_text("Shared dataset: Team register").count() > 0
        wait_for_charts(b, 3)
        b_charts = settled_chart_data(b)
    finally:
        ctx_a.close()
        ctx_b.close()
    return {"banner_b": banner, "same_charts": a_charts == b_charts, "charts": charts}
