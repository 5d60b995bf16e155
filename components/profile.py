"""A company's profile on the Companies page: every decision about it, its stage, standing amount and payment.

UI module (imports streamlit). The page picks the company; this module shows the profile and the
ways into it (a click on a bar, the quick buttons).
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from components import countries, figures, metrics, sentences, tables
from components import params as P
from components.charts import show_chart
from components.panels import download_buttons, empty_state, kpi, sources_panel
from components.sidebar import TYPE_LABELS
from components.text import md_text

PROFILE_COLUMNS = [
    "decided",
    "country_name",
    "authority_short",
    "decision_type_label",
    "as_decided",
    "standing_x",
    "appeal",
    "payment",
    "paid_x",
    "status_checked",
    "source",
    "source_kind",
    "notes",
]


def _tiles(head: metrics.Headline, money: pd.DataFrame, cur: str) -> None:
    with st.container(horizontal=True):
        kpi(f"Imposed ({cur})", figures.fmt_money(head.imposed, cur))
        kpi(
            f"Still standing ({cur})",
            figures.fmt_money(head.standing, cur),
            help="After the latest court rulings.",
            note=sentences.reduced_unknown_note(head.reduced_unknown) or None,
        )
        # nothing known is "unknown", not "EUR 0" (which reads as known unpaid)
        paid = figures.fmt_money(head.collected, cur) if head.payment_known else "unknown"
        kpi(f"Known paid ({cur})", paid, note=sentences.known_of(head))
        kpi(
            "Collected",
            f"{head.collection_rate:.0%}" if head.collection_rate is not None else "unknown",
            help="Known paid ÷ standing, over fines whose payment is known.",
            note=figures.collection_basis_note(head.payment_known, int((money["payment_status"] == "suspended").sum())),
        )


def _by_country_chart(company: str, money: pd.DataFrame, ctx) -> None:
    cur = ctx.currency
    by_auth = money.groupby("country", observed=True).agg(
        imposed=("imposed_x", "sum"), standing=("standing_x", "sum"), paid=("paid_x", "sum")
    )
    by_auth = by_auth.reset_index().assign(country=lambda f: f["country"].map(countries.name))
    fig = figures.grouped_bars(
        by_auth.sort_values("imposed", ascending=False),
        "country",
        {"imposed": "Imposed", "standing": "Standing", "paid": "Known paid"},
        f"{company}: imposed, standing and known paid by fining country ({cur})",
        cur,
        ctx.source_line(),
    )
    show_chart(fig, "profile_bars", "atlas-company-money", alt=f"{company}: money imposed, standing and paid by country")


def render(ctx, company: str) -> None:
    """The profile of one company group: every decision, whatever the sidebar's type filter says."""
    cur = ctx.currency
    flt = ctx.filters
    profile_all = metrics.company_profile(ctx.fines, company)
    profile = metrics.apply_filters(profile_all, type(flt)(**{**flt.__dict__, "types": (), "company": ""}))
    money = metrics.money_rows(profile)
    head = metrics.headline(profile)
    st.header(md_text(company), divider="gray")
    st.caption(sentences.profile_caption(profile, head))
    if len(money):
        st.info(sentences.profile_summary(money, head, cur), icon=":material/summarize:")
    _tiles(head, money, cur)
    if not len(profile):
        empty_state(f"No decisions about {company} in this selection.")
        return
    table = tables.fines_frame(profile).sort_values("decision_date", kind="stable")
    table["decision_type_label"] = table["decision_type"].map(TYPE_LABELS)
    tables.show(
        table, "profile_table", cur, f"Every decision about {company}", columns=PROFILE_COLUMNS, widths=tables.FINES_WIDTHS
    )
    lanes = metrics.lifecycle(profile, ctx.events)
    fig = figures.swimlanes(lanes, f"{company}: each decision's lifecycle", ctx.source_line())
    show_chart(fig, "profile_lanes", "atlas-company-lifecycle", alt=f"Lifecycle of {company}'s decisions")
    if len(money):
        _by_country_chart(company, money, ctx)
    sources_panel(profile, ctx, "profile")
    download_buttons(profile, ctx, "profile", f"enforcement-atlas-{company.lower().replace(' ', '-')[:40]}")


def _open(name: str) -> None:
    st.session_state[P.COMPANY] = name


def bar_opens_profile(chart_key: str) -> None:
    """on_select of a company bar chart (customdata: the group): open that group's profile."""
    points = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    names = [html.unescape(p["customdata"]) for p in points if isinstance(p.get("customdata"), str)]
    if names:
        _open(names[0])


def quick_buttons(names: pd.Series) -> None:
    """'Open a profile': a button per company (a keyboard path besides the bars)."""
    st.caption("Open a profile")
    quick = st.container(horizontal=True)
    for name in names:
        quick.button(md_text(name), key=f"open_{name}", on_click=_open, args=(name,), icon=":material/person_search:")
