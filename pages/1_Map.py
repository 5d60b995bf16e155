"""Map: fines by country of the fining authority or of the company's home, over the years."""

from __future__ import annotations

import streamlit as st

from components import figures, layout, mapview, metrics, population
from components import params as P

ctx = layout.setup_page("Map")
cur = ctx.currency
M = mapview.METRICS

controls = st.container(horizontal=True, vertical_alignment="bottom")
with controls:
    metric = (
        st.segmented_control(
            "Metric",
            list(M),
            format_func=lambda m: M[m][0],
            default="total",
            required=True,
            key=P.MAP_METRIC,
            bind="query-params",
        )
        or "total"
    )
    perspective = (
        st.segmented_control(
            "Perspective",
            list(mapview.PERSPECTIVES),
            format_func=mapview.PERSPECTIVES.get,
            default="authority",
            required=True,
            key=P.MAP_PERSPECTIVE,
            bind="query-params",
        )
        or "authority"
    )
    show_flows = st.toggle(
        "Cross-border flows",
        key=P.MAP_FLOWS,
        bind="query-params",
        help="Arrows from the company's home country to the fining authority, for decisions across a border.",
    )

label, column, is_share, is_count = M[metric]
years = sorted(int(y) for y in ctx.filtered["year"].dropna().unique())
if len(metrics.money_rows(ctx.filtered)) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()
edges = mapview.edges(mapview.per_country(ctx.filtered, perspective), column, is_share)
extra = ctx.source_line(mapview.PERSPECTIVES[perspective])
if metric in mapview.PER_CAPITA:
    extra = ctx.source_line(f"{mapview.PERSPECTIVES[perspective]} · {population.source_note(population.load())}")


@st.fragment(run_every=mapview.run_every())
def map_view() -> str:
    year = mapview.year_control(years) if len(years) > 1 else mapview.ALL
    rows = mapview.up_to(ctx.filtered, year)
    per_country = mapview.per_country(rows, perspective)
    spec = dict(
        area=mapview.area(perspective, per_country),
        flows=metrics.flows(rows) if show_flows else None,
        is_share=is_share,
        is_count=is_count,
        height=mapview.map_height(ctx.present),
        wide=ctx.present,
        edges=edges,
        title=mapview.title(label, perspective, year, years),
        unit=f"{cur} per million people" if metric == "value_per_m" else None,
    )
    fig = figures.choropleth(per_country, column, label, cur, extra, dark=layout.is_dark(), **spec)
    layout.show_chart(
        fig,
        "map_chart",
        "atlas-map",
        alt=f"Map: {label} by country",
        on_select=lambda: mapview.focus_country(perspective),
        light=lambda: figures.choropleth(per_country, column, label, cur, extra, dark=False, **spec),
    )
    mapview.mark_shown(year)
    mapview.after_chart()
    return year


left, right = mapview.map_columns(perspective, ctx.present)
with left:
    year = map_view()
rows = mapview.up_to(ctx.filtered, year)
per_country = mapview.per_country(rows, perspective)
with right:
    mapview.ranking_table(per_country, column, label, cur)
mapview.notes(perspective, metric, rows, cur, show_flows)
mapview.all_figures(per_country, cur)
if show_flows:
    mapview.flows_table(rows, cur)
layout.sources_panel(metrics.money_rows(rows), ctx, "map")
layout.download_buttons(metrics.money_rows(rows), ctx, "map", "enforcement-atlas-map")
