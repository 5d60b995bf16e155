"""Map: fines by country of the fining authority or of the company's home, over the years."""

from __future__ import annotations

import streamlit as st

from components import countries, figures, layout, metrics
from components import params as P

ctx = layout.setup_page("Map")
cur = ctx.currency

METRICS = {
    "total": ("Total imposed", "imposed", False, False),
    "standing": ("Total standing", "standing", False, False),
    "count": ("Number of fines", "fines", False, True),
    "median": ("Median fine", "median", False, False),
    "collection": ("Collection rate (known payments)", "collection_rate", True, False),
}
PERSPECTIVES = {"authority": "Fining authority's country", "company": "Company's home country"}

controls = st.container(horizontal=True, vertical_alignment="bottom")
with controls:
    metric = (
        st.segmented_control(
            "Metric",
            list(METRICS),
            format_func=lambda m: METRICS[m][0],
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
            list(PERSPECTIVES),
            format_func=PERSPECTIVES.get,
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
        help="Company home country → fining authority, for decisions across a border.",
    )

rows = ctx.filtered
years = sorted(int(y) for y in rows["year"].dropna().unique())
year_choice = "all"
if len(years) > 1:
    year_choice = st.select_slider(
        "Decisions up to year (▶ Play on the map animates the years)",
        options=[*[str(y) for y in years], "all"],
        value="all",
        key=P.MAP_YEAR,
        bind="query-params",
        format_func=lambda v: "All years" if v == "all" else v,
    )
if year_choice != "all":
    rows = rows[rows["year"] <= int(year_choice)]

if len(metrics.money_rows(rows)) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()

label, column, is_share, is_count = METRICS[metric]
per_country = metrics.by_country(rows, perspective)
area = countries.EEA_UK if perspective == "authority" else countries.EEA_UK | set(per_country["iso2"])
flow_rows = metrics.flows(rows) if show_flows else None
# fixed colour classes across the years, so the animation compares like with like
all_years = metrics.by_country(ctx.filtered, perspective)
edges = figures.SHARE_EDGES if is_share else figures.class_breaks(all_years[column].tolist())
fig = figures.choropleth(
    per_country,
    column,
    label,
    cur,
    ctx.source_line(PERSPECTIVES[perspective]),
    area=area,
    flows=flow_rows,
    is_share=is_share,
    is_count=is_count,
    height=620 if not ctx.present else 760,
    edges=edges,
    title=f"{label} by {'fining authority' if perspective == 'authority' else 'company home'} country"
    + (f", decisions up to {year_choice}" if year_choice != "all" else ""),
)
if len(years) > 1 and not show_flows:
    frames = metrics.by_country_up_to_years(ctx.filtered, years, perspective)
    figures.add_year_animation(fig, frames, column, label, cur, is_share, is_count)


def _focus_country() -> None:
    """Clicking a country filters every chart to it (the sidebar's authority filter)."""
    state = st.session_state.get("map_chart")
    points = (state or {}).get("selection", {}).get("points", []) if state else []
    codes = [p.get("customdata") for p in points if isinstance(p.get("customdata"), str)]
    if codes and perspective == "authority":
        layout.set_global(P.COUNTRIES, sorted(set(codes)))


layout.show_chart(fig, "map_chart", "atlas-map", alt=f"Map: {label} by country", on_select=_focus_country)
st.caption(
    figures.UN_DISCLAIMER
    + " Grey: no fines in this selection. Classes are on a log scale so small countries show beside Ireland and Luxembourg."
)
if perspective == "authority":
    st.caption("Click a country to filter every page to its authority; clear it in the sidebar.")

left, right = st.columns(2)
with left:
    table = per_country[["name", "iso2", "fines", "imposed", "standing", "median", "payment_known", "collection_rate"]]
    st.dataframe(
        table,
        hide_index=True,
        key="map_table",
        column_config={
            "name": st.column_config.TextColumn("Country"),
            "iso2": st.column_config.TextColumn("ISO"),
            "fines": st.column_config.NumberColumn("Fines"),
            "imposed": st.column_config.NumberColumn(f"Imposed ({cur})", format="%,.0f"),
            "standing": st.column_config.NumberColumn(f"Standing ({cur})", format="%,.0f"),
            "median": st.column_config.NumberColumn(f"Median ({cur})", format="%,.0f"),
            "payment_known": st.column_config.NumberColumn("Payment known"),
            "collection_rate": st.column_config.NumberColumn("Collected (known)", format="percent"),
        },
        alt="Table of the map's figures per country",
    )
with right:
    if flow_rows is not None and len(flow_rows):
        flow_table = flow_rows.assign(
            origin=flow_rows["origin"].map(countries.name), destination=flow_rows["destination"].map(countries.name)
        )
        st.dataframe(
            flow_table,
            hide_index=True,
            key="flows_table",
            column_config={"value": st.column_config.NumberColumn(f"Amount ({cur})", format="%,.0f")},
            alt="Cross-border flows: company home country to fining country",
        )
    else:
        st.caption("Turn on cross-border flows to see which home countries' companies were fined where.")
layout.sources_panel(metrics.money_rows(rows), ctx, "map")
layout.download_buttons(metrics.money_rows(rows), ctx, "map", "enforcement-atlas-map")
