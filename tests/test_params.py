"""URL parameters: one module names them, the README documents each, and each example
value, seeded in the URL, sets its control (so a shared link restores the view)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import params as P

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = {
    "global": "app.py",
    "Map": "pages/1_Map.py",
    "Companies": "pages/2_Companies.py",
    "Timeline": "pages/3_Timeline.py",
    "Collection": "pages/4_Collection.py",
    "Appeals": "pages/5_Appeals.py",
    "Fines": "pages/7_Fines.py",
}
# What each example value must become in the control (the option behind the label).
EXPECTED = {
    P.DATE_FROM: "2020-01-01",  # typed dates: text fields (they apply on Enter and Tab)
    P.DATE_TO: "2024-12-31",
    P.COUNTRIES: ["IE"],
    P.COMPANY_SEARCH: "clearview",
    P.SECTORS: ["technology"],
    P.APPEAL: ["pending"],
    P.PAYMENT: ["unpaid"],
    P.DECISION_TYPES: ["no_fine"],
    P.CURRENCY: "USD",
    P.BASIS: "latest",
    P.AMOUNT_BASIS: "standing",
    P.IMAGE_FORMAT: "svg",
    P.MAP_METRIC: "count",
    P.MAP_PERSPECTIVE: "company",
    P.MAP_YEAR: "2022",
    P.MAP_FLOWS: True,
    P.COMPANY: "Clearview AI",
    P.COMPANY_LEVEL: "company",
    P.TIMELINE_FREQ: "month",
    P.TIMELINE_DATE: "outcome",
    P.COLLECTION_BY: "origin",
    P.APPEALS_MEASURE: "money",
    P.ARTICLES: ["32"],
    P.VIOLATIONS: ["insufficient_security"],
    P.SOURCES: "primary",
    P.FINES_SEARCH: "clearview",
    P.SCALE: "log",
    P.COMPARE_BY: "company",
    P.COMPARE: ["Meta"],
}
# Examples that name something only another parameter makes valid are seeded with it.
SEEDED_WITH = {P.COMPARE: {P.COMPARE_BY: "Companies"}}
# Keys whose control appears only in a particular state, tested elsewhere.
# (dataset: tests/test_sharing_pages.py)
CONDITIONAL = {P.FX_YEAR, P.LIVE_RATES, P.PRESENT, P.DATA_SOURCE, P.VIEW, P.CHART, P.DATASET}


def test_names_are_unique_and_params_module_is_the_only_place():
    keys = [p.key for p in P.PARAMS]
    assert len(keys) == len(set(keys))
    # Pages and components use the names from params, never a bare string key for a bound widget.
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), ROOT / "components" / "layout.py"]:
        text = path.read_text()
        assert not re.search(r'key="[a-z]+",\s*bind="query-params"', text), f"{path.name} binds a literal key"


def test_every_parameter_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [p.key for p in P.PARAMS if f"| `{p.key}` |" not in readme]
    assert not missing, f"URL parameters not documented in README.md: {missing}"
    for name in P.STREAMLIT_PARAMS:
        assert f"`{name}`" in readme


@pytest.mark.parametrize("param", [p for p in P.PARAMS if p.key not in CONDITIONAL], ids=lambda p: p.key)
def test_example_value_sets_the_control(param):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    page = PAGE_FILES[param.scope]
    if page != "app.py":
        at.switch_page(page)
    at.query_params[param.key] = param.example
    for key, value in SEEDED_WITH.get(param.key, {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state[param.key] == EXPECTED[param.key]


def test_fx_year_and_sector_examples():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({P.BASIS: "Year", P.FX_YEAR: "2023"})
    at.run()
    assert at.session_state[P.FX_YEAR] == 2023
    assert any("2023 average" in c.value for c in at.caption) or at.session_state[P.BASIS] == "year"


def test_presentation_mode_from_url():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params[P.PRESENT] = "1"
    at.run()
    assert not at.exception
    assert at.toggle(key="present_toggle").value is True
    assert len(at.metric) == 0  # tiles are large headings in presentation mode
    assert any(m.value.startswith("# ") for m in at.markdown)
