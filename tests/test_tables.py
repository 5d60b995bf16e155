"""Shared table helpers (components/tables.py) that need no running app."""

from __future__ import annotations

from components import tables


def test_a_short_table_is_only_as_tall_as_its_rows():
    assert tables.fitted_height(1, 600) == 35 * 2 + 3  # one country: header and one row, no empty band
    assert tables.fitted_height(30, 600) == 600  # many rows: the cap, and the grid scrolls
    assert tables.fitted_height(1, 600, row_height=46) == 46 * 2 + 3  # presentation mode's taller rows
