"""Companies: totals per company group, companies fined by several authorities, one company's profile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import countries, figures, layout, metrics
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
        table = profile.assign(
            decided=metrics.decided_label(profile),
            country_name=profile["country"].map(countries.name),
            source=profile["source_url"].map(layout.safe_url),
            type=profile["decision_type"].map(layout.TYPE_LABELS),
            appeal=profile["appeal_status"].map(figures.STATUS_LABELS),
            payment=profile["payment_status"].map(figures.STATUS_LABELS),
        )[
            [
                "decided",
                "country_name",
                "authority",
                "type",
                "amount",
                "currency",
                "standing_x",
                "appeal",
                "payment",
                "paid_x",
                "source",
                "notes",
            ]
        ]
        st.dataframe(
            table,
            hide_index=True,
            key="profile_table",
            column_config={
                "decided": st.column_config.TextColumn("Decided", help="A month or a year where only that is known."),
                "country_name": st.column_config.TextColumn("Country"),
                "authority": st.column_config.TextColumn("Authority"),
                "type": st.column_config.TextColumn("Decision"),
                "amount": st.column_config.NumberColumn("Amount", format="%,.0f"),
                "currency": st.column_config.TextColumn("Cur."),
                "standing_x": st.column_config.NumberColumn(f"Standing ({cur})", format="%,.0f"),
                "appeal": st.column_config.TextColumn("Appeal"),
                "payment": st.column_config.TextColumn("Payment"),
                "paid_x": st.column_config.NumberColumn(f"Paid ({cur})", format="%,.0f", help="Blank: not known."),
                "source": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)"),
                "notes": st.column_config.TextColumn("Notes", width="large"),
            },
            alt=f"Every decision about {company}",
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
    )
    layout.show_chart(fig, "companies_bar", "atlas-companies", alt="Companies by amount fined")
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
    )
    layout.show_chart(fig, "companies_multi", "atlas-multi-authority", alt="Companies fined by several authorities")

st.subheader("All companies in this selection")
st.dataframe(
    companies.assign(home=companies["home"].map(lambda c: countries.name(c) if c else "")),
    hide_index=True,
    key="companies_table",
    column_config={
        "company": st.column_config.TextColumn("Company"),
        "imposed": st.column_config.NumberColumn(f"Imposed ({cur})", format="%,.0f"),
        "standing": st.column_config.NumberColumn(f"Standing ({cur})", format="%,.0f"),
        "value": None,
        "paid_known": st.column_config.NumberColumn(f"Known paid ({cur})", format="%,.0f"),
        "payment_known": st.column_config.NumberColumn("Payment known"),
        "first": st.column_config.DateColumn("First", format="YYYY-MM-DD"),
        "last": st.column_config.DateColumn("Latest", format="YYYY-MM-DD"),
    },
    alt="Table of companies with totals",
)


def _open_profile(name: str) -> None:
    st.session_state[P.COMPANY] = name


st.caption("Open a profile")
quick = st.container(horizontal=True)
for name in pd.concat([multi["company"].head(6), companies["company"].head(6)]).drop_duplicates().head(10):
    quick.button(layout.md_text(name), key=f"open_{name}", on_click=_open_profile, args=(name,), icon=":material/person_search:")
layout.sources_panel(metrics.money_rows(rows), ctx, "companies")
