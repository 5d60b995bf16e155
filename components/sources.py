"""What kind of source a fine rests on: the decision itself, or only somebody's summary of it.

A source is an authority's decision or press release, a court's judgment or press release, or a
reputable news outlet. A case-summary site (GDPRhub: a volunteer wiki that summarises a decision and
links it) is a useful pointer but never the only source of a fact; a fine whose `source_url` is such a
page rests on a summary whose original nobody here opened, and the screens say so (and the sidebar's
"Sources" filter can leave such fines out). Decided from the domain of each distinct URL, so it costs
the same for 1,200 bundled fines and a 500,000-row upload. Pure: no streamlit.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

#: Sites that summarise decisions (allowed as a pointer, never as the only source). Domain → name.
SUMMARY_SITES: Final[dict[str, str]] = {"gdprhub.eu": "GDPRhub"}

PRIMARY: Final = "primary"  # the decision, a court, the authority's release, or a news outlet
SUMMARY: Final = "summary"  # only a case-summary site
NONE: Final = "none"  # no source URL (uploads may have none)
KINDS: Final = (PRIMARY, SUMMARY, NONE)
LABELS: Final = {
    PRIMARY: "Authority, court or news",
    SUMMARY: "GDPRhub summary only",
    NONE: "No source given",
}

#: The sidebar's choices (their labels are what the URL holds).
ANY: Final = "any"
PRIMARY_ONLY: Final = "primary"
CHOICES: Final = (ANY, PRIMARY_ONLY)
CHOICE_LABELS: Final = {ANY: "Any source", PRIMARY_ONLY: "Authority, court or news only"}


def domain(url: object) -> str:
    """'https://www.GDPRhub.eu:443/index.php?…' → 'gdprhub.eu'; '' for anything that is not an http(s) URL."""
    if not isinstance(url, str):
        return ""
    rest = url.strip()
    low = rest[:8].lower()
    if low.startswith("https://"):
        rest = rest[8:]
    elif low.startswith("http://"):
        rest = rest[7:]
    else:
        return ""
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
    return host.removeprefix("www.")


def kind_of(url: object) -> str:
    """The kind of one URL: a summary site (or a subdomain of one), none, or primary."""
    host = domain(url)
    if not host:
        return NONE
    if any(host == site or host.endswith("." + site) for site in SUMMARY_SITES):
        return SUMMARY
    return PRIMARY


def kinds(urls: pd.Series) -> pd.Series:
    """Each row's source kind, decided once per distinct URL (a categorical of KINDS)."""
    codes, uniques = pd.factorize(urls, use_na_sentinel=True)
    decided = np.array([kind_of(u) for u in uniques] + [NONE], dtype=object)
    values = decided[codes]  # the sentinel -1 picks the trailing NONE
    return pd.Series(pd.Categorical(values, categories=KINDS), index=urls.index, name="source_kind")


def summary_only(frame: pd.DataFrame) -> int:
    """How many rows rest on a case summary alone."""
    if "source_url" not in frame or frame.empty:
        return 0
    return int((kinds(frame["source_url"]) == SUMMARY).sum())
