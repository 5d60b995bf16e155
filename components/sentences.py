"""Sentences the pages and figures say about a selection. Pure: no streamlit.

One place for the wording, so a chart's subtitle, an export's header and a page's caption
name the same filters the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from components import countries, memo, metrics, schema, sources

if TYPE_CHECKING:
    import pandas as pd

_STATUS = {
    "not_appealed": "not appealed",
    "pending": "appeal pending",
    "upheld": "upheld",
    "reduced": "reduced",
    "annulled": "annulled",
    "remitted": "sent back",
    "withdrawn": "appeal withdrawn",
    "waived": "waived by the authority",
    "unknown": "unknown",
    "paid": "paid",
    "partly_paid": "partly paid",
    "unpaid": "unpaid",
    "suspended": "suspended",
    "not_due": "nothing due",
}


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 fine', '3 fines', '2 authorities'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _listed(values, limit: int = 4) -> str:
    values = list(values)
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f" and {len(values) - limit} more"


def filter_summary(flt: metrics.Filters, first: dt.date | None = None, last: dt.date | None = None) -> str:
    """The active filters as one line ("Filters: Ireland; Art. 32; 2020-01-01 to 2024-12-31"), or "All fines"."""
    parts: list[str] = []
    if flt.countries:
        parts.append(_listed(countries.name(c) for c in flt.countries))
    date_from = flt.date_from if flt.date_from and (first is None or flt.date_from > first) else None
    date_to = flt.date_to if flt.date_to and (last is None or flt.date_to < last) else None
    if date_from or date_to:
        parts.append(f"{date_from.isoformat() if date_from else 'start'} to {date_to.isoformat() if date_to else 'latest'}")
    if flt.company.strip():
        parts.append(f"company “{flt.company.strip()}”")
    if flt.sectors:
        parts.append(_listed(schema.SECTOR_LABELS.get(s, s) for s in flt.sectors))
    if flt.articles:
        parts.append(_listed(f"Art. {a}" for a in flt.articles))
    if flt.violations:
        parts.append(_listed(schema.VIOLATION_LABELS.get(v, v) for v in flt.violations))
    if flt.appeal:
        parts.append("appeal status " + _listed(_STATUS.get(s, s).removeprefix("appeal ") for s in flt.appeal))
    if flt.payment:
        parts.append("payment status " + _listed(_STATUS.get(s, s) for s in flt.payment))
    if tuple(flt.types) != tuple(metrics.DEFAULT_TYPES):
        parts.append("types " + _listed(t.replace("_", " ") for t in flt.types))
    if flt.sources == sources.PRIMARY_ONLY:
        parts.append("sources: authority, court or news only")
    return ("Filters: " + "; ".join(parts)) if parts else "All fines in the data"


def fines_table_count(listed: int, matched: int, selection: int) -> str:
    """The Fines table's count; says so when the table lists only the largest of the matching rows."""
    text = f"Showing {plural(matched, 'decision')} of {selection:,} in the selection"
    if listed < matched:
        text += (
            f"; the table lists the {listed:,} largest (a click on a header sorts those), "
            f"search or filter to narrow, the downloads have all {matched:,}"
        )
    return text


def payment_known(known: int, total: int) -> str:
    """'amount paid known for 73 of 912 fines': the coverage of every collection figure (paid amount known)."""
    return f"amount paid known for {known:,} of {plural(total, 'fine')}"


def home_sentence(profile) -> str:
    """Where the fined entities are established and where their group is headquartered, as a sentence."""

    def names(column: str) -> str:
        if column not in profile:
            return "unknown"
        codes = profile[column].dropna()
        codes = codes[codes != ""].value_counts().index.tolist()
        return ", ".join(countries.name(c) for c in codes) if codes else "unknown"

    return f"Group headquarters: {names('group_country')}. Fined entities established in: {names('controller_country')}."


def first_upper(text: str) -> str:
    """The text with its first letter a capital and the rest as written (str.capitalize lowercases the rest:
    "EUR" became "eur", "If" became "if")."""
    return text[:1].upper() + text[1:]


