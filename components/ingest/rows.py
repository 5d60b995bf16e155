"""Rows: map the columns, then accept, reject or set aside every row with a reason.

The steps, each over distinct values: the kind of decision (`_kinds`), the country, the
dates, the amount and its currency, the ids; then every row gets its verdict (`_verdict`):
rejected with the reasons joined, not a fine with one reason, or accepted and built into
the canonical columns (`fields`). Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components import schema
from components.ingest import classify, fields, places
from components.ingest.amounts import CURRENCY_SOURCES, _Amounts, _amounts_core
from components.ingest.columns import Col, Table, classify_u
from components.ingest.common import (
    _STR,
    DELIMITER_NAMES,
    MAPPABLE_FIELDS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    REQUIRED_FIELDS,
    IngestError,
    Progress,
    _arr,
    _bools,
    _join,
    _np,
    _short,
    _sparse,
    _spread,
    _when,
    fold,
)
from components.ingest.dates import _Dates, _dates_core
from components.ingest.headers import fuzzy_suggestions, layout_currency, suggest_mapping
from components.ingest.reading import RawTable, _nonblank, read_table, samples
from components.ingest.report import IngestResult, with_raw

_TYPE_RULES: Final = (
    (
        "not_fine",
        (
            r"reprimand|warning|admonition|caution|court ruling|court decision|judgment|judgement|"
            r"notice of intent|no fine|order only|enforcement notice|rebuke|verwarnung|avertissement"
        ),
    ),
    ("penalty_payment", r"penalty payment|periodic penalty|astreinte|zwangsgeld|non compliance penalty"),
    ("court_fine", r"court fine|imposed by (the )?court"),
)
IMPLAUSIBLE: Final = "implausible amount; two numbers run together?"


def _resolve_mapping(headers: Sequence[str], sample: pd.DataFrame, explicit: Mapping[str, str | None] | None) -> dict[str, str]:
    mapping = suggest_mapping(headers, sample)
    if explicit:
        by_fold = {fold(h): h for h in headers}
        for f, header in explicit.items():
            if f not in MAPPABLE_FIELDS:
                raise IngestError(f"'{f}' is not a field that can be mapped; use one of {', '.join(MAPPABLE_FIELDS)}.")
            if header in (None, ""):
                mapping.pop(f, None)
                continue
            real = header if header in headers else by_fold.get(fold(str(header)))
            if real is None:
                raise IngestError(f"The mapping names a column '{header}' for {f}, but the file has no such column.")
            for other in [k for k, v in mapping.items() if v == real and k != f]:
                del mapping[other]  # one header serves one field; the explicit choice wins
            mapping[f] = real
    return mapping


def ingest(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_bytes: int = MAX_BYTES,
    max_cell_chars: int = MAX_CELL_CHARS,
    date_order: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    currency: str | None = None,
    sheet: str | None = None,
) -> IngestResult:
    """Read a fines file and account for every row: accepted (canonical), rejected, or not a fine.

    `mapping` ({canonical field: header}) overrides the headers' suggested mapping; a field
    mapped to "" or None is left unmapped. `date_order` ("day-first"/"month-first") overrides the
    per-column evidence. `currency` (ISO 4217) is the currency of every amount that does not
    write its own (a file-wide answer to "amounts in this file are in"); `sheet` names the XLSX
    sheet to read. Raises IngestError (one-line message) only when the file cannot be read.
    """
    given = _given_currency(currency)

    def step(frac: float, what: str) -> None:
        if progress is not None:
            progress(frac, what)

    step(0.0, "reading the file")
    raw = read_table(
        source,
        filename=filename,
        max_rows=max_rows,
        max_columns=max_columns,
        max_bytes=max_bytes,
        max_cell_chars=max_cell_chars,
        sheet=sheet,
    )
    try:
        return _ingest_table(raw, mapping, date_order, today, step, given)
    except IngestError as exc:
        # the file was read: keep its headers and the suggested mapping, so it is not read again
        exc.headers = list(raw.headers)
        exc.suggested = suggest_mapping(raw.headers, raw.frame.head(200))
        exc.sheets = list(raw.sheets)
        exc.samples = samples(raw.frame)
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, pa.ArrowException) as exc:  # pragma: no cover
        raise IngestError(f"The file could not be processed ({type(exc).__name__}: {_short(exc, 120)}).") from exc


def _given_currency(currency: str | None) -> str | None:
    """A file-wide currency as ISO 4217, checked; None when not given."""
    if currency is None or not str(currency).strip():
        return None
    code = str(currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise IngestError(f"'{_short(currency)}' is not a currency code; give one such as EUR, GBP or PLN.")
    return code


def _table(raw: RawTable, explicit: Mapping[str, str | None] | None) -> Table:
    """The table with its mapping; IngestError when a required field has no column."""
    mapping = _resolve_mapping(raw.headers, raw.frame.head(200), explicit)
    missing = [f for f in REQUIRED_FIELDS if f not in mapping]
    if missing:
        names = {"amount": "the amount", "country": "the country", "decision_date": "the decision date"}
        shown = ", ".join(raw.headers[:12]) + (", ..." if len(raw.headers) > 12 else "")
        raise IngestError(
            f"No column for {' or '.join(names[f] for f in missing)} was found among the headers "
            f"({_short(shown, 200)}); map one explicitly."
        )
    return Table(raw, mapping)


def _ingest_table(
    raw: RawTable,
    explicit: Mapping[str, str | None] | None,
    date_order: str | None,
    today: dt.date | None,
    step: Callable[[float, str], None],
    given_currency: str | None = None,
) -> IngestResult:
    t = _table(raw, explicit)
    today = today or dt.datetime.now(dt.UTC).date()
    step(0.1, "checking rows")
    kinds = _kinds(t)
    step(0.2, "countries")
    where = _places(t)
    step(0.3, "dates")
    when = _dates(t, date_order, today)
    step(0.45, "amounts")
    money = _money(t, where, when, given_currency)
    step(0.55, "sorting rows")
    ids = _ids(t)
    verdict = _verdict(t, kinds, where, when, money, ids)
    step(0.65, "building the fines")
    acc = fields.Accepted(t, np.flatnonzero(~verdict.rejected & ~verdict.not_fine))
    accepted, counts = _accepted(acc, kinds, where, when, money, ids)
    step(0.8, "validating")
    t.cols.clear()  # the encoded columns are no longer needed; free them before the copies below
    accepted, failed = fields.validate(accepted)
    verdict.add(failed)
    accepted = fields.as_accepted_dtypes(accepted)
    step(0.9, "reporting")
    result = _result(t, accepted, verdict, when, money, counts | {"aliases": where.aliases}, given_currency)
    step(1.0, "done")
    return result


@dataclass
class _Kinds:
    """What kind of decision each row is, from a tracker's "Type" or an explicit decision type."""

    code: np.ndarray  # per row, index into fields.DECISION_KINDS
    not_fine: np.ndarray
    message: pa.Array  # why not a fine (null elsewhere)
    note_u: np.ndarray | None  # per distinct "Type": the note kept on the row
    court: np.ndarray  # decided by a court, damages, or an appeal ruling
    court_message: pa.Array


