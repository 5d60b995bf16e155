"""Companies: totals per company group, companies fined by several authorities, one company's profile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts, figures, layout, metrics, profile, tables
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
    profile.render(ctx, company)
    st.divider()

companies = metrics.by_company(rows, level)
if len(companies) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()
# a bar names a company group or a company as named; either opens its group's profile
group_of = dict(zip(ctx.fines["controller"], ctx.fines["controller_group"])) if level == "company" else {}
companies["group_key"] = companies["company"].map(lambda c: group_of.get(c, c))
log = charts.scale_control()

left, right = st.columns(2) if not ctx.present else (st.container(), st.container())
bars = dict(n=20, key_col="group_key", source_width=95 if ctx.present else 60)  # half a page: shorter source lines
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
        log=log,
        **bars,
    )
    layout.show_chart(
        fig,
        "companies_bar",
        "atlas-companies",
        alt="Companies by amount fined; click a bar to open its profile",
        on_select=lambda: profile.bar_opens_profile("companies_bar"),
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
        colour=figures.OKABE_ITO[5],
        **bars,
    )
    layout.show_chart(
        fig,
        "companies_multi",
        "atlas-multi-authority",
        alt="Companies fined by several authorities; click a bar to open its profile",
        on_select=lambda: profile.bar_opens_profile("companies_multi"),
    )

st.subheader("All companies in this selection")
tables.show_companies(companies, cur)
profile.quick_buttons(pd.concat([multi["company"].head(6), companies["company"].head(6)]).drop_duplicates().head(10))
layout.sources_panel(metrics.money_rows(rows), ctx, "companies")
