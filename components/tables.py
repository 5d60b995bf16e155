"""Tables: one column configuration for every table the pages show, and the assembly of the Fines table.

UI module (imports streamlit for st.column_config). A column is described once here, by its
name, and every page's table uses the same label, format and width for it. Unknown values
read "unknown" (the grid's placeholder), never None, NaN or 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd
import streamlit as st

from components import countries, figures, memo, metrics, schema, sources
from components import params as P
from components.text import safe_url

UNKNOWN: Final = "unknown"
HOST_DISPLAY: Final = r"https?://(?:www\.)?([^/]+)"


@dataclass(frozen=True)
class Column:
    kind: str  # text, money (display currency), amount (original currency), count, percent, link, profile, date
    label: str
    width: str | int | None = None  # "small", "medium", "large", pixels, or None (the grid's choice)
    help: str | None = None
    pinned: bool = False


#: Every column a page table may show, by its name in the frame. "{cur}" is the display currency.
COLUMNS: Final[dict[str, Column]] = {
    "controller": Column("text", "Company", "medium", pinned=True),
    "company": Column("text", "Company", "medium", pinned=True),
    "name": Column("text", "Country", "medium", pinned=True),
    "iso2": Column("text", "ISO", "small"),
    "authority": Column("text", "Authority", "medium"),
    "authority_short": Column("text", "Authority", "small"),
    "country_name": Column("text", "Country", "small"),
    "decided": Column("text", "Decided", "small", "A month or a year where only that is known."),
    "decision_type_label": Column("text", "Decision", "small"),
    "amount": Column("amount", "Amount", "small", "As decided, in the decision's currency."),
    "as_decided": Column("text", "As decided", "small", "The amount in the decision's own currency."),
    "currency": Column("text", "Cur.", "small"),
    "imposed_x": Column("money", "Imposed ({cur})", 112),
    "imposed": Column("money", "Imposed ({cur})", 112),
    "value_x": Column("money", "Amount ({cur})", 112, "In the display currency, as imposed or standing (sidebar)."),
    "standing_x": Column(
        "money",
        "Standing ({cur})",
        112,
        "After the latest court rulings; unknown where a court reduced the fine and no source gives the new sum.",
    ),
    "standing": Column("money", "Standing ({cur})", 112, "After the latest court rulings."),
    "paid_x": Column("money", "Paid ({cur})", 112, "Known paid; unknown where no source says."),
    "paid_known": Column("money", "Known paid ({cur})", 112),
    "collected": Column("money", "Known collected ({cur})", 112),
    "known_standing": Column("money", "Standing where payment known ({cur})", 112),
    "median": Column("money", "Median ({cur})", 112),
    "value_per_m": Column("money", "{cur} per million people", 112),
    "fines_per_m": Column("ratio", "Fines per million people", "small"),
    "population": Column("count", "Population", "small"),
    "fines": Column("count", "Fines", "small"),
    "authorities": Column("count", "Authorities", "small"),
    "countries": Column("count", "Countries", "small"),
    "payment_known": Column("count", "Payment known", "small"),
    "collection_rate": Column("percent", "Collected (known)", "small"),
    "violation_label": Column("text", "Violation", "medium"),
    "articles": Column("text", "Articles", "small", "GDPR articles cited, normalised: 5(1)(f);32."),
    "appeal": Column(
        "text",
        "Appeal",
        "small",
        "Where the fine stands after appeals. 'Appeal pending (annulled below)' or '(cut below)': a court annulled or cut "
        "the fine and that ruling is itself under appeal; the standing amount is what that court left.",
    ),
    "payment": Column("text", "Payment", "small"),
    "status_checked": Column(
        "date",
        "Status as of",
        "small",
        "The date of the newest source that confirms the appeal and payment status (the source's own date, not the day "
        "we read it). A status may have changed since.",
    ),
    "home_name": Column("text", "Home country", "small", "The group's headquarters."),
    "first": Column("date", "First", "small"),
    "last": Column("date", "Latest", "small"),
    "source": Column("link", "Source", "small"),
    "source_kind": Column(
        "text",
        "Source kind",
        "small",
        "Authority, court or news: the decision, a ruling, the authority's release or a news report. GDPRhub summary only: "
        "a GDPRhub page, whose original decision was not opened here. Law firm or blog only: a law firm's, consultancy's "
        "or blog's article.",
    ),
    "profile": Column("profile", "Profile", "small", "Open the company's profile: every decision, its stage and payment."),
    "notes": Column("text", "Notes", "large"),
}


def column_config(columns: list[str], currency: str, overrides: dict | None = None, widths: dict | None = None) -> dict:
    """st.dataframe column_config for these columns: the shared labels and formats; other columns hidden."""
    out: dict = {}
    for name in columns:
        spec = COLUMNS.get(name)
        if spec is None:
            continue
        label = spec.label.format(cur=currency)
        width = (widths or {}).get(name, spec.width)
        common = {"width": width, "help": spec.help, "pinned": spec.pinned or None}
        if spec.kind in ("money", "amount"):
            out[name] = st.column_config.NumberColumn(label, format="%,.0f", **common)
        elif spec.kind == "count":
            out[name] = st.column_config.NumberColumn(label, format="%,d", **common)
        elif spec.kind == "ratio":
            out[name] = st.column_config.NumberColumn(label, format="%,.2f", **common)
        elif spec.kind == "percent":
            out[name] = st.column_config.NumberColumn(label, format="percent", **common)
        elif spec.kind == "link":
            out[name] = st.column_config.LinkColumn(label, display_text=HOST_DISPLAY, **common)
        elif spec.kind == "profile":
            out[name] = st.column_config.LinkColumn(label, display_text="Open profile", **common)
        elif spec.kind == "date":
            out[name] = st.column_config.DateColumn(label, format="YYYY-MM-DD", **common)
        else:
            out[name] = st.column_config.TextColumn(label, **common)
    out.update(overrides or {})
    return out


def fitted_height(rows: int, max_height: int, row_height: int = 35) -> int:
    """A grid's height: at most `max_height`, no taller than its header and rows, so one country's
    row does not sit above a band of empty grid (the Map's table with one country selected)."""
    return min(max_height, row_height * (rows + 1) + 3)


def show(frame: pd.DataFrame, key: str, currency: str, alt: str, columns: list[str] | None = None, **kwargs):
    """st.dataframe with the shared column configuration; blanks read "unknown"."""
    columns = list(columns or [c for c in frame.columns if c in COLUMNS])
    columns = [c for c in columns if c in frame.columns]
    overrides = kwargs.pop("column_config", None)
    widths = kwargs.pop("widths", None)
    if str(st.query_params.get(P.PRESENT, "")).lower() in ("1", "true", "yes"):
        kwargs.setdefault("row_height", 46)  # presentation mode: rows that read from the back of a room
    if "max_height" in kwargs:
        kwargs["height"] = fitted_height(len(frame), kwargs.pop("max_height"), kwargs.get("row_height", 35))
    return st.dataframe(
        frame[columns],
        hide_index=True,
        key=key,
        column_config=column_config(columns, currency, overrides, widths),
        column_order=columns,
        placeholder=UNKNOWN,
        alt=alt,
        **kwargs,
    )


COMPANY_COLUMNS: Final = [
    "company",
    "fines",
    "authorities",
    "imposed",
    "standing",
    "paid_known",
    "payment_known",
    "home_name",
    "first",
    "last",
]


def show_companies(companies: pd.DataFrame, currency: str):
    """The Companies page's table of every company in the selection, with its totals and home country."""
    home = metrics.map_unique(companies["home"], lambda c: countries.name(c) if c else None)
    return show(companies.assign(home_name=home), "companies_table", currency, "Table of companies with totals", COMPANY_COLUMNS)


def profile_link(group: pd.Series, page: str = "Companies", view: dict | None = None) -> pd.Series:
    """A relative link to the company's profile (works under any base path) that keeps `view`, the global filters."""
    carried = {k: v for k, v in (view or {}).items() if k in P.CARRIED_TO_PROFILE}
    prefix = urlencode(carried, doseq=True)
    prefix = f"{prefix}&" if prefix else ""
    return group.map(lambda g: f"{page}?{prefix}{P.COMPANY}={quote(str(g))}" if isinstance(g, str) and g else None)


#: The Fines table, in order: what answers "who, by whom, how much, and what became of it" fits at 1440 px;
#: the original amount, standing amount, articles and links follow.
FINES_COLUMNS: Final = [
    "controller",
    "authority_short",
    "country_name",
    "decided",
    "value_x",
    "violation_label",
    "appeal",
    "payment",
    "paid_x",
    "status_checked",
    "as_decided",
    "standing_x",
    "articles",
    "source",
    "source_kind",
    "profile",
]
#: Pixel widths for the Fines table (the shared labels and formats stay as in COLUMNS).
FINES_WIDTHS: Final = {  # the first ten (through "Status as of") fit the ~980 px a 1440 px window leaves the grid
    "controller": 152,
    "authority_short": 78,
    "country_name": 78,
    "decided": 82,
    "value_x": 104,
    "violation_label": 118,
    "appeal": 190,
    "payment": 84,
    "paid_x": 92,
    "status_checked": 96,
    "as_decided": 104,
    "standing_x": 108,
    "articles": 110,
    "source": 120,
    "source_kind": 150,
    "profile": 96,
}
#: What the Fines page's search looks in.
SEARCH_COLUMNS: Final = ("controller", "controller_group", "authority", "country_name", "articles", "violation_label", "notes")


#: The Appeal column of a fine under appeal against a court that annulled or cut it (standing: what that court left).
PENDING_ANNULLED_BELOW: Final = "Appeal pending (annulled below)"
PENDING_CUT_BELOW: Final = "Appeal pending (cut below)"


def fines_frame(rows: pd.DataFrame, view: dict | None = None) -> pd.DataFrame:
    """Every decision of the selection with the display columns of the Fines table, largest first.

    `view`: the page's URL parameters; the profile links keep its global filters and settings.
    """
    out = rows.assign(
        authority_short=rows["authority"].map(figures.short_authority),
        country_name=rows["country"].map(countries.name),
        decided=metrics.decided_label(rows),
        violation_label=rows["violation"].map(lambda v: schema.VIOLATION_LABELS.get(v, v) if isinstance(v, str) else None)
        if "violation" in rows
        else None,
        appeal=rows["appeal_status"].map(figures.STATUS_LABELS),
        payment=rows["payment_status"].map(figures.STATUS_LABELS),
        source=rows["source_url"].map(safe_url),
        source_kind=sources.kinds(rows["source_url"]).map(sources.LABELS).astype(object),
        as_decided=[figures.fmt_money(a, c) if pd.notna(a) else None for a, c in zip(rows["amount"], rows["currency"])],
        profile=profile_link(rows["controller_group"], view=view),
    )
    if "articles" not in out:
        out["articles"] = None
    # an appeal against a court's ruling: the row stands at what that court left (less than imposed), and says so
    below = (rows["appeal_status"].eq("pending") & (rows["standing_amount"] < rows["amount"])).to_numpy()
    if below.any():
        out["appeal"] = out["appeal"].astype(object)
        out.loc[below, "appeal"] = np.where(
            rows.loc[below, "standing_amount"].to_numpy() == 0, PENDING_ANNULLED_BELOW, PENDING_CUT_BELOW
        )
    # cut by a court to a sum no source gives: the totals count the amount imposed (an upper bound, said
    # beside them), but a fine's own row says "unknown" rather than show the old amount as standing
    cut_to_unknown = (rows["appeal_status"].eq("reduced") & rows["standing_amount"].isna()).to_numpy()
    if cut_to_unknown.any():
        out.loc[cut_to_unknown, "standing_x"] = float("nan")
    # a decision without a fine, or a proposed one, has no amount to show as money imposed or standing
    not_money = ~out["decision_type"].isin(schema.MONEY_DECISION_TYPES)
    if not_money.any():
        out["as_decided"] = out["as_decided"].astype(object)
        out.loc[not_money, "as_decided"] = [
            f"{a} proposed" if t == "notice_of_intent" and a else "no fine"
            for a, t in zip(out.loc[not_money, "as_decided"], out.loc[not_money, "decision_type"])
        ]
        # nothing was imposed, so nothing stands and nothing is owed: 0, not "unknown" (the amount
        # column says "no fine" or "... proposed"; the payment column says "Nothing due")
        out.loc[not_money, "value_x"] = float("nan")
        out.loc[not_money, ["standing_x", "paid_x"]] = 0.0
    return out.sort_values(["value_x", "decision_date"], ascending=[False, False], kind="stable", na_position="last")


#: Rows the Fines table lists at most, largest first. A 500,000-row upload sent whole to the grid
#: took 11 s a rerun (and longer in the browser); the caption says when rows are not listed, and
#: the downloads carry every matching row.
FINES_TABLE_ROWS: Final = 5_000


def search_rows(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """The Fines table's search: rows containing every word of `text` in one of SEARCH_COLUMNS.

    Works on the selection as it is (the display names are derived for the search only) or on
    `fines_frame`'s output. No words: the frame itself."""
    words = tuple(w for w in text.lower().split() if w)
    return _searched(frame, words) if words else frame


# shared: the same search of the same selection is the same object on every rerun, so fines_listing's memo holds
@memo.on_frame(shared=True, keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def _searched(frame: pd.DataFrame, words: tuple[str, ...]) -> pd.DataFrame:
    columns = {c: frame[c] for c in SEARCH_COLUMNS if c in frame}
    if "country_name" not in columns and "country" in frame:
        columns["country_name"] = metrics.map_unique(frame["country"], countries.name)
    if "violation_label" not in columns and "violation" in frame:
        columns["violation_label"] = metrics.map_unique(frame["violation"], lambda v: schema.VIOLATION_LABELS.get(v, v))
    return frame[metrics.search_mask(columns, list(words)).to_numpy()]


@memo.on_frame(keep=memo.BIG_KEEP, max_rows=memo.BIG_ROWS)
def fines_listing(rows: pd.DataFrame, limit: int, view: dict | None = None) -> pd.DataFrame:
    """The Fines table's rows: the first `limit` of `rows` largest first, with the display columns. Kept per
    selection (the filtered frame, or a search of it), so a rerun with the same selection reuses it."""
    return fines_frame(largest_first(rows, limit), view)


def largest_first(rows: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The rows in the Fines table's order (largest amount first, the newest first among equals, a
    decision without a fine or amount last), the first `limit` of them: only those rows are copied."""
    money = rows["decision_type"].isin(schema.MONEY_DECISION_TYPES).to_numpy()
    value = np.where(money, rows["value_x"].to_numpy(dtype=float, na_value=np.nan), np.nan)
    date = pd.to_datetime(rows["decision_date"], errors="coerce")
    day = np.nan_to_num(-(date - pd.Timestamp(0)).dt.days.to_numpy(dtype=float, na_value=np.nan), nan=np.inf)
    # np.lexsort is stable and sorts on its last key first: amount known, amount descending, date descending
    order = np.lexsort((day, -np.nan_to_num(value, nan=0.0), np.isnan(value)))
    return rows.iloc[order if limit is None else order[:limit]]


def fines_export(shown: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The Fines table as shown, for the download: the same rows and columns, labelled as on screen."""
    columns = [c for c in FINES_COLUMNS if c != "profile"]
    columns[columns.index("as_decided")] = "amount"
    columns.insert(columns.index("amount") + 1, "currency")
    labels = {c: COLUMNS[c].label.format(cur=currency) for c in columns}
    labels["source"] = "Source URL"
    labels["authority_short"] = "Authority"
    out = shown[columns].rename(columns=labels)
    return out


@memo.on_frame
def collection_frame(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """Imposed, standing and known collected per authority, year or company origin, labelled for the chart."""
    table = metrics.collection_by(rows, by)
    known, fines = table["payment_known"].astype(int).astype(str), table["fines"].astype(int).astype(str)
    table["coverage"] = "amount paid known for " + known + " of " + fines
    table["group"] = table["group"].astype(str)
    if by == "authority":
        table["label"] = table["group"].map(figures.short_authority) + " (" + table["country"] + ")"
    else:
        table["label"] = table["group"]
    return table.sort_values("group") if by == "year" else table


def show_collection(table: pd.DataFrame, by: str, currency: str):
    """The Collection page's table beside its chart."""
    columns = ["group", *(["country"] if by == "authority" else []), "fines", "payment_known", "imposed", "standing"]
    return show(
        table,
        "collection_table",
        currency,
        "Collection table",
        columns=[*columns, "collected", "collection_rate", "coverage"],
        column_config={
            "group": st.column_config.TextColumn(by.capitalize(), width="medium", pinned=True),
            "country": st.column_config.TextColumn("Country", width="small"),
            "coverage": st.column_config.TextColumn("Coverage", width="medium"),
        },
    )


PUBLISHED_COLUMNS: Final = {
    "authority": None,
    "period": ("text", "Period"),
    "what": ("text", "Figure"),
    "published_imposed": ("number", "Published: imposed"),
    "published_collected": ("number", "Published: collected"),
    "currency": None,
    "published_rate": ("percent", "Published rate"),
    "data_fines": ("count", "Fines in our data"),
    "data_payment_known": ("count", "…payment known"),
    "data_imposed_x": ("number", "Our data: imposed ({cur})"),
    "data_collected_x": ("number", "Our data: known collected ({cur})"),
    "data_rate": ("percent", "Our data: rate (known)"),
    "source": ("text", "Reported by"),
    "source_link": ("link", "Source"),
    "as_of": ("date", "As of"),
}


def show_published(published: pd.DataFrame, currency: str):
    """The authorities' published collection figures beside what the dataset holds for the same period."""
    if not len(published):
        return None
    make = {
        "text": lambda label: st.column_config.TextColumn(label, width="medium" if label == "Figure" else None),
        "number": lambda label: st.column_config.NumberColumn(label, format="%,.0f"),
        "count": lambda label: st.column_config.NumberColumn(label),
        "percent": lambda label: st.column_config.NumberColumn(label, format="percent"),
        "link": lambda label: st.column_config.LinkColumn(label, display_text=HOST_DISPLAY),
        "date": lambda label: st.column_config.DateColumn(label, format="YYYY-MM-DD"),
    }
    config = {c: make[spec[0]](spec[1].format(cur=currency)) for c, spec in PUBLISHED_COLUMNS.items() if spec}
    frame = published.assign(source_url=published["source_url"].map(safe_url))
    return show(
        frame.assign(source_link=frame["source_url"]),
        "published_table",
        currency,
        "Published collection figures beside the dataset",
        columns=list(PUBLISHED_COLUMNS),
        column_config=config,
    )
