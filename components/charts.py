"""Chart controls in the manner of Our World in Data's grapher: log or linear, a table of the chart's
numbers, and a comparison of a few countries or companies. UI module (imports streamlit).
"""

from __future__ import annotations

from typing import Final

import pandas as pd
import streamlit as st

from components import countries, metrics, tables
from components import params as P

MAX_COMPARE: Final = 5
#: Labels of the numbers tables' own columns (the shared ones come from tables.COLUMNS).
_NUMBER_LABELS: Final = {
    "period": ("text", "Period"),
    "series": ("text", "Series"),
    "value": ("money", "Amount ({cur})"),
    "cumulative": ("money", "Cumulative ({cur})"),
    "cumulative_fines": ("count", "Cumulative fines"),
}


def _number_config(columns: list[str], currency: str) -> dict:
    out = {}
    for c in columns:
        if c not in _NUMBER_LABELS:
            continue
        kind, label = _NUMBER_LABELS[c]
        label = label.format(cur=currency)
        if kind == "text":
            out[c] = st.column_config.TextColumn(label)
        else:
            out[c] = st.column_config.NumberColumn(label, format="%,.0f" if kind == "money" else "%,d")
    return out


def scale_control() -> bool:
    """Linear or log amount axis (bound to ?scale=); True for log."""
    choice = st.segmented_control(
        "Scale",
        ["linear", "log"],
        format_func=str.capitalize,
        default="linear",
        required=True,
        key=P.SCALE,
        bind="query-params",
        help="Log: each step is ten times the one before, so EUR 10k and EUR 1bn both show.",
    )
    return choice == "log"


def numbers(frame: pd.DataFrame, key: str, currency: str, columns: list[str] | None = None) -> None:
    """The chart's numbers as a table under it (collapsed; a keyboard user opens it with Enter)."""
    cols = columns or list(frame.columns)
    with st.expander("Numbers in this chart", icon=":material/table:"):
        tables.show(frame, key, currency, "The chart's numbers", columns=cols, column_config=_number_config(cols, currency))


def compare_controls(rows: pd.DataFrame) -> tuple[str, list[str], dict[str, str]]:
    """'Compare' countries or companies (bound to ?vs= and ?compare=): (column, chosen keys, key -> name)."""
    money = metrics.money_rows(rows)
    by = (
        st.segmented_control(
            "Compare",
            ["country", "company"],
            format_func={"country": "Countries", "company": "Companies"}.get,
            default="country",
            required=True,
            key=P.COMPARE_BY,
            bind="query-params",
        )
        or "country"
    )
    key = "country" if by == "country" else "controller_group"
    ranked = money.groupby(key, observed=True)["value_x"].sum().sort_values(ascending=False)
    options = [str(o) for o in ranked.index]
    names = {o: (f"{countries.name(o)} ({o})" if key == "country" else o) for o in options}
    # a value from the other mode (or a narrower selection) is dropped rather than refused
    current = st.session_state.get(P.COMPARE)
    if isinstance(current, list) and any(v not in options for v in current):
        st.session_state[P.COMPARE] = [v for v in current if v in options]
    chosen = st.multiselect(
        f"Up to {MAX_COMPARE} {'countries' if key == 'country' else 'companies'}, largest first",
        options,
        format_func=names.get,
        max_selections=MAX_COMPARE,
        key=P.COMPARE,
        bind="query-params",
        placeholder="Choose to compare…",
    )
    return key, list(chosen or []), names
