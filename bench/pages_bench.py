"""Figure 3: server-side run time of each page with streamlit's AppTest.

Each page runs in its own AppTest session (app.py is the entry point; other pages are
reached with `switch_page`, as a click on the navigation would), one warm-up run, then
`runs` timed reruns of the same session: median and p95 of the wall time of `at.run()`.
Baseline: bench/baseline_page.py (one plotly chart of every bundled fine) run the same way.
Then the same pages on a 500,000-row upload, stored as the Data page stores it: a canonical
frame sampled from the bundled fines with new ids and dates is written to CSV, imported with
`ingest.ingest` and kept with `uploads.store` (so the session holds the whole import result,
as a user's does), then every page is timed on "My upload" and on "Merged" (the default after
an upload, which merges with the bundled data).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from bench.common import REPO, Figure, emit, median, note, p95, target

PAGES = (
    ("overview", "app.py"),
    ("map", "pages/1_Map.py"),
    ("companies", "pages/2_Companies.py"),
    ("timeline", "pages/3_Timeline.py"),
    ("collection", "pages/4_Collection.py"),
    ("appeals", "pages/5_Appeals.py"),
    ("data", "pages/6_Data.py"),
    ("fines", "pages/7_Fines.py"),
)
BASELINE = "bench/baseline_page.py"


def upload_frame(n: int, seed: int = 3) -> pd.DataFrame:
    """n canonical fines sampled from the bundled ones, with new ids and decision dates."""
    from components import data

    fines = data.load_bundle().fines
    rng = np.random.default_rng(seed)
    out = fines.iloc[rng.integers(0, len(fines), n)].reset_index(drop=True).copy()
    out["fine_id"] = [f"U-BENCH-{i:07d}" for i in range(n)]
    start = np.datetime64("2018-05-25")
    days = rng.integers(0, (np.datetime64("2025-12-31") - start).astype(int), n)
    out["decision_date"] = pd.to_datetime(start + days.astype("timedelta64[D]")).as_unit("ns")
    out["announced_date"] = pd.NaT
    out["announced_date"] = out["announced_date"].astype("datetime64[ns]")
    return out


#: A page stops after this many seconds of timed reruns (at least MIN_RUNS), so a slow page
#: cannot stretch the whole run; the number of runs used is printed.
PAGE_BUDGET_S = 25.0
MIN_RUNS = 5


def _held_mb(value, seen: set) -> float:
    """MB of the frames, arrays and bytes reachable from one session-state value, each object counted once."""
    if id(value) in seen:
        return 0.0
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        # each column's buffers counted once across the session: a prepared copy or a merged view
        # that shares a column with the import result (pandas 3 copies on write) holds it once
        return sum(_column_bytes(value[c], seen) for c in value.columns) / 2**20
    if isinstance(value, (bytes, bytearray)):
        return len(value) / 2**20
    if isinstance(value, dict):
        return sum(_held_mb(v, seen) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_held_mb(v, seen) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return sum(_held_mb(getattr(value, f), seen) for f in value.__dataclass_fields__)
    return 0.0


def _column_bytes(column: pd.Series, seen: set) -> float:
    """Bytes of one column's buffers not seen before (Arrow buffers and numpy memory by address;
    Python objects by deep size, never shared)."""
    import numpy as np

    values = column.array
    arrow = getattr(values, "_pa_array", None)
    if arrow is not None:
        total = 0
        for chunk in getattr(arrow, "chunks", [arrow]):
            for buf in chunk.buffers():
                if buf is not None and ("buf", buf.address) not in seen:
                    seen.add(("buf", buf.address))
                    total += buf.size
        return float(total)
    if isinstance(column.dtype, pd.CategoricalDtype):
        return float(column.memory_usage(deep=True, index=False))
    data = np.asarray(values) if column.dtype != object else None
    if data is not None and data.dtype != object:
        base = data
        while isinstance(base.base, np.ndarray):
            base = base.base
        key = ("np", base.__array_interface__["data"][0])
        if key in seen:
            return 0.0
        seen.add(key)
        return float(base.nbytes)
    return float(column.memory_usage(deep=True, index=False))


def _frame_mb(value) -> float:
    return _held_mb(value, set())


def session_memory(stored: dict, currencies: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """(MB one session holds, MB per session key) after the Overview on the merged view was shown in
    each display currency, then the Data page, as a user switching currencies would do. Everything in the
    session counts once: the file's bytes, the import result, the merged view, the comparison, the memo."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    for key, value in {**stored, "data": "merged"}.items():
        at.session_state[key] = value
    at.query_params["data"] = "merged"
    at.run()
    for cur in currencies:
        at.session_state["cur"] = cur
        at.query_params["cur"] = cur
        at.run()
    at.switch_page("pages/6_Data.py")
    at.run()
    seen: set = set()
    per_key = {}
    for key in list(at.session_state.keys()):
        mb = _held_mb(at.session_state[key], seen)
        if mb >= 0.5:
            per_key[key] = mb
    return sum(per_key.values()), per_key


