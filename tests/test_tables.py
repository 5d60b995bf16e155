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