def reduced_unknown_note(n: int, counted: str = "counted at the amount imposed") -> str:
    """'1 fine reduced by a court to an amount not known, counted at the amount imposed' ("" for none)."""
    return f"{plural(n, 'fine')} reduced by a court to an amount not known, {counted}" if n else ""


def sent_back_note(n: int, amount: float, currency: str) -> str:
    """'EUR 752M of it (2 fines) sent back to the authority to decide again, which may fine anew' ("" for none)."""
    from components.figures import fmt_money  # late, as in profile_summary

    if not n or not amount:
        return ""
    return f"{fmt_money(amount, currency)} of it ({plural(n, 'fine')}) sent back to the authority to decide again, which may fine anew"


def known_of(head) -> str:
    """'amount paid known for 5 of 6 fines' (a headline's payment coverage)."""
    return payment_known(head.payment_known, head.fines)


def profile_caption(profile, head) -> str:
    """Under a company's name: where it is, how many decisions by how many authorities in how many countries."""
    authorities, places = profile["authority"].nunique(), profile["country"].nunique()
    return (
        f"{home_sentence(profile)} {plural(len(profile), 'decision')} by {plural(authorities, 'authority', 'authorities')} "
        f"in {plural(places, 'country', 'countries')}; {head.fines} imposing money."
    )


def profile_summary(money, head, currency: str) -> str:
    """The profile's answer in one sentence: fined where, imposed, standing, known paid."""
    from components.figures import fmt_money  # figures is pure too; late to keep this module light

    fined_in = ", ".join(countries.name(c) for c in money.sort_values("decision_date")["country"].drop_duplicates())
    if head.payment_known == 0:  # "EUR 0 is known to have been paid" read as "known unpaid"
        paid = f"the amount paid is not known ({known_of(head)})"
    else:
        paid = f"{fmt_money(head.collected, currency)} is known to have been paid"
    if 0 < head.payment_known < head.fines:
        paid += f" ({known_of(head)})"
    standing = f"{fmt_money(head.standing, currency)} still standing after appeals"
    if head.reduced_unknown:
        standing = f"at most {standing} ({reduced_unknown_note(head.reduced_unknown)})"
    return (
        f"Fined {'once' if head.fines == 1 else plural(head.fines, 'time')} by {'the authority' if head.fines == 1 else 'authorities'} in {fined_in}: {fmt_money(head.imposed, currency)} imposed, "
        f"{standing}; {paid}."
    )


@memo.on_frame
def payment_statuses(money) -> str:
    """'Payment status in this selection: paid 12, unknown 700, …' and what the rate covers."""
    from components.figures import STATUS_LABELS

    counts = money["payment_status"].value_counts()
    return (
        "Payment status in this selection: "
        + ", ".join(f"{STATUS_LABELS.get(k, k)} {v}" for k, v in counts.items())
        + ". The rate covers paid, partly paid (where the sum is known) and unpaid fines only."
    )


def published_sources(published: pd.DataFrame) -> str:
    """'DPC annual report 2024 (2025-06-01) · …': who published the figures shown, each once, with its date."""
    import pandas as pd  # at run time too (the module imports it for types only)

    if not len(published):
        return ""
    labels = published["source"].astype(str) + " (" + pd.to_datetime(published["as_of"]).dt.strftime("%Y-%m-%d") + ")"
    return " · ".join(sorted(set(labels)))


def home_note(cov, currency: str) -> str | None:
    """Under the company-home map and the flows: how the homes were found, and what is left out (None if all known)."""
    from components.figures import fmt_money  # late, as in profile_summary

    parts = []
    if cov.establishment:
        parts.append(
            f"For {cov.establishment:,} of {cov.total:,} fines the parent group is not known (mostly anonymised companies"
            " and private persons): their home is the country where the fined entity is established."
        )
    if cov.missing:
        parts.append(
            f"{cov.missing:,} ({fmt_money(cov.missing_imposed, currency)} imposed) have no known home at all and are not drawn."
        )
    return " ".join(parts) or None


