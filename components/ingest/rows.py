"""Rows: map the columns, then accept, reject or classify every row with a reason.

Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components import schema
from components.ingest import classify, places
from components.ingest.amounts import CURRENCY_SOURCES, _amounts_core
from components.ingest.common import (
    _NULL,
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
    _arrow,
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
from components.ingest.headers import _header_currency, fuzzy_suggestions, layout_currency, suggest_mapping
from components.ingest.reading import RawTable, _nonblank, read_table
from components.ingest.report import IngestResult

# --- statuses -------------------------------------------------------------------

_APPEAL_RULES: Final = (
    ("withdrawn", r"withdr"),
    ("annulled", r"annul|quash|set aside|overturn|cancel|void|revoked|aufgehoben|annule"),
    ("reduced", r"reduc|lower|decreas|partly upheld|partially upheld|cut to"),
    ("remitted", r"remit|referred back|sent back|remand|zuruckverwiesen"),
    ("upheld", r"upheld|uphold|confirm|dismissed|rejected appeal|appeal rejected|final and binding|rechtskraftig"),
    ("pending", r"pending|under appeal|appealed|ongoing|lodged|in progress|before the court|challenged|appeal filed"),
    ("not_appealed", r"not appealed|no appeal|none|^no$|final$|^final|not challenged|accepted"),
    ("unknown", r"^unknown$|^n ?a$|^$|not known|unclear"),
)
_PAYMENT_RULES: Final = (
    ("partly_paid", r"part|instal|install|some"),
    ("unpaid", r"unpaid|not paid|outstanding|^no$|owed|overdue|refused|never paid|not yet paid"),
    ("suspended", r"suspend|stay|deferred|on hold"),
    ("not_due", r"not due|nothing to pay|no payment due"),
    ("paid", r"paid|^yes$|settled|collected|bezahlt|paye"),
    ("unknown", r"^unknown$|^n ?a$|^$|not known|unclear"),
)
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


class _Col:
    """One mapped column as codes into its distinct trimmed values (absent column: all blank)."""

    def __init__(self, series: pd.Series | None, n: int, exact: bool = False) -> None:
        self.present = series is not None
        if series is None:
            self.codes = np.zeros(n, dtype=np.int64)
            self.uniq = pa.array([""], _STR)
            return
        arr = _arrow(series)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        trimmed = pc.utf8_trim_whitespace(arr)
        sample = trimmed.slice(0, 2000)
        if not exact and n > 10_000 and len(pc.unique(sample)) > 0.5 * len(sample):
            # ids, URLs, free text: nearly every row differs, so hashing them buys nothing
            self.codes = np.arange(n, dtype=np.int64)
            self.uniq = trimmed
            return
        enc = pc.dictionary_encode(trimmed)
        self.codes = _np(enc.indices).astype(np.int64)
        self.uniq = enc.dictionary if len(enc.dictionary) else pa.array([""], _STR)

    def messages(self, flag_u: np.ndarray, fmt: Callable[[str], str]) -> np.ndarray:
        """Per distinct value: fmt(value) where flagged, else None (built only where flagged)."""
        out = np.full(len(self.uniq), None, dtype=object)
        pos = np.flatnonzero(flag_u)
        if len(pos):
            out[pos] = [fmt(v) for v in _np(pc.take(self.uniq, pa.array(pos)))]
        return out

    def spread(self, mask: np.ndarray, values_u: np.ndarray) -> pa.Array:
        """values_u[code] on the rows where mask holds, null elsewhere."""
        return _spread(mask, values_u, self.codes)

    @property
    def text(self) -> np.ndarray:
        """The distinct values as Python strings (few, unless the column is an id or a URL)."""
        if not hasattr(self, "_text"):
            self._text = _np(self.uniq).astype(object)
        return self._text

    def blank_u(self) -> np.ndarray:
        return _bools(pc.equal(self.uniq, ""))

    def rows(self, idx: np.ndarray) -> pa.Array:
        return pc.take(self.uniq, pa.array(self.codes[idx]))

    def take(self, values_u: pa.Array | np.ndarray, idx: np.ndarray | None = None) -> pa.Array:
        """A per-distinct-value result (arrow or object) spread over rows."""
        u = values_u if isinstance(values_u, pa.Array) else _arr(values_u)
        return pc.take(u, pa.array(self.codes if idx is None else self.codes[idx]))


def _classify_u(col: _Col, rules: Sequence[tuple[str, str]]) -> np.ndarray:
    """A label per distinct value ("" when no rule fits)."""
    labels = []
    for v in col.text:
        f = fold(v)
        labels.append(next((name for name, pattern in rules if re.search(pattern, f)), ""))
    return np.array(labels, dtype=object)


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


_URL_FIRST = r"(?P<u>https?://[^\s\"'<>;,|]+)"


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
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, pa.ArrowException) as exc:  # pragma: no cover
        raise IngestError(f"The file could not be processed ({type(exc).__name__}: {_short(exc, 120)}).") from exc


def _ingest_table(
    raw: RawTable,
    explicit: Mapping[str, str | None] | None,
    date_order: str | None,
    today: dt.date | None,
    step: Callable[[float, str], None],
    given_currency: str | None = None,
) -> IngestResult:
    frame = raw.frame
    n = len(frame)
    today = today or dt.datetime.now(dt.UTC).date()
    mapping = _resolve_mapping(raw.headers, frame.head(200), explicit)
    missing = [f for f in REQUIRED_FIELDS if f not in mapping]
    if missing:
        names = {"amount": "the amount", "country": "the country", "decision_date": "the decision date"}
        shown = ", ".join(raw.headers[:12]) + (", ..." if len(raw.headers) > 12 else "")
        raise IngestError(
            f"No column for {' or '.join(names[f] for f in missing)} was found among the headers "
            f"({_short(shown, 200)}); map one explicitly."
        )
    cols: dict[str, _Col] = {}

    def col(f: str) -> _Col:
        if f not in cols:
            cols[f] = _Col(frame[mapping[f]] if f in mapping else None, n)
        return cols[f]

    step(0.1, "checking rows")
    rows = np.arange(1, n + 1)
    nonblank = raw.nonblank if raw.nonblank is not None and len(raw.nonblank) == n else _nonblank(frame)
    empty = ~nonblank
    problem_pos = np.array(sorted(raw.problems), dtype=np.int64) - 1
    read_problem = np.zeros(n, dtype=bool)
    read_problem[problem_pos] = True
    first = read_problem | empty

    # what kind of decision a row is: a tracker's "Type" or an explicit decision type
    decision_type_u = {"fine": 0, "penalty_payment": 1, "court_fine": 2}
    dtype_code = np.zeros(n, dtype=np.int64)
    type_not_fine = np.zeros(n, dtype=bool)
    type_msg = pa.nulls(n, _STR)
    type_note_u: np.ndarray | None = None
    for f in ("type", "decision_type"):
        if f not in mapping:
            continue
        c = col(f)
        labels = _classify_u(c, _TYPE_RULES)
        exact = np.array([v.lower().replace(" ", "_") for v in c.text], dtype=object)
        labels = np.where((labels == "") & np.isin(exact, schema.DECISION_TYPES), exact, labels)
        labels = np.where(np.isin(labels, ["no_fine", "notice_of_intent"]), "not_fine", labels)
        nf_u = labels == "not_fine"
        type_not_fine |= nf_u[c.codes]
        kind = np.array([decision_type_u.get(x, -1) for x in labels])[c.codes]
        dtype_code = np.where((kind > 0) & (dtype_code == 0), kind, dtype_code)
        msg_u = c.messages(nf_u, lambda v: f"the type says '{_short(v)}': not a fine")
        type_msg = pc.coalesce(type_msg, c.spread(nf_u[c.codes], msg_u))
        if f == "type":
            # a "Type" that is not a kind of decision (the CMS tracker's kind of violation) is kept as a note
            plain = np.isin(np.array([v.lower() for v in c.text], dtype=object), ["", "fine", "fines", "penalty", "sanction"])
            type_note_u = np.where(
                (labels == "") & ~plain, np.array([f"type: {_short(v, 120)}" for v in c.text], dtype=object), None
            )

    step(0.2, "countries")
    cc = col("country")
    iso_u, aliases = places.normalise(cc.text)
    blank_country_u = cc.blank_u()
    bad_country_u = ~blank_country_u & (iso_u == "")
    # the amount parser wants ISO codes per row: a categorical over the distinct ISO codes costs nothing
    iso_cat_codes, iso_cats = pd.factorize(pd.Series(iso_u, dtype=object))
    iso_rows = (
        pd.Series(pd.Categorical.from_codes(iso_cat_codes[cc.codes], categories=iso_cats)) if n else pd.Series([], dtype=object)
    )

    step(0.3, "dates")
    excel = raw.format == "xlsx"
    dc = _dates_core(frame[mapping["decision_date"]], date_order, excel, today)
    date_choices = {mapping["decision_date"]: dc.order or "no day/month dates"}
    dates_arr = dc.values[dc.codes]
    extra_dates: dict[str, _Dates] = {}
    for f in ("announced_date", "status_checked"):
        if f in mapping:
            extra_dates[f] = _dates_core(frame[mapping[f]], date_order, excel, today)
            date_choices[mapping[f]] = extra_dates[f].order or "no day/month dates"

    step(0.45, "amounts")
    amount_header = mapping["amount"]
    header_cur, header_note = layout_currency(raw.headers, amount_header)
    currency_series = frame[mapping["currency"]] if "currency" in mapping else None
    am = _amounts_core(frame[amount_header], iso_rows, currency_series, dates_arr, header_cur, given_currency)
    implausible = np.isfinite(am.amount) & (am.amount > places.plausible_bound(am.vocab)[am.cur])
    court_nf, court_msg = _court_rows(mapping, col, n)

    step(0.55, "sorting rows")
    idc = cols["fine_id"] = _Col(frame[mapping["fine_id"]] if "fine_id" in mapping else None, n, exact=True)
    given_u = ~idc.blank_u()
    given = given_u[idc.codes]
    # dictionary codes number values in order of first appearance: a row is a value's first
    # occurrence exactly when its code exceeds every code before it
    before = np.concatenate([[-1], np.maximum.accumulate(idc.codes)[:-1]]) if n else np.zeros(0, np.int64)
    is_first = idc.codes > before
    seen_first = np.flatnonzero(is_first)  # by code
    dup = given & ~is_first
    long_id_u = _np(pc.greater(pc.utf8_length(idc.uniq), 80)).astype(bool)

    # not a fine: the type says so, or there is no (or a zero) amount
    live0 = ~first
    tnf = type_not_fine & live0
    amount_nf_u = ~pd.isna(am.not_fine_u)
    anf = amount_nf_u[am.codes] & live0 & ~tnf
    not_fine_reason = pc.coalesce(
        _when(tnf, type_msg),
        _spread(anf, am.not_fine_u, am.codes),
    )
    cnf = court_nf & live0 & ~tnf & ~anf
    not_fine_reason = pc.coalesce(not_fine_reason, _when(cnf, court_msg))
    is_not_fine = tnf | anf | cnf
    live = live0 & ~is_not_fine
    dup_pos = np.flatnonzero(dup & live)
    dup_ids = _np(pc.take(idc.uniq, pa.array(idc.codes[dup_pos]))) if len(dup_pos) else []
    dup_msg = np.array(
        [f"duplicate id '{_short(v)}' (also row {seen_first[idc.codes[i]] + 1})" for v, i in zip(dup_ids, dup_pos)],
        dtype=object,
    )
    country_msg_u = cc.messages(bad_country_u, lambda v: f"unknown country '{_short(v)}'")

    amount_err_u = ~pd.isna(am.error_u)
    date_err_u = ~pd.isna(dc.error)
    # a currency that could only come from the country is not asked for when the country itself is the problem
    country_ok = ~(blank_country_u | bad_country_u)[cc.codes]
    extra_live = np.isin(am.extra_pos, np.flatnonzero(live & country_ok))
    parts = [
        _sparse(n, problem_pos, np.array([raw.problems[p + 1] for p in problem_pos], dtype=object)),
        _when(empty & ~read_problem, "empty row"),
        _spread(live & amount_err_u[am.codes], am.error_u, am.codes),
        _when(live & implausible, "implausible amount; two numbers run together?"),
        _sparse(n, am.extra_pos[extra_live], am.extra_msg[extra_live]),
        _when(live & blank_country_u[cc.codes], "no country"),
        cc.spread(live & bad_country_u[cc.codes], country_msg_u),
        _when(live & dc.blank[dc.codes], "no decision date"),
        _spread(live & date_err_u[dc.codes], dc.error, dc.codes),
        _sparse(n, dup_pos, dup_msg),
        _when(live & long_id_u[idc.codes] & given, "id longer than 80 characters"),
    ]
    reasons = _join(parts, n)
    is_rejected = _bools(pc.is_valid(reasons))
    accepted_mask = ~is_rejected & ~is_not_fine

    step(0.65, "building the fines")
    idx = np.flatnonzero(accepted_mask)
    k = len(idx)
    acc_rows = rows[idx]
    iso_acc = pc.take(_arr(iso_u), pa.array(cc.codes[idx]))
    acc_dates = dates_arr[idx]
    notes: list[pa.Array] = []

    def note_u(c: _Col, values_u: np.ndarray) -> None:
        if 4 * len(values_u) < k:  # few distinct notes on many rows: spread them in arrow
            notes.append(c.take(values_u, idx))
            return
        vals = values_u[c.codes[idx]]
        pos = np.flatnonzero(~pd.isna(vals))
        if len(pos):
            notes.append(_sparse(k, pos, vals[pos]))

    def note(mask: np.ndarray, text: str) -> None:
        if mask.any():
            notes.append(_when(mask, text))

    if "notes" in mapping:
        nc = col("notes")
        notes.append(pc.if_else(pc.equal(nc.rows(idx), ""), _NULL, nc.rows(idx)))
    # ids: as given, else U-<row>
    gen = ~given[idx]
    fine_id = idc.rows(idx)
    if gen.any():
        generated = pc.binary_join_element_wise(pa.scalar("U-", _STR), pc.cast(pa.array(acc_rows), _STR), pa.scalar("", _STR))
        clash = _bools(pc.is_in(generated, value_set=idc.uniq))
        generated = pc.if_else(
            pa.array(clash), pc.binary_join_element_wise(generated, pa.scalar("-generated", _STR), pa.scalar("", _STR)), generated
        )
        fine_id = pc.if_else(pa.array(gen), generated, fine_id)
    country_names = np.array([f"Unnamed authority ({places.country_name(c)})" if c else "" for c in iso_u], dtype=object)
    ac = col("authority")
    no_auth = ac.blank_u()[ac.codes[idx]]
    authority = pc.if_else(pa.array(no_auth), cc.take(country_names, idx), ac.rows(idx))
    if ac.present:  # a blank cell; a file without the column is reported once, in choices
        note(no_auth, "authority not given")
    ctl = col("controller")
    no_ctrl = ctl.blank_u()[ctl.codes[idx]]
    controller = pc.if_else(pa.array(no_ctrl), pa.scalar("Unknown", _STR), ctl.rows(idx))
    if ctl.present:
        note(no_ctrl, "controller not given")
    gc = col("controller_group")
    group = pc.if_else(pa.array(gc.blank_u()[gc.codes[idx]]), controller, gc.rows(idx))

    def shorten(arr: pa.Array, limit: int, label: str) -> pa.Array:
        long = _bools(pc.fill_null(pc.greater(pc.utf8_length(arr), limit), False))
        if not long.any():
            return arr
        note(long, f"{label} name shortened")
        cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, limit - 1), pa.scalar("…", _STR), pa.scalar("", _STR))
        return pc.if_else(pa.array(long), cut, arr)

    authority = shorten(authority, 200, "authority")
    controller = shorten(controller, 300, "controller")
    group = shorten(group, 300, "controller group")
    controller_country = pa.nulls(k, _STR)
    if "controller_country" in mapping:
        hc = col("controller_country")
        h_iso, _ = places.normalise(hc.text)
        h_u = np.where(h_iso == "", None, h_iso).astype(object)
        controller_country = hc.take(h_u, idx)
        unknown_u = ~hc.blank_u() & pd.isna(h_u)
        note_u(hc, hc.messages(unknown_u, lambda v: f"controller country '{_short(v)}' not recognised"))
    iso_np = _np(iso_acc).astype(object) if k else np.zeros(0, dtype=object)
    uk = (iso_np == "GB") & (acc_dates >= np.datetime64("2021-01-01"))
    legal = pc.if_else(pa.array(uk), pa.scalar("UK GDPR", _STR), pa.scalar("GDPR", _STR))
    if "legal_basis" in mapping:
        lc = col("legal_basis")
        lb_u = np.array([_legal_basis(v) for v in lc.text], dtype=object)
        legal = pc.if_else(pa.array((lb_u != "")[lc.codes[idx]]), lc.take(lb_u, idx), legal)
        bad_u = (lb_u == "") & ~lc.blank_u()
        note_u(lc, lc.messages(bad_u, lambda v: f"legal basis '{_short(v)}' not recognised"))
    appeal_u: np.ndarray | None = None
    appeal = pa.array(np.full(k, "unknown", dtype=object), _STR) if k else pa.array([], _STR)
    for f, rules, label in (
        ("appeal_status", _APPEAL_RULES, "appeal status"),
        ("payment_status", _PAYMENT_RULES, "payment status"),
    ):
        value = pa.array(np.full(k, "unknown", dtype=object), _STR) if k else pa.array([], _STR)
        if f in mapping:
            sc = col(f)
            lab_u = _classify_u(sc, rules)
            value = sc.take(np.where(lab_u != "", lab_u, "unknown").astype(object), idx)
            bad_u = (lab_u == "") & ~sc.blank_u()
            note_u(sc, sc.messages(bad_u, lambda v, label=label: f"{label} '{_short(v)}' not understood"))
            if f == "appeal_status":
                appeal_u = lab_u
        if f == "appeal_status":
            appeal = value
        else:
            payment = value
    acc_amount = am.amount[idx]
    acc_cur = am.cur[idx]
    appeal_np = appeal_u[col("appeal_status").codes[idx]] if appeal_u is not None else np.full(k, "", dtype=object)
    annulled = appeal_np == "annulled"
    standing = np.where(np.isin(appeal_np, ["annulled", "reduced"]), np.nan, acc_amount)
    iso_rows_acc = iso_rows  # per row, categorical
    for f in ("standing_amount", "paid_amount"):
        if f not in mapping:
            continue
        sub = _amounts_core(frame[mapping[f]], iso_rows_acc, currency_series, dates_arr, _header_currency(mapping[f]))
        value = sub.amount[idx]
        zero = (sub.not_fine_u == "zero amount")[sub.codes[idx]]
        value = np.where(zero, 0.0, value)
        same = sub.vocab[sub.cur[idx]] == am.vocab[acc_cur]
        value = np.where(same | zero, value, np.nan)
        if f == "standing_amount":
            standing = np.where(~np.isnan(value), value, standing)
        else:
            paid = value
    if "paid_amount" not in mapping:
        paid = np.full(k, np.nan)
    standing = np.where(annulled & np.isnan(standing), 0.0, standing)
    url = pa.nulls(k, _STR)
    if "source_url" in mapping:
        uc = col("source_url")
        # most cells are one clean address: a yes/no match is cheap, extraction only for the rest
        clean = pc.fill_null(pc.match_substring_regex(uc.uniq, r"^https?://[^\s\"'<>;,|]+$"), False)
        found_u = uc.uniq
        if not pc.all(clean).as_py():
            extracted = pc.struct_field(pc.extract_regex(uc.uniq, _URL_FIRST), "u")
            found_u = pc.if_else(clean, uc.uniq, extracted)
        url = uc.take(found_u, idx)
        not_url_u = ~uc.blank_u() & ~_bools(pc.is_valid(found_u))
        if not_url_u.any():
            note_u(uc, uc.messages(not_url_u, lambda v: f"source '{_short(v, 40)}' is not a web address"))
    prec = dc.precision[dc.codes[idx]]
    note(prec == "year", "decision date given as a year only (kept as 1 January)")
    note(prec == "month", "decision date given as year and month only (kept as the 1st)")
    extra_out: dict[str, np.ndarray] = {}
    for f, core in extra_dates.items():
        extra_out[f] = core.values[core.codes[idx]]
        label = f.replace("_", " ")
        msg_u = np.array([f"{label}: {e}" if isinstance(e, str) else None for e in core.error], dtype=object)
        notes.append(pc.take(_arr(msg_u), pa.array(core.codes[idx])))
    if type_note_u is not None:
        note_u(col("type"), type_note_u)
    notes_arr = _join(notes, k)

    def text_or_null(f: str) -> pa.Array:
        if f not in mapping:
            return pa.nulls(k, _STR)
        vals = col(f).rows(idx)
        return pc.if_else(pc.equal(vals, ""), _NULL, vals)

    group_country = _country_column(mapping, col, "group_country", idx, note_u)
    violation = _violation_column(mapping, col, idx, note_u)

    def series(arr: pa.Array) -> pd.Series:
        return arr.to_pandas().set_axis(index)

    index = pd.Index(acc_rows, name="row")
    nat = np.full(k, np.datetime64("NaT", "ns"))
    accepted = pd.DataFrame(
        {
            "fine_id": series(fine_id),
            "authority": series(authority),
            "country": series(iso_acc),
            "controller": series(controller),
            "controller_group": series(group),
            "controller_country": series(controller_country),
            "group_country": series(group_country),
            "sector": series(text_or_null("sector")),
            "decision_type": series(pc.take(pa.array(list(decision_type_u), _STR), pa.array(dtype_code[idx]))),
            "decision_date": pd.Series(acc_dates, index=index, dtype="datetime64[ns]"),
            "announced_date": pd.Series(extra_out.get("announced_date", nat), index=index, dtype="datetime64[ns]"),
            "amount": pd.Series(acc_amount, index=index, dtype="float64"),
            "currency": series(pc.take(_arr(am.vocab), pa.array(acc_cur))),
            "legal_basis": series(legal),
            "articles": series(text_or_null("articles")),
            "violation": series(violation),
            "appeal_status": series(appeal),
            "standing_amount": pd.Series(standing, index=index, dtype="float64"),
            "payment_status": series(payment),
            "paid_amount": pd.Series(paid, index=index, dtype="float64"),
            "status_checked": pd.Series(extra_out.get("status_checked", nat), index=index, dtype="datetime64[ns]"),
            "source_url": series(url),
            "notes": series(notes_arr),
            "date_precision": pd.Series(np.where(prec == "", "day", prec).astype(object), index=index, dtype=object),
        },
        index=index,
    )
    step(0.8, "validating")
    cols.clear()  # the encoded columns are no longer needed; free them before the copies below
    accepted, failed = _validate(accepted)
    if failed:
        fail_pos = np.array(sorted(failed), dtype=np.int64) - 1
        reasons = _join([reasons, _sparse(n, fail_pos, np.array([failed[p + 1] for p in fail_pos], dtype=object))], n)
        is_rejected = _bools(pc.is_valid(reasons))
        accepted_mask &= ~is_rejected
    accepted = _as_template_dtypes(accepted)

    step(0.9, "reporting")
    rej_idx = np.flatnonzero(is_rejected)
    nf_idx = np.flatnonzero(is_not_fine & ~is_rejected)
    reasons_np = _np(pc.take(reasons, pa.array(rej_idx))).astype(object)
    rejected = _with_raw(frame, rows[rej_idx], reasons_np)
    not_fines = _with_raw(frame, rows[nf_idx], _np(pc.take(not_fine_reason, pa.array(nf_idx))).astype(object))
    src_counts = np.bincount(am.src[accepted_mask], minlength=len(CURRENCY_SOURCES))
    choices: dict[str, Any] = {
        "format": raw.format,
        "encoding": raw.encoding,
        "delimiter": DELIMITER_NAMES.get(raw.delimiter or "", raw.delimiter),
        "date_order": date_choices,
        "currency_sources": {CURRENCY_SOURCES[i]: int(c) for i, c in enumerate(src_counts) if c and i},
        "header_currency": header_cur,
        "country_aliases": aliases,
        "currency_from_country": int(src_counts[CURRENCY_SOURCES.index("country")]),
        "currency_given": given_currency,
        "text_cleaned_cells": raw.cleaned_cells,
        "sheet": raw.sheet,
        "sheets": raw.sheets,
        "headers": list(raw.headers),
        "suggested_headers": fuzzy_suggestions(raw.headers, mapping),
        "placeholder_dates": int(dc.placeholder[dc.codes].sum()),
        "future_dates": int(dc.future[dc.codes].sum()),
        "year_only_dates": int((prec == "year").sum()),
        "year_month_dates": int((prec == "month").sum()),
        "excel_serial_dates": int((dc.kind[dc.codes] == "serial").sum()),
        "empty_rows": int((empty & ~read_problem).sum()),
        "generated_ids": int(gen.sum()),
        "authority_defaulted": int(no_auth.sum()),
        "controller_defaulted": int(no_ctrl.sum()),
    }
    if header_note:
        choices["header_currency_note"] = header_note
    step(1.0, "done")
    return IngestResult(accepted, rejected, not_fines, n, dict(mapping), choices)


def _to_object(values: pd.Series) -> np.ndarray:
    """Arrow strings to an object array (missing -> NaN) sharing one Python string per distinct value.

    astype(object) makes a new string object for every cell: for a million rows that is most
    of the import's memory. Ids, URLs and free text are nearly all distinct and are converted as is.
    """
    arr = pa.array(values.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    sample = arr.slice(0, 2000)
    if len(arr) > 10_000 and len(pc.unique(sample)) > 0.5 * len(sample):
        out = _np(arr).astype(object)
        out[pd.isna(out)] = np.nan
        return out
    enc = pc.dictionary_encode(arr)
    distinct = np.append(_np(enc.dictionary).astype(object), np.nan)
    return distinct[_np(pc.fill_null(enc.indices, -1)).astype(np.int64)]


def _as_template_dtypes(accepted: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of schema.empty_fines(): object strings, datetime64[ns], float64."""
    template = schema.empty_fines()
    out = {}
    for c in schema.FINE_COLUMNS:
        if template[c].dtype == object:
            out[c] = pd.Series(_to_object(accepted[c]), index=accepted.index, dtype=object)
        else:
            out[c] = accepted[c].astype(template[c].dtype)
        accepted[c] = 0.0  # drop each arrow column as soon as its copy exists
    return pd.DataFrame(out, index=accepted.index)


