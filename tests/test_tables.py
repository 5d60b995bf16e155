"""Shared table helpers (components/tables.py) that need no running app."""

from __future__ import annotations

from components import tables


def test_a_short_table_is_only_as_tall_as_its_rows():
    assert tables.fitted_height(1, 600) == 35 * 2 + 3  # one country: header and one row, no empty band
    assert tables.fitted_height(30, 600) == 600  # many rows: the cap, and the grid scrolls
    assert tables.fitted_height(1, 600, row_height=46) == 46 * 2 + 3  # presentation mode's taller rows


def test_a_fine_cut_to_an_unknown_sum_shows_standing_unknown_in_its_row():
    """Vodafone's SIM-swapping fine: the Audiencia Nacional cut it to a sum no source gives. The totals count the
    amount imposed (an upper bound, said beside them); the fine's own row must not show that as what stands."""
    from components import data, metrics

    bundle = data.load_bundle()
    frame = metrics.prepare(bundle.fines, metrics.Money())
    shown = tables.fines_frame(frame)
    cut = shown["appeal_status"].eq("reduced") & shown["standing_amount"].isna()
    assert cut.sum() >= 1
    assert shown.loc[cut, "standing_x"].isna().all()
    assert frame.loc[frame["fine_id"].isin(shown.loc[cut, "fine_id"]), "standing_x"].notna().all()  # totals: upper bound
    others = shown["appeal_status"].eq("reduced") & ~cut
    assert shown.loc[others, "standing_x"].notna().all()
    assert "unknown where a court reduced the fine" in tables.COLUMNS["standing_x"].help


def test_a_fine_under_appeal_against_a_court_that_cut_or_annulled_it_says_so_in_its_row():
    """Santander Bank Polska's fine: the Warsaw court annulled it, and UODO's appeal is before the NSA. The row stands
    at what that court left (nothing), and its Appeal column says why, as Austrian Post's (cut below) does."""
    import pandas as pd

    from components import data, metrics

    raw = pd.read_csv(data.DATA_DIR / "fines.csv", dtype={"standing_amount": float, "amount": float})
    below = raw[raw["appeal_status"].eq("pending") & (raw["standing_amount"] < raw["amount"])]
    expected = {
        r.fine_id: tables.PENDING_ANNULLED_BELOW if r.standing_amount == 0 else tables.PENDING_CUT_BELOW
        for r in below.itertuples()
    }
    assert expected.get("PL-UODO-2024-SANTANDER-BANK-POLSKA") == tables.PENDING_ANNULLED_BELOW
    assert expected.get("AT-DSB-2019-AUSTRIAN-POST") == tables.PENDING_CUT_BELOW
    shown = tables.fines_frame(metrics.prepare(data.load_bundle().fines, metrics.Money())).set_index("fine_id")
    assert shown.loc[list(expected), "appeal"].to_dict() == expected
    others = shown["appeal_status"].eq("pending") & ~shown.index.isin(list(expected))
    assert shown.loc[others, "appeal"].eq("Appeal pending").all()
