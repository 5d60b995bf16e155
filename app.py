"""Overview: headline figures, a small map, top companies, the cumulative timeline."""

from __future__ import annotations

import streamlit as st

from components import charts, figures, layout, metrics, sentences

ctx = layout.setup_page("Enforcement Atlas")
cur = ctx.currency
st.caption(
    "GDPR and UK GDPR fines across Europe, with the data protection authorities' cookie and marketing (ePrivacy) "
    "fines: who was fined, by whom, for how much, what the courts did "
    f"with the fine, and whether it was paid. Amounts in {ctx.money.label}."
)

rows = ctx.filtered
head = metrics.headline(rows)
as_of = f"{ctx.as_of:%d %B %Y}" if ctx.as_of is not None else "unknown"

if head.fines == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()

changes = figures.reductions_note(
    head.removed_by_courts,
    head.early_payment,
    cur,
    head.waived,
    added_by_courts=head.added_by_courts,
    reduced_unknown=head.reduced_unknown,
    sent_back=metrics.sent_back(rows)[1],
)
tiles = st.container(horizontal=True)
with tiles:
    layout.kpi(
        "Fines",
        f"{head.fines:,}",
        help=f"Decisions imposing money, by {sentences.plural(head.authorities, 'authority', 'authorities')} in "
        f"{sentences.plural(head.countries, 'country', 'countries')}.",
    )
    layout.kpi(f"Imposed ({cur})", figures.fmt_money(head.imposed, cur), help="Sum of amounts as decided.")
    layout.kpi(
        f"Standing ({cur})",
        figures.fmt_money(head.standing, cur),
        help="What remains after the latest court rulings (annulled fines count 0, reduced or raised ones their new amount)"
        " and after fines the authority itself waived.",
        # a tile's note is one line: its first part there, every part in the caption under the tiles
        note=figures.first_part(changes),
    )
    layout.kpi(
        f"Known collected ({cur})",
        figures.fmt_money(head.collected, cur),
        help="Only amounts a source says were paid. Unknown payments are not counted as zero.",
    )
    layout.kpi(
        "Collection rate",
        f"{head.collection_rate:.1%}" if head.collection_rate is not None else "unknown",
        help="Known collected ÷ standing amount, over the fines whose payment status is known.",
        note=sentences.known_of(head),
    )
    layout.kpi(
        "Under appeal",
        f"{head.under_appeal_share:.0%}" if head.under_appeal_share is not None else "unknown",
        help="Share of the standing amount whose appeal is pending or was sent back to the authority.",
        note=f"of the standing amount: {sentences.plural(head.under_appeal, 'fine')} pending or sent back",
    )
if changes and figures.first_part(changes) != changes:
    st.caption(f"Standing amount: {changes}.")
if summary := sentences.summary_only_note(head, cur):
    st.caption(summary)
if left_out := sentences.left_out_note(*metrics.left_out_by_sources(ctx.fines, ctx.filters), cur):
    st.caption(left_out)
if head.unconverted:
    st.warning(
        f"No exchange rate for the currency and date of {sentences.plural(head.unconverted, 'fine')}: left out of the sums."
    )
st.caption(
    f"Data as of {as_of} (the newest decision, ruling or status source in the data). Showing {layout.md_text(ctx.data_label)}."
)

if ctx.bundled and len(ctx.bundle.reference_totals):
    layout.coverage_panel(layout.bundled_coverage())

left, right = st.columns([3, 2]) if not ctx.present else (st.container(), st.container())
with left:
    per_country = metrics.by_country(rows, "authority")
    fig = figures.choropleth(
        per_country,
        "value",
        "Amount " + ("standing" if ctx.money.amount_basis == "standing" else "imposed"),
        cur,
        ctx.source_line(),
        height=460 if not ctx.present else 640,
    )
    layout.show_chart(fig, "overview_map", "atlas-overview-map", alt="Map of fines by fining country")
    st.caption(figures.UN_DISCLAIMER)
    layout.page_link("pages/1_Map.py", "Open the full map", icon=":material/map:")
with right:
    companies = metrics.by_company(rows, "group")
    fig = figures.hbar(
        companies,
        "company",
        "value",
        f"Top companies by amount ({cur})",
        f"Amount ({cur})",
        ctx.source_line(),
        currency=cur,
        hover_cols={"fines": "Fines", "authorities": "Authorities", "home": "Home country"},
        n=10,
        source_width=95 if ctx.present else 50,  # two fifths of the page, after the bars' labels
    )
    picked = layout.show_chart(
        fig,
        "overview_companies",
        "atlas-top-companies",
        alt="Bar chart of the companies fined the most; click a bar to open its profile",
        on_select="rerun",
    )
    layout.open_profile_on_click(picked)
    layout.page_link("pages/2_Companies.py", "Company profiles", icon=":material/business:")

per_year = metrics.timeline(rows, "year")
fig = figures.timeline_figure(
    per_year, "year", f"Fines per year by decision date, and cumulative ({cur})", cur, ctx.source_line(), through=ctx.through
)
layout.show_chart(fig, "overview_timeline", "atlas-timeline", alt="Fines per year and cumulative total")
charts.numbers(per_year.assign(period=per_year["period"].dt.strftime("%Y")), "overview_numbers", cur)
layout.sources_panel(metrics.money_rows(rows), ctx, "overview", largest_first=True)
layout.download_buttons(metrics.money_rows(rows), ctx, "overview", "enforcement-atlas-fines")
