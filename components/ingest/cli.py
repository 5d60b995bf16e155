"""The command: `python -m components.ingest FILE` prints the account of an import.

Pure: no streamlit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from components.ingest.common import (
    IngestError,
)
from components.ingest.report import IngestResult
from components.ingest.rows import ingest

# --- command line ---------------------------------------------------------------


def _parse_map(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        f, sep, header = item.partition("=")
        if not sep or not f.strip():
            raise IngestError(f"--map takes FIELD=HEADER, not '{item}'.")
        out[f.strip()] = header.strip()
    return out


def _human(result: IngestResult, summary: dict[str, Any]) -> str:
    lines = [
        (
            f"rows read: {result.rows_read:,}   accepted: {len(result.accepted):,}   "
            f"rejected: {len(result.rejected):,}   not fines: {len(result.not_fines):,}"
        ),
        result.currency_line(),
        (
            f"read as {result.choices.get('format')}, encoding {result.choices.get('encoding')}, "
            f"delimiter {result.choices.get('delimiter')}"
        ),
        "columns: " + ", ".join(f"{f} <- '{h}'" for f, h in result.mapping.items()),
        "date order: " + ", ".join(f"'{h}': {o}" for h, o in result.choices.get("date_order", {}).items()),
        "currency from: " + (", ".join(f"{s} {c:,}" for s, c in result.choices.get("currency_sources", {}).items()) or "-"),
    ]
    if result.choices.get("country_aliases"):
        lines.append("country names read: " + ", ".join(f"'{k}' -> {v}" for k, v in result.choices["country_aliases"].items()))
    lines.append("totals: " + (", ".join(f"{c} {v:,.2f}" for c, v in summary["totals"].items()) or "-"))
    if "total_converted" in summary:
        extra = f" ({summary['not_converted']} not convertible)" if summary["not_converted"] else ""
        lines.append(f"total in {summary['to']} at decision-date rates: {summary['total_converted']:,.2f}{extra}")
    for title, items in (("rejected", summary["rejected"]), ("not fines", summary["not_fines"])):
        if items:
            lines.append(f"first {title}:")
            lines += [f"  row {it['row']}: {it['reason']}" for it in items[:10]]
            if len(items) > 10:
                lines.append(f"  ... and {len(items) - 10:,} more")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """python -m components.ingest FILE [--to CUR] [--map FIELD=HEADER ...] [--json]"""
    parser = argparse.ArgumentParser(
        prog="python -m components.ingest", description="Import a fines file and report on every row."
    )
    parser.add_argument("file", help="CSV, TSV or XLSX file")
    parser.add_argument("--to", help="also total the accepted amounts in this currency (decision-date ECB rates)")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER", help="map a column explicitly (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--currency", help="the currency of every amount that does not write its own (e.g. EUR)")
    parser.add_argument("--sheet", help="XLSX: the sheet to read (default: the first visible sheet with a header)")
    args = parser.parse_args(argv)
    try:
        result = ingest(args.file, mapping=_parse_map(args.map), currency=args.currency, sheet=args.sheet)
        summary = result.summary(to=args.to)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # an unknown --to currency
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str, allow_nan=False))
    else:
        print(_human(result, summary))
    return 0
