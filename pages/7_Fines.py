"""Fines: every decision in the selection as a searchable, sortable table, and its download."""

from __future__ import annotations

import streamlit as st

from components import exports, layout, sentences, tables
from components import params as P

ctx = layout.setup_page("Fines")
cur = ctx.currency
st.caption(
    "Every decision in the selection: filter by country, sector, article and violation type in the sidebar, "
    "search here, sort by clicking a column's header. The profile link opens the company's every decision."
)

search = st.text_input(
    "Search the table",
    key=P.FINES_SEARCH,
    bind="query-params",
    placeholder="e.g. clearview, DPC, 32, cookies",
    max_chars=200,
    help="Rows that contain every word, in the company, authority, country, articles, violation or notes.",
)
view = layout.view_query()
matched = tables.search_rows(ctx.filtered, search or "")
shown = tables.fines_listing(matched, tables.FINES_TABLE_ROWS, view)
known = int(matched["paid_x"].notna().sum())  # the paid amount is known: the Overview's and Collection's measure
st.caption(
    f"{sentences.fines_table_count(len(shown), len(matched), len(ctx.filtered))}; "
    f"{sentences.payment_known(known, len(matched))}. {layout.md_text(layout.filter_line())}."
)
if not len(shown):
    layout.empty_state("No decisions match this search.")
    st.stop()

tables.show(
    shown,
    "fines_table",
    cur,
    f"Every decision in the selection ({sentences.plural(len(shown), 'row')})",
    columns=tables.FINES_COLUMNS,
    widths=tables.FINES_WIDTHS,
    height=min(36 * (len(shown) + 1) + 3, 720),
)
as_of = f"{ctx.as_of:%Y-%m-%d}" if ctx.as_of is not None else "unknown"
header = [
    f"{layout.APP_NAME}: {sentences.plural(len(matched), 'decision')} as on the Fines page; {ctx.money.label}; data as of {as_of}",
    layout.filter_line() + (f"; search: {search}" if search else ""),
    f"Data: {ctx.data_label}",
    exports.LICENCE,
]
st.download_button(
    "Download this table (CSV)",
    # built on click, every matching row (the table may list only the largest)
    lambda: exports.to_csv_bytes(tables.fines_export(tables.fines_frame(matched, view), cur), header),
    file_name="enforcement-atlas-fines-table.csv",
    mime="text/csv",
    key="dl_fines_table",
    icon=":material/download:",
    on_click="ignore",
    help="The rows and columns shown, in this order before any sorting by a header; formulas neutralised.",
)
layout.download_buttons(matched, ctx, "fines", "enforcement-atlas-fines-all-columns")
