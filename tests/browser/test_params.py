"""Every URL example documented in components/params.py survives a page load.

Streamlit silently drops a bound widget's URL value that is not one of its options, so a
documented example that does not match what the widget writes is a link that quietly
shows another view.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from components import params as P

from ._support import REPO, query, wait_for_app

PAGE_PATHS = {
    "Map": "/Map",
    "Companies": "/Companies",
    "Timeline": "/Timeline",
    "Collection": "/Collection",
    "Appeals": "/Appeals",
}
EXAMPLES = {p.key: p.example for p in P.PARAMS}
#: Not loaded here: `live` makes the server call a live-rates service; `data` needs an upload.
NOT_HERE = {P.LIVE_RATES, P.DATA_SOURCE, P.SECTORS, P.BASIS, P.FX_YEAR}
#: Conversion basis and its year go with pages that have few controls of their own.
EXTRA = {"Timeline": {P.BASIS: EXAMPLES[P.BASIS]}, "Collection": {P.BASIS: "Year", P.FX_YEAR: EXAMPLES[P.FX_YEAR]}}


def _groups() -> list:
    global_keys = {p.key: p.example for p in P.PARAMS if p.scope == "global" and p.key not in NOT_HERE}
    groups = [pytest.param("/", global_keys, id="global")]
    for scope, path in PAGE_PATHS.items():
        keys = {p.key: p.example for p in P.PARAMS if p.scope == scope and p.key not in NOT_HERE}
        keys.update(EXTRA.get(scope, {}))
        if keys and (REPO / "pages").exists():
            groups.append(pytest.param(path, keys, id=scope))
    groups.append(
        pytest.param(
            "/",
            {P.SECTORS: EXAMPLES[P.SECTORS]},
            id="sector",
        )
    )
    return groups


@pytest.mark.parametrize(("path", "values"), _groups())
def test_documented_examples_survive(page, base_url, path, values):
    page.goto(f"{base_url}{path}?{urlencode(values)}")
    wait_for_app(page)
    kept = query(page.url)
    dropped = {k: v for k, v in values.items() if kept.get(k) != [v]}
    assert not dropped, f"documented examples dropped or rewritten by the page: {dropped}; URL now {page.url}"
