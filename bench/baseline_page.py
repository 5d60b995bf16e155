"""Baseline page for the page-rerun benchmark: one plotly chart of the bundled fines, nothing else.

Same data size as the app's Overview (every row of data/fines.csv), read once and cached
the way the app caches its bundle; run with AppTest exactly like the app's pages.
"""

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

FINES = Path(__file__).resolve().parent.parent / "data" / "fines.csv"


@st.cache_resource(max_entries=1, show_spinner=False)
def load() -> pd.DataFrame:
    frame = pd.read_csv(FINES, usecols=["decision_date", "amount", "controller"], parse_dates=["decision_date"])
    return frame.sort_values("decision_date")


rows = load()
fig = go.Figure(go.Scatter(x=rows["decision_date"], y=rows["amount"], mode="markers", text=rows["controller"]))
fig.update_layout(title=f"{len(rows)} fines", yaxis_type="log", height=460)
st.plotly_chart(fig, key="baseline_chart", theme=None)