def _legal_basis(text: str) -> str:
    f = fold(text)
    if not f:
        return ""
    if re.search(r"uk gdpr|dpa 2018|data protection act 2018", f):
        return "UK GDPR"
    if re.search(r"eprivacy|pecr|cookie|telecom|l 34 5|article 82", f):
        return "ePrivacy (national)"
    if re.search(r"national|bdsg|lopd|loi informatique|codice", f):
        return "national data protection law"
    if re.search(r"gdpr|dsgvo|rgpd|avg|2016 679", f):
        return "GDPR"
    return ""


def _with_raw(frame: pd.DataFrame, rows: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    raw = frame.iloc[rows - 1] if len(rows) else frame.iloc[0:0]
    raw = raw.rename(columns={c: f"{c} (file)" for c in raw.columns if c in ("row", "reason")})
    out = pd.DataFrame({"row": rows.astype(np.int64), "reason": pd.Series(reasons, dtype=object).to_numpy()})
    body = raw.reset_index(drop=True)
    return pd.concat([out, body], axis=1) if len(body.columns) else out


def _validate(accepted: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
    """Check against UPLOAD_FINES_SCHEMA; rows that fail leave `accepted` with the check as reason."""
    import pandera.errors as pe

    if accepted.empty:
        # pandera cannot tell an empty object column holds strings; an empty frame has nothing to check
        return accepted, {}
    try:
        return schema.UPLOAD_FINES_SCHEMA.validate(accepted, lazy=True), {}
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        failed: dict[int, str] = {}
        for _, case in cases.iterrows():
            r = case.get("index")
            if r is None or pd.isna(r):
                raise IngestError(f"The imported table failed the check {case.get('check')} on {case.get('column')}.") from None
            why = f"failed the check on {case.get('column')}: {case.get('check')} ('{_short(case.get('failure_case'))}')"
            failed.setdefault(int(r), why)
        keep = accepted.drop(index=list(failed))
        return schema.UPLOAD_FINES_SCHEMA.validate(keep), failed


def _given_currency(currency: str | None) -> str | None:
    """A file-wide currency as ISO 4217, checked; None when not given."""
    if currency is None or not str(currency).strip():
        return None
    code = str(currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise IngestError(f"'{_short(currency)}' is not a currency code; give one such as EUR, GBP or PLN.")
    return code


def _court_rows(mapping: Mapping[str, str], col: Callable[[str], _Col], n: int) -> tuple[np.ndarray, pa.Array]:
    """Rows decided by a court, or awarding damages, or ruling on an appeal: (mask, reason per row)."""
    if "authority" not in mapping and "type" not in mapping and "decision_type" not in mapping:
        return np.zeros(n, dtype=bool), pa.nulls(n, _STR)
    who = col("authority")
    kind_field = "type" if "type" in mapping else "decision_type"
    kind = col(kind_field)
    # one verdict per distinct (authority, type) pair
    pair = who.codes * (len(kind.uniq) + 1) + kind.codes
    uniq_pair, inverse = np.unique(pair, return_inverse=True)
    a_u = who.text[uniq_pair // (len(kind.uniq) + 1)]
    k_u = kind.text[uniq_pair % (len(kind.uniq) + 1)]
    why_u = classify.reasons(a_u, k_u)
    mask = ~pd.isna(why_u)[inverse]
    return mask, _spread(mask, why_u, inverse)


def _country_column(mapping: Mapping[str, str], col: Callable[[str], _Col], f: str, idx: np.ndarray, note_u: Any) -> pa.Array:
    """A mapped country column (a parent's HQ) as ISO-2 on the accepted rows; null where blank or not understood."""
    if f not in mapping:
        return pa.nulls(len(idx), _STR)
    c = col(f)
    iso, _ = places.normalise(c.text)
    values = np.where(iso == "", None, iso).astype(object)
    unknown = ~c.blank_u() & (iso == "")
    label = f.replace("_", " ")
    note_u(c, c.messages(unknown, lambda v: f"{label} '{_short(v)}' not recognised"))
    return c.take(values, idx)


#: Written kinds of infringement (trackers' wording) -> the fixed vocabulary of schema.VIOLATIONS.
_VIOLATION_RULES: Final = (
    ("insufficient_legal_basis", r"legal basis|lawful|lawfulness|art(icle)? ?6\b"),
    ("insufficient_security", r"security|technical and organisational|breach|art(icle)? ?32"),
    ("information_obligations", r"information|transparen|art(icle)? ?1[34]\b"),
    ("data_subject_rights", r"data subject|right of access|erasure|rights"),
    ("consent_cookies", r"consent|cookie|marketing|eprivacy"),
    ("general_principles", r"principle|minimi[sz]ation|art(icle)? ?5\b"),
    ("data_protection_officer", r"protection officer|\bdpo\b"),
    ("cooperation_with_authority", r"cooperat|authority|art(icle)? ?31"),
    ("data_retention", r"retention|storage limitation|kept too long"),
)


def _violation_column(mapping: Mapping[str, str], col: Callable[[str], _Col], idx: np.ndarray, note_u: Any) -> pa.Array:
    """A mapped violation column read into the fixed vocabulary; what does not fit is "other"."""
    if "violation" not in mapping:
        return pa.nulls(len(idx), _STR)
    c = col("violation")
    exact = np.array([fold(v).replace(" ", "_") for v in c.text], dtype=object)
    label_u = np.array(
        [
            e
            if e in schema.VIOLATIONS
            else next((k for k, rx in _VIOLATION_RULES if re.search(rx, fold(v))), "other" if v else None)
            for v, e in zip(c.text, exact)
        ],
        dtype=object,
    )
    return c.take(label_u, idx)
