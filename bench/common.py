"""Shared helpers: the printed figure line, statistics, app servers on loopback, process memory.

No timing asserts anywhere: a figure is printed with its baseline and ratio, and the
target is reported as met or missed, never enforced.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


@dataclass
class Figure:
    """One printed line: `name, value, unit, baseline, ratio`.

    ratio is value/baseline ("2.31x"), or baseline/value for speed-ups ("53.2x faster").
    """

    name: str
    value: float
    unit: str
    baseline: float | None
    faster: bool = False  # True: ratio = baseline / value (a speed-up)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.value or not self.baseline:
            return None
        return self.baseline / self.value if self.faster else self.value / self.baseline

    def line(self) -> str:
        base = "-" if self.baseline is None else _num(self.baseline)
        r = self.ratio
        if r is None:
            ratio = "-"
        elif self.faster:
            ratio = f"{r:.1f}x faster"
        else:
            ratio = f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"
        return f"{self.name}, {_num(self.value)}, {self.unit}, {base}, {ratio}"


def _num(x: float) -> str:
    if x != x:  # NaN
        return "nan"
    if abs(x) >= 1000:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 0.1:
        return f"{x:.3f}"
    return f"{x:.4f}"


def emit(fig: Figure) -> Figure:
    print(fig.line(), flush=True)
    return fig


def note(text: str) -> None:
    print(f"# {text}", flush=True)


def target(label: str, ok: bool | None, detail: str = "") -> None:
    verdict = "n/a" if ok is None else ("met" if ok else "MISSED")
    note(f"target {label}: {verdict}" + (f" ({detail})" if detail else ""))


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def p95(xs: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-0.95 * len(s) // 1)) - 1))
    return s[k]


# --- processes --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident set size of a process (VmRSS from /proc/PID/status), in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def start_app(port: int, log_dir: Path, extra: Sequence[str] = (), script: str = "app.py") -> Server:
    """`python -m streamlit run app.py` (or `script`) on loopback, cwd the repo root, output to a log file."""
    log = log_dir / f"streamlit-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        LOOPBACK,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(proc, port, log)


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate one process this benchmark started (its own process group), then kill if needed."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


@contextlib.contextmanager
def app_servers(n: int, log_dir: Path, script: str = "app.py") -> Iterator[list[Server]]:
    """n app processes on free loopback ports, healthy on /_stcore/health, stopped at the end."""
    servers: list[Server] = []
    try:
        for _ in range(n):
            servers.append(start_app(free_port(), log_dir, script=script))
        for s in servers:
            wait_http(f"{s.url}/_stcore/health", proc=s.proc)
        yield servers
    finally:
        for s in servers:
            stop(s.proc)