def review_only_note(reviewed: int, upheld: int) -> str | None:
    """Under the outcomes: how many 'upheld' fines no court has looked at yet (None if none)."""
    if not reviewed:
        return None
    return (
        f"{reviewed:,} of the {upheld:,} fines shown as upheld were upheld only by the fining authority itself, on a"
        " request to reconsider (Spain's recurso de reposición), not by a court; a court appeal may still follow."
        " The timing chart leaves them out."
    )


def waived_note(frame: pd.DataFrame, currency: str) -> str | None:
    """'+ EUR 400k waived (1 fine)': what authorities waived themselves, the other cut no court made (None if none)."""
    from components.figures import fmt_money  # late, as in profile_summary

    money, n = metrics.waived_by_authorities(frame)
    return f"+ {fmt_money(money, currency)} waived ({plural(n, 'fine')})" if n else None


def summary_only_note(head: metrics.Headline, currency: str = "EUR") -> str:
    """What the figures rest on, when some fines have only a case summary or a commentary as their source ('' when none)."""
    n = head.summary_only + head.commentary_only
    if not n:
        return ""
    from components.figures import fmt_money  # local: figures imports this module

    imposed = head.summary_only_imposed + head.commentary_only_imposed
    share = n / head.fines if head.fines else 0
    money = imposed / head.imposed if head.imposed else 0
    verb = "rests" if n == 1 else "rest"
    on = []
    if head.summary_only:
        on.append(f"a case summary (GDPRhub: {head.summary_only:,})")
    if head.commentary_only:
        on.append(f"a law firm's or blog's commentary ({head.commentary_only:,})")
    return (
        f"{plural(n, 'fine')} of {head.fines:,} ({share:.0%}; {fmt_money(imposed, currency)}, {money:.0%} of the amount "
        f"imposed) {verb} only on {' or '.join(on)}, not on the authority's decision or release, a court or a news "
        "report: the original was not opened here. The sidebar's Sources control "
        f"({sources.CHOICE_LABELS[sources.PRIMARY_ONLY]}) leaves them out."
    )


@memo.on_frame
def sources_line(frame: pd.DataFrame) -> str:
    """What an upload's accepted rows cite, by kind ('' when the frame has no source column or no rows)."""
    if "source_url" not in frame or not len(frame):
        return ""
    counts = sources.kinds(frame["source_url"]).value_counts()
    said = {  # (one, several)
        sources.PRIMARY: ("cites an authority, a court or the news", "cite an authority, a court or the news"),
        sources.SUMMARY: ("only a GDPRhub summary",) * 2,
        sources.COMMENTARY: ("only a law firm or blog",) * 2,
        sources.NONE: ("gives no source", "give no source"),
    }
    parts = [f"{int(counts[k]):,} {said[k][int(counts[k]) != 1]}" for k in sources.KINDS if counts.get(k, 0)]
    return (
        "Sources of the accepted rows: "
        + "; ".join(parts)
        + f". The sidebar's Sources control ({sources.CHOICE_LABELS[sources.PRIMARY_ONLY]}) keeps only the first kind."
    )


def left_out_note(n: int, imposed: float, currency: str = "EUR") -> str:
    """Under the tiles when the Sources control keeps only primary sources: what it leaves out ('' when nothing)."""
    if not n:
        return ""
    from components.figures import fmt_money  # local: figures imports this module

    return (
        f"Sources: {sources.CHOICE_LABELS[sources.PRIMARY_ONLY].lower()}. Left out: {plural(n, 'fine')} "
        f"({fmt_money(imposed, currency)} imposed) whose only source is a case summary, a law firm's or blog's "
        "commentary, or none."
    )


def secondary_outcomes_note(n: int) -> str | None:
    """Under the outcomes: how many court outcomes are known only from a case summary or a commentary (None if none)."""
    if not n:
        return None
    return (
        f"{plural(n, 'court outcome')} shown here {'is' if n == 1 else 'are'} known only from a case summary (GDPRhub) "
        "or a law firm's or blog's account of the ruling, not from the court's judgment or the news."
    )
