"""Issue 11, item 7: faults in the bundled files name the file and line, never the server's folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from components import data

DATA = Path(__file__).resolve().parent.parent / "data"


def _copy(tmp_path: Path) -> Path:
    for name in (data.FINES_FILE, data.EVENTS_FILE, data.COLLECTION_FILE):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def test_out_of_range_date_names_file_and_line(tmp_path):
    d = _copy(tmp_path)
    lines = (d / data.FINES_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = header.index("decision_date")
    import csv
    import io

    rows = list(csv.reader(io.StringIO("".join(lines))))
    rows[3][col] = "3000-01-01"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (d / data.FINES_FILE).write_text(buf.getvalue(), encoding="utf-8")
    with pytest.raises(data.DataFileError) as exc:
        data.load_bundle(d)
    assert str(exc.value) == "fines.csv, line 4: column decision_date has '3000-01-01', a date out of range."


def test_missing_file_does_not_show_the_server_path(tmp_path):
    d = _copy(tmp_path)
    (d / data.EVENTS_FILE).unlink()
    with pytest.raises(data.DataFileError) as exc:
        data.load_bundle(d)
    assert str(exc.value) == "Data file events.csv is missing."
    assert str(tmp_path) not in str(exc.value)
