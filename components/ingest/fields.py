"""Fields: the accepted rows in the canonical columns of `components.schema`, with their notes.

Each canonical column is built from its mapped column's distinct values and spread over the
accepted rows; what was assumed or not understood becomes a note on the row. The frame is
then checked against the upload schema. Pure: no streamlit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components import schema
from components.ingest import places
from components.ingest.amounts import _Amounts, _amounts_core
from components.ingest.columns import Col, Table, classify_u
from components.ingest.common import _NULL, _STR, IngestError, _arr, _bools, _np, _short, _sparse, _when, fold
from components.ingest.dates import _Dates
from components.ingest.headers import _header_currency

DECISION_KINDS: Final = ("fine", "penalty_payment", "court_fine")
_URL_FIRST: Final = r"(?P<u>https?://[^\s\"'<>;,|]+)"
_APPEAL_RULES: Final = (
    ("waived", r"waiv|withdrawn by the authority|revoked by the authority|remitted by the authority"),
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


@dataclass
class Accepted:
    """The accepted rows (`idx`, positions in the file) and the notes gathered while building them."""

    table: Table
    idx: np.ndarray
    notes: list[pa.Array] = field(default_factory=list)
    offset: int = 0  # rows of the file before this table (a block of a file read block by block)

    @property
    def k(self) -> int:
        return len(self.idx)

    def note(self, mask: np.ndarray, text: str) -> None:
        if mask.any():
            self.notes.append(_when(mask, text))

    def note_u(self, c: Col, values_u: np.ndarray) -> None:
        """A note per distinct value (None: no note) on the accepted rows that hold it."""
        if 4 * len(values_u) < self.k:  # few distinct notes on many rows: spread them in arrow
            self.notes.append(c.take(values_u, self.idx))
            return
        vals = values_u[c.codes[self.idx]]
        pos = np.flatnonzero(~pd.isna(vals))
        if len(pos):
            self.notes.append(_sparse(self.k, pos, vals[pos]))

    def text_or_null(self, f: str) -> pa.Array:
        if not self.table.has(f):
            return self.nulls()
        c = self.table.col(f)
        return c.take(pc.if_else(pc.equal(c.uniq, ""), _NULL, c.uniq), self.idx)

    def nulls(self) -> pa.Array:
        """k nulls: one array for every column the file leaves empty (Arrow arrays are immutable, so the
        columns can share it; at a million rows each copy is 8 MB of offsets)."""
        if not hasattr(self, "_nulls"):
            self._nulls = pa.nulls(self.k, _STR)
        return self._nulls

    def unknowns(self) -> pa.Array:
        """k times "unknown" (one string taken k times: no Python object per row), shared like `nulls`."""
        if not hasattr(self, "_unknowns"):
            self._unknowns = pc.take(pa.array(["unknown"], _STR), pa.array(np.zeros(self.k, dtype=np.int64)))
        return self._unknowns


def fine_ids(acc: Accepted, ids: Col, given: np.ndarray, rows: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Ids as given, else U-<row> (with -generated where that clashes with a given id)."""
    gen = ~given[acc.idx]
    fine_id = ids.rows(acc.idx)
    if gen.any():
        join = pc.binary_join_element_wise
        generated = join(pa.scalar("U-", _STR), pc.cast(pa.array(rows[acc.idx]), _STR), pa.scalar("", _STR))
        clash = _bools(pc.is_in(generated, value_set=ids.uniq))
        generated = pc.if_else(pa.array(clash), join(generated, pa.scalar("-generated", _STR), pa.scalar("", _STR)), generated)
        fine_id = pc.if_else(pa.array(gen), generated, fine_id)
    return fine_id, gen


def _shorten(acc: Accepted, arr: pa.Array, limit: int, label: str) -> pa.Array:
    if len(arr) == 0 or (pc.max(pc.binary_length(arr)).as_py() or 0) <= limit:
        return arr  # no more bytes than the limit, so no more characters either
    long = _bools(pc.fill_null(pc.greater(pc.utf8_length(arr), limit), False))
    if not long.any():
        return arr
    acc.note(long, f"{label} name shortened")
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, limit - 1), pa.scalar("…", _STR), pa.scalar("", _STR))
    return pc.if_else(pa.array(long), cut, arr)


