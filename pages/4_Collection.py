"""Collection: imposed vs standing vs known collected, and what authorities published."""

from __future__ import annotations

import streamlit as st

from components import figures, layout, metrics, sentences, tables
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
        note=sentences.known_of(head),
        help="Known collected ÷ standing, over the fines whose payment is known. Unknown is not zero.",
    )
st.caption(sentences.payment_statuses(money))

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
table = tables.collection_frame(rows, by)
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
tables.show_collection(table, by, cur)

st.subheader("What authorities and journalists published")
st.caption(
    "Published figures in their own currency and period, beside what this dataset holds for the same authority and period."
)
published = metrics.published_vs_data(metrics.published_in_selection(ctx.collection, ctx.filters), rows)
sources = sentences.published_sources(published)
fig = figures.published_rates(
    published,
    "Collection rate: published figures beside this dataset (same authority, same period)",
    ctx.source_line(f"Published figures: {sources}" if sources else ""),
)
layout.show_chart(fig, "published_chart", "atlas-published-collection", alt="Published collection rates beside the data")
tables.show_published(published, cur)
layout.sources_panel(money, ctx, "collection")
layout.download_buttons(money, ctx, "collection", "enforcement-atlas-collection")
