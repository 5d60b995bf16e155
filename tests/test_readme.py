"""Figures the README quotes come from the data: a stale number fails here."""

from __future__ import annotations

import re
from pathlib import Path

from components import data, metrics

ROOT = Path(__file__).resolve().parent.parent


def test_intro_coverage_figure_matches_the_bundled_data():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"amount paid known for ([\d,]+) of ([\d,]+) fines\"\s+in the bundled data as of (\d+ \w+ \d{4})", readme)
    assert found, "the intro's coverage note is missing"
    bundle = data.load_bundle()
    money = metrics.Money(currency="EUR", basis="decision", year=None, amount_basis="imposed")
    head = metrics.headline(metrics.apply_filters(metrics.prepare(bundle.fines, money), metrics.Filters()))
    assert (int(found[1].replace(",", "")), int(found[2].replace(",", ""))) == (head.payment_known, head.fines)
    assert found[3] == f"{bundle.as_of:%-d %B %Y}"


def test_deployment_section_exists_where_config_points():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "README, Deployment" in config
    assert "\n## Deployment\n" in readme
