"""Checks of the bundled dataset in data/: schema, codes, dates, links and internal consistency.

Pure pandas + pandera + pycountry; no streamlit. The status-derivation rules written here are
the contract between data/fines.csv and data/events.csv (see data/README.md).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pycountry
import pytest

from components.schema import (
    COLLECTION_COLUMNS,
    COLLECTION_SCHEMA,
    EVENT_COLUMNS,
    EVENTS_SCHEMA,
    FINE_COLUMNS,
    FINES_SCHEMA,
    MONEY_DECISION_TYPES,
)

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = pd.Timestamp("2026-12-01")
GDPR_START = pd.Timestamp("2018-05-25")

#: Rough EUR value of one unit of each decision currency. Only used to decide which fines
#: count as "EUR 1M or more" and so must carry a lifecycle in events.csv.
ROUGH_EUR = {
    "EUR": 1.0,
    "GBP": 1.15,
    "SEK": 0.09,
    "NOK": 0.087,
    "DKK": 0.134,
    "PLN": 0.23,
    "CZK": 0.04,
    "HUF": 0.0026,
    "BGN": 0.511,
    "ISK": 0.0068,
    "RON": 0.2,
    "HRK": 0.133,
    "CHF": 1.0,
}

#: Authorities' countries that must appear: every EU/EEA state whose authority has published a
#: fine with a known date, plus the UK. Left out, as documented in data/README.md: Liechtenstein (no
#: published fine found) and Slovenia (the Information Commissioner publishes fines only in anonymised
#: bulk decisions; no dated fine with an amount was found in the sources used).
REQUIRED_COUNTRIES = {
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "ES",
    "SE",
    "NO",
    "IS",
    "GB",
}

OUTCOME_TO_STATUS = {
    "upheld": "upheld",
    "reduced": "reduced",
    "annulled": "annulled",
    "remitted": "remitted",
    "pending": "pending",
    "increased": "upheld",
}


def _read(name: str) -> pd.DataFrame:
    raw = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    return raw


def _blank_to_na(df: pd.DataFrame) -> pd.DataFrame:
    return df.replace({"": pd.NA})


@pytest.fixture(scope="module")
def fines_raw() -> pd.DataFrame:
    return _read("fines.csv")


@pytest.fixture(scope="module")
def events_raw() -> pd.DataFrame:
    return _read("events.csv")


@pytest.fixture(scope="module")
def coll_raw() -> pd.DataFrame:
    return _read("collection_figures.csv")


@pytest.fixture(scope="module")
def fines(fines_raw) -> pd.DataFrame:
    df = _blank_to_na(fines_raw)
    for c in ("decision_date", "announced_date", "status_checked"):
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d")
    for c in ("amount", "standing_amount", "paid_amount"):
        df[c] = pd.to_numeric(df[c])
    return df


@pytest.fixture(scope="module")
def events(events_raw) -> pd.DataFrame:
    df = _blank_to_na(events_raw)
    df["outcome"] = events_raw["outcome"]  # blank outcome is a legal value ("")
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    df["amount"] = pd.to_numeric(df["amount"])
    df["_order"] = range(len(df))
    return df


# --- structure and schema -----------------------------------------------------------------


def test_exact_column_order(fines_raw, events_raw, coll_raw):
    assert tuple(fines_raw.columns) == FINE_COLUMNS
    assert tuple(events_raw.columns) == EVENT_COLUMNS
    assert tuple(coll_raw.columns) == COLLECTION_COLUMNS


def test_schemas_validate(fines, events, coll_raw):
    FINES_SCHEMA.validate(fines, lazy=True)
    EVENTS_SCHEMA.validate(events.drop(columns="_order"), lazy=True)
    coll = _blank_to_na(coll_raw)
    for c in ("period_start", "period_end", "as_of"):
        coll[c] = pd.to_datetime(coll[c], format="%Y-%m-%d")
    COLLECTION_SCHEMA.validate(coll, lazy=True)


def test_enough_rows(fines):
    assert len(fines) >= 250
    assert fines["authority"].nunique() >= 35


def test_fine_ids_unique_and_readable(fines):
    assert fines["fine_id"].is_unique
    assert fines["fine_id"].str.fullmatch(r"[A-Z]{2}-[A-Z0-9]+(-[A-Z0-9]+)*").all()
    # the slug starts with the authority's country
    assert (fines["fine_id"].str[:2] == fines["country"]).all()


def test_no_duplicate_decisions(fines):
    """Same authority, addressee, day and amount is one decision. Where only the month or year is
    known, separate decisions of the same size can share that date (three EUR 70,000 SIM-swap fines
    on one operator in 2023): they must then cite different decisions."""
    key = ["authority", "controller", "decision_date", "amount"]
    exact = fines["date_precision"].eq("day")
    dups = fines[exact][fines[exact].duplicated(key, keep=False)]
    assert dups.empty, dups[["fine_id", *key]]
    vague = fines[~exact]
    dups = vague[vague.duplicated([*key, "source_url"], keep=False)]
    assert dups.empty, dups[["fine_id", *key, "source_url"]]


# --- codes ---------------------------------------------------------------------------------


def test_country_codes_are_iso(fines, coll_raw):
    valid = {c.alpha_2 for c in pycountry.countries}
    assert set(fines["country"]) <= valid
    hq = set(fines["controller_country"].dropna())
    assert hq <= valid, hq - valid
    assert set(coll_raw["country"]) <= valid
    assert "UK" not in set(fines["country"]) and "EL" not in set(fines["country"])


#: ISO 4217 codes withdrawn after the decisions were taken (kuna until 2022, lev until 2025);
#: pycountry lists only current codes.
WITHDRAWN_CURRENCIES = {"HRK", "BGN"}


def test_currency_codes_are_iso(fines, events, coll_raw):
    valid = {c.alpha_3 for c in pycountry.currencies} | WITHDRAWN_CURRENCIES
    assert set(fines["currency"]) <= valid
    assert set(events["currency"].dropna()) <= valid
    assert set(coll_raw["currency"]) <= valid
    # decisions are kept in the currency of the decision
    by_country = fines.groupby("country")["currency"].agg(set)
    assert by_country["GB"] == {"GBP"}
    assert by_country["SE"] == {"SEK"}
    assert by_country["NO"] == {"NOK"}
    assert by_country["DK"] == {"DKK"}
    assert by_country["PL"] == {"PLN"}
    assert by_country["CZ"] == {"CZK"}
    assert by_country["HU"] == {"HUF"}
    assert by_country["IS"] == {"ISK"}
    assert set(fines["currency"]) <= set(ROUGH_EUR)


def test_every_eea_state_with_a_fine_is_present(fines):
    money = fines[fines["decision_type"].isin(MONEY_DECISION_TYPES)]
    missing = REQUIRED_COUNTRIES - set(money["country"])
    assert not missing, missing


# --- dates ----------------------------------------------------------------------------------


def test_dates_in_range(fines, events):
    pre = fines["decision_date"] < GDPR_START
    excused = fines["notes"].fillna("").str.contains("pre-GDPR") | ~fines["legal_basis"].isin(["GDPR", "UK GDPR"])
    assert not (pre & ~excused).any(), fines.loc[pre & ~excused, "fine_id"].tolist()
    for c in ("decision_date", "announced_date", "status_checked"):
        assert (fines[c].dropna() <= TODAY).all(), c
    has_ann = fines["announced_date"].notna()
    assert (fines.loc[has_ann, "announced_date"] > fines.loc[has_ann, "decision_date"]).all()
    assert (events["date"] <= TODAY).all()
    assert (events["date"] >= pd.Timestamp("2018-01-01")).all()
    checked = fines["status_checked"].notna()
    assert (fines.loc[checked, "status_checked"] >= fines.loc[checked, "decision_date"]).all()


# --- amounts --------------------------------------------------------------------------------


def test_amount_rules(fines, events):
    money = fines["decision_type"].isin(MONEY_DECISION_TYPES)
    assert (fines.loc[money, "amount"] > 0).all()
    assert (fines.loc[fines["decision_type"] == "no_fine", "amount"] == 0).all()
    st = fines["standing_amount"]
    # more than was first imposed stands only where a court raised the fine
    raised = set(events.loc[events["event"].eq("court_ruling") & events["outcome"].eq("increased"), "fine_id"])
    over = fines[st.notna() & (st > fines["amount"])]
    assert set(over["fine_id"]) <= raised, sorted(set(over["fine_id"]) - raised)
    paid = fines["paid_amount"]
    assert (paid.dropna() <= fines.loc[paid.notna(), "amount"]).all()
    # nothing stands and nothing is due for decisions that are not money
    nonmoney = ~money
    assert (fines.loc[nonmoney, "standing_amount"] == 0).all()
    assert (fines.loc[nonmoney, "payment_status"] == "not_due").all()
    # standing follows the appeal status
    same = fines["appeal_status"].isin(["not_appealed", "upheld", "pending", "withdrawn", "unknown"]) & money
    # where nothing changed the amount, the whole amount stands. Excepted: early-payment reductions
    # (the reduced sum stands, see test_payment_status_derivable_from_events) and fines a court cut or
    # annulled before a further appeal (the court's figure stands while the appeal is pending), or raised.
    changed = set(events.loc[events["event"].eq("early_payment_reduction"), "fine_id"]) | set(
        events.loc[events["event"].eq("court_ruling") & events["outcome"].isin(["reduced", "increased", "annulled"]), "fine_id"]
    )
    early = fines["fine_id"].isin(changed)
    assert (fines.loc[same & ~early, "standing_amount"] == fines.loc[same & ~early, "amount"]).all()
    assert (fines.loc[fines["appeal_status"].eq("annulled") & money, "standing_amount"] == 0).all()
    # a pending appeal against a court's ruling: what that court left stands (the latest ruling with an amount)
    rulings = events[events["event"].eq("court_ruling") & events["amount"].notna()].sort_values(["date", "_order"])
    latest = rulings.groupby("fine_id")["amount"].last()
    pending = fines[fines["appeal_status"].eq("pending") & money & fines["fine_id"].isin(latest.index)]
    wrong = [
        (r.fine_id, r.standing_amount, latest[r.fine_id]) for r in pending.itertuples() if r.standing_amount != latest[r.fine_id]
    ]
    assert not wrong, wrong
    reduced = fines["appeal_status"].eq("reduced")
    known_cut = reduced & st.notna()  # blank: cut to a sum no source gives (test_data_rules)
    assert (fines.loc[known_cut, "standing_amount"] < fines.loc[known_cut, "amount"]).all()
    # unpaid means known unpaid: 0; paid in full means the standing amount
    assert (fines.loc[fines["payment_status"].eq("unpaid"), "paid_amount"] == 0).all()
    full = fines["payment_status"].eq("paid") & fines["paid_amount"].notna()
    assert (fines.loc[full, "paid_amount"] >= fines.loc[full, "standing_amount"] - 0.5).all()
    assert (fines.loc[fines["payment_status"].eq("unknown"), "paid_amount"].isna()).all()
    assert same.sum() > 100


# --- events ---------------------------------------------------------------------------------


def test_events_refer_to_fines(fines, events):
    assert set(events["fine_id"]) <= set(fines["fine_id"])


def _eur(row) -> float:
    return float(row["amount"]) * ROUGH_EUR[row["currency"]]


def test_big_and_appealed_fines_have_a_lifecycle(fines, events):
    ev_by = {k: g for k, g in events.groupby("fine_id")}
    appealed = ~fines["appeal_status"].isin(["not_appealed", "unknown"])
    for _, row in fines.iterrows():
        money = row["decision_type"] in MONEY_DECISION_TYPES
        if not ((money and _eur(row) >= 1_000_000) or (money and appealed[_] and row["decision_type"] != "no_fine")):
            continue
        g = ev_by.get(row["fine_id"])
        assert g is not None, f"{row['fine_id']} has no events"
        kinds = set(g["event"])
        assert "decision" in kinds, row["fine_id"]
        if pd.notna(row["status_checked"]):
            checks = g.loc[g["event"] == "status_check", "date"]
            latest = g.loc[g["event"].isin(["status_check", "court_ruling", "payment", "appeal_lodged"]), "date"]
            assert not latest.empty and latest.max() >= row["status_checked"] or row["status_checked"] in set(checks), row[
                "fine_id"
            ]


def _derived_appeal_status(row, g: pd.DataFrame) -> str | None:
    """The appeal status implied by events; None means 'no appeal events' (not_appealed or unknown).

    Rule: consider appeal_lodged, appeal_withdrawn, court_ruling and status_check-with-outcome events
    dated after the decision (court rulings on the decision day are the imposition itself, as with
    Danish court fines), and the authority's own waiver. The latest one decides: waiver -> waived;
    appeal_withdrawn -> withdrawn; appeal_lodged ->
    pending; a court ruling or status check -> its outcome (a 'dismissed' ruling on procedure leaves
    the previous outcome in place, or 'upheld' if there was none; a ruling with blank outcome means
    'unknown').
    """
    rel = g[
        g["event"].isin(["appeal_lodged", "appeal_withdrawn", "court_ruling", "waiver"])
        | (g["event"].eq("status_check") & g["outcome"].ne(""))
    ]
    rel = rel[rel["date"] > row["decision_date"]].sort_values(["date", "_order"])
    status = None
    for _, e in rel.iterrows():
        if e["event"] == "waiver":
            status = "waived"
        elif e["event"] == "appeal_withdrawn":
            status = "withdrawn"
        elif e["event"] == "appeal_lodged":
            status = "pending"
        elif e["outcome"] == "dismissed":
            status = status if status not in (None, "pending") else "upheld"
        elif e["outcome"] == "":
            status = "unknown"
        else:
            status = OUTCOME_TO_STATUS[e["outcome"]]
    return status


def test_appeal_status_derivable_from_events(fines, events):
    ev_by = {k: g for k, g in events.groupby("fine_id")}
    bad = []
    for _, row in fines.iterrows():
        g = ev_by.get(row["fine_id"], events.iloc[0:0])
        derived = _derived_appeal_status(row, g)
        if derived is None:
            ok = row["appeal_status"] in ("not_appealed", "unknown")
        else:
            ok = row["appeal_status"] == derived
        if not ok:
            bad.append((row["fine_id"], row["appeal_status"], derived))
    assert not bad, bad


def test_standing_amount_matches_latest_ruling(fines, events):
    ev_by = {k: g for k, g in events.groupby("fine_id")}
    for _, row in fines[fines["appeal_status"].isin(["reduced", "upheld"])].iterrows():
        g = ev_by[row["fine_id"]]
        # a court ruling, or a dated status check recording the final outcome where ruling dates are unknown
        rulings = g[
            g["event"].isin(["court_ruling", "status_check"])
            & g["outcome"].isin(["reduced", "upheld", "increased"])
            & (g["amount"].notna() | pd.isna(row["standing_amount"]))
        ]
        rulings = rulings[rulings["date"] > row["decision_date"]].sort_values(["date", "_order"])
        assert not rulings.empty, row["fine_id"]
        latest = rulings.iloc[-1]["amount"]
        assert latest == row["standing_amount"] or (pd.isna(latest) and pd.isna(row["standing_amount"])), row["fine_id"]


def test_payment_status_derivable_from_events(fines, events):
    """paid/partly_paid need payment events (paid: payments reach the standing or reduced amount);
    payment events imply paid/partly_paid; suspended needs a payment_suspended event; an early-payment
    reduction means the reduced sum was paid (one for admission alone does not); not_due only when nothing stands."""
    ev_by = {k: g for k, g in events.groupby("fine_id")}
    bad = []
    for _, row in fines.iterrows():
        g = ev_by.get(row["fine_id"], events.iloc[0:0])
        pays = g[g["event"] == "payment"]
        status = row["payment_status"]
        if status in ("paid", "partly_paid") and pays.empty:
            bad.append((row["fine_id"], status, "no payment event"))
        if not pays.empty and status not in ("paid", "partly_paid"):
            bad.append((row["fine_id"], status, "payment event but status says otherwise"))
        if status == "paid" and pays["amount"].notna().all():
            red = g.loc[g["event"] == "early_payment_reduction", "amount"]
            due = red.iloc[-1] if not red.empty else row["standing_amount"]
            if abs(pays["amount"].sum() - due) > 0.5:
                bad.append((row["fine_id"], status, f"payments {pays['amount'].sum()} != due {due}"))
            if pd.notna(row["paid_amount"]) and abs(row["paid_amount"] - pays["amount"].sum()) > 0.5:
                bad.append((row["fine_id"], status, "paid_amount differs from payments"))
        for_payment = g[(g["event"] == "early_payment_reduction") & (g["outcome"] != "admission")]
        if not for_payment.empty and status != "paid":
            bad.append((row["fine_id"], status, "early-payment reduction without payment"))
        if status == "suspended" and g[g["event"] == "payment_suspended"].empty:
            bad.append((row["fine_id"], status, "no payment_suspended event"))
        if status == "not_due" and not (row["standing_amount"] == 0):
            bad.append((row["fine_id"], status, "not_due but an amount stands"))
    assert not bad, bad


def test_event_amounts_and_currencies(fines, events):
    cur = fines.set_index("fine_id")["currency"]
    has_amount = events["amount"].notna()
    assert (events.loc[has_amount, "currency"] == events.loc[has_amount, "fine_id"].map(cur)).all()
    rulings = events[events["event"] == "court_ruling"]
    assert rulings["court"].notna().all()


# --- links ----------------------------------------------------------------------------------


def _url_ok(u: str) -> bool:
    p = urlparse(u)
    return p.scheme in ("http", "https") and bool(p.netloc) and " " not in u and "." in p.netloc


def test_urls_well_formed(fines, events, coll_raw):
    for frame in (fines, events, coll_raw):
        bad = [u for u in frame["source_url"] if not _url_ok(str(u))]
        assert not bad, bad[:5]


# --- the Clearview AI story -------------------------------------------------------------------


def test_clearview_story_complete(fines, events):
    cv = fines[fines["controller_group"] == "Clearview AI"]
    got = set(zip(cv["country"], cv["decision_type"]))
    for need in [
        ("IT", "fine"),
        ("GR", "fine"),
        ("FR", "fine"),
        ("FR", "penalty_payment"),
        ("GB", "fine"),
        ("NL", "fine"),
        ("GB", "notice_of_intent"),
        ("FR", "no_fine"),
        ("AT", "no_fine"),
    ]:
        assert need in got, need
    assert (cv["controller_country"] == "US").all()
    nl = cv[cv["country"] == "NL"].iloc[0]
    assert nl["amount"] == 30_500_000 and nl["decision_date"] == pd.Timestamp("2024-05-16")
    assert nl["announced_date"] == pd.Timestamp("2024-09-03")
    gb = cv[(cv["country"] == "GB") & (cv["decision_type"] == "fine")].iloc[0]
    assert gb["amount"] == 7_552_800 and gb["currency"] == "GBP"
    gb_events = events[events["fine_id"] == gb["fine_id"]]
    assert {"annulled", "pending"} <= set(gb_events["outcome"])  # FTT 2023, then Upper Tribunal 2025
    money = cv[cv["decision_type"].isin(MONEY_DECISION_TYPES)]
    assert (money["payment_status"].isin(["unpaid", "suspended"])).all()
    assert (money["paid_amount"].fillna(0) == 0).all()
    assert money.loc[money["currency"] == "EUR", "amount"].sum() == 95_700_000


def test_special_cases_modelled(fines, events):
    types = fines["decision_type"].value_counts()
    for t in ("fine", "penalty_payment", "court_fine", "notice_of_intent", "no_fine"):
        assert types.get(t, 0) >= 1, t
    assert set(fines["legal_basis"]) >= {"GDPR", "UK GDPR", "ePrivacy (national)"}
    assert (events["event"] == "early_payment_reduction").sum() >= 3
    meta = fines[fines["controller"].str.match(r"(Meta Platforms|WhatsApp|Facebook)")]
    assert (meta["controller_group"] == "Meta").all()
    # anonymised addressees are distinct entities and must not be rolled up into one "company"
    anon = fines[fines["controller"].str.match(r"(Unnamed|Not disclosed|Private individual)")]
    grp = anon[~anon["controller_group"].str.startswith("Telecommunications provider (Greece")]["controller_group"]
    assert grp.is_unique
    ba = fines[fines["controller"].str.startswith("British Airways")]
    assert sorted(ba["decision_type"]) == ["fine", "notice_of_intent"]
    assert set(ba["amount"]) == {183_390_000, 20_000_000}


def test_largest_fines_present(fines):
    money = fines[fines["decision_type"].isin(MONEY_DECISION_TYPES)]
    eur = money["amount"] * money["currency"].map(ROUGH_EUR)
    assert (eur >= 10_000_000).sum() >= 40
    assert eur.max() == 1_200_000_000


def test_collection_figures(coll_raw):
    coll = _blank_to_na(coll_raw)
    ie = coll[(coll["country"] == "IE")]
    assert len(ie) >= 5
    row = ie[(ie["period_start"] == "2020-01-01") & (ie["period_end"] == "2024-10-31")].iloc[0]
    assert float(row["imposed"]) == 3_256_000_000 and float(row["collected"]) == 19_900_000
    imp = pd.to_numeric(coll["imposed"])
    col = pd.to_numeric(coll["collected"])
    both = imp.notna() & col.notna()
    assert (col[both] <= imp[both]).all()
