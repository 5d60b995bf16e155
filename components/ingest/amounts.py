"""Amounts: written amounts ("EUR 2.5m", "4 500 000 kr") to numbers and currencies, per distinct value.

Pure: no streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from components.ingest.common import (
    _clean_text,
    _np,
    _short,
    _uniques,
    fold,
)
from components.ingest.places import COUNTRY_CURRENCY, EURO_SINCE, KRONA_BY_COUNTRY

# --- amounts --------------------------------------------------------------------

#: Written currency (lower case) -> ISO 4217, or a marker for the ambiguous signs.
CURRENCY_TOKENS: Final[dict[str, str]] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "us$": "USD",
    "u.s.$": "USD",
    "usd": "USD",
    "$": "$",
    "zł": "PLN",
    "zl": "PLN",
    "pln": "PLN",
    "ft": "HUF",
    "huf": "HUF",
    "kč": "CZK",
    "kc": "CZK",
    "czk": "CZK",
    "lei": "RON",
    "ron": "RON",
    "kn": "HRK",
    "hrk": "HRK",
    "лв": "BGN",
    "лв.": "BGN",
    "bgn": "BGN",
    "kr": "kr",
    "kr.": "kr",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "isk": "ISK",
    "chf": "CHF",
    "fr.": "CHF",
    "cad": "CAD",
    "aud": "AUD",
    "jpy": "JPY",
    "cny": "CNY",
    "try": "TRY",
    "rsd": "RSD",
    "uah": "UAH",
    "nzd": "NZD",
    "inr": "INR",
    "brl": "BRL",
    "zar": "ZAR",
    "sgd": "SGD",
    "hkd": "HKD",
    "krw": "KRW",
    "mxn": "MXN",
    "ils": "ILS",
    "mkd": "MKD",
    "all": "ALL",
    "bam": "BAM",
    "mdl": "MDL",
    "gel": "GEL",
    "rub": "RUB",
    "ltl": "LTL",
    "lvl": "LVL",
    "eek": "EEK",
    "skk": "SKK",
    "cyp": "CYP",
    "mtl": "MTL",
}
#: What a currency column may say beyond the tokens above.
CURRENCY_WORDS: Final[dict[str, str]] = {
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "pound sterling": "GBP",
    "gb pound": "GBP",
    "dollar": "USD",
    "dollars": "USD",
    "us dollar": "USD",
    "zloty": "PLN",
    "forint": "HUF",
    "koruna": "CZK",
    "czech koruna": "CZK",
    "swedish krona": "SEK",
    "krona": "SEK",
    "kronor": "SEK",
    "norwegian krone": "NOK",
    "danish krone": "DKK",
    "icelandic krona": "ISK",
    "leu": "RON",
    "lev": "BGN",
    "leva": "BGN",
    "kuna": "HRK",
    "swiss franc": "CHF",
    "franc": "CHF",
}
MULTIPLIERS: Final[dict[str, float]] = {
    "k": 1e3,
    "tsd": 1e3,
    "thousand": 1e3,
    "tys": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "millionen": 1e6,
    "miljoner": 1e6,
    "millones": 1e6,
    "milioni": 1e6,
    "miljoen": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "mrd": 1e9,
    "mld": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "milliarden": 1e9,
}
#: Words that mean "no amount given".
_NO_AMOUNT = (
    r"(?i)^(|-+|–|—|n/?a|n\.a\.|na|none|nil|null|nan|unknown|not known|unk|tbc|tbd|\?+|"
    r"not disclosed|undisclosed|not published|unspecified|not specified|k\. ?a\.|keine angabe|"
    r"x|\.)$"
)
_NO_FINE = r"(?i)^(no fine|none imposed|no penalty|kein bu(ss|ß)geld|reprimand|warning)$"


#: The shape of an amount: what stands before and after the number is read word by word
#: (few distinct affixes), which is far cheaper than one regex with every token in it.
_AMOUNT_SHAPE: Final = (
    r"^(?P<open>\()?\s*(?P<pre>[^\d()]*?)\s*(?P<num>\d(?:[\d.,' ]*\d)?)\s*(?P<post>[^\d()]*?)\s*(?P<close>\))?$"
)


def _prefix(text: str) -> tuple[bool, str, bool]:
    """What stands before the number: (negative, currency token, understood)."""
    s = text.strip()
    neg = False
    if s.startswith("-"):
        neg, s = True, s[1:].strip()
    if s.endswith("-"):
        neg, s = True, s[:-1].strip()
    if not s:
        return neg, "", True
    cur = CURRENCY_TOKENS.get(s.lower())
    return neg, cur or "", cur is not None


def _suffix(text: str) -> tuple[str, float, bool]:
    """What stands after the number: (currency token, multiplier, understood)."""
    words = text.split()
    if len(words) == 1 and words[0].lower() not in CURRENCY_TOKENS and words[0].lower().rstrip(".") not in MULTIPLIERS:
        glued = re.match(r"^([A-Za-z]+\.?)(\S+)$", words[0])  # "m€", "Mio.€"
        if glued:
            words = [glued.group(1), glued.group(2)]
    cur, mult = "", 1.0
    if words and words[0].lower().rstrip(".") in MULTIPLIERS and words[0].lower() not in CURRENCY_TOKENS:
        mult = MULTIPLIERS[words[0].lower().rstrip(".")]
        words = words[1:]
    if len(words) > 1:
        return "", 1.0, False
    if words:
        cur = CURRENCY_TOKENS.get(words[0].lower(), "")
        if not cur:
            return "", 1.0, False
    return cur, mult, True


def _per_distinct(values: pa.Array, fn: Callable[[str], tuple[Any, ...]]) -> list[np.ndarray]:
    """fn on each distinct value; one array per field of its result, spread back over `values`."""
    enc = pc.dictionary_encode(values)
    codes = _np(enc.indices).astype(np.int64)
    results = [fn(v) for v in _np(enc.dictionary)]
    fields = list(zip(*results)) if results else []
    return [np.array(f, dtype=object)[codes] for f in fields]


def _numbers(num: pa.Array, has_mult: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The written numbers ("1.250.000,50", "4 500 000", "20,000,000") as floats, which could be read, and
    how many digits follow the decimal point.

    Which separator is the decimal point and which groups thousands is decided per value from
    how many of each there are, which comes last and how many digits follow it.
    """
    n = len(num)
    # grouping by spaces or apostrophes: "4 500 000", "CHF 1'000'000"
    spaced = _np(pc.match_substring_regex(num, r"[ ']"))
    spaced_ok = _np(pc.match_substring_regex(num, r"^\d{1,3}([ ']\d{3})+([.,]\d+)?$"))
    flat = pc.replace_substring_regex(num, r"[ ']", "")
    n_dot = _np(pc.count_substring(flat, ".")).astype(np.int64)
    n_com = _np(pc.count_substring(flat, ",")).astype(np.int64)
    tail = _np(pc.utf8_length(pc.fill_null(pc.struct_field(pc.extract_regex(flat, r"[.,](?P<t>\d*)$"), "t"), "")))
    last_is_dot = _np(pc.match_substring_regex(flat, r"\.\d*$"))
    head_zero = _np(pc.match_substring_regex(flat, r"^0[.,]"))
    both = (n_dot > 0) & (n_com > 0)
    single_kind = (n_dot > 0) ^ (n_com > 0)
    count = np.maximum(n_dot, n_com)
    # which separator is the decimal point, which groups thousands
    dec_dot = np.zeros(n, dtype=bool)
    dec_com = np.zeros(n, dtype=bool)
    grp_dot = np.zeros(n, dtype=bool)
    grp_com = np.zeros(n, dtype=bool)
    dec_dot |= both & last_is_dot
    grp_com |= both & last_is_dot
    dec_com |= both & ~last_is_dot
    grp_dot |= both & ~last_is_dot
    one = single_kind & (count == 1)
    thousands = one & (tail == 3) & ~has_mult & ~head_zero & ~spaced
    dot = n_dot > 0
    grp_dot |= (single_kind & (count > 1) & dot) | (thousands & dot)
    grp_com |= (single_kind & (count > 1) & ~dot) | (thousands & ~dot)
    dec_dot |= one & ~thousands & dot
    dec_com |= one & ~thousands & ~dot
    ok_groups = np.ones(n, dtype=bool)
    ok_groups &= ~(both & ((np.where(last_is_dot, n_dot, n_com)) != 1))
    ok_groups &= ~(grp_dot & ~_np(pc.match_substring_regex(flat, r"^\d{1,3}(\.\d{3})+(,\d+)?$")))
    ok_groups &= ~(grp_com & ~_np(pc.match_substring_regex(flat, r"^\d{1,3}(,\d{3})+(\.\d+)?$")))
    ok_groups &= ~(spaced & ~spaced_ok)
    ok_groups &= ~(spaced & both)
    no_dots = pc.replace_substring(flat, ".", "")
    no_coms = pc.replace_substring(flat, ",", "")
    step = pc.if_else(pa.array(grp_dot), no_dots, pc.if_else(pa.array(grp_com), no_coms, flat))
    step = pc.if_else(pa.array(dec_com), pc.replace_substring(step, ",", "."), step)
    valid_num = _np(pc.match_substring_regex(step, r"^\d+(\.\d+)?$")) & ok_groups
    numbers = np.full(n, np.nan)
    if valid_num.any():
        numbers[valid_num] = _np(pc.cast(pc.filter(step, pa.array(valid_num)), pa.float64()))
    dot = _np(pc.find_substring(step, ".")).astype(np.int64)
    decimals = np.where(dot >= 0, _np(pc.binary_length(step)).astype(np.int64) - dot - 1, 0)
    return numbers, valid_num, decimals


