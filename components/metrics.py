"""Filters and figures-as-numbers: everything a page shows, computed from a canonical frame.

Pure: no streamlit. Amounts are converted once (`prepare`), then every metric is a
groupby on the converted columns. Unknown stays unknown: a collection rate is computed
over the fines whose payment is known, and always comes with that coverage.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from components import countries, fx, memo, schema, sources

KNOWN_PAYMENT: Final = ("paid", "partly_paid", "unpaid")
OPEN_APPEAL: Final = ("pending", "remitted")
DEFAULT_TYPES: Final = schema.MONEY_DECISION_TYPES


@dataclass(frozen=True)
class Filters:
    """The global controls, as plain values (the URL holds them)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    countries: tuple[str, ...] = ()
    company: str = ""
    sectors: tuple[str, ...] = ()
    appeal: tuple[str, ...] = ()
    payment: tuple[str, ...] = ()
    types: tuple[str, ...] = DEFAULT_TYPES
    articles: tuple[str, ...] = ()  # article numbers ("5", "32"): a fine matches if it cites any of them
    violations: tuple[str, ...] = ()  # schema.VIOLATIONS codes
    sources: str = sources.ANY  # or sources.PRIMARY_ONLY: leave out fines that rest on a summary or commentary alone


@dataclass(frozen=True)
class Money:
    """How amounts are shown."""

    currency: str = "EUR"
    basis: fx.Basis = "decision"
    year: int | None = None
    amount_basis: str = "imposed"  # or "standing"

    @property
    def label(self) -> str:
        what = "imposed" if self.amount_basis == "imposed" else "standing after appeals"
        how = fx.BASIS_LABELS[self.basis]
        if self.basis == "year" and self.year:
            how = f"{self.year} average rate"
        return f"{self.currency}, {what}, at the {how}"


def _text_category(values: pd.Series) -> pd.Categorical:
    """The values as a categorical of strings, converting only the distinct values (astype(str) made a
    Python string per row first: 0.1 s a column at 500,000 rows)."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    names = cat.cat.categories.astype(str)
    if names.has_duplicates:  # two distinct values that read the same: the per-row way merges them
        return values.astype(str).astype("category").array
    return cat.cat.rename_categories(names).cat.remove_unused_categories().array


def prepare(fines: pd.DataFrame, money: Money, live: fx.LiveRates | None = None) -> pd.DataFrame:
    """Add display-currency columns in one vectorised conversion.

    Adds: imposed_x, standing_x, paid_x (known paid in display currency, NaN if unknown),
    value_x (imposed or standing per money.amount_basis), rate, rate_date, rate_source,
    year, authority_name, origin.
    """
    # a shallow copy: pandas 3 copies on write, so the added columns never touch `fines`, and the
    # columns it already has are shared instead of copied (a 500,000-row upload: 170 MB less per session)
    out = fines.copy(deep=False)
    conv = fx.convert(
        out["amount"], out["currency"], out["decision_date"], to=money.currency, basis=money.basis, year=money.year, live=live
    )
    rate = conv["rate"].to_numpy()
    out["rate"] = rate
    # categorical: a few distinct days and one or two sources, not a Python string per row (a 500,000-row
    # upload: 40 MB less per session and per display currency)
    out["rate_date"] = _text_category(conv["rate_date"])
    out["rate_source"] = _text_category(conv["source"])
    out["imposed_x"] = out["amount"].to_numpy() * rate
    standing = out["standing_amount"].where(out["standing_amount"].notna(), out["amount"])
    out["standing_x"] = standing.to_numpy() * rate
    out["paid_x"] = known_paid(out).to_numpy() * rate
    # what an early-payment reduction took off (not a court); the rest of imposed − standing is the courts'
    early = out["early_payment_amount"] if "early_payment_amount" in out else pd.Series(np.nan, index=out.index)
    early_cut = (out["amount"] - early).clip(lower=0).fillna(0.0)
    out["early_payment_x"] = early_cut.to_numpy() * rate
    cut = (out["imposed_x"] - out["standing_x"] - out["early_payment_x"]).clip(lower=0).to_numpy()
    # an authority waiving its own fine is not a court either
    waived = (out["appeal_status"] == "waived").to_numpy()
    out["waived_x"] = np.where(waived, cut, 0.0)
    out["court_removed_x"] = np.where(waived, 0.0, cut)
    out["value_x"] = out["standing_x"] if money.amount_basis == "standing" else out["imposed_x"]
    out["year"] = out["decision_date"].dt.year
    out["country_name"] = map_unique(out["country"], countries.name)
    # EU or not by the group's headquarters: Meta's Irish subsidiary is a US group's decision
    out["origin"] = map_unique(home_country(out), lambda c: countries.region(c if isinstance(c, str) and c else None))
    return out


@memo.on_frame(keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def home_country(fines: pd.DataFrame) -> pd.Series:
    """The company's home: the parent group's headquarters (group_country), blank where unknown.

    Uploads without a group country fall back to controller_country, the only home they state.
    """
    if "group_country" not in fines:
        return fines["controller_country"]
    group = fines["group_country"]
    has_group = group.notna() & (group != "")
    return group.where(has_group, fines["controller_country"] if "controller_country" in fines else group)


@dataclass(frozen=True)
class HomeCoverage:
    """How the selection's money rows got a home country (the company-home map and the flows)."""

    total: int
    missing: int  # no home at all: not drawn
    missing_imposed: float  # their amount imposed, in the display currency
    establishment: int  # parent group unknown: the home is where the fined entity is established