def _kinds(t: Table) -> _Kinds:
    n = t.n
    index = {k: i for i, k in enumerate(fields.DECISION_KINDS)}
    code = np.zeros(n, dtype=np.int64)
    not_fine = np.zeros(n, dtype=bool)
    message = pa.nulls(n, _STR)
    note_u: np.ndarray | None = None
    for f in ("type", "decision_type"):
        if not t.has(f):
            continue
        c = t.col(f)
        labels = classify_u(c, _TYPE_RULES)
        exact = np.array([v.lower().replace(" ", "_") for v in c.text], dtype=object)
        labels = np.where((labels == "") & np.isin(exact, schema.DECISION_TYPES), exact, labels)
        labels = np.where(np.isin(labels, ["no_fine", "notice_of_intent"]), "not_fine", labels)
        nf_u = labels == "not_fine"
        not_fine |= nf_u[c.codes]
        kind = np.array([index.get(x, -1) for x in labels])[c.codes]
        code = np.where((kind > 0) & (code == 0), kind, code)
        msg_u = c.messages(nf_u, lambda v: f"the type says '{_short(v)}': not a fine")
        message = pc.coalesce(message, c.spread(nf_u[c.codes], msg_u))
        if f == "type":
            # a "Type" that is not a kind of decision (the CMS tracker's kind of violation) is kept as a note
            plain = np.isin(np.array([v.lower() for v in c.text], dtype=object), ["", "fine", "fines", "penalty", "sanction"])
            note_u = np.where((labels == "") & ~plain, np.array([f"type: {_short(v, 120)}" for v in c.text], dtype=object), None)
    court, court_message = _court_rows(t)
    return _Kinds(code, not_fine, message, note_u, court, court_message)


