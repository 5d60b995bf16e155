"""Exports: formula-leading text neutralised, numbers untouched, sources carried."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from components import exports

HOSTILE = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_formula_cells_become_text(cell):
    frame = pd.DataFrame({"controller": [cell], "amount": [-5.0]})
    text = exports.to_csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][0] == "'" + cell
    assert rows[1][1] == "-5.0"  # a negative number stays a number


def test_numbers_untouched():
    frame = pd.DataFrame({"amount": [-5.0, 1e9], "name": ["a", "b"]})
    out = exports.neutralise(frame)
    assert out["amount"].tolist() == [-5.0, 1e9]


def test_csv_header_lines_and_bom():
    data = exports.to_csv_bytes(pd.DataFrame({"a": [1]}), ["Source: x", "=evil"])
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    # one quoted cell per comment line, so a comma or a formula in it cannot become a cell
    assert text.splitlines()[0] == '"# Source: x"'
    assert text.splitlines()[1] == '"# =evil"'
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["# Source: x"] and rows[1] == ["# =evil"]


def test_xlsx_cells_are_text_and_about_sheet():
    frame = pd.DataFrame({"controller": HOSTILE, "amount": range(len(HOSTILE))})
    wb = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes(frame, {"licence": exports.LICENCE})))
    ws = wb["fines"]
    for row in ws.iter_rows(min_row=2, values_only=True):
        assert isinstance(row[0], str) and row[0].startswith("'")
        assert isinstance(row[1], int)
        assert ws.cell(row=2, column=1).data_type == "s"
    assert wb["about"]["B2"].value == exports.LICENCE


def test_a_chart_image_is_rendered_again_when_kaleido_fails_for_a_moment(monkeypatch):
    """kaleido's Chromium tab was now and then asked to render before its scripts had loaded (CI): one retry, not nothing."""
    import plotly.graph_objects as go

    from components import imageexport

    class JavascriptError(Exception):  # kaleido's own error type, as far as image_bytes can tell
        __module__ = "kaleido._kaleido_tab._errors"

    calls = []

    def flaky(self, **kwargs):
        calls.append(kwargs["format"])
        if len(calls) == 1:
            raise JavascriptError("ReferenceError: kaleido_scopes is not defined")
        return b"<svg/>"

    monkeypatch.setattr(go.Figure, "to_image", flaky)
    monkeypatch.setattr(imageexport, "RETRY_PAUSE_S", 0.0)
    assert imageexport.image_bytes(go.Figure(), "svg", None) == b"<svg/>"
    assert calls == ["svg", "svg"]

    # a figure plotly refuses is not retried: it would fail every time
    calls.clear()

    def refused(self, **kwargs):
        calls.append(kwargs["format"])
        raise ValueError("Invalid property")

    monkeypatch.setattr(go.Figure, "to_image", refused)
    with pytest.raises(ValueError):
        imageexport.image_bytes(go.Figure(), "png", None)
    assert calls == ["png"]
