"""Shared fixtures: the bundled data read independently of the app, and AppTest helpers."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

# Saved datasets of a test run go to a temp state dir (the app's SQLite file), never ./var/;
# the browser tests' servers inherit it.
if not os.environ.get("ATLAS_STATE_DIR"):
    os.environ["ATLAS_STATE_DIR"] = tempfile.mkdtemp(prefix="atlas-test-state-")


@pytest.fixture(scope="session")
def raw_fines() -> pd.DataFrame:
    """data/fines.csv read with plain pandas (not through the app's loader), for independent expectations."""
    frame = pd.read_csv(DATA / "fines.csv", dtype=str, keep_default_na=False)
    frame["amount"] = pd.to_numeric(frame["amount"])
    frame["standing_amount"] = pd.to_numeric(frame["standing_amount"].replace("", None))
    frame["paid_amount"] = pd.to_numeric(frame["paid_amount"].replace("", None))
    frame["decision_date"] = pd.to_datetime(frame["decision_date"])
    return frame


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Each test starts with empty Streamlit caches, so no test sees another's data."""
    import streamlit as st

    from components import memo

    st.cache_data.clear()
    st.cache_resource.clear()
    memo.clear()
    yield


# --- PostgreSQL: a real server, started in a temp dir on a loopback port ----------------

REQUIRE_POSTGRES = os.environ.get("ATLAS_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL (bench/pgserver.py); skipped with the reason unless ATLAS_REQUIRE_POSTGRES=1 (CI)."""
    from bench import pgserver

    reason = pgserver.missing_reason()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(f"ATLAS_REQUIRE_POSTGRES=1 but PostgreSQL cannot run: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    server = pgserver.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server, request: pytest.FixtureRequest) -> str:
    """A fresh database on the session's server for each test (dropped after)."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + f"_{id(request) % 100000}"
    pg_server.psql(f"CREATE DATABASE {name}")
    try:
        yield pg_server.url.rsplit("/", 1)[0] + "/" + name
    finally:
        pg_server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def silent_server():
    """A loopback port that accepts connections and never answers (a hung database server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(sock.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        sock.close()


@pytest.fixture
def silent_port():
    with silent_server() as port:
        yield port
