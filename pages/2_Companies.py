"""Companies: totals per company group, companies fined by several authorities, one company's profile."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from components import charts, countries, figures, layout, metrics, tables
from components import params as P

ctx = layout.setup_page("Companies")
cur = ctx.currency

level = (
    st.segmented_control(
        "Totals per",
        ["group", "company"],
        format_func={"group": "Company group", "company": "Company as named"}.get,
        help="A company group rolls up a group's decisions: Meta = Facebook + Instagram + WhatsApp.",
        default="group",
        required=True,
        key=P.COMPANY_LEVEL,
        bind="query-params",
    )
    or "group"
)

rows = ctx.filtered
all_groups = sorted(ctx.fines["controller_group"].dropna().unique())
company = st.selectbox(
    "Company profile",
    ["", *all_groups],
    format_func=lambda g: "Choose a company…" if g == "" else g,
    key=P.COMPANY,
    bind="query-params",
    help="Every decision about the company, with its authority, stage, standing amount and payment. The link to this page keeps the choice.",
)

if company:
    # The profile shows every decision of the group, whatever the sidebar's type filter says.
    profile_all = metrics.company_profile(ctx.fines, company)
    flt = ctx.filters
    profile = metrics.apply_filters(profile_all, type(flt)(**{**flt.__dict__, "types": (), "company": ""}))
    money = metrics.money_rows(profile)
    head = metrics.headline(profile)
    st.header(layout.md_text(company), divider="gray")
    st.caption(
        f"{layout.home_sentence(profile)} {len(profile)} decision(s) by {profile['authority'].nunique()} authorit"
        f"{'y' if profile['authority'].nunique() == 1 else 'ies'} in {profile['country'].nunique()} countr"
        f"{'y' if profile['country'].nunique() == 1 else 'ies'}; {head.fines} imposing money."
    )
    if len(money):
        fined_in = ", ".join(countries.name(c) for c in money.sort_values("decision_date")["country"].drop_duplicates())
        paid_note = f"{figures.fmt_money(head.collected, cur)} is known to have been paid" + (
            f" (payment known for {head.payment_known} of {head.fines})" if head.payment_known < head.fines else ""
        )
        st.info(
            f"Fined {head.fines} time(s) by authorities in {fined_in}: {figures.fmt_money(head.imposed, cur)} imposed, "
            f"{figures.fmt_money(head.standing, cur)} still standing after appeals; {paid_note}.",
            icon=":material/summarize:",
        )
    tiles = st.container(horizontal=True)
    with tiles:
        layout.kpi(f"Imposed ({cur})", figures.fmt_money(head.imposed, cur))
        layout.kpi(f"Still standing ({cur})", figures.fmt_money(head.standing, cur), help="After the latest court rulings.")
        layout.kpi(
            f"Known paid ({cur})",
            figures.fmt_money(head.collected, cur),
            note=f"payment known for {head.payment_known} of {head.fines}",
        )
        layout.kpi(
            "Collected",
            f"{head.collection_rate:.0%}" if head.collection_rate is not None else "unknown",
            help="Known paid ÷ standing, over fines whose payment is known.",
            note=figures.collection_basis_note(head.payment_known, int((money["payment_status"] == "suspended").sum())),
        )
    if len(profile):
        table = tables.fines_frame(profile).sort_values("decision_date", kind="stable")
        table["decision_type_label"] = table["decision_type"].map(layout.TYPE_LABELS)
        tables.show(
            table,
            "profile_table",
            cur,
            f"Every decision about {company}",
            columns=[
                "decided",
                "country_name",
                "authority_short",
                "decision_type_label",
                "as_decided",
                "standing_x",
                "appeal",
                "payment",
                "paid_x",
                "source",
                "notes",
            ],
            widths=tables.FINES_WIDTHS,
        )
        lanes = metrics.lifecycle(profile, ctx.events)
        fig = figures.swimlanes(lanes, f"{company}: each decision's lifecycle", ctx.source_line())
        layout.show_chart(fig, "profile_lanes", "atlas-company-lifecycle", alt=f"Lifecycle of {company}'s decisions")
        if len(money):
            by_auth = money.groupby("country", observed=True).agg(
                imposed=("imposed_x", "sum"), standing=("standing_x", "sum"), paid=("paid_x", "sum")
            )
            by_auth = by_auth.reset_index()
            by_auth["country"] = by_auth["country"].map(countries.name)
            fig = figures.grouped_bars(
                by_auth.sort_values("imposed", ascending=False),
                "country",
                {"imposed": "Imposed", "standing": "Standing", "paid": "Known paid"},
                f"{company}: imposed, standing and known paid by fining country ({cur})",
                cur,
                ctx.source_line(),
            )
            layout.show_chart(
                fig, "profile_bars", "atlas-company-money", alt=f"{company}: money imposed, standing and paid by country"
            )
        layout.sources_panel(profile, ctx, "profile")
        layout.download_buttons(profile, ctx, "profile", f"enforcement-atlas-{company.lower().replace(' ', '-')[:40]}")
    else:
        layout.empty_state(f"No decisions about {company} in this selection.")
    st.divider()

companies = metrics.by_company(rows, level)
if len(companies) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()
# a bar names a company group or a company as named; either opens its group's profile
group_of = dict(zip(ctx.fines["controller"], ctx.fines["controller_group"])) if level == "company" else {}
companies["group_key"] = companies["company"].map(lambda c: group_of.get(c, c))
log = charts.scale_control()


def _bar_opens_profile(chart_key: str) -> None:
    points = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    names = [html.unescape(p["customdata"]) for p in points if isinstance(p.get("customdata"), str)]
    if names:
        st.session_state[P.COMPANY] = names[0]


left, right = st.columns(2) if not ctx.present else (st.container(), st.container())
with left:
    fig = figures.hbar(
        companies,
        "company",
        "value",
        f"Companies by amount ({cur})",
        f"Amount ({cur})",
        ctx.source_line(),
        currency=cur,
        hover_cols={"fines": "Fines", "authorities": "Authorities", "home": "Home country"},
        n=20,
        log=log,
        key_col="group_key",
    )
    layout.show_chart(
        fig,
        "companies_bar",
        "atlas-companies",
        alt="Companies by amount fined; click a bar to open its profile",
        on_select=lambda: _bar_opens_profile("companies_bar"),
    )
    st.caption("Click a bar to open the company's profile above.")
with right:
    multi = metrics.multi_authority(companies)
    fig = figures.hbar(
        multi,
        "company",
        "authorities",
        "Companies fined by several authorities",
        "Authorities that fined the company",
        ctx.source_line(),
        hover_cols={"fines": "Fines", "countries": "Countries", "home": "Home country"},
        n=20,
        colour=figures.OKABE_ITO[5],
        key_col="group_key",
    )
    layout.show_chart(
        fig,
        "companies_multi",
        "atlas-multi-authority",
        alt="Companies fined by several authorities; click a bar to open its profile",
        on_select=lambda: _bar_opens_profile("companies_multi"),
    )

st.subheader("All companies in this selection")
tables.show(
    companies.assign(home_name=companies["home"].map(lambda c: countries.name(c) if c else None)),
    "companies_table",
    cur,
    "Table of companies with totals",
    columns=[
        "company",
        "fines",
        "authorities",
        "imposed",
        "standing",
        "paid_known",
        "payment_known",
        "home_name",
        "first",
        "last",
    ],
)


def _open_profile(name: str) -> None:
    st.session_state[P.COMPANY] = name


st.caption("Open a profile")
quick = st.container(horizontal=True)
for name in pd.concat([multi["company"].head(6), companies["company"].head(6)]).drop_duplicates().head(10):
    quick.button(layout.md_text(name), key=f"open_{name}", on_click=_open_profile, args=(name,), icon=":material/person_search:")
layout.sources_panel(metrics.money_rows(rows), ctx, "companies")
