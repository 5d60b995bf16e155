"""A large CSV read block by block gives exactly the result of reading it whole (components.ingest.blocks).

Large files only are read block by block, so each test lowers the size from which that happens and
the block size (a few KB, so every fixture spans many blocks), and compares every part of the
result with the file read whole: the accepted frame, the rejected and not-fine rows with their
reasons and cells, the rows read, the mapping and the account (`choices`).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from components.ingest import blocks, ingest

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 26)
UTF8_CSVS = sorted(
    p
    for p in [*FIXTURES.glob("*.csv"), *FIXTURES.glob("*.tsv"), *(FIXTURES / "trackers").glob("*.csv")]
    if not p.name.startswith("register_")  # legacy code pages are read whole
)


@pytest.fixture
def small_blocks(monkeypatch):
    """Every file of 64 bytes or more is read block by block, in blocks of about 2 KB (the first one
    joined with the next ones up to 200 rows, which the mapping reads)."""
    monkeypatch.setattr(blocks, "STREAM_BYTES", 64)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 2048)


def _whole(source, **kw):
    old = blocks.STREAM_BYTES
    blocks.STREAM_BYTES = 1 << 40
    try:
        return ingest(source, today=TODAY, **kw)
    finally:
        blocks.STREAM_BYTES = old


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.accepted, b.accepted)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    pd.testing.assert_frame_equal(a.not_fines, b.not_fines)
    assert a.rows_read == b.rows_read
    assert a.mapping == b.mapping
    assert a.choices == b.choices


def _messy(n: int) -> bytes:
    """Fines the way registers write them, with a duplicate id, bad dates, blank rows and quoted line breaks."""
    rng = np.random.default_rng(3)
    out = io.StringIO()
    out.write("Case,Authority,Country,Date of decision,Fine,Controller,Notes,Source\n")
    countries = ["Ireland", "FR", "Germany", "España", "Polska", "Sweden", "UK", "Atlantis", ""]
    amounts = ["€2.5m", "1.250.000,50", "EUR 15 million", "£1,250,000", "4 500 000 kr", "n/a", "0", "2400022000 EUR"]
    dates = ["25/05/2019", "05/25/2019", "2020-02-31", "2021", "March 2022", "31.12.2023", "", "44000"]
    for i in range(n):
        case = f"C-{i % (n - 3)}"  # the last ids repeat the first ones
        note = '"first line\nsecond line"' if i % 97 == 0 else "plain"
        if i % 211 == 0:
            out.write(",,,,,,,\n")  # a blank row between rows
            continue
        out.write(
            f"{case},Authority {i % 7},{countries[rng.integers(len(countries))]},{dates[rng.integers(len(dates))]},"
            f'"{amounts[rng.integers(len(amounts))]}",Company {i % 13},{note},https://example.org/{i}\n'
        )
    out.write(",,,,,,,\n,,,,,,,\n")  # blank rows at the end: the end of the file, not rows
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("path", UTF8_CSVS, ids=lambda p: p.name)
def test_each_fixture_read_block_by_block_is_the_same_as_read_whole(path, small_blocks):
    assert blocks.plan(path, filename=None, max_bytes=1 << 30, max_columns=200) is not None
    _same(ingest(path, today=TODAY), _whole(path))


def test_a_messy_register_in_many_blocks_is_the_same_as_read_whole(small_blocks, tmp_path):
    data = _messy(3000)
    plan = blocks.plan(data, filename="register.csv", max_bytes=1 << 30, max_columns=200)
    assert plan is not None
    assert sum(1 for _ in plan.blocks(max_rows=10**6, max_cell_chars=10**5)) > 20
    whole = _whole(data, filename="register.csv")
    assert len(whole.rejected) and len(whole.not_fines) and len(whole.accepted) > 500
    assert whole.rows_read == 3000  # the blank rows after the last fine end the file
    assert any("duplicate id" in r for r in whole.rejected["reason"])
    _same(ingest(data, filename="register.csv", today=TODAY), whole)
    bom = b"\xef\xbb\xbf" + data  # Excel's "CSV UTF-8": the mark is not part of the first header
    _same(ingest(bom, filename="register.csv", today=TODAY), _whole(bom, filename="register.csv"))
    path = tmp_path / "register.csv"
    path.write_bytes(data.rstrip(b"\n,") + b"\n")  # on disk: read to its end, so no trailing blank rows
    _same(ingest(path, today=TODAY), _whole(path))


def test_the_day_and_month_order_is_decided_over_the_whole_file(small_blocks):
    """Only the last block shows a day above 12 in second place: every block reads month-first, as the
    file read whole does, not day-first as the first blocks alone would suggest."""
    rows = [f"X-{i},CNIL,France,03/04/2020,EUR 1000,Company {i}" for i in range(400)]
    rows.append("X-400,CNIL,France,04/25/2020,EUR 1000,Company 400")
    data = ("Case,Authority,Country,Date,Fine,Controller\n" + "\n".join(rows) + "\n").encode()
    result = ingest(data, filename="f.csv", today=TODAY)
    _same(result, _whole(data, filename="f.csv"))
    assert (result.accepted["decision_date"] == pd.Timestamp("2020-03-04")).sum() == 400
    assert list(result.choices["date_order"].values()) == ["month-first"]


def test_a_row_of_the_wrong_width_in_a_later_block_sends_the_file_to_the_whole_reader(small_blocks):
    rows = [f"X-{i},CNIL,France,2020-03-04,EUR 1000,Company {i}" for i in range(400)]
    rows[350] += ",an extra field"
    data = ("Case,Authority,Country,Date,Fine,Controller\n" + "\n".join(rows) + "\n").encode()
    result = ingest(data, filename="f.csv", today=TODAY)
    _same(result, _whole(data, filename="f.csv"))
    assert "the row has 7 fields; the header has 6" in set(result.rejected["reason"])


def test_a_block_reader_stopped_early_lets_go_of_its_thread_and_file(small_blocks):
    import threading

    data = _messy(2000)
    plan = blocks.plan(data, filename="f.csv", max_bytes=1 << 30, max_columns=200)
    assert plan is not None
    it = blocks.ahead(plan.blocks(max_rows=10**6, max_cell_chars=10**5))
    next(it)
    it.close()
    assert not [t for t in threading.enumerate() if t.name == "ingest-blocks"]


def test_rows_set_aside_keep_no_block_alive(small_blocks):
    """With no row rejected, the rejected table holds no Arrow buffer of the file's cells: zero-length slices
    of each block's columns kept the whole file as read alive in every session (100 MB at 500,000 rows)."""
    lines = ["Case,Authority,Country,Date of decision,Fine,Controller"]
    lines += [f"C-{i},CNIL,France,2021-03-{1 + i % 28:02d},EUR {1000 + i},Company {i}" for i in range(400)]
    result = ingest("\n".join(lines).encode(), filename="clean.csv", today=TODAY)
    assert len(result.accepted) == 400 and len(result.rejected) == 0
    held = 0
    for column in result.rejected.columns:
        arrow = getattr(result.rejected[column].array, "_pa_array", None)
        for chunk in getattr(arrow, "chunks", [arrow] if arrow is not None else []):
            held += sum(b.size for b in chunk.buffers() if b is not None)
    assert held < 1024, held
    assert list(result.rejected.columns[:2]) == ["row", "reason"]