#: The columns of the uploaded file: a tracker's export (no notes or long source texts), so that
#: 500,000 rows are a file of about 70 MB, not the 414 MB of every canonical column.
UPLOAD_COLUMNS = (
    "fine_id",
    "authority",
    "country",
    "controller",
    "sector",
    "decision_date",
    "amount",
    "currency",
    "appeal_status",
)


def upload_state(frame: pd.DataFrame, name: str) -> dict:
    """Session state as the Data page leaves it after importing `frame` written out as CSV."""
    from components import ingest, uploads

    data = frame[list(UPLOAD_COLUMNS)].to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")
    result = ingest.ingest(data, filename=name)
    state: dict = {}
    uploads.store(state, token="bench", name=name, data=data, result=result)  # noqa: S106 - a session key, not a secret
    return state


def _time_page(
    script: str, page: str | None, runs: int, state: dict | None = None, query: dict | None = None
) -> tuple[list[float], list[float], str]:
    """(wall seconds per rerun, CPU seconds of this process per rerun, first problem seen)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / script), default_timeout=300)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    at.run()  # warm-up: first run of this session (and of the process's caches)
    problem = _problem(at)
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        problem = problem or _problem(at)
        if len(times) >= min(MIN_RUNS, runs) and sum(times) > PAGE_BUDGET_S:
            break
    return times, cpu, problem


def _time_interleaved(script: str, page: str | None, runs: int) -> tuple[list[float], list[float], list[float], list[float], str]:
    """A page and the baseline page, one rerun each in turn (after a warm-up of both): (page wall, page CPU,
    baseline wall, baseline CPU, first problem). Taken in turn, both see the same machine: this machine's speed
    drifts by a third within minutes, which a baseline timed once at the start turned into a third of a ratio."""
    from streamlit.testing.v1 import AppTest

    sessions = []
    for path, switch in ((script, page), (BASELINE, None)):
        at = AppTest.from_file(str(REPO / path), default_timeout=300)
        if switch is not None:
            at.switch_page(switch)
        at.run()  # warm-up
        sessions.append(at)
    problem = _problem(sessions[0])
    out: tuple[list[float], ...] = ([], [], [], [])
    for _ in range(runs):
        for i, at in enumerate(sessions):
            c0 = time.process_time()
            t0 = time.perf_counter()
            at.run()
            out[2 * i].append(time.perf_counter() - t0)
            out[2 * i + 1].append(time.process_time() - c0)
        problem = problem or _problem(sessions[0])
        if len(out[0]) >= min(MIN_RUNS, runs) and sum(out[0]) + sum(out[2]) > PAGE_BUDGET_S:
            break
    return (*out, problem)


def _problem(at) -> str:
    if len(at.exception):
        return "exception: " + str(at.exception[0].value)[:200]
    return ""


def run(quick: bool = False) -> list[Figure]:
    runs = 3 if quick else 15
    upload_n = 10_000 if quick else 500_000
    pages = [(name, path) for name, path in PAGES if (REPO / path).exists()]
    if quick:
        pages = [p for p in pages if p[0] in ("overview", "map")]
    skipped = [name for name, path in PAGES if not (REPO / path).exists()]
    figs: list[Figure] = []

    base_times, base_cpu, problem = _time_page(BASELINE, None, runs)
    base_med, base_p95, base_cpu_med = median(base_times), p95(base_times), median(base_cpu)
    figs.append(emit(Figure("page_baseline_median", base_med, "s", None)))
    figs.append(emit(Figure("page_baseline_p95", base_p95, "s", None)))
    figs.append(emit(Figure("page_baseline_cpu_median", base_cpu_med, "s", None)))
    if problem:
        note(f"baseline page: {problem}")

    worst = worst_cpu = 0.0
    for name, path in pages:
        # each page against the baseline reruns taken in turn with its own (the ratio the target reads)
        times, cpu, b_times, b_cpu, problem = _time_interleaved("app.py", None if path == "app.py" else path, runs)
        f = emit(Figure(f"page_{name}_median", median(times), "s", median(b_times)))
        emit(Figure(f"page_{name}_p95", p95(times), "s", p95(b_times)))
        c = emit(Figure(f"page_{name}_cpu_median", median(cpu), "s", median(b_cpu)))
        worst = max(worst, f.ratio or 0.0)
        worst_cpu = max(worst_cpu, c.ratio or 0.0)
        figs.append(f)
        if problem:
            note(f"{name}: {problem}")
        if len(times) < runs:
            note(f"{name}: {len(times)} runs (time budget {PAGE_BUDGET_S:.0f} s)")
    note(
        f"{runs} timed reruns per page after one warm-up, each followed by a rerun of the baseline ({BASELINE}, one "
        "chart of the bundled fines): a page's baseline column is the median of its own interleaved baseline reruns"
    )
    note("_cpu_median: CPU seconds of this process per rerun (the script thread and AppTest), less skewed by other load")
    if skipped:
        note(f"not present, skipped: {', '.join(skipped)}")
    target("each page median <=4x baseline", worst <= 4.0, f"worst {worst:.2f}x")
    target("each page CPU median <=4x baseline", worst_cpu <= 4.0, f"worst {worst_cpu:.2f}x")

    frame = upload_frame(upload_n)
    stored = upload_state(frame, f"bench-{upload_n}.csv")
    frame = stored["uploaded_fines"]
    worst_cpu = 0.0
    label = f"{upload_n // 1000}k"
    for view in ("mine", "merged"):
        state = dict(stored, data=view)
        for name, path in pages:
            times, cpu, problem = _time_page("app.py", None if path == "app.py" else path, runs, state, {"data": view})
            tag = f"page_{name}_upload_{label}" + ("_merged" if view == "merged" else "")
            f = emit(Figure(f"{tag}_median", median(times), "s", base_med))
            emit(Figure(f"{tag}_p95", p95(times), "s", base_p95))
            emit(Figure(f"{tag}_cpu_median", median(cpu), "s", base_cpu_med))
            worst_cpu = max(worst_cpu, median(cpu))
            figs.append(f)
            if problem:
                note(f"{name} with upload ({view}): {problem}")
            if len(times) < runs:
                note(f"{name} with upload ({view}): {len(times)} runs (time budget {PAGE_BUDGET_S:.0f} s)")
    note(
        f"upload: {upload_n:,} canonical rows imported with ingest.ingest and stored with uploads.store (the whole "
        "result, as the Data page keeps it); timed on data=mine and data=merged (session state and URL)"
    )
    target(f"each page under 1 s of CPU per rerun with {upload_n:,} uploaded rows", worst_cpu < 1.0, f"worst {worst_cpu:.2f} s")
    if not quick:
        held, per_key = session_memory(stored, ("USD", "GBP", "SEK"))
        f = emit(Figure(f"session_upload_{label}_held", held, "MB", _frame_mb(frame)))
        figs.append(f)
        note(
            "what one session holds after the Overview on the merged view in EUR, USD, GBP and SEK, then the Data page "
            "(each object once; frames by deep memory_usage): " + ", ".join(f"{k} {v:.0f} MB" for k, v in per_key.items())
        )
        note("baseline = the accepted upload in its canonical columns (deep memory_usage)")
        target(
            f"one session holds a {upload_n:,}-row upload in <=3x its canonical size", (f.ratio or 99) <= 3.0, f"{f.ratio:.2f}x"
        )
    return figs
