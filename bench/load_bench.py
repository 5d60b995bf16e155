"""Figure 4: concurrent sessions against one app process (websocket clients, loopback only).

Each of N sessions (one websocket each, bench/wsclient.py) loads the Overview once, then
in a closed loop asks for reruns with a different filter in the URL and waits for each to
finish, until `duration` seconds or `max_reruns` per session, whichever comes first.
Throughput = finished reruns / wall time; latency = send to script_finished.
Baseline of each line: the same measure with N = 1.

Memory per idle session: a fresh server, one session run and closed (caches warm), VmRSS;
then M sessions open and each loads the Overview once and stays idle; VmRSS again after
2 s; (after - before) / M. Baseline: the server's RSS before the sessions.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import LOOPBACK, REPO, Figure, app_servers, cpu_seconds, emit, median, note, p95, rss_mb, target
from bench.wsclient import Session

#: Filter changes, as a shared link carries them. Bound widgets with a format_func take the
#: label in the URL in streamlit 1.67 (`country=Ireland (IE)`, `basis=Latest`).
QUERIES: tuple[str, ...] = (
    "",
    urlencode({"cur": "USD"}),
    urlencode({"cur": "GBP"}),
    urlencode({"country": "Ireland (IE)"}),
    urlencode([("country", "France (FR)"), ("cur", "USD")]),
    urlencode({"basis": "Latest"}),
    urlencode({"q": "meta"}),
    urlencode({"from": "2022-01-01"}),
    urlencode([("country", "Germany (DE)"), ("country", "Italy (IT)")]),
    urlencode({"amount": "Standing after appeals"}),
)


@dataclass
class LevelResult:
    sessions: int
    reruns: int
    errors: int
    wall: float
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = float("nan")  # CPU seconds of the server processes per wall second
    client_cpu: float = float("nan")  # CPU seconds of this (client) process per wall second

    @property
    def throughput(self) -> float:
        return self.reruns / self.wall if self.wall > 0 else float("nan")

    @property
    def cpu_per_rerun(self) -> float:
        """Server CPU seconds per finished rerun: the cost, whatever else the machine runs."""
        return self.server_cpu * self.wall / self.reruns if self.reruns else float("nan")


SessionFactory = Callable[[int], Session]


def run_level(
    factory: SessionFactory, n: int, duration: float, max_reruns: int, server_pids: Sequence[int], page: str = ""
) -> LevelResult:
    """N sessions in a closed loop of filter-change reruns; bounded by time and count."""
    sessions: list[Session] = []
    try:
        for i in range(n):
            s = factory(i).connect()
            s.rerun(QUERIES[i % len(QUERIES)], page)  # first load of the page, not timed
            sessions.append(s)
        latencies: list[list[float]] = [[] for _ in range(n)]
        errors = [0] * n
        barrier = threading.Barrier(n + 1)
        deadline = [0.0]

        def worker(i: int) -> None:
            s = sessions[i]
            barrier.wait()
            k = i + 1
            while time.perf_counter() < deadline[0] and len(latencies[i]) < max_reruns:
                try:
                    r = s.rerun(QUERIES[k % len(QUERIES)], page)
                except Exception:  # noqa: BLE001 - a dropped session ends its loop, counted as an error
                    errors[i] += 1
                    return
                k += 1
                latencies[i].append(r.seconds)
                if not r.ok:
                    errors[i] += 1

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        cpu0 = sum(cpu_seconds(p) for p in server_pids)
        own0 = time.process_time()
        t0 = time.perf_counter()
        deadline[0] = t0 + duration
        barrier.wait()
        for t in threads:
            t.join(duration + 120)
        wall = time.perf_counter() - t0
        cpu = (sum(cpu_seconds(p) for p in server_pids) - cpu0) / wall
        own = (time.process_time() - own0) / wall
        flat = [x for lst in latencies for x in lst]
        return LevelResult(n, len(flat), sum(errors), wall, flat, cpu, own)
    finally:
        for s in sessions:
            s.close()


def _pids_of(server) -> list[int]:
    return [server.pid]


def emit_levels(prefix: str, results: list[LevelResult], base: LevelResult) -> None:
    for r in results:
        emit(Figure(f"{prefix}_n{r.sessions}_throughput", r.throughput, "reruns/s", base.throughput))
        emit(Figure(f"{prefix}_n{r.sessions}_p50", median(r.latencies), "s", median(base.latencies)))
        emit(Figure(f"{prefix}_n{r.sessions}_p95", p95(r.latencies), "s", p95(base.latencies)))
        emit(Figure(f"{prefix}_n{r.sessions}_server_cpu_per_rerun", r.cpu_per_rerun, "s", base.cpu_per_rerun))
        note(
            f"{prefix} n={r.sessions}: {r.reruns} reruns in {r.wall:.1f} s, {r.errors} errors, "
            f"server CPU {r.server_cpu:.2f} cores, client CPU {r.client_cpu:.2f} cores"
        )


def idle_memory(n_idle: int, log_dir: Path) -> tuple[float, float, float]:
    """(MB per idle session, RSS before MB, RSS after MB) on a fresh server."""
    with app_servers(1, log_dir) as (server,):
        warm = Session(LOOPBACK, server.port).connect()
        warm.rerun("")
        warm.close()
        time.sleep(2)
        before = rss_mb(server.pid)
        sessions = []
        try:
            for i in range(n_idle):
                s = Session(LOOPBACK, server.port).connect()
                s.rerun(QUERIES[i % len(QUERIES)])
                sessions.append(s)
            time.sleep(2)
            after = rss_mb(server.pid)
        finally:
            for s in sessions:
                s.close()
    return (after - before) / n_idle, before, after


def server_pages(log_dir: Path, reruns: int) -> None:
    """Each page rerun on a real server, one session: wall time and the server's CPU per rerun.

    Unlike AppTest this includes what a server does around the script: the full garbage
    collection after every run (runner.postScriptGC), the protobuf and websocket traffic.
    Baseline: bench/baseline_page.py (one chart of the bundled fines) served the same way.
    """
    from bench.pages_bench import BASELINE, PAGES

    def measure(server, page: str) -> tuple[float, float]:
        s = Session(LOOPBACK, server.port).connect()
        try:
            s.rerun("")  # learns the pages' script hashes
            s.rerun(QUERIES[0], page)  # warm-up of this page
            times = []
            cpu0 = cpu_seconds(server.pid)
            for k in range(reruns):
                times.append(s.rerun(QUERIES[k % len(QUERIES)], page).seconds)
            return median(times), (cpu_seconds(server.pid) - cpu0) / reruns
        finally:
            s.close()

    with app_servers(1, log_dir, script=BASELINE) as (server,):
        base_wall, base_cpu = measure(server, "")
    emit(Figure("server_page_baseline_median", base_wall, "s", None))
    emit(Figure("server_page_baseline_cpu_per_rerun", base_cpu, "s", None))
    worst = 0.0
    with app_servers(1, log_dir) as (server,):
        for name, path in PAGES:
            if not (REPO / path).exists():
                continue
            page = "" if path == "app.py" else re.sub(r"^\d+_", "", Path(path).stem)
            wall, cpu = measure(server, page)
            emit(Figure(f"server_page_{name}_median", wall, "s", base_wall))
            f = emit(Figure(f"server_page_{name}_cpu_per_rerun", cpu, "s", base_cpu))
            worst = max(worst, f.ratio or 0.0)
    note(
        f"real server, one websocket session per page, {reruns} reruns each with the next filter URL after a warm-up; "
        f"server CPU from /proc (includes postScriptGC); baseline = {BASELINE} on its own server"
    )
    target("each page's server CPU per rerun <=4x baseline", worst <= 4.0, f"worst {worst:.2f}x")


def run(quick: bool = False) -> list[Figure]:
    levels = (1, 10) if quick else (1, 10, 20, 50)
    duration = 4.0 if quick else 20.0
    max_reruns = 200
    n_idle = 10 if quick else 50
    with tempfile.TemporaryDirectory(prefix="atlas-bench-load-") as tmp:
        log_dir = Path(tmp)
        results: list[LevelResult] = []
        with app_servers(1, log_dir) as (server,):
            factory = lambda i: Session(LOOPBACK, server.port)  # noqa: E731
            check = factory(0).connect()
            bodies = set()
            for qs in QUERIES:
                check.rerun(qs, keep_text=True)
                bodies.add(tuple(check.texts[:8]))
            check.close()
            note(f"{len(QUERIES)} filter queries gave {len(bodies)} different Overview headers (filters applied)")
            rss_before = rss_mb(server.pid)
            rss_levels = []
            for n in levels:
                results.append(run_level(factory, n, duration, max_reruns, _pids_of(server)))
                rss_levels.append(rss_mb(server.pid))
            time.sleep(2)
            rss_after = rss_mb(server.pid)
        emit_levels("load_overview", results, results[0])
        emit(Figure("load_server_rss_growth", rss_after - rss_before, "MB", rss_before))
        note(
            f"server VmRSS {rss_before:.0f} MB after one warm session, then after each level "
            + ", ".join(f"n={n}: {mb:.0f} MB" for n, mb in zip(levels, rss_levels))
            + f"; {rss_after:.0f} MB 2 s after the last sessions closed; baseline = RSS before the load"
        )
        note(
            f"closed loop, each session reruns the Overview with the next of {len(QUERIES)} filter URLs; "
            f"{duration:.0f} s or {max_reruns} reruns per session; baseline = the same measure with 1 session"
        )
        for sessions, limit in ((10, 1.0), (20, 2.0)):
            level = next((r for r in results if r.sessions == sessions), None)
            if level is not None:
                target(
                    f"Overview p95 <={limit:.1f} s with {sessions} sessions on one process",
                    p95(level.latencies) <= limit,
                    f"{p95(level.latencies):.2f} s",
                )
        if not quick:
            server_pages(log_dir, reruns=15)
        per, before, after = idle_memory(n_idle, log_dir)
        emit(Figure("memory_per_idle_session", per, "MB", before))
        note(f"server VmRSS {before:.0f} MB before, {after:.0f} MB with {n_idle} idle sessions (each loaded the Overview once)")
    return []
