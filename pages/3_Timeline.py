"""Timeline: fines per month or year, the cumulative total, and each case's lifecycle."""

from __future__ import annotations

import streamlit as st

from components import charts, figures, layout, metrics
from components import params as P

ctx = layout.setup_page("Timeline")
cur = ctx.currency

controls = st.container(horizontal=True, vertical_alignment="bottom")
with controls:
    freq = (
        st.segmented_control(
            "Per",
            ["month", "year"],
            format_func=str.capitalize,
            default="year",
            required=True,
            key=P.TIMELINE_FREQ,
            bind="query-params",
        )
        or "year"
    )
    date_by = (
        st.segmented_control(
            "Date",
            ["decision", "outcome"],
            format_func={"decision": "Decision date", "outcome": "Latest outcome"}.get,
            default="decision",
            required=True,
            key=P.TIMELINE_DATE,
            bind="query-params",
            help="The latest outcome is the latest court ruling, withdrawal or settlement; a fine without one keeps its decision date.",
        )
        or "decision"
    )

    log = charts.scale_control()

rows = metrics.with_outcome_date(ctx.filtered, ctx.events)
if len(metrics.money_rows(rows)) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()

date_col = "decision_date" if date_by == "decision" else "outcome_date"
date_label = "decision date" if date_by == "decision" else "date of the latest outcome"
per = metrics.timeline(rows, freq, date_col)
fig = figures.timeline_figure(
    per, freq, f"Fines per {freq} by {date_label}, and cumulative ({cur})", cur, ctx.source_line(), log=log, through=ctx.through
)
layout.show_chart(fig, "timeline_chart", "atlas-timeline", alt=f"Fines per {freq} and cumulative")
charts.numbers(per.assign(period=per["period"].dt.strftime("%Y" if freq == "year" else "%Y-%m")), "timeline_numbers", cur)

st.subheader("Compare countries or companies")
key, chosen, names = charts.compare_controls(rows)
if chosen:
    lines = metrics.timeline_by(rows, key, chosen, freq).assign(series=lambda f: f["series"].map(names))
    what = "countries" if key == "country" else "companies"
    fig = figures.compare_lines(
        lines, freq, f"Cumulative amount of {len(chosen)} {what} ({cur})", cur, ctx.source_line(), log=log
    )
    layout.show_chart(fig, "timeline_compare", "atlas-compare", alt=f"Cumulative amount of the chosen {what}")
    charts.numbers(lines.assign(period=lines["period"].dt.strftime("%Y" if freq == "year" else "%Y-%m")), "compare_numbers", cur)
else:
    st.caption("Pick up to five countries or companies to draw each as a line.")

st.subheader("Lifecycles: decision, appeal, rulings, payment")
n_lanes = st.slider("Cases shown (largest first)", 5, 60, 20, key="timeline_lanes")
cases, n_with_events, n_money = metrics.largest_with_history(rows, ctx.events, n_lanes)
lanes = metrics.lifecycle(cases, ctx.events)
fig = figures.swimlanes(lanes, f"Lifecycle of the {len(cases)} largest cases with a recorded history", ctx.source_line())
layout.show_chart(fig, "timeline_lanes_chart", "atlas-lifecycles", alt="Swimlanes of each case's lifecycle")
st.caption(
    f"{n_with_events} of {n_money} fines in this selection have a recorded history. "
    "Markers: circle decision, triangle appeal lodged, square court ruling, diamond penalty, star payment."
)
layout.sources_panel(cases, ctx, "timeline")