def _verdicts(
    uniq: pa.Array,
    numbers: np.ndarray,
    good: np.ndarray,
    negative: np.ndarray,
    two: np.ndarray,
    missing: np.ndarray,
    no_fine: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct amount: (why it cannot be read, why it is not a fine, accepted).

    Only the values a message quotes become Python strings (a million distinct amounts need not).
    """
    n = len(uniq)
    overflow = good & ~np.isfinite(numbers)
    quoted = np.flatnonzero((~good & ~missing & ~no_fine) | (two & ~missing) | (no_fine & ~missing) | overflow)
    raw = dict(zip(quoted.tolist(), pc.take(uniq, pa.array(quoted, pa.int64())).to_pylist(), strict=True))
    error = np.full(n, None, dtype=object)
    not_fine = np.full(n, None, dtype=object)
    for i in np.flatnonzero(~good & ~missing & ~no_fine):
        error[i] = f"could not read the amount '{_short(raw[i])}'"
    for i in np.flatnonzero(two & ~missing):
        error[i] = f"two different currencies in the amount '{_short(raw[i])}'"
    neg = good & negative
    error[neg] = "negative amount"
    not_fine[missing] = "no amount"
    for i in np.flatnonzero(no_fine & ~missing):
        not_fine[i] = f"the amount says '{_short(raw[i])}': not a fine"
    zero = good & ~negative & (numbers == 0)
    not_fine[zero] = "zero amount"
    ok = good & ~negative & ~zero & np.isfinite(numbers)
    for i in np.flatnonzero(overflow):
        error[i] = f"could not read the amount '{_short(raw[i])}'"
    return error, not_fine, ok


def _read_shapes(uniq: pa.Array) -> dict[str, np.ndarray]:
    """Per distinct value: the number as written, whether it reads as an amount, and what surrounds it."""
    n = len(uniq)
    text = _clean_text(uniq)
    text = pc.replace_substring_regex(text, r"(\d)[.,]-+", r"\1")  # "1.000,-" German style
    missing = _np(pc.match_substring_regex(text, _NO_AMOUNT))
    no_fine = _np(pc.match_substring_regex(text, _NO_FINE))
    parts = pc.extract_regex(text, _AMOUNT_SHAPE)
    matched = _np(pc.is_valid(parts))
    get = {name: pc.fill_null(pc.struct_field(parts, name), "") for name in ("open", "pre", "num", "post", "close")}
    if n:
        pre_neg, cur1, pre_ok = _per_distinct(get["pre"], _prefix)
        cur2, factor, post_ok = _per_distinct(get["post"], _suffix)
        factor = factor.astype(float)
    else:
        pre_neg = pre_ok = post_ok = np.zeros(0, dtype=bool)
        cur1 = cur2 = np.zeros(0, dtype=object)
        factor = np.ones(0)
    matched &= pre_ok.astype(bool) & post_ok.astype(bool)
    numbers, valid_num, decimals = _numbers(get["num"], factor != 1.0)
    valid_num &= matched
    opened = _np(pc.not_equal(get["open"], ""))
    closed = _np(pc.not_equal(get["close"], ""))
    negative = (opened & closed) | pre_neg.astype(bool)
    unbalanced = opened ^ closed
    two = (cur1 != "") & (cur2 != "") & (cur1 != cur2)
    return {
        "numbers": numbers * factor,
        "factor": factor,
        "decimals": decimals,
        "good": valid_num & ~unbalanced & ~two & ~missing & ~no_fine,
        "negative": negative,
        "two": two,
        "missing": missing,
        "no_fine": no_fine,
        "cell": np.where(cur1 != "", cur1, cur2),
    }


#: From this many distinct amounts on, they are read by their shape (see `_by_shape`).
SHAPES_FROM: Final = 5_000
#: Digits a float64 holds exactly (2**53 > 10**15): longer numbers are read as written.
_EXACT_DIGITS: Final = 15


def _digit_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A large_string array without nulls as (offsets from 0, its bytes, which bytes are ASCII digits)."""
    _, off_buf, data_buf = arr.buffers()
    off = np.frombuffer(off_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    lo, hi = int(off[0]), int(off[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8)[lo:hi] if data_buf is not None else np.zeros(0, np.uint8)
    return off - lo, data, (data >= 0x30) & (data <= 0x39)


def _by_shape(uniq: pa.Array) -> dict[str, np.ndarray] | None:
    """Read distinct amounts through their shapes; None when they are too varied for that to pay.

    An amount's shape is the value with every digit 1-9 written as 1 ("€41,347" and "€52,918"
    are both "€11,111"; 0 stays, since "0,500" is read apart from "1,500"). Whether a value
    reads as an amount, its currency, multiplier, sign and where its decimal point falls depend
    on the shape alone, and a million written amounts have a few thousand shapes. The number is
    then the value's own digits over 10**decimals times the multiplier: the same float as
    reading the written number, since both round the same exact quotient once, as long as the
    digits fit a float64 exactly; the few longer numbers are read as written.
    """
    off, data, digit = _digit_bytes(uniq)
    shaped = np.where(digit & (data != 0x30), np.uint8(0x31), data)
    shapes = pa.Array.from_buffers(pa.large_string(), len(uniq), [None, pa.py_buffer(off), pa.py_buffer(shaped)])
    enc = pc.dictionary_encode(shapes)
    if 4 * len(enc.dictionary) > len(uniq):
        return None
    codes = _np(enc.indices).astype(np.int64)
    out = {k: v[codes] for k, v in _read_shapes(enc.dictionary).items()}
    # each value's digits, in order: the written number without its separators
    # how many digits precede each value's start: int32 halves the one array per byte
    seen = np.zeros(len(digit) + 1, dtype=np.int64 if len(digit) >= 2**31 else np.int32)
    np.cumsum(digit, out=seen[1:])
    digit_off = seen[off].astype(np.int64)
    del seen
    count = np.diff(digit_off)
    good = out["good"]
    exact = good & (count <= _EXACT_DIGITS)
    digits = pa.Array.from_buffers(pa.large_string(), len(uniq), [None, pa.py_buffer(digit_off), pa.py_buffer(data[digit])])
    numbers = np.full(len(uniq), np.nan)
    if exact.any():
        whole = _np(pc.cast(pc.filter(digits, pa.array(exact)), pa.float64()))
        numbers[exact] = whole / 10.0 ** out["decimals"][exact] * out["factor"][exact]
    long = np.flatnonzero(good & ~exact)
    if len(long):
        numbers[long] = _read_shapes(pc.take(uniq, pa.array(long)))["numbers"]
    out["numbers"] = numbers
    return out


def _parse_amount_values(uniq: pa.Array) -> dict[str, np.ndarray]:
    """Parse distinct amount strings: value, cell currency token, error, not-a-fine reason."""
    if isinstance(uniq, pa.ChunkedArray):
        uniq = uniq.combine_chunks()
    shaped = None
    if len(uniq) >= SHAPES_FROM and uniq.null_count == 0:
        shaped = _by_shape(uniq.cast(pa.large_string()))
    f = shaped if shaped is not None else _read_shapes(uniq)
    numbers, good, negative = f["numbers"], f["good"], f["negative"]
    error, not_fine, ok = _verdicts(uniq, numbers, good, negative, f["two"], f["missing"], f["no_fine"])
    return {"amount": np.where(ok, numbers, np.nan), "cell": f["cell"], "error": error, "not_fine": not_fine}


CURRENCY_SOURCES: Final = ("", "cell", "column", "header", "symbol+country", "symbol", "country", "given")


def _factor(values: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes per row, distinct values as an object array; missing -> ""). Categoricals cost nothing."""
    if values is None:
        return np.zeros(n, dtype=np.int64), np.array([""], dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        uniq = np.append(values.cat.categories.to_numpy(dtype=object), "")
        return np.where(codes < 0, len(uniq) - 1, codes), uniq
    codes, uniq = _uniques(values)
    return codes, _np(uniq).astype(object)


def _vocab_ids(values: np.ndarray, vocab: dict[str, int]) -> np.ndarray:
    """Each value's index in `vocab` (added when new); "" and None are 0."""
    codes, uniq = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    ids = np.array([vocab.setdefault(str(u), len(vocab)) if u else 0 for u in uniq] + [0], dtype=np.int64)
    return ids[codes]


@dataclass
class _Amounts:
    """Parsed amounts kept as codes: cheap to turn into rows, arrow or objects."""

    amount: np.ndarray  # per row, NaN unless accepted
    cur: np.ndarray  # per row index into `vocab`
    vocab: np.ndarray  # currency codes, vocab[0] == ""
    src: np.ndarray  # per row index into CURRENCY_SOURCES
    codes: np.ndarray  # per row index into the distinct written amounts
    error_u: np.ndarray  # per distinct amount: why it cannot be read, or None
    not_fine_u: np.ndarray  # per distinct amount: why it is not a fine, or None
    extra_pos: np.ndarray  # rows whose currency cannot be told
    extra_msg: np.ndarray  # and why

    def error_rows(self) -> np.ndarray:
        error = self.error_u[self.codes] if len(self.codes) else np.zeros(0, dtype=object)
        error[self.extra_pos] = self.extra_msg
        return error


def _column_currency(
    currency_col: pd.Series, n: int, vocab: dict[str, int], open_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A currency column: (vocab id per row, rows whose cell names no known currency, and why)."""
    col_codes, col_u = _factor(currency_col, n)
    words = np.array([_currency_word(v) for v in col_u], dtype=object)
    col_id = _vocab_ids(np.where(words == "?", "", words), vocab)[col_codes]
    pos = np.flatnonzero((words == "?")[col_codes] & open_rows)
    msg_u = np.array([f"unknown currency '{_short(v)}'" for v in col_u], dtype=object)
    return col_id, pos, msg_u[col_codes[pos]]


def _home_currency(
    cc_codes: np.ndarray, cc_u: np.ndarray, dates: np.ndarray | pd.Series | None, vocab: dict[str, int]
) -> np.ndarray:
    """Each row's country's currency (vocab id): the old currency before a country's euro changeover."""
    home_id = _vocab_ids(np.array([COUNTRY_CURRENCY.get(c, "") for c in cc_u], dtype=object), vocab)[cc_codes]
    if dates is None:
        return home_id
    when = np.asarray(pd.to_datetime(pd.Series(np.asarray(dates)), errors="coerce"), dtype="datetime64[ns]")
    for country, (day, old) in EURO_SINCE.items():
        hit = np.flatnonzero(cc_u == country)
        if len(hit):
            before = (cc_codes == hit[0]) & (when < np.datetime64(day))
            home_id[before] = vocab.setdefault(old, len(vocab))
    return home_id


def _per_country_messages(cc_u: np.ndarray, cc_codes: np.ndarray, pos: np.ndarray, fmt: Callable[[str], str]) -> np.ndarray:
    """fmt(country) for the rows at pos (one message per distinct country)."""
    return np.array([fmt(c) for c in cc_u], dtype=object)[cc_codes[pos]]


def _which_krona(country: str) -> str:
    return f"'kr' could be SEK, NOK, DKK or ISK and the country ({country or 'none'}) does not say which"


def _no_currency(country: str) -> str:
    return f"no currency given for the country '{country}'" if country else "no currency given and no country to infer it from"


def _amounts_core(
    series: pd.Series,
    countries: pd.Series | None,
    currency_col: pd.Series | None,
    dates: np.ndarray | pd.Series | None,
    header_currency: str | None,
    given_currency: str | None = None,
) -> _Amounts:
    """Amounts and their currencies per row, the currency taken in order: the cell, a currency column,
    the file-wide answer, the header, "kr" with the country, "$", then the country's own."""
    n = len(series)
    codes, uniq = _uniques(series)
    p = _parse_amount_values(uniq)
    amount = p["amount"][codes] if n else np.zeros(0)
    vocab: dict[str, int] = {"": 0}
    cell_u = p["cell"]
    kind_u = np.where(cell_u == "kr", 1, np.where(cell_u == "$", 2, 0))
    cell_id = _vocab_ids(np.where(kind_u == 0, cell_u, ""), vocab)[codes]
    kind = kind_u[codes]
    has_perr = ~pd.isna(p["error"])[codes] if n else np.zeros(0, dtype=bool)
    finite = np.isfinite(amount)
    cc_codes, cc_u = _factor(countries, n)
    cur = np.zeros(n, dtype=np.int64)
    src = np.zeros(n, dtype=np.int64)

    def take(mask: np.ndarray, ids: np.ndarray | int, label: str) -> None:
        free = mask & (cur == 0)
        cur[free] = ids[free] if isinstance(ids, np.ndarray) else ids
        src[free] = CURRENCY_SOURCES.index(label)

    take(cell_id != 0, cell_id, "cell")
    extra_pos: list[np.ndarray] = []
    extra_msg: list[np.ndarray] = []
    if currency_col is not None:
        col_id, pos, msg = _column_currency(currency_col, n, vocab, (cur == 0) & finite & ~has_perr)
        extra_pos.append(pos)
        extra_msg.append(msg)
        take(col_id != 0, col_id, "column")
    no_sign = finite & (kind == 0) & (cell_id == 0)
    if given_currency:
        take(no_sign, vocab.setdefault(given_currency, len(vocab)), "given")
    if header_currency:
        take(no_sign, vocab.setdefault(header_currency, len(vocab)), "header")
    krona_id = _vocab_ids(np.array([KRONA_BY_COUNTRY.get(c, "") for c in cc_u], dtype=object), vocab)[cc_codes]
    take((kind == 1) & (krona_id != 0), krona_id, "symbol+country")
    unresolved_kr = (kind == 1) & (cur == 0) & finite & ~has_perr
    take(kind == 2, vocab.setdefault("USD", len(vocab)), "symbol")
    take(no_sign, _home_currency(cc_codes, cc_u, dates, vocab), "country")
    pos = np.flatnonzero(unresolved_kr)
    extra_pos.append(pos)
    extra_msg.append(_per_country_messages(cc_u, cc_codes, pos, _which_krona))
    flagged = np.zeros(n, dtype=bool)
    for q in extra_pos:
        flagged[q] = True
    pos = np.flatnonzero(finite & (cur == 0) & ~has_perr & ~flagged)
    extra_pos.append(pos)
    extra_msg.append(_per_country_messages(cc_u, cc_codes, pos, _no_currency))
    all_pos = np.concatenate(extra_pos)
    all_msg = np.concatenate(extra_msg)
    flagged[all_pos] = True
    accepted = finite & ~has_perr & ~flagged
    cur[~accepted] = 0
    src[~accepted] = 0
    vocab_arr = np.array(sorted(vocab, key=vocab.__getitem__), dtype=object)  # vocab[code] -> its currency
    amount = np.where(accepted, amount, np.nan)
    return _Amounts(amount, cur, vocab_arr, src, codes, p["error"], p["not_fine"], all_pos.astype(np.int64), all_msg)


def parse_amounts(
    series: pd.Series,
    countries: pd.Series | None = None,
    currency_col: pd.Series | None = None,
    *,
    dates: pd.Series | None = None,
    header_currency: str | None = None,
) -> pd.DataFrame:
    """Parse written amounts, vectorised: each distinct string is parsed once.

    Returns a frame aligned with `series`: `amount` (float, NaN unless accepted), `currency`
    (ISO 4217 or ""), `currency_source` ("cell", "column", "header", "symbol+country", "symbol",
    "country" or ""), `error` (why it is rejected, or None) and `not_fine` (why the row is not a
    fine: "no amount", "zero amount"; or None). `countries` are ISO-2 codes; `dates` decide
    HRK/BGN before the euro; `header_currency` is what the amount column's heading says ("Fine [€]").
    """
    core = _amounts_core(series, countries, currency_col, dates, header_currency)
    n = len(series)
    return pd.DataFrame(
        {
            "amount": core.amount,
            "currency": pd.Series(core.vocab[core.cur], dtype=object).to_numpy(),
            "currency_source": np.array(CURRENCY_SOURCES, dtype=object)[core.src],
            "error": core.error_rows(),
            "not_fine": core.not_fine_u[core.codes] if n else np.zeros(0, dtype=object),
        },
        index=series.index,
    )


def _currency_word(value: str) -> str:
    """A currency column's cell -> ISO code, "" when blank, "?" when not understood."""
    v = str(value).strip()
    if not v:
        return ""
    low = v.lower().rstrip(".")
    if low in CURRENCY_TOKENS and CURRENCY_TOKENS[low] not in ("kr", "$"):
        return CURRENCY_TOKENS[low]
    if low == "$":
        return "USD"
    if fold(v) in CURRENCY_WORDS:
        return CURRENCY_WORDS[fold(v)]
    if re.fullmatch(r"[A-Za-z]{3}", v):
        import pycountry

        return v.upper() if pycountry.currencies.get(alpha_3=v.upper()) is not None else "?"
    return "?"
