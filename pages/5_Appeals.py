"""Appeals: outcomes by count and money, the flow from decision to outcome, money removed by courts."""

from __future__ import annotations

import streamlit as st

from components import charts, countries, figures, layout, metrics, sentences
from components import params as P

ctx = layout.setup_page("Appeals")
cur = ctx.currency
rows = ctx.filtered
money = metrics.money_rows(rows)
if len(money) == 0:
    layout.empty_state("No fines match these filters.")
    st.stop()

measure = (
    st.segmented_control(
        "Measure",
        ["count", "money"],
        format_func={"count": "Number of fines", "money": "Money"}.get,
        default="count",
        required=True,
        key=P.APPEALS_MEASURE,
        bind="query-params",
    )
    or "count"
)
outcomes = metrics.appeal_outcomes(rows)
removed = metrics.money_removed(rows)
view = metrics.appeals_view(rows)
appealed = view.appealed

tiles = st.container(horizontal=True)
with tiles:
    layout.kpi("Fines appealed", f"{len(appealed):,}", note=f"of {len(money):,} fines; not known for {view.unknown:,}")
    layout.kpi(
        f"Removed by courts ({cur})",
        figures.fmt_money(removed, cur),
        help="Annulments and reductions by courts and appeal bodies, including fines a court set aside and sent back to"
        " the authority to decide again (which may fine anew). Reductions for early payment, and fines an authority"
        " waived itself, are counted apart.",
        note="; ".join(
            filter(
                None,
                (
                    sentences.sent_back_note(*metrics.sent_back(rows), cur),
                    sentences.reduced_unknown_note(metrics.headline(rows).reduced_unknown, "not counted"),
                ),
            )
        )
        or None,
    )
    layout.kpi(
        f"Reduced for early payment ({cur})",
        figures.fmt_money(metrics.early_payment_reduction(rows), cur),
        help="Reductions for prompt payment or admission (Spain's 20% + 20%; Italy's half-fine settlement instead of an"
        " appeal, art. 166(8) of the Privacy Code): no court involved."
        " The note adds fines an authority waived itself, with no court either.",
        note=sentences.waived_note(rows, cur),
    )
    layout.kpi(
        f"Still under appeal ({cur})",
        figures.fmt_money(view.open_standing, cur),
    )

value_col = "fines" if measure == "count" else "imposed"
axis = "Number of fines" if measure == "count" else f"Amount imposed ({cur})"
what = "number of fines" if measure == "count" else f"amount imposed ({cur})"  # the currency keeps its capitals
left, right = st.columns(2) if not ctx.present else (st.container(), st.container())
with left:
    fig = figures.stacked_status(
        outcomes, value_col, f"Outcomes: {what}", axis, ctx.source_line(), cur if measure == "money" else None
    )
    layout.show_chart(fig, "appeals_outcomes", "atlas-appeal-outcomes", alt="Appeal outcomes")
    upheld = int(outcomes.loc[outcomes["status"] == "upheld", "fines"].sum()) if len(outcomes) else 0
    note = sentences.review_only_note(metrics.upheld_by_authority_only(money, ctx.events), upheld)
    if note:
        st.caption(note)
    if weak := sentences.secondary_outcomes_note(metrics.outcomes_on_secondary_sources(money, ctx.events)):
        st.caption(weak)
    charts.numbers(
        outcomes.assign(series=outcomes["status"].map(figures.STATUS_LABELS)),
        "appeals_numbers",
        cur,
        columns=["series", "fines", "imposed", "standing"],
    )
with right:
    fig = figures.sankey(
        outcomes, value_col, f"From decision to outcome: {what}", ctx.source_line(), cur if measure == "money" else None
    )
    layout.show_chart(fig, "appeals_sankey", "atlas-appeal-flow", alt="Flow from decision to appeal outcome")

by_country = metrics.removed_by_country(money).assign(name=lambda f: f["country"].map(countries.name))
fig = figures.hbar(
    by_country,
    "name",
    "removed",
    f"Money removed by courts, by fining country ({cur})",
    f"Annulled or cut by courts ({cur})",
    ctx.source_line(),
    currency=cur,
    hover_cols={"fines": "Fines", "country": "ISO"},
)
if len(by_country):
    layout.show_chart(fig, "appeals_removed", "atlas-money-removed", alt="Money removed by courts per country")
else:
    st.caption("No reductions or annulments in this selection.")

durations = metrics.appeal_durations(rows, ctx.events)
fig = figures.durations_figure(durations, "Time from decision to the latest court ruling", ctx.source_line())
layout.show_chart(fig, "appeals_durations", "atlas-appeal-durations", alt="Years from decision to the latest ruling")

st.subheader("Fines changed by courts")
layout.sources_panel(view.changed if len(view.changed) else appealed, ctx, "appeals")
layout.download_buttons(appealed, ctx, "appeals", "enforcement-atlas-appeals")
