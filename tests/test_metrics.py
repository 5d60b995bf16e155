"""Metrics on a small hand-made frame whose answers are known, and filters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from components import metrics, schema


def _frame(rows: list[dict]) -> pd.DataFrame:
    base = schema.empty_fines()
    defaults = {
        "authority": "A",
        "controller_group": None,
        "controller_country": "IE",
        "sector": "s",
        "decision_type": "fine",
        "announced_date": pd.NaT,
        "currency": "EUR",
        "legal_basis": "GDPR",
        "articles": "",
        "appeal_status": "not_appealed",
        "standing_amount": np.nan,
        "payment_status": "unknown",
        "paid_amount": np.nan,
        "status_checked": pd.NaT,
        "source_url": "https://example.org/x",
        "notes": "",
    }
    recs = []
    for i, r in enumerate(rows):
        rec = {**defaults, "fine_id": f"F{i}", **r}
        rec["controller_group"] = rec["controller_group"] or rec["controller"]
        recs.append(rec)
    frame = pd.DataFrame(recs)
    frame["decision_date"] = pd.to_datetime(frame["decision_date"])
    for col in ("announced_date", "status_checked"):
        frame[col] = pd.to_datetime(frame[col])
    return pd.concat([base, frame], ignore_index=True)[list(schema.FINE_COLUMNS)]


@pytest.fixture
def sample() -> pd.DataFrame:
    return _frame(
        [
            # paid in full, no figure given -> paid = standing
            {
                "country": "IE",
                "controller": "Meta A",
                "controller_group": "Meta",
                "decision_date": "2022-01-10",
                "amount": 100.0,
                "payment_status": "paid",
            },
            # reduced on appeal from 200 to 50, unpaid
            {
                "country": "IE",
                "controller": "Meta B",
                "controller_group": "Meta",
                "decision_date": "2023-03-01",
                "amount": 200.0,
                "appeal_status": "reduced",
                "standing_amount": 50.0,
                "payment_status": "unpaid",
            },
            # annulled
            {
                "country": "FR",
                "controller": "X",
                "decision_date": "2023-06-01",
                "amount": 40.0,
                "appeal_status": "annulled",
                "standing_amount": 0.0,
                "payment_status": "not_due",
            },
            # pending, payment unknown
            {
                "country": "FR",
                "controller": "Y",
                "controller_country": "US",
                "decision_date": "2024-02-01",
                "amount": 60.0,
                "appeal_status": "pending",
            },
            # a decision without a fine: never in money totals
            {
                "country": "NL",
                "controller": "Y",
                "controller_country": "US",
                "decision_date": "2024-03-01",
                "amount": 0.0,
                "decision_type": "no_fine",
                "payment_status": "not_due",
            },
            # partly paid with a known figure
            {
                "country": "NL",
                "controller": "Z",
                "decision_date": "2021-05-05",
                "amount": 80.0,
                "payment_status": "partly_paid",
                "paid_amount": 20.0,
            },
        ]
    )


def test_headline_known_answers(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    head = metrics.headline(prepared)
    assert head.fines == 5  # the no_fine row is not a fine
    assert head.imposed == pytest.approx(100 + 200 + 40 + 60 + 80)
    assert head.standing == pytest.approx(100 + 50 + 0 + 60 + 80)
    # known payment: paid (100 of 100), unpaid (0 of 50), partly paid (20 of 80)
    assert head.payment_known == 3
    assert head.collected == pytest.approx(120)
    assert head.collection_rate == pytest.approx(120 / (100 + 50 + 80))
    assert head.under_appeal == 1 and head.under_appeal_share == pytest.approx(60 / 290)


def test_unknown_payment_is_not_zero(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    pending = prepared[prepared["controller"] == "Y"].iloc[0]
    assert np.isnan(pending["paid_x"])


def test_by_country_and_perspective(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    auth = metrics.by_country(prepared, "authority").set_index("iso2")
    assert auth.loc["IE", "imposed"] == 300 and auth.loc["IE", "fines"] == 2
    assert auth.loc["FR", "standing"] == 60
    assert auth.loc["IE", "collection_rate"] == pytest.approx(100 / 150)
    home = metrics.by_country(prepared, "company").set_index("iso2")
    assert home.loc["US", "fines"] == 1 and home.loc["IE", "fines"] == 4


def test_company_groups_roll_up(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    groups = metrics.by_company(prepared, "group").set_index("company")
    assert groups.loc["Meta", "fines"] == 2 and groups.loc["Meta", "imposed"] == 300
    companies = metrics.by_company(prepared, "company").set_index("company")
    assert "Meta A" in companies.index and "Meta" not in companies.index


def test_several_authorities_ordered_by_authorities():
    """The chart's bars are authority counts: most authorities first, so head(n) keeps the widest cases."""
    rows = [{"country": c, "authority": c, "controller": "Wide", "decision_date": "2022-01-10", "amount": 1.0} for c in "ABC"]
    rows += [{"country": c, "authority": c, "controller": "Rich", "decision_date": "2022-01-10", "amount": 1e6} for c in "AB"]
    rows += [{"country": "A", "authority": "A", "controller": "Alone", "decision_date": "2022-01-10", "amount": 1e9}]
    prepared = metrics.prepare(_frame(rows), metrics.Money("EUR"))
    multi = metrics.multi_authority(metrics.by_company(prepared, "group"))
    assert multi["company"].tolist() == ["Wide", "Rich"]
    assert multi["authorities"].tolist() == [3, 2]


