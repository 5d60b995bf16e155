"""Scale-out, proven: two app processes with one PostgreSQL behind nginx (sticky route cookie); a dataset
saved through process A opens through process B with the same chart data (bench/shared_bench.py)."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.mark.postgres
def test_dataset_saved_through_one_process_opens_through_the_other(pg_url, browser):
    if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        if os.environ.get("ATLAS_REQUIRE_POSTGRES") == "1":
            pytest.fail("ATLAS_REQUIRE_POSTGRES=1 but nginx is missing (apt-get install -y nginx)")
        pytest.skip("scale-out proof skipped: no nginx (Debian: apt-get install -y nginx)")
    from bench.shared_bench import scaleout_proof

    ok, detail = scaleout_proof(pg_url, browser)
    if not ok and "banner on B: True; same chart data on the Overview: True" in detail:
        # B's page worked, but its websocket was not logged at B's process: nginx's passive health check
        # (max_fails=2) can send a route to the other process for 10 s when one answers slowly on a loaded
        # machine (CI, 2026-12-02: A logged 3 websockets, B none). That leaves the proof unproven, not
        # false: prove it again on fresh processes, and say so if this run fails too.
        ok, again = scaleout_proof(pg_url, browser)
        detail = f"first try: {detail}; second try: {again}"
    assert ok, detail
