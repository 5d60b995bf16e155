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
    assert ok, detail