def names(acc: Accepted, country: Col, iso_u: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, int, int]:
    """(authority, controller, controller group, rows without an authority, rows without a controller)."""
    t, idx = acc.table, acc.idx
    unnamed = np.array([f"Unnamed authority ({places.country_name(c)})" if c else "" for c in iso_u], dtype=object)
    ac = t.col("authority")
    no_auth = ac.blank_u()[ac.codes[idx]]
    authority = ac.rows(idx)
    if no_auth.any():
        authority = pc.if_else(pa.array(no_auth), country.take(unnamed, idx), authority)
    if ac.present:  # a blank cell; a file without the column is reported once, in choices
        acc.note(no_auth, "authority not given")
    ctl = t.col("controller")
    no_ctrl = ctl.blank_u()[ctl.codes[idx]]
    controller = ctl.rows(idx)
    if no_ctrl.any():
        controller = pc.if_else(pa.array(no_ctrl), pa.scalar("Unknown", _STR), controller)
    if ctl.present:
        acc.note(no_ctrl, "controller not given")
    gc = t.col("controller_group")
    no_group = gc.blank_u()[gc.codes[idx]]
    group = controller if no_group.all() else pc.if_else(pa.array(no_group), controller, gc.rows(idx))
    authority = _shorten(acc, authority, 200, "authority")
    controller = _shorten(acc, controller, 300, "controller")
    group = _shorten(acc, group, 300, "controller group")
    return authority, controller, group, int(no_auth.sum()), int(no_ctrl.sum())


def country_column(acc: Accepted, f: str) -> pa.Array:
    """A mapped country column (the company's or its parent's home) as ISO-2; null where blank or not understood."""
    if not acc.table.has(f):
        return acc.nulls()
    c = acc.table.col(f)
    iso, _ = places.normalise(c.text)
    values = np.where(iso == "", None, iso).astype(object)
    unknown = ~c.blank_u() & (iso == "")
    label = f.replace("_", " ")
    acc.note_u(c, c.messages(unknown, lambda v: f"{label} '{_short(v)}' not recognised"))
    return c.take(values, acc.idx)


def _legal_basis_of(text: str) -> str:
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


def legal_basis(acc: Accepted, iso_acc: pa.Array, dates: np.ndarray) -> pa.Array:
    """As written where understood, else UK GDPR for UK decisions from 2021, else GDPR."""
    uk = _bools(pc.fill_null(pc.equal(iso_acc, "GB"), False)) & (dates >= np.datetime64("2021-01-01"))
    legal = pc.if_else(pa.array(uk), pa.scalar("UK GDPR", _STR), pa.scalar("GDPR", _STR))
    if acc.table.has("legal_basis"):
        lc = acc.table.col("legal_basis")
        lb_u = np.array([_legal_basis_of(v) for v in lc.text], dtype=object)
        legal = pc.if_else(pa.array((lb_u != "")[lc.codes[acc.idx]]), lc.take(lb_u, acc.idx), legal)
        bad_u = (lb_u == "") & ~lc.blank_u()
        acc.note_u(lc, lc.messages(bad_u, lambda v: f"legal basis '{_short(v)}' not recognised"))
    return legal


def status(acc: Accepted, f: str) -> tuple[pa.Array, np.ndarray]:
    """(appeal or payment status in the fixed vocabulary, its label per row: "" where not understood)."""
    rules, label = (_APPEAL_RULES, "appeal status") if f == "appeal_status" else (_PAYMENT_RULES, "payment status")
    if not acc.table.has(f):
        return acc.unknowns(), np.full(acc.k, "", dtype=object)
    sc = acc.table.col(f)
    lab_u = classify_u(sc, rules)
    value = sc.take(np.where(lab_u != "", lab_u, "unknown").astype(object), acc.idx)
    bad_u = (lab_u == "") & ~sc.blank_u()
    acc.note_u(sc, sc.messages(bad_u, lambda v: f"{label} '{_short(v)}' not understood"))
    return value, lab_u[sc.codes[acc.idx]]


