"""Collection: imposed vs standing vs known collected, and what authorities published."""

from __future__ import annotations

import streamlit as st

from components import figures, layout, metrics, tables
from components import params as P

ctx = layout.setup_page("Collection")
cur = ctx.currency
rows = ctx.filtered
money = metrics.money_rows(rows)
if len(money) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()

head = metrics.headline(rows)
tiles = st.container(horizontal=True)
with tiles:
    layout.kpi(f"Imposed ({cur})", figures.fmt_money(head.imposed, cur))
    layout.kpi(f"Standing ({cur})", figures.fmt_money(head.standing, cur))
    layout.kpi(f"Known collected ({cur})", figures.fmt_money(head.collected, cur))
    layout.kpi(
        "Collection rate",
        f"{head.collection_rate:.1%}" if head.collection_rate is not None else "unknown",
        note=f"payment known for {head.payment_known} of {head.fines} fines",
        help="Known collected ÷ standing, over the fines whose payment is known. Unknown is not zero.",
    )
status_counts = money["payment_status"].value_counts()
st.caption(
    "Payment status in this selection: "
    + ", ".join(f"{figures.STATUS_LABELS.get(k, k)} {v}" for k, v in status_counts.items())
    + ". The rate covers paid, partly paid (where the sum is known) and unpaid fines only."
)

by = (
    st.segmented_control(
        "Group by",
        ["authority", "year", "origin"],
        format_func={"authority": "Authority", "year": "Year", "origin": "Company origin"}.get,
        help="Year of the decision; company origin: EU, EEA outside the EU, UK, or elsewhere.",
        default="authority",
        required=True,
        key=P.COLLECTION_BY,
        bind="query-params",
    )
    or "authority"
)
table = metrics.collection_by(rows, by)
table["coverage"] = table.apply(lambda r: f"payment known for {int(r.payment_known)} of {int(r.fines)}", axis=1)
table["group"] = table["group"].astype(str)
if by == "authority":
    table["label"] = table["group"].map(figures.short_authority) + " (" + table["country"] + ")"
else:
    table["label"] = table["group"]
if by == "year":
    table = table.sort_values("group")
fig = figures.grouped_bars(
    table,
    "label",
    {"imposed": "Imposed", "standing": "Standing", "collected": "Known collected"},
    f"Imposed, standing and known collected by {by} ({cur})",
    cur,
    ctx.source_line(),
    n=15 if by == "authority" else 40,
    hover_extra="coverage",
    horizontal=by != "year",
)
layout.show_chart(fig, "collection_chart", "atlas-collection", alt=f"Imposed, standing and collected by {by}")
tables.show(
    table,
    "collection_table",
    cur,
    "Collection table",
    columns=[
        "group",
        *(["country"] if by == "authority" else []),
        "fines",
        "payment_known",
        "imposed",
        "standing",
        "collected",
        "collection_rate",
        "coverage",
    ],
    column_config={
        "group": st.column_config.TextColumn(by.capitalize(), width="medium", pinned=True),
        "country": st.column_config.TextColumn("Country", width="small"),
        "coverage": st.column_config.TextColumn("Coverage", width="medium"),
    },
)

st.subheader("What authorities and journalists published")
st.caption(
    "Published figures in their own currency and period, beside what this dataset holds for the same authority and period."
)
published = metrics.published_vs_data(metrics.published_in_selection(ctx.collection, ctx.filters), rows)
sources = " · ".join(sorted({f"{r.source} ({r.as_of:%Y-%m-%d})" for r in published.itertuples()})) if len(published) else ""
fig = figures.published_rates(
    published,
    "Collection rate: published figures beside this dataset (same authority, same period)",
    ctx.source_line(f"Published figures: {sources}" if sources else ""),
)
layout.show_chart(fig, "published_chart", "atlas-published-collection", alt="Published collection rates beside the data")
if len(published):
    published["source_url"] = published["source_url"].map(layout.safe_url)
    tables.show(
        published.assign(source_link=published["source_url"]),
        "published_table",
        cur,
        "Published collection figures beside the dataset",
        columns=[
            "authority",
            "period",
            "what",
            "published_imposed",
            "published_collected",
            "currency",
            "published_rate",
            "data_fines",
            "data_payment_known",
            "data_imposed_x",
            "data_collected_x",
            "data_rate",
            "source",
            "source_link",
            "as_of",
        ],
        column_config={
            "period": st.column_config.TextColumn("Period"),
            "what": st.column_config.TextColumn("Figure", width="medium"),
            "published_imposed": st.column_config.NumberColumn("Published: imposed", format="%,.0f"),
            "published_collected": st.column_config.NumberColumn("Published: collected", format="%,.0f"),
            "published_rate": st.column_config.NumberColumn("Published rate", format="percent"),
            "data_fines": st.column_config.NumberColumn("Fines in our data"),
            "data_payment_known": st.column_config.NumberColumn("…payment known"),
            "data_imposed_x": st.column_config.NumberColumn(f"Our data: imposed ({cur})", format="%,.0f"),
            "data_collected_x": st.column_config.NumberColumn(f"Our data: known collected ({cur})", format="%,.0f"),
            "data_rate": st.column_config.NumberColumn("Our data: rate (known)", format="percent"),
            "source": st.column_config.TextColumn("Reported by"),
            "source_link": st.column_config.LinkColumn("Source", display_text=tables.HOST_DISPLAY),
            "as_of": st.column_config.DateColumn("As of", format="YYYY-MM-DD"),
        },
    )
layout.sources_panel(money, ctx, "collection")
layout.download_buttons(money, ctx, "collection", "enforcement-atlas-collection")
