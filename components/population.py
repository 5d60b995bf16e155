"""Population per country (data/population.csv), for fines per million inhabitants. Pure: no streamlit.

Eurostat's 1 January 2024 figures (tps00001) for the EU; the national statistics offices or the
UN's World Population Prospects for the rest of the EEA and the UK. Each row names its source,
its reference date and the page it was read from.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

import pandas as pd

from components import data

POPULATION_FILE: Final = "population.csv"
COLUMNS: Final = ("iso2", "population", "reference_date", "source", "source_url", "via")


@lru_cache(maxsize=2)
def load(data_dir: Path = data.DATA_DIR) -> pd.DataFrame:
    """The population table; empty (with its columns) when the file is not there, e.g. a team's own data folder."""
    path = Path(data_dir) / POPULATION_FILE
    if not path.exists():
        return pd.DataFrame(columns=list(COLUMNS))
    frame = pd.read_csv(path, dtype={"iso2": str}, keep_default_na=False)
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce")
    return frame[frame["population"] > 0].reset_index(drop=True)


def source_note(frame: pd.DataFrame) -> str:
    """'Population: Eurostat … (1 January 2024); …' — each source once, with its reference dates."""
    if not len(frame):
        return "Population: not available"
    parts = []
    for source, grp in frame.groupby("source", sort=False):
        dates = ", ".join(sorted(set(grp["reference_date"])))
        parts.append(
            f"{source.split(',')[0]} ({dates}; {', '.join(grp['iso2'])})" if len(grp) < 4 else f"{source.split(',')[0]} ({dates})"
        )
    return "Population: " + "; ".join(parts)