def _court_rows(t: Table) -> tuple[np.ndarray, pa.Array]:
    """Rows decided by a court, or awarding damages, or ruling on an appeal: (mask, reason per row)."""
    if not (t.has("authority") or t.has("type") or t.has("decision_type")):
        return np.zeros(t.n, dtype=bool), pa.nulls(t.n, _STR)
    who = t.col("authority")
    kind = t.col("type" if t.has("type") else "decision_type")
    width = len(kind.uniq) + 1
    # one verdict per distinct (authority, type) pair
    uniq_pair, inverse = np.unique(who.codes * width + kind.codes, return_inverse=True)
    why_u = classify.reasons(who.text[uniq_pair // width], kind.text[uniq_pair % width])
    mask = ~pd.isna(why_u)[inverse]
    return mask, _spread(mask, why_u, inverse)


@dataclass
class _Places:
    col: Col
    iso_u: np.ndarray  # per distinct written country: ISO-2 or ""
    aliases: dict[str, str]
    blank_u: np.ndarray
    bad_u: np.ndarray
    rows: pd.Series  # per row: ISO-2 as a categorical (cheap for the amount parser)

    @property
    def ok(self) -> np.ndarray:
        return ~(self.blank_u | self.bad_u)[self.col.codes]


def _places(t: Table) -> _Places:
    cc = t.col("country")
    iso_u, aliases = places.normalise(cc.text)
    blank_u = cc.blank_u()
    bad_u = ~blank_u & (iso_u == "")
    codes, cats = pd.factorize(pd.Series(iso_u, dtype=object))
    rows = pd.Series(pd.Categorical.from_codes(codes[cc.codes], categories=cats)) if t.n else pd.Series([], dtype=object)
    return _Places(cc, iso_u, aliases, blank_u, bad_u, rows)


@dataclass
class _When:
    decision: _Dates
    extra: dict[str, _Dates]
    choices: dict[str, str]

    @property
    def per_row(self) -> np.ndarray:
        return self.decision.values[self.decision.codes]


def _dates(t: Table, order: str | None, today: dt.date) -> _When:
    excel = t.raw.format == "xlsx"
    decision = _dates_core(t.series("decision_date"), order, excel, today)
    choices = {t.mapping["decision_date"]: decision.order or "no day/month dates"}
    extra: dict[str, _Dates] = {}
    for f in ("announced_date", "status_checked"):
        if t.has(f):
            extra[f] = _dates_core(t.series(f), order, excel, today)
            choices[t.mapping[f]] = extra[f].order or "no day/month dates"
    return _When(decision, extra, choices)


@dataclass
class _Money:
    am: _Amounts
    implausible: np.ndarray
    header_currency: str | None
    header_note: str | None


def _money(t: Table, where: _Places, when: _When, given: str | None) -> _Money:
    header_cur, header_note = layout_currency(t.raw.headers, t.mapping["amount"])
    am = _amounts_core(t.series("amount"), where.rows, t.series("currency"), when.per_row, header_cur, given)
    implausible = np.isfinite(am.amount) & (am.amount > places.plausible_bound(am.vocab)[am.cur])
    return _Money(am, implausible, header_cur, header_note)


@dataclass
class _Ids:
    col: Col
    given: np.ndarray
    dup: np.ndarray
    seen_first: np.ndarray  # by code: the row where each id first appears
    long_u: np.ndarray


def _ids(t: Table) -> _Ids:
    idc = t.col("fine_id", exact=True)
    given = (~idc.blank_u())[idc.codes]
    # dictionary codes number values in order of first appearance: a row is a value's first
    # occurrence exactly when its code exceeds every code before it
    before = np.concatenate([[-1], np.maximum.accumulate(idc.codes)[:-1]]) if t.n else np.zeros(0, np.int64)
    is_first = idc.codes > before
    long_u = _np(pc.greater(pc.utf8_length(idc.uniq), 80)).astype(bool)
    return _Ids(idc, given, given & ~is_first, np.flatnonzero(is_first), long_u)


@dataclass
class _Verdict:
    reasons: pa.Array  # why rejected (null where not)
    not_fine: np.ndarray
    not_fine_reason: pa.Array
    empty_rows: int

    @property
    def rejected(self) -> np.ndarray:
        return _bools(pc.is_valid(self.reasons))

    def add(self, failed: Mapping[int, str]) -> None:
        """Rows that failed the schema check join the rejected, with the check as reason."""
        if failed:
            n = len(self.reasons)
            pos = np.array(sorted(failed), dtype=np.int64) - 1
            self.reasons = _join([self.reasons, _sparse(n, pos, np.array([failed[p + 1] for p in pos], dtype=object))], n)


def _verdict(t: Table, kinds: _Kinds, where: _Places, when: _When, money: _Money, ids: _Ids) -> _Verdict:
    n, raw, am, dc = t.n, t.raw, money.am, when.decision
    nonblank = raw.nonblank if raw.nonblank is not None and len(raw.nonblank) == n else _nonblank(t.frame)
    empty = ~nonblank
    problem_pos = np.array(sorted(raw.problems), dtype=np.int64) - 1
    read_problem = np.zeros(n, dtype=bool)
    read_problem[problem_pos] = True
    live0 = ~(read_problem | empty)
    # not a fine: the type says so, there is no (or a zero) amount, or a court decided
    tnf = kinds.not_fine & live0
    anf = (~pd.isna(am.not_fine_u))[am.codes] & live0 & ~tnf
    cnf = kinds.court & live0 & ~tnf & ~anf
    not_fine_reason = pc.coalesce(
        _when(tnf, kinds.message), _spread(anf, am.not_fine_u, am.codes), _when(cnf, kinds.court_message)
    )
    not_fine = tnf | anf | cnf
    live = live0 & ~not_fine
    # a currency that could only come from the country is not asked for when the country itself is the problem
    extra_live = np.isin(am.extra_pos, np.flatnonzero(live & where.ok))
    cc = where.col
    parts = [
        _sparse(n, problem_pos, np.array([raw.problems[p + 1] for p in problem_pos], dtype=object)),
        _when(empty & ~read_problem, "empty row"),
        _spread(live & (~pd.isna(am.error_u))[am.codes], am.error_u, am.codes),
        _when(live & money.implausible, IMPLAUSIBLE),
        _sparse(n, am.extra_pos[extra_live], am.extra_msg[extra_live]),
        _when(live & where.blank_u[cc.codes], "no country"),
        cc.spread(live & where.bad_u[cc.codes], cc.messages(where.bad_u, lambda v: f"unknown country '{_short(v)}'")),
        _when(live & dc.blank[dc.codes], "no decision date"),
        _spread(live & (~pd.isna(dc.error))[dc.codes], dc.error, dc.codes),
        _duplicates(ids, live),
        _when(live & ids.long_u[ids.col.codes] & ids.given, "id longer than 80 characters"),
    ]
    return _Verdict(_join(parts, n), not_fine, not_fine_reason, int((empty & ~read_problem).sum()))


def _duplicates(ids: _Ids, live: np.ndarray) -> pa.Array:
    pos = np.flatnonzero(ids.dup & live)
    values = _np(pc.take(ids.col.uniq, pa.array(ids.col.codes[pos]))) if len(pos) else []
    msg = np.array(
        [f"duplicate id '{_short(v)}' (also row {ids.seen_first[ids.col.codes[i]] + 1})" for v, i in zip(values, pos)],
        dtype=object,
    )
    return _sparse(len(live), pos, msg)


def _accepted(
    acc: fields.Accepted, kinds: _Kinds, where: _Places, when: _When, money: _Money, ids: _Ids
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The accepted rows in the canonical columns (arrow-backed), and counts for the report."""
    t, idx, k = acc.table, acc.idx, acc.k
    rows = np.arange(1, t.n + 1)
    if t.has("notes"):
        nc = t.col("notes")
        acc.notes.append(pc.if_else(pc.equal(nc.rows(idx), ""), pa.scalar(None, _STR), nc.rows(idx)))
    fine_id, generated = fields.fine_ids(acc, ids.col, ids.given, rows)
    authority, controller, group, no_auth, no_ctrl = fields.names(acc, where.col, where.iso_u)
    iso_acc = pc.take(_arr(where.iso_u), pa.array(where.col.codes[idx]))
    dates = when.per_row
    acc_dates = dates[idx]
    controller_country = fields.country_column(acc, "controller_country")
    legal = fields.legal_basis(acc, iso_acc, acc_dates)
    appeal, appeal_label = fields.status(acc, "appeal_status")
    payment, _ = fields.status(acc, "payment_status")
    standing, paid = fields.standing_and_paid(acc, money.am, appeal_label, where.rows, dates)
    url = fields.source_urls(acc)
    prec, extra = fields.date_notes(acc, when.decision, when.extra)
    if kinds.note_u is not None:
        acc.note_u(t.col("type"), kinds.note_u)
    group_country = fields.country_column(acc, "group_country")
    violation = fields.violation(acc)
    notes = _join(acc.notes, k)
    index = pd.Index(rows[idx], name="row")
    nat = np.full(k, np.datetime64("NaT", "ns"))

    def text(arr: pa.Array) -> pd.Series:
        return arr.to_pandas().set_axis(index)

    def typed(values: np.ndarray, dtype: str) -> pd.Series:
        return pd.Series(values, index=index, dtype=dtype)

    columns = {
        "fine_id": text(fine_id),
        "authority": text(authority),
        "country": text(iso_acc),
        "controller": text(controller),
        "controller_group": text(group),
        "controller_country": text(controller_country),
        "group_country": text(group_country),
        "sector": text(acc.text_or_null("sector")),
        "decision_type": text(pc.take(pa.array(list(fields.DECISION_KINDS), _STR), pa.array(kinds.code[idx]))),
        "decision_date": typed(acc_dates, "datetime64[ns]"),
        "date_precision": text(_precision_labels(when.decision, idx)),
        "announced_date": typed(extra.get("announced_date", nat), "datetime64[ns]"),
        "amount": typed(money.am.amount[idx], "float64"),
        "currency": text(pc.take(_arr(money.am.vocab), pa.array(money.am.cur[idx]))),
        "legal_basis": text(legal),
        "articles": text(acc.text_or_null("articles")),
        "violation": text(violation),
        "appeal_status": text(appeal),
        "standing_amount": typed(standing, "float64"),
        "payment_status": text(payment),
        "paid_amount": typed(paid, "float64"),
        "status_checked": typed(extra.get("status_checked", nat), "datetime64[ns]"),
        "source_url": text(url),
        "notes": text(notes),
    }
    counts = {
        "generated_ids": int(generated.sum()),
        "authority_defaulted": no_auth,
        "controller_defaulted": no_ctrl,
        "year_only_dates": int((prec == "year").sum()),
        "year_month_dates": int((prec == "month").sum()),
    }
    # copy=False: the numeric columns stay in their own blocks, not copied into one (45 MB at the peak of a 1M-row import)
    return pd.DataFrame(columns, index=index, copy=False), counts


def _precision_labels(decision: _Dates, idx: np.ndarray) -> pa.Array:
    """ "day", "month" or "year" per accepted row, spread from the distinct dates."""
    label_u = np.where(decision.precision == "", "day", decision.precision).astype(object)
    return pc.take(_arr(label_u), pa.array(decision.codes[idx]))


def _result(
    t: Table,
    accepted: pd.DataFrame,
    verdict: _Verdict,
    when: _When,
    money: _Money,
    counts: dict[str, Any],
    given_currency: str | None,
) -> IngestResult:
    raw, rows, dc = t.raw, np.arange(1, t.n + 1), when.decision
    rejected_mask = verdict.rejected
    accepted_mask = ~rejected_mask & ~verdict.not_fine
    rej_idx = np.flatnonzero(rejected_mask)
    nf_idx = np.flatnonzero(verdict.not_fine & ~rejected_mask)
    rejected = with_raw(t.frame, rows[rej_idx], _np(pc.take(verdict.reasons, pa.array(rej_idx))).astype(object))
    not_fines = with_raw(t.frame, rows[nf_idx], _np(pc.take(verdict.not_fine_reason, pa.array(nf_idx))).astype(object))
    src_counts = np.bincount(money.am.src[accepted_mask], minlength=len(CURRENCY_SOURCES))
    choices: dict[str, Any] = {
        "format": raw.format,
        "encoding": raw.encoding,
        "delimiter": DELIMITER_NAMES.get(raw.delimiter or "", raw.delimiter),
        "date_order": when.choices,
        "currency_sources": {CURRENCY_SOURCES[i]: int(c) for i, c in enumerate(src_counts) if c and i},
        "header_currency": money.header_currency,
        "country_aliases": counts["aliases"],
        "currency_from_country": int(src_counts[CURRENCY_SOURCES.index("country")]),
        "currency_given": given_currency,
        "text_cleaned_cells": raw.cleaned_cells,
        "sheet": raw.sheet,
        "sheets": raw.sheets,
        "headers": list(raw.headers),
        "samples": samples(t.frame),
        "suggested_headers": fuzzy_suggestions(raw.headers, t.mapping),
        "placeholder_dates": int(dc.placeholder[dc.codes].sum()),
        "future_dates": int(dc.future[dc.codes].sum()),
        "year_only_dates": counts["year_only_dates"],
        "year_month_dates": counts["year_month_dates"],
        "excel_serial_dates": int((dc.kind[dc.codes] == "serial").sum()),
        "empty_rows": verdict.empty_rows,
        "generated_ids": counts["generated_ids"],
        "authority_defaulted": counts["authority_defaulted"],
        "controller_defaulted": counts["controller_defaulted"],
    }
    if money.header_note:
        choices["header_currency_note"] = money.header_note
    return IngestResult(accepted, rejected, not_fines, t.n, dict(t.mapping), choices)
