"""Shared fixtures: the bundled data read independently of the app, and AppTest helpers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


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

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
