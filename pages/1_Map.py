"""Map: fines by country of the fining authority or of the company's home, over the years."""

from __future__ import annotations

import streamlit as st

from components import figures, layout, mapview, metrics, population, tables
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
    fig = figures.choropleth(
        per_country,
        column,
        label,
        cur,
        extra,
        area=mapview.area(perspective, per_country),
        flows=metrics.flows(rows) if show_flows else None,
        is_share=is_share,
        is_count=is_count,
        height=760 if not ctx.present else 900,
        wide=ctx.present,
        edges=edges,
        title=mapview.title(label, perspective, year, years),
        dark=layout.is_dark(),
        unit=f"{cur} per million people" if metric == "value_per_m" else None,
    )
    layout.show_chart(
        fig, "map_chart", "atlas-map", alt=f"Map: {label} by country", on_select=lambda: mapview.focus_country(perspective)
    )
    mapview.mark_shown(year)
    mapview.after_chart()
    return year


left, right = st.columns([2, 1] if not ctx.present else [3, 1])
with left:
    year = map_view()
rows = mapview.up_to(ctx.filtered, year)
per_country = mapview.per_country(rows, perspective)
with right:
    st.markdown(f"**{label}, by country**")
    ranked = mapview.ranking(per_country, column, label, cur)
    tables.show(
        ranked,
        "map_table",
        cur,
        "The map's figures per country",
        columns=["name", "iso2", column],
        height=600,
        widths={"name": 120, "iso2": 44},
    )
st.caption(
    figures.UN_DISCLAIMER + " Grey: no fines in this selection. Classes are on a log scale so small countries show beside "
    "Ireland; Malta, Luxembourg, Cyprus and Liechtenstein are drawn as dots."
)
if perspective == "authority":
    st.caption("Click a country to filter every page to its authority; clear it in the sidebar.")
if metric in mapview.PER_CAPITA:
    st.caption(population.source_note(population.load()) + ". Source of each figure: data/population.csv.")
with st.expander("All the map's figures per country", icon=":material/table:"):
    cols = ["name", "iso2", "fines", "imposed", "standing", "median", "payment_known", "collection_rate"]
    tables.show(per_country, "map_table_all", cur, "Every figure per country", columns=[*cols, "fines_per_m", "value_per_m"])
if show_flows:
    flow_rows = metrics.flows(rows)
    with st.expander(f"Cross-border flows: {len(flow_rows)}", icon=":material/trending_flat:"):
        st.dataframe(
            flow_rows.assign(
                origin=flow_rows["origin"].map(figures.countries.name),
                destination=flow_rows["destination"].map(figures.countries.name),
            ),
            hide_index=True,
            key="flows_table",
            column_config={"value": st.column_config.NumberColumn(f"Amount ({cur})", format="%,.0f")},
            alt="Cross-border flows: company home country to fining country",
        )
layout.sources_panel(metrics.money_rows(rows), ctx, "map")
layout.download_buttons(metrics.money_rows(rows), ctx, "map", "enforcement-atlas-map")
