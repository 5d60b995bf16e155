"""Publish the bundled data for reuse: a Frictionless Data Package and the copies the app serves.

Pure: no streamlit. `python -m components.publish` writes data/datapackage.json from the schema in
components/schema.py (one place for vocabularies) and copies the tables to static/data/, which the
app serves at stable URLs (app/static/data/fines.csv, ...). Run it after every change to data/.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Final

from components import data, schema, sentences, sources

ROOT: Final = Path(__file__).resolve().parent.parent
STATIC_DATA: Final = ROOT / "static" / "data"
SERVED_FILES: Final = ("fines.csv", "events.csv", "collection_figures.csv", "reference_totals.csv", "datapackage.json")
#: Where the app serves them (relative to the app's base URL).
STATIC_URL: Final = "app/static/data/"
LICENCE: Final = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
CITATION: Final = "Enforcement Atlas bundled data (CC BY 4.0), data as of {as_of}; each row cites its own source in source_url."

_DATE = {"type": "date", "format": "%Y-%m-%d"}
_NUMBER = {"type": "number"}
_ISO2 = {"constraints": {"pattern": "[A-Z]{2}"}}


def _field(name: str, description: str, **extra) -> dict:
    return {"name": name, "type": "string", "description": description, **extra}


def _enum(values: tuple[str, ...]) -> dict:
    return {"constraints": {"enum": [v for v in values if v]}}


def _fines_fields() -> list[dict]:
    articles = f"{schema.ARTICLE_PATTERN}(;{schema.ARTICLE_PATTERN})*"
    spec = {
        "fine_id": _field("fine_id", "Stable id CC-AUTHORITY-YEAR-CONTROLLER", constraints={"required": True, "unique": True}),
        "authority": _field("authority", "The authority that decided"),
        "country": _field("country", "ISO 3166-1 alpha-2 of the fining authority", **_ISO2),
        "controller": _field("controller", "The addressee as named in the source"),
        "controller_group": _field("controller_group", "Group the controller rolls up to"),
        "controller_country": _field("controller_country", "Where the fined entity is established (ISO alpha-2)", **_ISO2),
        "group_country": _field("group_country", "Headquarters of the ultimate parent (ISO alpha-2)", **_ISO2),
        "sector": _field("sector", "Controlled sector vocabulary", **_enum(schema.SECTORS)),
        "decision_type": _field("decision_type", "Kind of decision", **_enum(schema.DECISION_TYPES)),
        "decision_date": {"name": "decision_date", "description": "Day the decision was signed", **_DATE},
        "date_precision": _field("date_precision", "How much of decision_date is known", **_enum(schema.DATE_PRECISIONS)),
        "announced_date": {"name": "announced_date", "description": "Day made public, where different", **_DATE},
        "amount": {"name": "amount", "description": "Amount decided, in currency", **_NUMBER},
        "currency": _field("currency", "ISO 4217 currency of the decision", constraints={"pattern": "[A-Z]{3}"}),
        "legal_basis": _field("legal_basis", "Law applied", **_enum(schema.LEGAL_BASES)),
        "articles": _field("articles", "GDPR articles infringed, normalised: 5(1)(f);32", constraints={"pattern": articles}),
        "violation": _field("violation", "Main kind of infringement", **_enum(schema.VIOLATIONS)),
        "appeal_status": _field("appeal_status", "Latest appeal stage", **_enum(schema.APPEAL_STATUSES)),
        "standing_amount": {"name": "standing_amount", "description": "Amount that stands after the latest outcome", **_NUMBER},
        "payment_status": _field("payment_status", "Whether it was paid", **_enum(schema.PAYMENT_STATUSES)),
        "paid_amount": {"name": "paid_amount", "description": "Sum known paid; blank when unknown", **_NUMBER},
        "status_checked": {"name": "status_checked", "description": "Date of the source that confirmed the status", **_DATE},
        "source_url": _field("source_url", "Primary source", format="uri"),
        "notes": _field("notes", "Plain-English account and other sources"),
    }
    return [spec[c] for c in schema.FINE_COLUMNS]


def _events_fields() -> list[dict]:
    spec = {
        "fine_id": _field("fine_id", "A fine_id of fines.csv", constraints={"required": True}),
        "date": {"name": "date", "description": "Day of the step", **_DATE},
        "event": _field("event", "Lifecycle step", **_enum(schema.EVENT_TYPES)),
        "outcome": _field("outcome", "Outcome of a ruling or reduction", **_enum(schema.EVENT_OUTCOMES)),
        "amount": {"name": "amount", "description": "Amount after the step", **_NUMBER},
        "currency": _field("currency", "Currency of amount", constraints={"pattern": "[A-Z]{3}"}),
        "court": _field("court", "Court or appeal body"),
        "source_url": _field("source_url", "Source of this step", format="uri"),
        "notes": _field("notes", "What happened"),
    }
    return [spec[c] for c in schema.EVENT_COLUMNS]


def _plain_fields(columns: tuple[str, ...], dates: tuple[str, ...], numbers: tuple[str, ...]) -> list[dict]:
    out = []
    for c in columns:
        if c in dates:
            out.append({"name": c, **_DATE})
        elif c in numbers:
            out.append({"name": c, **_NUMBER})
        else:
            out.append({"name": c, "type": "string"})
    return out


def descriptor(bundle: data.Bundle) -> dict:
    """The datapackage.json descriptor of the bundled tables."""
    as_of = f"{bundle.as_of:%Y-%m-%d}" if bundle.as_of is not None else "unknown"
    missing = [""]

    def resource(name: str, path: str, title: str, fields: list[dict], **extra) -> dict:
        return {
            "name": name,
            "path": path,
            "title": title,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": fields, "missingValues": missing, **extra},
        }

    collection = _plain_fields(
        schema.COLLECTION_COLUMNS, ("period_start", "period_end", "as_of"), ("imposed", "collected", "fines_count")
    )
    totals = _plain_fields(data.REFERENCE_TOTALS_COLUMNS, ("period_start", "cutoff"), ("fines", "total_eur"))
    return {
        "name": "enforcement-atlas",
        "title": "Enforcement Atlas: GDPR and UK GDPR fines, their appeals and their payment",
        "description": (
            "One row per decision of an EU/EEA data protection authority or the UK ICO, with its lifecycle "
            "(appeals, court rulings, early-payment reductions, payments) and the authorities' published "
            "collection figures. Amounts are in the currency of the decision. A blank cell is unknown, never zero."
        ),
        "version": as_of,
        "created": f"{as_of}T00:00:00Z" if as_of != "unknown" else None,
        "licenses": [LICENCE],
        "sources": [
            {
                "title": "Each row's source_url: the authority's decision or press release, a court, a reputable news "
                "outlet; or, for some fines, only a GDPRhub case summary or a law firm's or blog's article (the README counts them)"
            },
            {"title": "Published totals: CMS Enforcement Tracker Report, DLA Piper GDPR Fines and Data Breach Survey"},
        ],
        "citation": CITATION.format(as_of=as_of),
        "lastChecked": as_of,
        "resources": [
            resource("fines", "fines.csv", "Decisions", _fines_fields(), primaryKey=["fine_id"]),
            resource(
                "events",
                "events.csv",
                "Lifecycle events",
                _events_fields(),
                foreignKeys=[{"fields": ["fine_id"], "reference": {"resource": "fines", "fields": ["fine_id"]}}],
            ),
            resource("collection_figures", "collection_figures.csv", "Published collection figures", collection),
            resource("reference_totals", "reference_totals.csv", "Published totals of other trackers", totals),
        ],
    }


STATS_START: Final = "<!-- stats: written by python -m components.publish -->"
STATS_END: Final = "<!-- /stats -->"


def stats(bundle: data.Bundle) -> dict[str, object]:
    """The figures data/README.md quotes, computed from the data (EUR at decision-date ECB rates)."""
    from components import metrics  # local: metrics imports fx, which this module's CLI need not load otherwise

    prepared = metrics.prepare(bundle.fines, metrics.Money())
    money = metrics.money_rows(prepared)
    large = money[money["imposed_x"] >= 1_000_000]
    huge = money[money["imposed_x"] >= 10_000_000]

    def known(frame, column: str) -> int:
        return int((frame[column] != "unknown").sum())

    head = metrics.headline(prepared)
    return {
        "decisions": len(bundle.fines),
        "money": len(money),
        "countries": int(money["country"].nunique()),
        "authorities": int(money["authority"].nunique()),
        "currencies": int(money["currency"].nunique()),
        "events": len(bundle.events),
        "collection_figures": len(bundle.collection),
        "appeal_known": known(money, "appeal_status"),
        "payment_known": known(money, "payment_status"),
        "large": len(large),
        "large_appeal_known": known(large, "appeal_status"),
        "large_payment_known": known(large, "payment_status"),
        "huge": len(huge),
        "huge_payment_known": known(huge, "payment_status"),
        "imposed": head.imposed,
        "standing": head.standing,
        "paid": head.collected,
        "removed_by_courts": head.removed_by_courts,
        "sent_back": metrics.sent_back(prepared)[1],
        "added_by_courts": head.added_by_courts,
        "reduced_unknown": head.reduced_unknown,
        "summary_only": head.summary_only,
        "large_summary_only": sources.count(large),
        "commentary_only": head.commentary_only,
        "large_commentary_only": sources.count(large, (sources.COMMENTARY,)),
        "early_payment": head.early_payment,
        "waived": head.waived,
        "large_appeal_unknown": sorted(large.loc[large["appeal_status"] == "unknown", "fine_id"]),
        "huge_payment_unknown": sorted(huge.loc[huge["payment_status"] == "unknown", "fine_id"]),
    }


def stats_block(bundle: data.Bundle) -> str:
    """The Markdown block between the stats markers of data/README.md."""
    s = stats(bundle)

    def share(n: int, d: int) -> str:
        return f"{n:,} of {d:,} ({n / d:.0%})" if d else "0 of 0"

    def bn(v: float) -> str:
        return f"EUR {v / 1e9:,.2f}bn" if v >= 1e9 else f"EUR {v / 1e6:,.1f}M"

    return "\n".join(
        [
            STATS_START,
            f"- {s['decisions']:,} decisions, of which {s['money']:,} money decisions by {s['authorities']} authorities in "
            f"{s['countries']} countries ({s['currencies']} currencies); {s['events']:,} lifecycle events; "
            f"{s['collection_figures']} published collection figures.",
            f"- Appeal status known for {share(s['appeal_known'], s['money'])} money decisions; payment status known for "
            f"{share(s['payment_known'], s['money'])}.",
            f"- Money decisions of EUR 1M or more: {s['large']}; appeal status known for {share(s['large_appeal_known'], s['large'])}, "
            f"payment status for {share(s['large_payment_known'], s['large'])}. Of EUR 10M or more: {s['huge']}, payment status "
            f"known for {share(s['huge_payment_known'], s['huge'])}.",
            f"- At decision-date ECB rates: {bn(s['imposed'])} imposed, {bn(s['standing'])} standing after appeals, {bn(s['paid'])} "
            f"known paid; {bn(s['removed_by_courts'])} removed by courts"
            + (f" ({bn(s['sent_back'])} of it sent back to the authorities to decide again)" if s["sent_back"] > 0 else "")
            + f", {bn(s['early_payment'])} taken off for early payment and "
            f"{bn(s['waived'])} waived by the authorities themselves"
            + (f"; courts that raised a fine on appeal added {bn(s['added_by_courts'])}" if s["added_by_courts"] > 0 else "")
            + (
                f"; {sentences.reduced_unknown_note(s['reduced_unknown'])} (so the standing figure is an upper bound)."
                if s["reduced_unknown"]
                else "."
            ),
            f"- Money decisions whose only source is a case summary (GDPRhub), the original decision not opened: "
            f"{share(s['summary_only'], s['money'])}; of EUR 1M or more: {share(s['large_summary_only'], s['large'])}. "
            f"Whose only source is a law firm's, consultancy's or blog's commentary: {share(s['commentary_only'], s['money'])}; "
            f"of EUR 1M or more: {share(s['large_commentary_only'], s['large'])}.",
            f"- Fines of EUR 1M or more whose appeal status is still unknown: {', '.join(s['large_appeal_unknown']) or 'none'}.",
            f"- Fines of EUR 10M or more whose payment status is still unknown: {', '.join(s['huge_payment_unknown']) or 'none'}.",
            STATS_END,
        ]
    )


def write_readme_stats(bundle: data.Bundle, readme: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(STATS_START, 1)
    _, tail = rest.split(STATS_END, 1)
    readme.write_text(head + stats_block(bundle) + tail, encoding="utf-8")


def write(data_dir: Path = data.DATA_DIR, static_dir: Path = STATIC_DATA) -> list[Path]:
    """Write datapackage.json and README's figures beside the tables; copy everything served to static_dir."""
    bundle = data.load_bundle(data_dir)
    write_readme_stats(bundle, data_dir / "README.md")
    text = json.dumps(descriptor(bundle), indent=2, ensure_ascii=False) + "\n"
    (data_dir / "datapackage.json").write_text(text, encoding="utf-8")
    static_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SERVED_FILES:
        shutil.copyfile(data_dir / name, static_dir / name)
        written.append(static_dir / name)
    return written


def summary(bundle: data.Bundle) -> dict[str, int]:
    """Rows per served table, for the Data page's links."""
    return {
        "fines.csv": len(bundle.fines),
        "events.csv": len(bundle.events),
        "collection_figures.csv": len(bundle.collection),
        "reference_totals.csv": len(bundle.reference_totals),
    }


def main(argv: list[str] | None = None) -> int:
    for path in write():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
