"""Panels beside the charts: headline tiles, the rows and sources behind a chart, downloads, coverage.

UI module (imports streamlit). Every export carries its sources, rates, licence and "as of".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from components import exports, figures, fx, metrics, publish, schema
from components.sentences import plural
from components.text import md_text, safe_urls
from components.urlstate import present_from_url

if TYPE_CHECKING:
    from components.layout import Context

APP_NAME = "Enforcement Atlas"


SOURCES_TABLE_ROWS = 1000
SOURCE_COLUMNS = {
    "controller": "Company",
    "authority": "Authority",
    "country": "Country",
    "decision_date": "Decided",
    "amount": "Amount",
    "currency": "Currency",
    "rate": "Rate used",
    "rate_date": "Rate date",
    "value_x": "Shown",
    "appeal_status": "Appeal",
    "payment_status": "Payment",
    "source_url": "Source",
}


def lazy_expander(label: str, key: str, icon: str | None = None):
    """A collapsed expander whose body the page builds only while it is open, or None while it is shut.

    Streamlit runs a plain expander's body on every rerun, shut or not: the sources table alone was a fifth
    of each Overview rerun. With on_change="rerun", opening it reruns the page with `.open` true. The label
    must not change with the selection (it is part of the widget's identity: a new label would shut it). Keys start
    with "open_" (the tests open every such panel to check what it sends)."""
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    return box if box.open else None


def sources_panel(rows: pd.DataFrame, ctx: Context, key: str, note: str = "", largest_first: bool = False) -> None:
    """Beside a chart: which rows it uses, their sources, the rates and their dates (built only when opened).

    `largest_first`: list them by amount shown (only the listed rows are sorted: sorting a 500,000-row
    upload first copied every column, half a second of each Overview rerun)."""
    box = lazy_expander("Sources and rates", f"open_src_{key}", ":material/link:")
    if box is None:
        return
    with box:
        st.caption(f"{plural(len(rows), 'row')}, each with its source and the rate used.")
        if note:
            st.caption(note)
        shown = rows
        if len(rows) > SOURCES_TABLE_ROWS:
            shown = rows.nlargest(SOURCES_TABLE_ROWS, "value_x") if "value_x" in rows.columns else rows.head(SOURCES_TABLE_ROWS)
            st.caption(f"Showing the {SOURCES_TABLE_ROWS:,} largest of {len(rows):,} rows; the downloads hold them all.")
        elif largest_first and "value_x" in rows.columns:
            shown = rows.sort_values("value_x", ascending=False)
        table = shown[[c for c in SOURCE_COLUMNS if c in shown.columns]].copy()
        table["source_url"] = safe_urls(table["source_url"])
        if "decision_date" in table:
            table["decision_date"] = metrics.decided_label(shown)
        st.dataframe(
            table,
            hide_index=True,
            key=f"src_{key}",
            column_config={
                "source_url": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)"),
                "decision_date": st.column_config.TextColumn("Decided", help="A month or a year where only that is known."),
                "amount": st.column_config.NumberColumn("Amount", format="%,.0f"),
                "value_x": st.column_config.NumberColumn(f"Shown ({ctx.currency})", format="%,.0f"),
                "rate": st.column_config.NumberColumn("Rate used", format="%.5f"),
                **{
                    c: st.column_config.TextColumn(label)
                    for c, label in SOURCE_COLUMNS.items()
                    if c in ("controller", "authority", "country", "currency", "rate_date", "appeal_status", "payment_status")
                },
            },
            alt=f"Rows behind the chart, with sources and rates ({plural(len(rows), 'row')})",
        )
        rates = rows.groupby(["currency", "rate_date"], observed=True)["rate"].first().reset_index()
        rates = rates[rates["currency"] != ctx.currency]
        if len(rates):
            st.caption(
                f"Rates to {ctx.currency} ({fx.ECB_SOURCE}): "
                + "; ".join(f"1 {r.currency} = {r.rate:.5f} on {r.rate_date}" for r in rates.head(12).itertuples())
                + (f"; and {len(rates) - 12} more" if len(rates) > 12 else "")
            )


def download_buttons(rows: pd.DataFrame, ctx: Context, key: str, name: str = "enforcement-atlas") -> None:
    """Filtered data as CSV and XLSX, formula-safe, with sources and licence."""
    cols = [c for c in schema.FINE_COLUMNS if c in rows.columns] + [
        c for c in ("value_x", "rate", "rate_date", "rate_source") if c in rows.columns
    ]
    shown = f"shown_{ctx.currency}"

    def table() -> pd.DataFrame:  # on click, not on every rerun
        return rows[cols].rename(columns={"value_x": shown})

    as_of = f"{ctx.as_of:%Y-%m-%d}" if ctx.as_of is not None else "unknown"
    header = [
        f"{APP_NAME}: {plural(len(rows), 'row')}; {ctx.money.label}; data as of {as_of}",
        f"Data: {ctx.data_label}",
        exports.LICENCE,
    ]
    about = {
        "title": f"{APP_NAME} export",
        "rows": str(len(rows)),
        "data": ctx.data_label,
        "amounts": ctx.money.label,
        "rates": fx.ECB_SOURCE,
        "as_of": as_of,
        "licence": exports.LICENCE,
        "sources": "Each row's source_url",
    }
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download CSV",
        lambda: exports.to_csv_bytes(table(), header),  # built on click, not on every rerun
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Download XLSX",
        lambda: exports.to_xlsx_bytes(table(), about),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_xlsx_{key}",
        icon=":material/table:",
        on_click="ignore",
    )


def kpi(label: str, value: str, help: str | None = None, note: str | None = None) -> None:
    """A headline tile: st.metric, or in presentation mode a large heading readable from the back of a room."""
    if not present_from_url():
        st.metric(label, value, delta=note, delta_color="off", delta_arrow="off", help=help, border=True)
        return
    with st.container(border=True):
        st.caption(label)
        st.markdown(f"# {md_text(value)}")
        if note:
            st.caption(note)


def coverage_panel(table: pd.DataFrame) -> None:
    """What share of the publicly known fines the bundled data holds, said in one line and shown in a table."""
    if not len(table):
        return
    st.caption(figures.coverage_sentence(table))
    box = lazy_expander("Coverage against published totals", "open_coverage", ":material/fact_check:")
    if box is None:
        return
    with box:
        st.dataframe(
            table.assign(source_url=safe_urls(table["source_url"])),
            hide_index=True,
            key="coverage_table",
            column_config={
                "publisher": st.column_config.TextColumn("Published by"),
                "what": st.column_config.TextColumn("What it counts"),
                "period": st.column_config.TextColumn("Period"),
                "cutoff": None,
                "since_start": None,
                "their_fines": st.column_config.NumberColumn("Their fines", format="%,.0f", help="Blank: not given."),
                "our_fines": st.column_config.NumberColumn("Atlas fines", format="%,.0f"),
                "fines_share": st.column_config.NumberColumn("Share of count", format="percent"),
                "their_total_eur": st.column_config.NumberColumn("Their total (EUR)", format="%,.0f"),
                "our_total_eur": st.column_config.NumberColumn("Atlas total (EUR)", format="%,.0f"),
                "total_share": st.column_config.NumberColumn("Share of total", format="percent"),
                "source_url": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)"),
                "notes": st.column_config.TextColumn("Notes", width="large"),
            },
            alt="The Atlas's count and total beside published totals of other trackers",
        )
        st.caption(
            "Atlas figures: money decisions dated in the same period, at decision-date ECB rates. Scopes differ a little "
            "(some trackers leave out ePrivacy fines or the UK), so a share can pass 100%."
        )


def open_data_panel(ctx: Context) -> None:
    """Links to the full bundled tables at stable URLs, with the licence and how to cite them."""
    counts = publish.summary(ctx.bundle)
    st.markdown("**The full bundled tables** (CSV, UTF-8, and a Frictionless Data Package describing them):")
    links = st.container(horizontal=True)
    for name, rows in counts.items():
        links.link_button(f"{name} ({rows:,} rows)", publish.STATIC_URL + name, icon=":material/table:")
    links.link_button("datapackage.json", publish.STATIC_URL + "datapackage.json", icon=":material/data_object:")
    as_of = f"{ctx.as_of:%Y-%m-%d}" if ctx.as_of is not None else "unknown"
    st.caption(
        "Licence: CC BY 4.0 for the compiled data (each fact's own source is in source_url). Cite as: "
        + md_text(publish.CITATION.format(as_of=as_of))
    )


def empty_state(message: str) -> None:
    """A clear 'nothing here' note; the message may carry data text (a company name), so it is escaped."""
    st.info(md_text(message) + " Widen the filters in the sidebar.", icon=":material/filter_alt_off:")