def standing_and_paid(
    acc: Accepted, am: _Amounts, appeal: np.ndarray, iso_rows: pd.Series, dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Standing amount (after appeals) and paid amount, in the fine's own currency; NaN where unknown."""
    t, idx = acc.table, acc.idx
    amount, cur = am.amount[idx], am.cur[idx]
    standing = np.where(np.isin(appeal, ["annulled", "reduced", "waived"]), np.nan, amount)
    paid = np.full(acc.k, np.nan)
    for f in ("standing_amount", "paid_amount"):
        if not t.has(f):
            continue
        sub = _amounts_core(t.series(f), iso_rows, t.series("currency"), dates, _header_currency(t.mapping[f]))
        value = sub.amount[idx]
        zero = (sub.not_fine_u == "zero amount")[sub.codes[idx]]
        value = np.where(zero, 0.0, value)
        same = sub.vocab[sub.cur[idx]] == am.vocab[cur]
        value = np.where(same | zero, value, np.nan)
        value = np.where(value > places.plausible_bound(am.vocab)[cur], np.nan, value)
        if f == "standing_amount":
            standing = np.where(~np.isnan(value), value, standing)
        else:
            paid = value
    standing = np.where(np.isin(appeal, ["annulled", "waived"]) & np.isnan(standing), 0.0, standing)
    return standing, paid


def source_urls(acc: Accepted) -> pa.Array:
    """The first web address in the source column; a note where there is none."""
    if not acc.table.has("source_url"):
        return acc.nulls()
    uc = acc.table.col("source_url")
    # most cells are one clean address: a yes/no test is cheap, extraction only for the rest
    clean = pa.array(_clean_urls(uc.uniq))
    found_u = uc.uniq
    if not pc.all(clean).as_py():
        extracted = pc.struct_field(pc.extract_regex(uc.uniq, _URL_FIRST), "u")
        found_u = pc.if_else(clean, uc.uniq, extracted)
    not_url_u = ~uc.blank_u() & ~_bools(pc.is_valid(found_u))
    if not_url_u.any():
        acc.note_u(uc, uc.messages(not_url_u, lambda v: f"source '{_short(v, 40)}' is not a web address"))
    return uc.take(found_u, acc.idx)


#: The bytes `_URL_FIRST` stops at: RE2's \\s (tab, LF, FF, CR, space) and " ' < > ; , |
_URL_STOP: Final = np.isin(np.arange(256), [9, 10, 12, 13, 32, 34, 39, 60, 62, 59, 44, 124])


def _clean_urls(values: pa.Array) -> np.ndarray:
    """Per value: is it one web address and nothing else (`^https?://[^\\s"'<>;,|]+$`)?

    The same test as that pattern, in two literal prefix checks and one pass over the bytes
    (a regex over a million addresses costs ten times as much).
    """
    values = values.cast(pa.large_string())
    if values.null_count:
        values = pc.fill_null(values, "")
    length = _np(pc.binary_length(values)).astype(np.int64)
    https = _bools(pc.starts_with(values, "https://"))
    http = _bools(pc.starts_with(values, "http://"))
    start = np.where(https, 8, np.where(http, 7, 0))
    _, off_buf, data_buf = values.buffers()
    off = np.frombuffer(off_buf, dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    # the few bytes an address stops at, and the values that hold them (no array per byte but the mask)
    stop_at = np.flatnonzero(_URL_STOP[data[off[0] : off[-1]]]) + off[0]
    stopped = np.zeros(len(values), dtype=bool)
    stopped[np.searchsorted(off, stop_at, side="right") - 1] = True
    return (https | http) & (length > start) & ~stopped


def date_notes(acc: Accepted, decision: _Dates, extra: dict[str, _Dates]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(precision per accepted row, other dates per field); notes for partial dates and unreadable other dates."""
    prec = decision.precision[decision.codes[acc.idx]]
    acc.note(prec == "year", "decision date given as a year only (kept as 1 January)")
    acc.note(prec == "month", "decision date given as year and month only (kept as the 1st)")
    out: dict[str, np.ndarray] = {}
    for f, core in extra.items():
        out[f] = core.values[core.codes[acc.idx]]
        label = f.replace("_", " ")
        msg_u = np.array([f"{label}: {e}" if isinstance(e, str) else None for e in core.error], dtype=object)
        acc.notes.append(pc.take(_arr(msg_u), pa.array(core.codes[acc.idx])))
    return prec, out


def violation(acc: Accepted) -> pa.Array:
    """A mapped violation column read into the fixed vocabulary; what does not fit is "other"."""
    if not acc.table.has("violation"):
        return acc.nulls()
    c = acc.table.col("violation")
    label_u = np.array([_violation_of(v) for v in c.text], dtype=object)
    return c.take(label_u, acc.idx)


def _violation_of(text: str) -> str | None:
    if not text:
        return None
    exact = fold(text).replace(" ", "_")
    if exact in schema.VIOLATIONS:
        return exact
    return next((k for k, rx in _VIOLATION_RULES if re.search(rx, fold(text))), "other")


@functools.cache
def accepted_dtypes() -> dict[str, str]:
    """The accepted frame's dtypes: those of schema.empty_fines(), with Arrow-backed "str" for text.

    Arrow strings are what the reader produced and what the bundled data holds: converting a
    million of them to Python objects was most of the import's memory and a tenth of its time.
    """
    return {c: ("str" if d.kind == "O" else str(d)) for c, d in schema.empty_fines().dtypes.items()}


def as_accepted_dtypes(accepted: pd.DataFrame) -> pd.DataFrame:
    """Each column in its dtype of `accepted_dtypes()` (a no-op for columns built as Arrow strings)."""
    for c, dtype in accepted_dtypes().items():
        if str(accepted[c].dtype) != dtype:
            accepted[c] = accepted[c].astype(dtype)
    return accepted


_ARROW_CHECKS: Final = ("str_length", "str_matches", "isin")
#: Columns whose values are valid by construction, so a large import does not check them row by
#: row: fixed vocabularies (`DECISION_KINDS`, the rules' labels, "day"/"month"/"year"; a test
#: holds each to the schema's list) and `source_urls`, which keeps only text that matches
#: `_URL_FIRST`, a stricter pattern than the schema's (both read by RE2, as the Arrow checks are).
BUILT_VALID: Final = (
    "decision_type",
    "date_precision",
    "legal_basis",
    "appeal_status",
    "payment_status",
    "violation",
    "source_url",
)


def _mostly_distinct(arrow: pa.Array) -> bool:
    """Are most of a column's values different (ids, addresses)? Then finding its distinct values buys nothing."""
    sample = arrow.slice(0, 2000)
    return len(arrow) > 10_000 and len(pc.unique(sample)) > 0.5 * len(sample)


def _arrow_checks(name: str, column: Any, arrow: pa.Array, index: pd.Index) -> list[tuple[int, str]]:
    """A text column's pandera checks (lengths, patterns, vocabularies) run in Arrow on its distinct values."""
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    distinct = arrow if _mostly_distinct(arrow) else pc.unique(arrow)
    bad = np.zeros(len(distinct), dtype=bool)
    why = np.full(len(distinct), None, dtype=object)
    present = _bools(pc.is_valid(distinct))
    if not column.nullable:
        why[~present & ~bad] = f"failed the check on {name}: not nullable"
        bad |= ~present
    for check in column.checks:
        stats = check.statistics
        if check.name == "str_length":
            length = pc.utf8_length(distinct)
            ok = pc.and_(pc.greater_equal(length, stats["min_value"]), pc.less_equal(length, stats["max_value"]))
        elif check.name == "str_matches":
            ok = pc.match_substring_regex(distinct, stats["pattern"])
        else:
            ok = pc.is_in(distinct, value_set=pa.array(list(stats["allowed_values"]), distinct.type))
        fails = present & ~_np(pc.fill_null(ok, True)).astype(bool) & ~bad
        for i in np.flatnonzero(fails):
            why[i] = f"failed the check on {name}: {check.name} ('{_short(distinct[i].as_py())}')"
        bad |= fails
    if not bad.any():
        return []
    rows = _bools(pc.fill_null(pc.is_in(arrow, value_set=pc.filter(distinct, pa.array(bad))), False))
    if (~present & bad).any():
        rows |= ~_bools(pc.is_valid(arrow))
    lookup = {distinct[i].as_py(): why[i] for i in np.flatnonzero(bad)}
    return [(int(index[j]), lookup.get(arrow[j].as_py(), "failed the check on " + name)) for j in np.flatnonzero(rows)]


def _typed_pass(column: Any, values: pd.Series) -> bool:
    """A float or datetime column already in the schema's dtype, checked in numpy: True when every value passes.

    Floats may carry lower bounds; a date column has no check but its dtype and whether it may be empty, which
    pandera would otherwise confirm on each block's distinct dates (a fifth of the checking of a 1M-row import).
    False means "let pandera judge" (and word the reasons): a failure, or a check not handled here.
    """
    dtype = str(column.dtype)
    if dtype not in ("float64", "datetime64[ns]") or str(values.dtype) != dtype or column.unique:
        return False
    v = values.to_numpy()
    missing = np.isnan(v) if dtype == "float64" else np.isnat(v)
    if not column.nullable and missing.any():
        return False
    for check in column.checks:
        if dtype != "float64" or check.name != "greater_than_or_equal_to" or (v[~missing] < check.statistics["min_value"]).any():
            return False
    return True


#: Up to this many rows one pandera pass over the frame is cheaper than one per column.
WHOLE_FRAME_ROWS: Final = 20_000


def _validate_whole(accepted: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
    import pandera.errors as pe

    try:
        return schema.UPLOAD_FINES_SCHEMA.validate(accepted, lazy=True), {}
    except pe.SchemaErrors as exc:
        failed: dict[int, str] = {}
        for _, case in exc.failure_cases.iterrows():
            r = case.get("index")
            if r is None or pd.isna(r):
                raise IngestError(f"The imported table failed the check {case.get('check')} on {case.get('column')}.") from None
            why = f"failed the check on {case.get('column')}: {case.get('check')} ('{_short(case.get('failure_case'))}')"
            failed.setdefault(int(r), why)
        return accepted.drop(index=list(failed)), failed


def validate(accepted: pd.DataFrame, file_rows: int | None = None) -> tuple[pd.DataFrame, dict[int, str]]:
    """Check against UPLOAD_FINES_SCHEMA on each column's distinct values, not on every row.

    Pandera stays the judge: each column's checks run on its distinct values (a million rows of
    one country are one check), failures are spread back to the rows that hold them, and the
    rows that fail leave `accepted` with the check as their reason.
    """
    import pandera.errors as pe

    if accepted.empty:
        # pandera cannot tell an empty object column holds strings; an empty frame has nothing to check
        return accepted, {}
    if list(accepted.columns) != list(schema.FINE_COLUMNS):
        raise IngestError("The imported table does not have the canonical columns.")
    # `file_rows`: the rows of the whole file, when `accepted` is one block of it: a large file's blocks
    # are checked as the file read whole would be, column by column
    if (file_rows or len(accepted)) <= WHOLE_FRAME_ROWS:
        return _validate_whole(accepted)
    failed: dict[int, str] = {}
    for name, column in schema.UPLOAD_FINES_SCHEMA.columns.items():
        values = accepted[name]
        if name in BUILT_VALID or _typed_pass(column, values):
            continue
        arrow = pa.array(values.array) if str(values.dtype) == "str" else None
        if arrow is not None and all(c.name in _ARROW_CHECKS for c in column.checks):
            for row, why in _arrow_checks(name, column, arrow, accepted.index):
                failed.setdefault(row, why)
            continue
        distinct = values.drop_duplicates()
        try:
            column.validate(pd.DataFrame({name: distinct.to_numpy()}, columns=[name]).astype({name: values.dtype}), lazy=True)
        except pe.SchemaErrors as exc:
            for _, case in exc.failure_cases.iterrows():
                if case.get("index") is None or pd.isna(case.get("index")):
                    raise IngestError(f"The imported table failed the check {case.get('check')} on {name}.") from None
                bad = case.get("failure_case")
                hit = values.isna() if bad is None or (isinstance(bad, float) and np.isnan(bad)) else values == bad
                why = f"failed the check on {name}: {case.get('check')} ('{_short(bad)}')"
                for row in accepted.index[np.asarray(hit, dtype=bool)]:
                    failed.setdefault(int(row), why)
        if column.unique and len(distinct) < len(values):
            for row in accepted.index[values.duplicated(keep="first").to_numpy()]:
                failed.setdefault(int(row), f"failed the check on {name}: not unique")
    return (accepted.drop(index=list(failed)) if failed else accepted), failed
