"""Run the benchmarks: `python -m bench.run [--quick] [--only NAME ...]`.

Prints one line per figure: `name, value, unit, baseline, ratio` (the baseline is measured
in the same run), with `#` lines that say how, and whether each target was met. Never
asserts on timings. Load tests talk to 127.0.0.1 only, with bounded requests and time;
every server and proxy it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import sys
import time
import traceback
import warnings

# Before streamlit is imported: AppTest runs scripts outside a server and logs
# "missing ScriptRunContext" at warning level; app errors are still reported by the benches.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

from bench.common import REPO, note  # noqa: E402

# name -> (module, in --quick)
BENCHES = {
    "fx": ("bench.fx_bench", True),
    "pages": ("bench.pages_bench", True),
    "ingest": ("bench.ingest_bench", True),
    "load": ("bench.load_bench", True),
    "scaleout": ("bench.scaleout_bench", False),
    "browser": ("bench.browser_bench", False),
    "shared": ("bench.shared_bench", True),
}


def _machine() -> str:
    import pandas
    import streamlit

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}, Python {platform.python_version()}, "
        f"streamlit {streamlit.__version__}, pandas {pandas.__version__}"
    )


def _revision() -> str:
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app.py", "pages", "components", "data", ".streamlit"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}" + (f" plus uncommitted changes in {len(dirty.splitlines())} app file(s)" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fast subset (CI smoke, under ~2 minutes)")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHES),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHES)}",
    )
    args = parser.parse_args(argv)

    # AppTest runs scripts outside a server: silence its "missing ScriptRunContext" chatter.
    warnings.filterwarnings("ignore")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")

    chosen = args.only or [n for n, (_, in_quick) in BENCHES.items() if in_quick or not args.quick]
    note(f"Enforcement Atlas benchmarks, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {'quick' if args.quick else 'full'} run")
    note(_machine())
    note(f"app revision {_revision()}; load average {os.getloadavg()[0]:.2f} at start (other work on the machine skews timings)")
    note("name, value, unit, baseline, ratio")
    failed = []
    start = time.monotonic()
    for name in chosen:
        module_name, _ = BENCHES[name]
        note(f"--- {name}")
        t0 = time.monotonic()
        try:
            module = __import__(module_name, fromlist=["run"])
            module.run(quick=args.quick)
        except Exception as exc:  # noqa: BLE001 - one failed benchmark must not hide the others
            failed.append(name)
            note(f"{name} FAILED: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
        load1, _, _ = os.getloadavg()
        note(f"{name} took {time.monotonic() - t0:.0f} s (load average {load1:.2f} at the end)")
    note(f"all done in {time.monotonic() - start:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