def test_standing_basis_changes_value(sample):
    standing = metrics.prepare(sample, metrics.Money("EUR", amount_basis="standing"))
    assert metrics.by_country(standing, "authority").set_index("iso2").loc["IE", "value"] == 150


def test_filters(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    f = metrics.apply_filters
    assert len(f(prepared, metrics.Filters(countries=("FR",)))) == 2
    assert len(f(prepared, metrics.Filters(company="meta"))) == 2
    assert len(f(prepared, metrics.Filters(company="eta"))) == 0  # inside a word: not a match
    assert len(f(prepared, metrics.Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)))) == 2
    assert len(f(prepared, metrics.Filters(appeal=("reduced", "annulled")))) == 2
    assert len(f(prepared, metrics.Filters(types=("no_fine",)))) == 1
    assert len(f(prepared, metrics.Filters(types=metrics.DEFAULT_TYPES))) == 5


def test_company_search_matches_word_starts():
    names = pd.Series(["TIM S.p.A.", "Optimove", "Telecom Italia (TIM)", "Curenergía", None, "Timberland", "Clearview AI"])
    assert metrics.names_match(names, "tim").tolist() == [True, False, True, False, False, True, False]
    assert metrics.names_match(names, " clear ").tolist()[-1]
    assert metrics.names_match(names, "(TIM").tolist() == [False, False, True, False, False, False, False]  # literal


def test_appeal_outcomes_and_money_removed(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    out = metrics.appeal_outcomes(prepared).set_index("status")
    assert out.loc["reduced", "removed"] == 150 and out.loc["annulled", "removed"] == 40
    assert metrics.money_removed(prepared) == 190


def test_timeline_cumulative(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    per_year = metrics.timeline(prepared, "year")
    assert per_year["period"].dt.year.tolist() == [2021, 2022, 2023, 2024]
    assert per_year["cumulative"].iloc[-1] == pytest.approx(480)


def test_flows_cross_border_only(sample):
    prepared = metrics.prepare(sample, metrics.Money("EUR"))
    flows = metrics.flows(prepared)
    # X (home IE) fined in FR, Y (home US) in FR, Z (home IE) in NL; the Irish fines in IE are not flows
    assert flows[["origin", "destination"]].values.tolist() == [["IE", "NL"], ["US", "FR"], ["IE", "FR"]]
    assert flows["value"].tolist() == [80, 60, 40]


def test_conversion_to_display_currency(sample):
    gbp = sample.assign(currency="GBP")
    prepared = metrics.prepare(gbp, metrics.Money("EUR"))
    assert (prepared["rate"] > 1).all()  # a pound has been worth more than a euro on every date here
    assert prepared["rate_date"].str.match(r"\d{4}-\d{2}-\d{2}").all()


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2021-05-04", False, dt.date(2021, 5, 4)),
        (" 2021-5-4 ", True, dt.date(2021, 5, 4)),
        ("2021/05/04", False, dt.date(2021, 5, 4)),
        ("2021-02", False, dt.date(2021, 2, 1)),
        ("2024-02", True, dt.date(2024, 2, 29)),
        ("2023-12", True, dt.date(2023, 12, 31)),
        ("2020", False, dt.date(2020, 1, 1)),
        ("2020", True, dt.date(2020, 12, 31)),
        ("2021-02-30", False, None),
        ("1998-12-31", False, None),
        ("2999-01-01", False, None),
        ("yesterday", False, None),
        ("", False, None),
        (None, False, None),
    ],
)
def test_typed_dates(text, end, expected):
    assert metrics.parse_date_text(text, end=end) == expected


def test_the_default_selection_of_a_merged_view_is_a_slice_with_the_same_rows():
    """uploads.merge puts the money decisions first, so the default filters select one run of rows:
    a slice that shares the merged view's memory, holding exactly the rows a boolean mask keeps."""
    import numpy as np

    from components import data, metrics, uploads

    bundled = data.load_bundle().fines
    upload = bundled[bundled["decision_type"].isin(metrics.DEFAULT_TYPES)].head(50).copy()
    upload["controller"] = upload["controller"] + " (uploaded copy)"  # not duplicates of the bundled rows
    merged = metrics.prepare(uploads.merge(bundled, upload), metrics.Money())
    selected = metrics.apply_filters(merged, metrics.Filters())
    expected = merged[merged["decision_type"].isin(metrics.DEFAULT_TYPES)]
    assert len(selected) == len(expected) < len(merged)
    assert selected["fine_id"].tolist() == expected["fine_id"].tolist()
    assert np.shares_memory(selected["imposed_x"].to_numpy(), merged["imposed_x"].to_numpy())
    # rows that are not one run still come out right (a boolean selection)
    some = metrics.apply_filters(merged, metrics.Filters(countries=("IE", "FR")))
    assert set(some["country"]) == {"IE", "FR"}
    assert len(some) == int((expected["country"].isin(["IE", "FR"])).sum())


