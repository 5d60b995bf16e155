"""Rows: map the columns, then accept, reject or set aside every row with a reason.

The steps, each over distinct values: the kind of decision (`_kinds`), the country, the
dates, the amount and its currency, the ids; then every row gets its verdict (`_verdict`):
rejected with the reasons joined, not a fine with one reason, or accepted and built into
the canonical columns (`fields`). A file is judged whole, or, when large, block by block
(`blocks`): what holds over the whole file (each date column's day/month order, which ids
repeat) is decided first (`Whole`), each block is judged as a `Part`, and `combine` makes one
result of the parts, the same as for the file read whole. Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components import schema
from components.ingest import blocks, classify, fields, places
from components.ingest.amounts import CURRENCY_SOURCES, _Amounts, _amounts_core
from components.ingest.columns import Col, Table, classify_u
from components.ingest.common import (
    _STR,
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
from components.ingest.headers import layout_currency, suggest_mapping
from components.ingest.parts import Part, combine
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
    planned = None if sheet else blocks.plan(source, filename=filename, max_bytes=max_bytes, max_columns=max_columns)
    if planned is not None:
        try:
            return _ingest_blocks(planned, mapping, date_order, today, step, given, max_rows, max_cell_chars)
        except blocks.NotStreamable:
            pass  # read whole, as any file that is not a large plain UTF-8 CSV
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
        raise _with_file(exc, raw) from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, pa.ArrowException) as exc:  # pragma: no cover
        raise IngestError(f"The file could not be processed ({type(exc).__name__}: {_short(exc, 120)}).") from exc


def _ingest_blocks(
    plan: blocks.Plan,
    explicit: Mapping[str, str | None] | None,
    date_order: str | None,
    today: dt.date | None,
    step: Callable[[float, str], None],
    given_currency: str | None,
    max_rows: int,
    max_cell_chars: int,
) -> IngestResult:
    """A large CSV judged block by block: the whole-file decisions first (`Whole.of_file`), then each block."""
    chunks = blocks.ahead(plan.blocks(max_rows=max_rows, max_cell_chars=max_cell_chars))
    try:
        first = _opening(chunks)
        head = RawTable(first.frame.head(_HEAD_ROWS), first.headers, first.encoding, first.delimiter, "csv")
        try:
            t: Table | None = _table(first, explicit)
            assert t is not None
            mapping = dict(t.mapping)
            today = today or dt.datetime.now(dt.UTC).date()
            whole = Whole.of_file(plan, t, date_order, today)
            parts, offset = [], 0
            while t is not None:
                head.cleaned_cells += t.raw.cleaned_cells
                parts.append(_part(t, whole.block(offset, t.n), today, given_currency, lambda frac, what: None))
                blocks.give_back()
                offset += t.n
                step(min(0.95, offset / max(whole.n, 1)), f"{offset:,} of {whole.n:,} rows")
                nxt = next(chunks, None)
                t = Table(nxt, mapping) if nxt is not None else None
        except IngestError as exc:
            raise _with_file(exc, head) from None
    finally:
        chunks.close()  # a block reader stopped early lets go of its thread and file
    if offset != whole.n:
        raise blocks.NotStreamable("the blocks and the whole-file columns do not have the same rows")
    del whole, t  # the file's ids (at a million rows, 40 MB) are not needed to stack the blocks
    blocks.give_back(trim=True)
    result = combine(parts, head, mapping, given_currency)
    step(1.0, "done")
    return result


def _with_file(exc: IngestError, raw: RawTable) -> IngestError:
    """The error with the file's headers, suggested mapping and samples: the file was read, so it is not
    read again to map its columns by hand."""
    exc.headers = list(raw.headers)
    exc.suggested = suggest_mapping(raw.headers, raw.frame.head(_HEAD_ROWS))
    exc.sheets = list(raw.sheets)
    exc.samples = samples(raw.frame)
    return exc


#: Rows the mapping and the samples are read from (`_table`, `samples`): the first block holds at least these.
_HEAD_ROWS: Final = 200


def _opening(chunks: Iterator[RawTable]) -> RawTable:
    """The first block, joined with the next ones while it has fewer than `_HEAD_ROWS` rows."""
    first = next(chunks, None)
    if first is None:
        raise blocks.NotStreamable("no rows")
    while len(first.frame) < _HEAD_ROWS:
        more = next(chunks, None)
        if more is None:
            break
        assert first.nonblank is not None and more.nonblank is not None
        first = RawTable(
            pd.concat([first.frame, more.frame]),
            first.headers,
            first.encoding,
            first.delimiter,
            first.format,
            {},
            np.concatenate([first.nonblank, more.nonblank]),
            first.cleaned_cells + more.cleaned_cells,
        )
    return first


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
    whole = Whole.of_table(t, date_order)
    part = _part(t, whole, today or dt.datetime.now(dt.UTC).date(), given_currency, step)
    step(0.9, "reporting")
    result = combine([part], raw, t.mapping, given_currency)
    step(1.0, "done")
    return result


@dataclass
class Whole:
    """What is decided over the whole file, not a block of it: the day/month order of each date
    column, and the ids (which repeat an earlier row, wherever it is). `offset`: rows before this block."""

    ids: _Ids
    date_order: str | None
    n: int
    offset: int = 0
    dates: dict[str, _Dates] = field(default_factory=dict)  # a file read block by block: its dates, parsed once

    @classmethod
    def of_table(cls, t: Table, date_order: str | None) -> Whole:
        # a file read whole: each date column decides its own order when it is parsed (`_dates`)
        return cls(_ids(t.col("fine_id", exact=True), t.n), date_order, t.n)

    @classmethod
    def of_file(cls, plan: blocks.Plan, first: Table, date_order: str | None, today: dt.date) -> Whole:
        """The decisions over a file read block by block, from just the columns they need (read first)."""
        wanted = [f for f in ("fine_id", *_DATE_FIELDS) if first.has(f)]
        columns = plan.columns([first.raw.headers.index(first.mapping[f]) for f in wanted])
        frame = pd.DataFrame({f: c.to_pandas() for f, c in zip(wanted, columns, strict=True)})
        n = len(frame)
        dates = {f: _dates_core(frame[f], date_order, False, today) for f in _DATE_FIELDS if f in frame}
        ids = Col(frame["fine_id"] if "fine_id" in frame else None, n, exact=True)
        return cls(_ids(ids, n), date_order, n, 0, dates)  # each date column's order decided over all its values

    def block(self, offset: int, n: int) -> Whole:
        """The same decisions for the n rows that follow `offset` rows."""
        return Whole(self.ids.slice(offset, n), self.date_order, self.n, offset, self.dates)


_DATE_FIELDS: Final = ("decision_date", "announced_date", "status_checked")


def _part(t: Table, whole: Whole, today: dt.date, given_currency: str | None, step: Callable[[float, str], None]) -> Part:
    """Judge every row of a table (a whole file, or one block of a file read block by block)."""
    step(0.1, "checking rows")
    kinds = _kinds(t)
    step(0.2, "countries")
    where = _places(t)
    step(0.3, "dates")
    when = _dates(t, whole, today)
    step(0.45, "amounts")
    money = _money(t, where, when, given_currency)
    step(0.55, "sorting rows")
    ids = whole.ids
    verdict = _verdict(t, kinds, where, when, money, ids)
    step(0.65, "building the fines")
    acc = fields.Accepted(t, np.flatnonzero(~verdict.rejected & ~verdict.not_fine), offset=whole.offset)
    accepted, counts = _accepted(acc, kinds, where, when, money, ids)
    step(0.8, "validating")
    t.cols.clear()  # the encoded columns are no longer needed; free them before the copies below
    accepted, failed = fields.validate(accepted, whole.n)
    verdict.add(failed, whole.offset)
    accepted = fields.as_accepted_dtypes(accepted)
    return _judged(t, accepted, verdict, when, money, counts | {"aliases": where.aliases}, whole.offset)


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


def _dates(t: Table, whole: Whole, today: dt.date) -> _When:
    excel = t.raw.format == "xlsx"

    def parsed(f: str) -> _Dates:
        if f in whole.dates:  # parsed once for the whole file; this block's rows coded into it
            try:
                return whole.dates[f].for_block(t.series(f))
            except ValueError as exc:
                raise blocks.NotStreamable(str(exc)) from None
        return _dates_core(t.series(f), whole.date_order, excel, today)

    decision = parsed("decision_date")
    choices = {t.mapping["decision_date"]: decision.order or "no day/month dates"}
    extra: dict[str, _Dates] = {}
    for f in ("announced_date", "status_checked"):
        if t.has(f):
            extra[f] = parsed(f)
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
    seen_first: np.ndarray  # by code: the row (0-based, in the file) where each id first appears
    long_u: np.ndarray

    def slice(self, offset: int, n: int) -> _Ids:
        """The n rows after `offset`, with the codes, first rows and distinct ids of the whole file."""
        return _Ids(
            self.col.sliced(offset, n),
            self.given[offset : offset + n],
            self.dup[offset : offset + n],
            self.seen_first,
            self.long_u,
        )


def _ids(idc: Col, n: int) -> _Ids:
    given = (~idc.blank_u())[idc.codes]
    # dictionary codes number values in order of first appearance: a row is a value's first
    # occurrence exactly when its code exceeds every code before it
    before = np.concatenate([[-1], np.maximum.accumulate(idc.codes)[:-1]]) if n else np.zeros(0, np.int64)
    is_first = idc.codes > before
    long_u = _np(pc.greater(pc.utf8_length(idc.uniq), 80)).astype(bool)
    first_rows = np.flatnonzero(is_first).astype(np.int32 if n < 2**31 else np.int64)
    return _Ids(idc, given, given & ~is_first, first_rows, long_u)


@dataclass
class _Verdict:
    reasons: pa.Array  # why rejected (null where not)
    not_fine: np.ndarray
    not_fine_reason: pa.Array
    empty_rows: int

    @property
    def rejected(self) -> np.ndarray:
        return _bools(pc.is_valid(self.reasons))

    def add(self, failed: Mapping[int, str], offset: int = 0) -> None:
        """Rows that failed the schema check join the rejected, with the check as reason (keys: rows in the file)."""
        if failed:
            n = len(self.reasons)
            rows = np.array(sorted(failed), dtype=np.int64)
            reasons = np.array([failed[r] for r in rows], dtype=object)
            self.reasons = _join([self.reasons, _sparse(n, rows - 1 - offset, reasons)], n)


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
    rows = np.arange(acc.offset + 1, acc.offset + t.n + 1)
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
    notes = _join(acc.notes, k) if acc.notes else acc.nulls()
    index = pd.Index(rows[idx], name="row")
    nat = np.full(k, np.datetime64("NaT", "ns"))

    def text(arr: pa.Array) -> pd.Series:
        return arr.to_pandas().set_axis(index)

    def typed(values: np.ndarray, dtype: str) -> pd.Series:
        return pd.Series(values, index=index, dtype=dtype, copy=False)  # pandas 3 copies arrays unless told not to

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


def _judged(
    t: Table,
    accepted: pd.DataFrame,
    verdict: _Verdict,
    when: _When,
    money: _Money,
    counts: dict[str, Any],
    offset: int,
) -> Part:
    dc = when.decision
    rows = np.arange(offset + 1, offset + t.n + 1)
    rejected_mask = verdict.rejected
    accepted_mask = ~rejected_mask & ~verdict.not_fine
    rej_idx = np.flatnonzero(rejected_mask)
    nf_idx = np.flatnonzero(verdict.not_fine & ~rejected_mask)
    rejected = with_raw(t.frame, rej_idx, rows[rej_idx], _np(pc.take(verdict.reasons, pa.array(rej_idx))).astype(object))
    not_fines = with_raw(t.frame, nf_idx, rows[nf_idx], _np(pc.take(verdict.not_fine_reason, pa.array(nf_idx))).astype(object))
    nonblank = _row_content(t)
    tallies = {
        "placeholder_dates": int(dc.placeholder[dc.codes].sum()),
        "future_dates": int(dc.future[dc.codes].sum()),
        "excel_serial_dates": int((dc.kind[dc.codes] == "serial").sum()),
        "empty_rows": verdict.empty_rows,
    } | {k: v for k, v in counts.items() if k != "aliases"}
    return Part(
        accepted,
        rejected,
        not_fines,
        t.n,
        tallies,
        dict(counts["aliases"]),
        np.bincount(money.am.src[accepted_mask], minlength=len(CURRENCY_SOURCES)),
        money.header_currency,
        money.header_note,
        when.choices,
        int(offset + np.flatnonzero(nonblank)[-1] + 1) if nonblank.any() else 0,
    )


def _row_content(t: Table) -> np.ndarray:
    raw = t.raw
    return raw.nonblank if raw.nonblank is not None and len(raw.nonblank) == t.n else _nonblank(t.frame)
