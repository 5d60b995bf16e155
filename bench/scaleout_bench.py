"""Figure 5: the same load against two app processes behind nginx, vs one process.

nginx (Debian's /usr/sbin/nginx) runs on loopback with a config generated from
bench/nginx.conf.template in a temp dir: an upstream of the app processes, websocket
upgrade headers, sticky sessions by a route cookie (hash of a random id set on the first
response; all clients here are 127.0.0.1, so an address hash would send everyone to one
process). Each client session first GETs `/` through nginx like a browser, keeps the
cookie, and opens its websocket with it. Before the load every process answers
`/_stcore/health` directly and through the proxy.

Baseline: one app process, no proxy, the same client and the same 25 sessions, measured
in this run.
"""

from __future__ import annotations

import collections
import http.cookies
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import LOOPBACK, Figure, app_servers, emit, free_port, median, note, p95, stop, target, wait_http
from bench.load_bench import LevelResult, run_level
from bench.wsclient import Session

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def write_config(prefix: Path, listen_port: int, backend_ports: list[int]) -> Path:
    servers = "\n".join(f"        server {LOOPBACK}:{p} max_fails=2 fail_timeout=10s;" for p in backend_ports)
    text = (
        TEMPLATE.read_text()
        .replace("{{PREFIX}}", str(prefix))
        .replace("{{LISTEN}}", f"{LOOPBACK}:{listen_port}")
        .replace("{{SERVERS}}", servers)
    )
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


def route_cookie(port: int) -> str:
    """GET / through the proxy like a browser's first visit; return the route cookie it sets."""
    with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/", timeout=10) as r:
        r.read()
        jar = http.cookies.SimpleCookie()
        for header in r.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return "; ".join(f"{k}={v.value}" for k, v in jar.items())


def _spread(access_log: Path) -> dict[str, int]:
    """Websocket sessions per upstream, from the access log (status 101 lines)."""
    counts: collections.Counter[str] = collections.Counter()
    if access_log.exists():
        for line in access_log.read_text().splitlines():
            if "/_stcore/stream" in line and '" 101 ' in line:
                counts[line.split('" 101 ')[1].split()[0]] += 1
    return dict(counts)


def run(quick: bool = False) -> list[Figure]:
    n = 10 if quick else 25
    duration = 6.0 if quick else 20.0
    max_reruns = 200
    with tempfile.TemporaryDirectory(prefix="atlas-bench-scale-") as tmp:
        prefix = Path(tmp)
        with app_servers(1, prefix) as (one,):
            warm = Session(LOOPBACK, one.port).connect()
            warm.rerun("")
            warm.close()
            base = run_level(lambda i: Session(LOOPBACK, one.port), n, duration, max_reruns, [one.pid])

        with app_servers(2, prefix) as servers:
            port = free_port()
            conf = write_config(prefix, port, [s.port for s in servers])
            test = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
            if test.returncode != 0:
                raise RuntimeError(f"nginx -t failed: {test.stderr.strip()[-500:]}")
            with open(prefix / "nginx.stderr", "wb") as err:
                proxy = subprocess.Popen(
                    [NGINX, "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
                )
            try:
                wait_http(f"http://{LOOPBACK}:{port}/_stcore/health", timeout=20, proc=proxy)
                for s in servers:
                    wait_http(f"{s.url}/_stcore/health", timeout=5)
                cookies = [route_cookie(port) for _ in range(n)]
                for s in servers:  # warm each process's caches once, directly
                    w = Session(LOOPBACK, s.port).connect()
                    w.rerun("")
                    w.close()
                (prefix / "access.log").write_text("")
                time.sleep(0.2)
                subprocess.run([NGINX, "-p", str(prefix), "-c", str(conf), "-s", "reopen"], capture_output=True)
                time.sleep(0.2)
                scaled = run_level(
                    lambda i: Session(LOOPBACK, port, cookie=cookies[i]), n, duration, max_reruns, [s.pid for s in servers]
                )
                spread = _spread(prefix / "access.log")
            finally:
                stop(proxy)
    figs = [
        emit(Figure(f"scaleout_2proc_n{n}_throughput", scaled.throughput, "reruns/s", base.throughput)),
        emit(Figure(f"scaleout_2proc_n{n}_p50", median(scaled.latencies), "s", median(base.latencies))),
        emit(Figure(f"scaleout_2proc_n{n}_p95", p95(scaled.latencies), "s", p95(base.latencies))),
        emit(Figure(f"scaleout_2proc_n{n}_server_cpu_per_rerun", scaled.cpu_per_rerun, "s", base.cpu_per_rerun)),
    ]
    _describe(base, "1 process, direct")
    _describe(scaled, "2 processes behind nginx")
    note(f"sessions per process (nginx access log, websocket upgrades): {spread or 'unknown'}")
    note("baseline = one process without proxy, same client, same sessions, same run")
    ratio = figs[0].ratio or 0.0
    target(f"2 processes >=1.6x one process at {n} sessions", ratio >= 1.6, f"{ratio:.2f}x")
    return figs


def _describe(r: LevelResult, what: str) -> None:
    note(
        f"{what}: {r.sessions} sessions, {r.reruns} reruns in {r.wall:.1f} s, {r.errors} errors, server CPU {r.server_cpu:.2f} cores, "
        f"client CPU {r.client_cpu:.2f} cores"
    )