def test_authority_review_alone_is_not_a_court():
    frame = pd.DataFrame({"fine_id": ["A", "B", "C"], "decision_type": ["fine", "fine", "fine"]})
    events = pd.DataFrame(
        {
            "fine_id": ["A", "B", "B", "C"],
            "event": ["court_ruling", "court_ruling", "court_ruling", "court_ruling"],
            "court": ["AEPD (recurso de reposición)", "AEPD (recurso de reposición)", "Audiencia Nacional", "Tribunale di Roma"],
        }
    )
    # A: only the AEPD's own reconsideration; B went on to a court; C only a court
    assert metrics.authority_review_only(events) == {"A"}
    assert metrics.authority_review_only(events.drop(columns="court")) == set()  # uploads may carry no court
    frame["appeal_status"] = ["upheld", "upheld", "reduced"]
    assert metrics.upheld_by_authority_only(frame, events) == 1
    frame["appeal_status"] = ["pending", "upheld", "reduced"]  # a court appeal lodged since: no longer counted
    assert metrics.upheld_by_authority_only(frame, events) == 0


def test_home_coverage_counts_what_the_home_map_assumes_or_leaves_out():
    frame = pd.DataFrame(
        {
            "fine_id": ["A", "B", "C", "D"],
            "decision_type": ["fine"] * 4,
            "group_country": ["US", "", "", "FR"],
            "controller_country": ["IE", "AT", "", "FR"],
            "imposed_x": [100.0, 10.0, 5.0, 1.0],
        }
    )
    cov = metrics.home_coverage(frame)
    # A: the group's home; B: group unknown, so where it is established; C: no home at all; D: domestic
    assert (cov.total, cov.establishment, cov.missing, cov.missing_imposed) == (4, 1, 1, 5.0)


def test_a_fine_a_court_raised_is_added_not_removed():
    """A court that raised a fine on appeal (Denmark's ILVA: DKK 100,000 to 1.5M) adds to what stands:
    nothing is counted as removed, the increase has its own figure, and the Overview's note names it."""
    from components import figures

    frame = _frame(
        [
            {
                "country": "DK",
                "controller": "Raised",
                "decision_date": "2021-02-12",
                "amount": 100.0,
                "appeal_status": "upheld",
                "standing_amount": 1500.0,
            },
            {
                "country": "DK",
                "controller": "Cut",
                "decision_date": "2021-02-12",
                "amount": 300.0,
                "appeal_status": "reduced",
                "standing_amount": 100.0,
            },
        ]
    )
    head = metrics.headline(metrics.prepare(frame, metrics.Money("EUR")))
    assert head.added_by_courts == pytest.approx(1400.0) and head.removed_by_courts == pytest.approx(200.0)
    assert head.imposed - head.standing + head.added_by_courts - head.removed_by_courts == pytest.approx(0.0)
    note = figures.reductions_note(
        head.removed_by_courts, head.early_payment, "EUR", head.waived, added_by_courts=head.added_by_courts
    )
    assert "removed by courts" in note and "added by courts that raised a fine" in note


def test_a_tile_note_shows_its_first_part_and_says_more_follows():
    from components import figures

    assert figures.first_part("EUR 1M removed by courts") == "EUR 1M removed by courts"
    assert figures.first_part("EUR 1M removed by courts; EUR 2k off for early payment") == "EUR 1M removed by courts; …"
    assert figures.first_part(None) is None


def test_a_lifecycle_whose_steps_fall_on_one_day_spans_months_not_milliseconds():
    """A fine decided and checked on one day (Yango's MLU, 8 May 2026) drew an axis of milliseconds."""
    from components import figures

    events = pd.DataFrame(
        {
            "fine_id": ["A", "A"],
            "label": ["Yandex · NL 2026"] * 2,
            "date": pd.to_datetime(["2026-05-08", "2026-05-08"]),
            "event": ["decision", "status_check"],
            "outcome": ["", ""],
            "court": ["", ""],
            "amount": [100e6, np.nan],
            "currency": ["EUR", ""],
            "source_url": ["https://example.org/a"] * 2,
        }
    )
    axis = figures.swimlanes(events, "t", "s").to_dict()["layout"]["xaxis"]
    start, end = (pd.Timestamp(v) for v in axis["range"])
    assert end - start == figures.MIN_LANE_SPAN and start < pd.Timestamp("2026-05-08") < end
    assert axis["tickformat"] == "%d %b %Y"
    # a history over years keeps plotly's own range
    long = events.assign(date=pd.to_datetime(["2021-01-01", "2026-05-08"]))
    assert "range" not in figures.swimlanes(long, "t", "s").to_dict()["layout"]["xaxis"]
