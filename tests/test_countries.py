"""Countries: every usual written form resolves to ISO-2; membership sets are right."""

from __future__ import annotations

import pandas as pd
import pytest

from components import countries


@pytest.mark.parametrize(
    ("written", "iso2"),
    [
        ("EL", "GR"),
        ("UK", "GB"),
        ("GB", "GB"),
        ("gbr", "GB"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("Deutschland", "DE"),
        ("GERMANY", "DE"),
        ("DEU", "DE"),
        ("  Spain ", "ES"),
        ("España", "ES"),
        ("ITA", "IT"),
        ("Italia", "IT"),
        ("Österreich", "AT"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Hellas", "GR"),
        ("Greece", "GR"),
        ("The Netherlands", "NL"),
        ("Nederland", "NL"),
        ("Polska", "PL"),
        ("Sverige", "SE"),
        ("Norge", "NO"),
        ("Ísland", "IS"),
        ("Liechtenstein", "LI"),
        ("Magyarország", "HU"),
        ("Hrvatska", "HR"),
        ("Slovak Republic", "SK"),
        ("Éire", "IE"),
        ("Ireland", "IE"),
        ("USA", "US"),
        ("United States", "US"),
        ("Luxembourg", "LU"),
        ("Malta", "MT"),
        ("Cyprus", "CY"),
        ("Lietuva", "LT"),
        ("Latvija", "LV"),
        ("Eesti", "EE"),
        ("Suomi", "FI"),
        ("Danmark", "DK"),
        ("Belgique", "BE"),
        ("Portugal", "PT"),
        ("România", "RO"),
        ("Slovenija", "SI"),
        ("Bulgaria", "BG"),
    ],
)
def test_written_forms(written, iso2):
    assert countries.to_iso2(written) == iso2


@pytest.mark.parametrize("junk", ["", "  ", "XX", "Atlantis", "Kingdom", "123", None])
def test_unknown_is_none(junk):
    assert countries.to_iso2(junk) is None


def test_membership():
    assert len(countries.EU) == 27
    assert len(countries.EEA) == 30
    assert "GB" in countries.EEA_UK and "GB" not in countries.EEA
    assert countries.region("DE") == "EU"
    assert countries.region("NO") == "EEA (non-EU)"
    assert countries.region("GB") == "UK"
    assert countries.region("US") == "Outside EEA and UK"
    assert countries.region(None) == "Unknown"


def test_iso3_for_maps_covers_the_area():
    codes = {countries.iso3(c) for c in countries.EEA_UK}
    assert None not in codes
    assert {"CYP", "MLT", "LIE", "GRC", "GBR"} <= codes


def test_normalise_series_reports_aliases():
    iso, used = countries.normalise_series(pd.Series(["EL", "UK", "FR", "Deutschland", None, "nowhere"]))
    assert iso.tolist()[:4] == ["GR", "GB", "FR", "DE"]
    assert pd.isna(iso.iloc[4]) and pd.isna(iso.iloc[5])
    assert used["EL"] == "GR" and used["Deutschland"] == "DE" and "FR" not in used