def home_coverage(frame: pd.DataFrame) -> HomeCoverage:
    money = money_rows(frame)
    home = home_country(money)
    missing = (home.isna() | (home == "")).to_numpy()
    if "group_country" in money:
        group = money["group_country"]
        fell_back = ((group.isna() | (group == "")).to_numpy()) & ~missing
    else:
        fell_back = ~missing
    return HomeCoverage(len(money), int(missing.sum()), float(money["imposed_x"].to_numpy()[missing].sum()), int(fell_back.sum()))


@memo.on_frame(keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def decided_label(frame: pd.DataFrame) -> pd.Series:
    """The decision date as known: 2021-05-04, 2021-05 (month known) or 2021 (year known), never a made-up 1st."""
    dates = frame["decision_date"]
    # one numpy pass to ISO days, then cut to the month or the year (three strftime passes took ~5 ms)
    values = dates.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    day = np.datetime_as_string(values, unit="D").astype(object)
    if "date_precision" in frame:
        precision = frame["date_precision"].fillna("day").to_numpy(dtype=object)
        month, year = precision == "month", precision == "year"
        day[month] = np.datetime_as_string(values[month], unit="M")
        day[year] = np.datetime_as_string(values[year], unit="Y")
    day[np.isnat(values)] = "unknown"
    return pd.Series(day, index=frame.index, name=dates.name, dtype="str")


def map_unique(values: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value (a country code), not once per row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


def known_paid(fines: pd.DataFrame) -> pd.Series:
    """Amount known to have been paid, in the decision's currency; NaN where not known.

    paid with no figure means paid in full (the standing amount), except where the fine was reduced
    for early payment by a sum no source gives (paid, but how much is not known); unpaid means 0;
    partly paid with no figure stays unknown.
    """
    standing = fines["standing_amount"].where(fines["standing_amount"].notna(), fines["amount"])
    paid = fines["paid_amount"].copy()
    status = fines["payment_status"]
    in_full = paid.isna() & (status == "paid")
    if "early_payment_unknown" in fines:
        in_full &= ~fines["early_payment_unknown"].fillna(False).astype(bool)
    paid = paid.where(~in_full, standing)
    paid = paid.where(~(paid.isna() & (status == "unpaid")), 0.0)
    paid = paid.where(status.isin(KNOWN_PAYMENT), np.nan)
    return paid.astype("float64")


_DATE_TEXT = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")


def parse_date_text(text: str | None, end: bool = False, earliest: dt.date = dt.date(1999, 1, 1)) -> dt.date | None:
    """A typed date: 2021-05-04, 2021-05 or 2021 (the first day, or with `end` the last); None if not a date.

    Dates before `earliest` or after today are refused (None), as the date picker refused them.
    """
    m = _DATE_TEXT.match(text or "")
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            value = dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        elif day is None:
            first = dt.date(year, int(month), 1)
            value = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1) if end else first
        else:
            value = dt.date(year, int(month), int(day))
    except ValueError:
        return None
    return value if earliest <= value <= dt.date.today() else None


@memo.on_frame(shared=True, keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)  # one object per filter state: the memos below hit
def apply_filters(frame: pd.DataFrame, flt: Filters) -> pd.DataFrame:
    return _selected(frame, filter_mask(frame, flt))


@memo.on_frame
def left_out_by_sources(frame: pd.DataFrame, flt: Filters) -> tuple[int, float]:
    """(money decisions, their imposed amount in the display currency) that the Sources control leaves out of the
    selection: the rows every other filter keeps whose source is not an authority, a court or the news. A mask and
    two sums, not a second selection (a copy of the rows, at 500,000 uploaded rows 200 MB)."""
    if flt.sources != sources.PRIMARY_ONLY or "source_url" not in frame:
        return 0, 0.0
    kept = filter_mask(frame, replace(flt, sources=sources.ANY))
    out = kept & frame["decision_type"].isin(schema.MONEY_DECISION_TYPES).to_numpy()
    out &= ~source_is_primary(frame)
    return int(out.sum()), float(np.nansum(frame["imposed_x"].to_numpy()[out]))


def filter_mask(frame: pd.DataFrame, flt: Filters) -> np.ndarray:
    """The rows the filters keep."""
    mask = pd.Series(True, index=frame.index)
    if flt.date_from:
        mask &= frame["decision_date"] >= pd.Timestamp(flt.date_from)
    if flt.date_to:
        mask &= frame["decision_date"] <= pd.Timestamp(flt.date_to)
    if flt.countries:
        mask &= frame["country"].isin(flt.countries)
    if flt.company.strip():
        mask &= names_match(frame["controller"], flt.company) | names_match(frame["controller_group"], flt.company)
    if flt.sectors:
        mask &= frame["sector"].isin(flt.sectors)
    if flt.appeal:
        mask &= frame["appeal_status"].isin(flt.appeal)
    if flt.payment:
        mask &= frame["payment_status"].isin(flt.payment)
    if flt.types:
        mask &= frame["decision_type"].isin(flt.types)
    if flt.articles and "articles" in frame:
        mask &= cites_any(frame["articles"], flt.articles)
    if flt.violations and "violation" in frame:
        mask &= frame["violation"].isin(flt.violations)
    if flt.sources == sources.PRIMARY_ONLY and "source_url" in frame:
        mask &= source_is_primary(frame)
    return mask.to_numpy()


@memo.on_frame(keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def source_is_primary(frame: pd.DataFrame) -> np.ndarray:
    """Per row: does its source_url point at an authority, a court or the news (once per frame: the filters and
    the Overview's left-out count both ask)."""
    return (sources.kinds(frame["source_url"]) == sources.PRIMARY).to_numpy()


def names_match(names: pd.Series, text: str) -> pd.Series:
    """True where a name has a word starting with `text` (case-insensitive, literal).

    "TIM" finds "TIM S.p.A." and "Telecom Italia (TIM)", not "Optimove" or "Curenergía" (a plain
    substring search listed those too); "clear" still finds "Clearview AI". Decided once per
    distinct name."""
    pattern = re.compile(r"(?<!\w)" + re.escape(text.strip()), re.IGNORECASE)
    return map_unique(names, lambda v: isinstance(v, str) and pattern.search(v) is not None).astype(bool)


def _selected(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """`frame[keep]`, as a slice (no copy: pandas 3 slices share their buffers) when the kept rows
    are one run, as they are for the default filters on a merged view (uploads.merge puts the
    rows of the default decision types first)."""
    if keep.all():
        return frame
    where = np.flatnonzero(keep)
    if len(where) and where[-1] - where[0] + 1 == len(where):
        return frame.iloc[where[0] : where[-1] + 1]
    return frame[keep]


_ARTICLE_NUMBER = re.compile(r"^\s*(\d{1,2})")


def article_numbers(articles: pd.Series) -> list[str]:
    """The distinct article numbers cited ("5(1)(f);32" cites 5 and 32), in numeric order."""
    # each distinct reference once (a few hundred), not each reference of each row
    refs = {ref for v in set(articles.tolist()) if isinstance(v, str) for ref in v.split(";")}
    found = {str(int(m.group(1))) for m in map(_ARTICLE_NUMBER.match, refs) if m}
    return sorted(found, key=int)


def cites_any(articles: pd.Series, numbers: tuple[str, ...]) -> pd.Series:
    """True where the normalised article list cites any of the article numbers (5 matches 5(1)(f), not 50)."""
    pattern = r"(?:^|;)\s*(?:" + "|".join(re.escape(n) for n in numbers) + r")(?:\(|;|$)"
    return articles.fillna("").astype(str).str.contains(pattern, regex=True)


def search(frame: pd.DataFrame, text: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows where every word of `text` appears in one of `columns` (case-insensitive, literal)."""
    words = [w for w in text.lower().split() if w]
    if not words:
        return frame
    return frame[search_mask({c: frame[c] for c in columns if c in frame}, words)]


def search_mask(columns: dict[str, pd.Series], words: list[str]) -> pd.Series:
    """True where every one of `words` (lower case) appears in one of `columns`' texts.

    The columns are joined with vectorised string concatenation (a row-wise `agg` took seconds on
    a 500,000-row upload)."""
    texts = [s.astype("string").fillna("").str.lower() for s in columns.values()]
    if not texts:
        return pd.Series(False, index=pd.RangeIndex(0))
    haystack = texts[0].str.cat(texts[1:], sep=" ") if len(texts) > 1 else texts[0]
    mask = pd.Series(True, index=haystack.index)
    for word in words:
        mask &= haystack.str.contains(word, regex=False)
    return mask


def money_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that impose money (fines, penalties, court fines), not notices or orders."""
    mask = frame["decision_type"].isin(schema.MONEY_DECISION_TYPES)
    # Usually every row already is (the default type filter): skip copying ~40 columns per call.
    return frame if bool(mask.all()) else frame[mask]


@dataclass(frozen=True)
class Headline:
    fines: int
    imposed: float
    standing: float
    collected: float  # known collected
    collection_rate: float | None  # collected / standing, over fines with known payment
    payment_known: int
    payment_known_standing: float
    under_appeal_share: float | None  # share of standing money under appeal
    under_appeal: int
    authorities: int
    countries: int
    unconverted: int = 0  # rows whose currency/date had no rate
    removed_by_courts: float = 0.0  # annulments and reductions by courts (and appeal bodies)
    added_by_courts: float = 0.0  # increases on appeal (standing above the amount first imposed)
    early_payment: float = 0.0  # reductions for early payment or admission, not courts
    waived: float = 0.0  # fines the authority itself withdrew or waived, not courts
    # reduced by a court to an amount no source gives: counted at the amount imposed (an upper bound)
    reduced_unknown: int = 0
    summary_only: int = 0  # fines whose only source is a case summary (GDPRhub), not the decision itself
    summary_only_imposed: float = 0.0  # what those fines imposed, in the display currency
    commentary_only: int = 0  # fines whose only source is a law firm's, consultancy's or blog's article
    commentary_only_imposed: float = 0.0
    extra: dict = field(default_factory=dict)


@memo.on_frame
def headline(frame: pd.DataFrame) -> Headline:
    money = money_rows(frame)
    known = money[money["payment_status"].isin(KNOWN_PAYMENT) & money["paid_x"].notna()]
    known_standing = float(known["standing_x"].sum())
    collected = float(known["paid_x"].sum())
    rate = collected / known_standing if known_standing > 0 else None
    standing_total = float(money["standing_x"].sum())
    appeal = money[money["appeal_status"].isin(OPEN_APPEAL)]
    share = float(appeal["standing_x"].sum()) / standing_total if standing_total > 0 else None
    kinds = sources.kinds(money["source_url"]).to_numpy() if "source_url" in money else np.full(len(money), sources.PRIMARY)
    summary, commentary = kinds == sources.SUMMARY, kinds == sources.COMMENTARY
    return Headline(
        fines=len(money),
        imposed=float(money["imposed_x"].sum()),
        standing=standing_total,
        collected=collected,
        collection_rate=rate,
        payment_known=len(known),
        payment_known_standing=known_standing,
        under_appeal_share=share,
        under_appeal=len(appeal),
        authorities=money["authority"].nunique(),
        countries=money["country"].nunique(),
        unconverted=int(money["imposed_x"].isna().sum()),
        removed_by_courts=float(money["court_removed_x"].sum()),
        # a court that raised a fine on appeal (Denmark's ILVA, 2025) added to it: standing above imposed. Summed
        # here, not kept as a column: a column costs 4 MB per display currency a session with a 500k-row upload
        added_by_courts=float(np.nansum(np.clip(money["standing_x"].to_numpy() - money["imposed_x"].to_numpy(), 0, None))),
        early_payment=float(money["early_payment_x"].sum()),
        waived=float(money["waived_x"].sum()),
        reduced_unknown=int((money["appeal_status"].eq("reduced") & money["standing_amount"].isna()).sum()),
        summary_only=int(summary.sum()),
        summary_only_imposed=float(money.loc[summary, "imposed_x"].sum()),
        commentary_only=int(commentary.sum()),
        commentary_only_imposed=float(money.loc[commentary, "imposed_x"].sum()),
    )


def _add_collection_rate(out: pd.DataFrame, money: pd.DataFrame, key: str, paid_column: str) -> None:
    """known_standing and collection_rate per group: paid over standing, only where payment is known."""
    known_standing = money[money["paid_x"].notna()].groupby(key, observed=True)["standing_x"].sum()
    out["known_standing"] = known_standing.reindex(out.index).fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["collection_rate"] = np.where(out["known_standing"] > 0, out[paid_column] / out["known_standing"], np.nan)


@memo.on_frame(shared=True)  # per_capita's memo is keyed on this object (it copies before adding)
def by_country(frame: pd.DataFrame, perspective: str = "authority") -> pd.DataFrame:
    """Per-country totals. perspective: 'authority' (fining country) or 'company' (home country)."""
    money = money_rows(frame)
    key = "country"
    if perspective != "authority":
        key = "home"
        money = money.assign(home=home_country(money))
    money = money[money[key].notna() & (money[key] != "")]
    grouped = money.groupby(key, observed=True)
    out = pd.DataFrame(
        {
            "fines": grouped.size(),
            "imposed": grouped["imposed_x"].sum(),
            "standing": grouped["standing_x"].sum(),
            "value": grouped["value_x"].sum(),
            "median": grouped["value_x"].median(),
            "paid_known": grouped["paid_x"].sum(min_count=1),
            "payment_known": grouped["paid_x"].count(),
        }
    )
    _add_collection_rate(out, money, key, "paid_known")
    out = out.reset_index().rename(columns={key: "iso2"})
    out["iso3"] = out["iso2"].map(countries.iso3)
    out["name"] = out["iso2"].map(countries.name)
    return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


@memo.on_frame
def by_company(frame: pd.DataFrame, level: str = "group") -> pd.DataFrame:
    """Totals per company group (Meta rolls up Facebook, Instagram, WhatsApp) or per company."""
    key = "controller_group" if level == "group" else "controller"
    money = money_rows(frame)
    grouped = money.groupby(key, observed=True)
    out = pd.DataFrame(
        {
            "fines": grouped.size(),
            "authorities": grouped["authority"].nunique(),
            "countries": grouped["country"].nunique(),
            "imposed": grouped["imposed_x"].sum(),
            "standing": grouped["standing_x"].sum(),
            "value": grouped["value_x"].sum(),
            "paid_known": grouped["paid_x"].sum(min_count=1),
            "payment_known": grouped["paid_x"].count(),
            "first": grouped["decision_date"].min(),
            "last": grouped["decision_date"].max(),
        }
    )
    # two columns, not a copy of the whole frame with one more
    homes = pd.DataFrame({key: money[key], "_home": home_country(money)})
    out["home"] = _most_common(homes, key, "_home").reindex(out.index).fillna("")
    out = out.reset_index().rename(columns={key: "company"})
    return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


def _most_common(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Per group of `key`, the most frequent non-blank value of `column` (a vectorised mode)."""
    known = frame[frame[column].notna() & (frame[column] != "")]
    if not len(known):
        return pd.Series(dtype=object)
    counts = known.groupby([key, column], observed=True).size().reset_index(name="n")
    counts = counts.sort_values([key, "n"], ascending=[True, False], kind="stable")
    return counts.drop_duplicates(key).set_index(key)[column]


def multi_authority(companies: pd.DataFrame, minimum: int = 2) -> pd.DataFrame:
    """Companies fined by at least `minimum` authorities, most authorities first (then the larger amount):
    the chart's bars are the number of authorities, so they read in order."""
    multi = companies[companies["authorities"] >= minimum]
    return multi.sort_values(["authorities", "value"], ascending=False, kind="stable").reset_index(drop=True)


def company_profile(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """Every decision of one company group, money or not, oldest first."""
    rows = frame[frame["controller_group"] == group]
    return rows.sort_values("decision_date", kind="stable").reset_index(drop=True)


@memo.on_frame
def timeline(frame: pd.DataFrame, freq: str = "year", date_col: str = "decision_date") -> pd.DataFrame:
    """Fines per period and the cumulative total. freq: 'month' or 'year'."""
    money = money_rows(frame)
    money = money[money[date_col].notna()]
    period = money[date_col].dt.to_period("M" if freq == "month" else "Y").dt.to_timestamp()
    grouped = money.groupby(period, observed=True)
    out = pd.DataFrame({"fines": grouped.size(), "value": grouped["value_x"].sum()})
    out.index.name = "period"
    out = out.sort_index()
    out["cumulative"] = out["value"].cumsum()
    out["cumulative_fines"] = out["fines"].cumsum()
    return out.reset_index()


@memo.on_frame
def timeline_by(frame: pd.DataFrame, key: str, chosen: list[str], freq: str = "year") -> pd.DataFrame:
    """Per chosen group (a country or a company group), fines and amount per period and cumulative.

    Columns: series (the group), period, fines, value, cumulative; every group gets every period, so lines are comparable.
    """
    money = money_rows(frame)
    money = money[money[key].isin(chosen) & money["decision_date"].notna()]
    if not len(money):
        return pd.DataFrame(columns=["series", "period", "fines", "value", "cumulative"])
    period = money["decision_date"].dt.to_period("M" if freq == "month" else "Y").dt.to_timestamp()
    grouped = money.groupby([money[key], period], observed=True)
    out = pd.DataFrame({"fines": grouped.size(), "value": grouped["value_x"].sum()})
    out.index.names = ["series", "period"]
    periods = sorted(out.index.get_level_values("period").unique())
    full = pd.MultiIndex.from_product([[c for c in chosen if c in set(money[key])], periods], names=["series", "period"])
    out = out.reindex(full, fill_value=0)
    out["cumulative"] = out.groupby(level="series")["value"].cumsum()
    return out.reset_index()


@memo.on_frame
def latest_outcome_dates(events: pd.DataFrame) -> pd.Series:
    """Per fine, the date of the latest court ruling or settlement (index fine_id)."""
    steps = events[events["event"].isin(("court_ruling", "appeal_withdrawn", "settlement"))]
    return steps.groupby("fine_id")["date"].max().astype("datetime64[ns]")


def _lookup_dates(keys: pd.Series, dates: pd.Series) -> pd.Series:
    """dates (indexed by fine_id) looked up for each key; NaT where none. (map() fails on an empty mapper.)"""
    return pd.Series(dates.reindex(keys.to_numpy()).to_numpy(dtype="datetime64[ns]"), index=keys.index)


@memo.on_frame(shared=True, keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)  # the Timeline's rows, which other memos key on
def with_outcome_date(frame: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Add outcome_date: the latest ruling if any, else the decision date."""
    out = frame.copy()
    latest = latest_outcome_dates(events)
    out["outcome_date"] = _lookup_dates(out["fine_id"], latest).fillna(out["decision_date"])
    return out


@memo.on_frame
def collection_by(frame: pd.DataFrame, by: str = "authority") -> pd.DataFrame:
    """Imposed vs standing vs known collected, with coverage, grouped by authority, year or origin."""
    key = {"authority": "authority", "year": "year", "origin": "origin", "country": "country"}[by]
    money = money_rows(frame)
    grouped = money.groupby(key, observed=True)
    out = pd.DataFrame(
        {
            "fines": grouped.size(),
            "imposed": grouped["imposed_x"].sum(),
            "standing": grouped["standing_x"].sum(),
            "collected": grouped["paid_x"].sum(),
            "payment_known": grouped["paid_x"].count(),
        }
    )
    out.insert(0, "country", _most_common(money, key, "country").reindex(out.index).fillna(""))
    _add_collection_rate(out, money, key, "collected")
    out = out.reset_index().rename(columns={key: "group"})
    return out.sort_values("imposed", ascending=False, kind="stable").reset_index(drop=True)


APPEAL_ORDER: Final = (
    "not_appealed",
    "upheld",
    "reduced",
    "annulled",
    "remitted",
    "withdrawn",
    "waived",
    "pending",
    "unknown",
)


@memo.on_frame
def appeal_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """Count and money per appeal status, with the money removed by courts."""
    money = money_rows(frame)
    grouped = money.groupby("appeal_status", observed=True)
    out = pd.DataFrame(
        {
            "fines": grouped.size(),
            "imposed": grouped["imposed_x"].sum(),
            "standing": grouped["standing_x"].sum(),
            "removed": grouped["court_removed_x"].sum(),
            "early_payment": grouped["early_payment_x"].sum(),
            "waived": grouped["waived_x"].sum(),
        }
    )
    out = out.reindex([s for s in APPEAL_ORDER if s in out.index])
    return out.reset_index().rename(columns={"appeal_status": "status"})


@memo.on_frame
def money_removed(frame: pd.DataFrame) -> float:
    """Money removed by courts: annulments and reductions, not early-payment reductions."""
    return float(money_rows(frame)["court_removed_x"].sum())


@memo.on_frame
def sent_back(frame: pd.DataFrame) -> tuple[int, float]:
    """(fines, money) a court set aside and sent back to the authority to decide again (`remitted`): counted as
    removed by courts, though the authority may fine again."""
    money = money_rows(frame)
    back = (money["appeal_status"].eq("remitted") & money["court_removed_x"].gt(0)).to_numpy()  # not those still standing
    return int(back.sum()), float(money.loc[back, "court_removed_x"].sum())


@memo.on_frame
def early_payment_reduction(frame: pd.DataFrame) -> float:
    """Money taken off for early payment or admission (no court involved)."""
    return float(money_rows(frame)["early_payment_x"].sum())


@memo.on_frame
def waived_by_authorities(frame: pd.DataFrame) -> tuple[float, int]:
    """Money the authorities themselves withdrew or waived (no court involved), and how many fines."""
    money = money_rows(frame)
    waived = money[money["appeal_status"] == "waived"]
    return float(waived["waived_x"].sum()), len(waived)


#: A ruling by the fining authority itself on a request to reconsider (Spain's recurso de reposición),
#: recorded as a court_ruling with this in its court: upheld, but no court has looked at the fine yet.
AUTHORITY_REVIEW: Final = re.compile(r"recurso de reposici", re.IGNORECASE)


def authority_review_only(events: pd.DataFrame) -> frozenset[str]:
    """The fines whose every ruling is the authority's own review, not a court's (from the events alone:
    a few thousand rows, so a page can ask on every rerun without touching a large selection)."""
    if "court" not in events or not len(events):
        return frozenset()
    rulings = events[events["event"] == "court_ruling"]
    review = rulings["court"].fillna("").astype(str).str.contains(AUTHORITY_REVIEW)
    return frozenset(set(rulings.loc[review, "fine_id"]) - set(rulings.loc[~review, "fine_id"]))


def upheld_by_authority_only(frame: pd.DataFrame, events: pd.DataFrame) -> int:
    """How many of the selection's upheld fines rest only on the authority's own review."""
    ids = authority_review_only(events)
    if not ids:
        return 0
    money = money_rows(frame)
    upheld = money.loc[money["appeal_status"] == "upheld", "fine_id"]  # few rows: the id lookup stays cheap
    return int(upheld.isin(ids).sum())


@memo.on_frame
def secondary_ruling_fines(events: pd.DataFrame) -> frozenset[str]:
    """The fines whose latest court ruling cites only a case summary or a commentary, not the court or the news
    (from the events alone, as `authority_review_only`)."""
    if "source_url" not in events or not len(events):
        return frozenset()
    rulings = events[events["event"] == "court_ruling"]
    latest = rulings.sort_values("date", kind="stable").groupby("fine_id").tail(1)
    weak = sources.kinds(latest["source_url"]).isin(sources.SECONDARY).to_numpy()
    return frozenset(latest.loc[weak, "fine_id"])


def outcomes_on_secondary_sources(frame: pd.DataFrame, events: pd.DataFrame) -> int:
    """How many of the selection's fines with a court outcome (upheld, reduced, annulled, sent back) have that
    outcome from a case summary or a commentary alone."""
    ids = secondary_ruling_fines(events)
    if not ids:
        return 0
    money = money_rows(frame)
    ruled = money.loc[money["appeal_status"].isin(("upheld", "reduced", "increased", "annulled", "remitted")), "fine_id"]
    return int(ruled.isin(ids).sum())


@memo.on_frame(keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def appeal_durations(frame: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Days from decision to the latest ruling, for fines with a court's ruling (the authority's own
    reconsideration alone is not a court's: authority_review_only)."""
    latest = latest_outcome_dates(events)
    money = money_rows(frame)
    latest = latest[~latest.index.isin(authority_review_only(events))]
    out = money[money["fine_id"].isin(latest.index)].copy()
    out["outcome_date"] = _lookup_dates(out["fine_id"], latest)
    out["days"] = (out["outcome_date"] - out["decision_date"]).dt.days
    # a ruling on the decision day is the imposition itself (Danish court fines), not an appeal
    appealed = ~out["appeal_status"].isin(("not_appealed", "unknown"))
    return out[(out["days"] > 0) & appealed]


@memo.on_frame
def flows(frame: pd.DataFrame) -> pd.DataFrame:
    """Company home country (the group's headquarters) -> fining country, for decisions across a border."""
    money = money_rows(frame)
    money = money.assign(home=home_country(money))
    cross = money[money["home"].notna() & (money["home"] != "") & (money["home"] != money["country"])]
    grouped = cross.groupby(["home", "country"], observed=True)
    out = pd.DataFrame({"fines": grouped.size(), "value": grouped["value_x"].sum()}).reset_index()
    out = out.rename(columns={"home": "origin", "country": "destination"})
    return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


@memo.on_frame(keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def lane_labels(frame: pd.DataFrame) -> pd.Series:
    """One distinct lane label per fine (index fine_id): "Meta · IE 2022", with the month, then the id, where two would collide."""
    group = frame["controller_group"].astype(str)
    label = group + " · " + frame["country"].astype(str) + " " + frame["decision_date"].dt.strftime("%Y").fillna("")
    clash = label.duplicated(keep=False)
    label = label.where(
        ~clash, group + " · " + frame["country"].astype(str) + " " + frame["decision_date"].dt.strftime("%Y-%m").fillna("")
    )
    clash = label.duplicated(keep=False)
    label = label.where(~clash, label + " (" + frame["fine_id"].astype(str) + ")")
    return pd.Series(label.to_numpy(), index=frame["fine_id"].to_numpy())


@memo.on_frame
def largest_with_history(frame: pd.DataFrame, events: pd.DataFrame, n: int) -> tuple[pd.DataFrame, int, int]:
    """The Timeline's lanes: the n largest money decisions that have recorded events, how many have any, and
    how many money decisions there are. The frame is kept per selection: treat it as read-only."""
    money = money_rows(frame)
    with_events = money[money["fine_id"].isin(events["fine_id"].unique())]
    return with_events.nlargest(n, "value_x"), len(with_events), len(money)


@memo.on_content  # a few dozen chosen cases, a new frame on every rerun
def lifecycle(frame: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Events of the given fines, with the fine's label, for swimlanes.

    A decision without recorded events still gets its lane (its decision, from the fines table),
    so a company's every decision shows.
    """
    frame = frame.drop_duplicates("fine_id")
    ev = events[events["fine_id"].isin(frame["fine_id"])]
    missing = frame[~frame["fine_id"].isin(ev["fine_id"]) & frame["decision_date"].notna()]
    if len(missing):
        decided = pd.DataFrame(
            {
                "fine_id": missing["fine_id"].to_numpy(),
                "date": missing["decision_date"].to_numpy(dtype="datetime64[ns]"),
                "event": "decision",
                "outcome": "",
                "amount": missing["amount"].to_numpy(),
                "currency": missing["currency"].to_numpy(),
                "court": "",
                "source_url": missing["source_url"].to_numpy(),
                "notes": "No later steps recorded.",
            }
        )
        ev = pd.concat([ev, decided], ignore_index=True) if len(ev) else decided
    ev = ev.copy()
    ev["label"] = ev["fine_id"].map(lane_labels(frame))
    return ev.sort_values(["fine_id", "date"], kind="stable").reset_index(drop=True)


@memo.on_frame
def per_capita(per_country: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Adds population and, per million inhabitants, fines_per_m and value_per_m (NaN where population is unknown)."""
    pop = population.set_index("iso2")["population"] if len(population) else pd.Series(dtype=float)
    out = per_country.copy()
    out["population"] = out["iso2"].map(pop).astype("float64")
    millions = out["population"] / 1e6
    out["fines_per_m"] = out["fines"] / millions
    out["value_per_m"] = out["value"] / millions
    return out


@memo.on_frame
def top_fines(frame: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    return money_rows(frame).nlargest(n, "value_x")


def _as_datetime64(value) -> np.datetime64:
    """A date for comparing with a datetime64 array (NaT compares false, as in pandas)."""
    return pd.Timestamp(value).to_datetime64() if pd.notna(value) else np.datetime64("NaT")


@memo.on_frame
def published_vs_data(collection: pd.DataFrame, prepared: pd.DataFrame) -> pd.DataFrame:
    """Each published collection figure beside what the dataset shows for the same authority and period."""
    rows = []
    money = money_rows(prepared)
    # Plain arrays of the four columns used: selecting whole frames per published figure (30 of
    # them) copied every column twice each time, most of the Collection page's rerun.
    # countries as integer codes: comparing 500,000 Python strings per figure took 0.5 s
    country, names = pd.factorize(money["country"])
    code = {name: i for i, name in enumerate(names)}
    decided = money["decision_date"].to_numpy()
    imposed_x = money["imposed_x"].to_numpy(dtype=float)
    paid_x = money["paid_x"].to_numpy(dtype=float)
    standing_x = money["standing_x"].to_numpy(dtype=float)
    paid_known = ~np.isnan(paid_x)
    for rec in collection.itertuples(index=False):
        inside = (
            (country == code.get(rec.country, -2))
            & (decided >= _as_datetime64(rec.period_start))
            & (decided <= _as_datetime64(rec.period_end))
        )
        known = inside & paid_known
        known_standing = float(np.nansum(standing_x[known]))
        published_rate = (
            rec.collected / rec.imposed if pd.notna(rec.collected) and pd.notna(rec.imposed) and rec.imposed else np.nan
        )
        rows.append(
            {
                "authority": rec.authority,
                "country": rec.country,
                "period": f"{rec.period_start:%Y-%m} to {rec.period_end:%Y-%m}",
                "what": rec.what,
                "published_imposed": rec.imposed,
                "published_collected": rec.collected,
                "currency": rec.currency,
                "published_rate": published_rate,
                "data_fines": int(inside.sum()),
                "data_payment_known": int(known.sum()),
                "data_imposed_x": float(np.nansum(imposed_x[inside])),
                "data_collected_x": float(paid_x[known].sum()),
                "data_rate": float(paid_x[known].sum()) / known_standing if known_standing > 0 else np.nan,
                "source": rec.source,
                "source_url": rec.source_url,
                "as_of": rec.as_of,
            }
        )
    return pd.DataFrame(rows)


@memo.on_frame(shared=True)  # one object per filter state: published_vs_data's memo is keyed on it
def published_in_selection(collection: pd.DataFrame, flt: Filters) -> pd.DataFrame:
    """The published collection figures that concern the selection: its authorities' countries and an overlapping period."""
    keep = pd.Series(True, index=collection.index)
    if flt.countries:
        keep &= collection["country"].isin(flt.countries)
    if flt.date_from:
        keep &= collection["period_end"] >= pd.Timestamp(flt.date_from)
    if flt.date_to:
        keep &= collection["period_start"] <= pd.Timestamp(flt.date_to)
    return collection[keep]


#: The legal bases the published trackers and surveys count (they are of GDPR fines).
COVERAGE_BASES: Final = ("GDPR", "UK GDPR")


def coverage(fines: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Our GDPR and UK GDPR money decisions beside each published total for the same period (EUR at decision-date rates).

    One row per published figure: the publisher's count and total, ours for decisions dated from
    period_start to cutoff, and the shares. The published figures count GDPR fines, so ours leave out
    the ePrivacy (cookie, marketing) and national-law fines the Atlas also holds (with them, our total
    read 101% of DLA Piper's); a share over 100% is still possible where scopes differ otherwise.
    """
    money = money_rows(fines)
    money = money[money["legal_basis"].isin(COVERAGE_BASES)]
    eur = fx.convert(money["amount"], money["currency"], money["decision_date"], to="EUR", basis="decision")["value"]
    eur = pd.Series(eur.to_numpy(), index=money.index)
    rows = []
    for rec in totals.itertuples(index=False):
        inside = (money["decision_date"] >= rec.period_start) & (money["decision_date"] <= rec.cutoff)
        ours_total = float(eur[inside].sum())
        ours_count = int(inside.sum())
        rows.append(
            {
                "publisher": rec.publisher,
                "what": rec.what,
                "period": f"{rec.period_start:%d %b %Y} to {rec.cutoff:%d %b %Y}",
                "cutoff": rec.cutoff,
                "since_start": bool(rec.period_start <= schema.GDPR_START),
                "their_fines": rec.fines,
                "our_fines": ours_count,
                "fines_share": ours_count / rec.fines if pd.notna(rec.fines) and rec.fines else np.nan,
                "their_total_eur": rec.total_eur,
                "our_total_eur": ours_total,
                "total_share": ours_total / rec.total_eur if pd.notna(rec.total_eur) and rec.total_eur else np.nan,
                "source_url": rec.source_url,
                "notes": rec.notes,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class AppealsView:
    """The Appeals page's selections of money decisions (shared per selection: read-only)."""

    appealed: pd.DataFrame  # appeal status known and not "not appealed"
    changed: pd.DataFrame  # reduced, annulled or sent back, largest imposed first
    unknown: int  # appeal status unknown
    open_standing: float  # standing amount still under appeal


@memo.on_frame
def appeals_view(frame: pd.DataFrame) -> AppealsView:
    money = money_rows(frame)
    status = money["appeal_status"]
    changed = money[status.isin(("reduced", "annulled", "remitted")).to_numpy()]
    return AppealsView(
        appealed=money[(~status.isin(("not_appealed", "unknown"))).to_numpy()],
        changed=changed.sort_values("imposed_x", ascending=False),
        unknown=int((status == "unknown").sum()),
        open_standing=float(money.loc[status.isin(OPEN_APPEAL).to_numpy(), "standing_x"].sum()),
    )


@memo.on_frame
def removed_by_country(money: pd.DataFrame) -> pd.DataFrame:
    """Per fining country with money removed by courts: imposed, standing, removed and the number of fines, most removed first."""
    per = (
        money.assign(removed=money["court_removed_x"])
        .groupby("country", observed=True)
        .agg(imposed=("imposed_x", "sum"), standing=("standing_x", "sum"), removed=("removed", "sum"), fines=("fine_id", "count"))
        .reset_index()
    )
    return per[per["removed"] > 0].sort_values("removed", ascending=False)
