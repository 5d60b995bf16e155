"""The Data page as an analyst uses it: upload, read the report, correct a mapping, use the data.
Also: two sessions with different uploads never see each other's rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MONEY_TYPES = ("fine", "penalty_payment", "court_fine")


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/6_Data.py")
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, path: Path, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="upload_file").set_value((path.name, path.read_bytes(), mime))
    at.run()
    at.run()  # the page reruns itself after storing the import
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe on the page that has these columns (dataframes carry no key in AppTest)."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}")


def cli(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "components.ingest", str(path), "--json"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_upload_report_matches_the_command_line():
    path = FIXTURES / "cms_tracker.csv"
    at = upload(data_page(), path)
    expected = cli(path)
    assert metric(at, "Rows read") == f"{expected['rows_read']:,}"
    assert metric(at, "Accepted") == f"{expected['rows_accepted']:,}"
    assert metric(at, "Rejected") == f"{expected['rows_rejected']:,}"
    assert metric(at, "Not fines") == f"{expected['rows_not_fines']:,}"
    assert expected["rows_read"] == expected["rows_accepted"] + expected["rows_rejected"] + expected["rows_not_fines"]
    assert any(s.value.startswith(f"Read {expected['rows_read']:,} = accepted") for s in at.success)
    rejected = table_with(at, "row", "reason")
    assert rejected["row"].tolist() == [r["row"] for r in expected["rejected"]]
    assert rejected["reason"].tolist() == [r["reason"] for r in expected["rejected"]]


def test_mapping_can_be_corrected_on_the_page(tmp_path):
    # "Target" is not a heading the importer knows; the analyst maps it to controller.
    path = tmp_path / "register.csv"
    path.write_text('Target,Country,Date,Penalty\nAcme Ltd,France,2021-03-04,EUR 50000\nBeta SA,Spain,2022-05-06,"€1,5m"\n')
    at = upload(data_page(), path)
    assert at.session_state["uploaded_fines"]["controller"].tolist() != ["Acme Ltd", "Beta SA"]
    at.selectbox(key="map_controller").set_value("Target")
    at.button(key="FormSubmitter:mapping_form-Apply mapping").click()
    at.run()
    at.run()
    assert not at.exception
    accepted = at.session_state["uploaded_fines"]
    assert accepted["controller"].tolist() == ["Acme Ltd", "Beta SA"]
    assert accepted["amount"].tolist() == [50000.0, 1500000.0]


def test_unguessable_required_column_gets_a_mapping_form(tmp_path):
    path = tmp_path / "odd.csv"
    # headers no synonym names and no value scoring can place ("day" and "sum" now import by themselves)
    path.write_text("who,nation,figure,when\nAcme,France,1000,2021-03-04\n")
    at = upload(data_page(), path)
    assert any("could not be imported" in (e.proto.title or "") or "map" in e.value for e in at.error)
    at.selectbox(key="map_decision_date").set_value("when")
    at.selectbox(key="map_amount").set_value("figure")
    at.selectbox(key="map_country").set_value("nation")
    at.button(key="FormSubmitter:mapping_form-Apply mapping").click()
    at.run()
    at.run()
    assert not at.exception
    assert metric(at, "Accepted") == "1"


def overview_of_my_upload(path: Path) -> tuple[AppTest, pd.DataFrame]:
    """The Overview on "My upload" after `path` was uploaded on the Data page, and the accepted rows."""
    at = upload(data_page(), path)
    accepted = at.session_state["uploaded_fines"]
    at.switch_page("app.py")
    at.run()
    at.segmented_control(key="data").set_value("mine")
    at.run()
    return at, accepted


def test_use_my_upload_then_merged_on_the_overview(raw_fines):
    at, accepted = overview_of_my_upload(FIXTURES / "cms_tracker.csv")
    assert not at.exception
    assert next(m.value for m in at.metric if m.label == "Fines") == f"{len(accepted):,}"
    at.segmented_control(key="data").set_value("merged")
    at.run()
    bundled_money = raw_fines[raw_fines["decision_type"].isin(MONEY_TYPES)]

    # duplicates (same country, controller, date, amount, currency as a bundled row) are not added twice
    def key(f):
        return (
            f["country"]
            + "|"
            + f["controller"].str.strip().str.lower()
            + "|"
            + pd.to_datetime(f["decision_date"]).dt.strftime("%Y-%m-%d")
            + "|"
            + f["amount"].round(2).astype(str)
            + "|"
            + f["currency"]
        )

    new = (~key(accepted).isin(set(key(raw_fines)))).sum()
    assert next(m.value for m in at.metric if m.label == "Fines") == f"{len(bundled_money) + new:,}"


def test_two_sessions_never_see_each_others_upload(raw_fines, tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("Company,Country,Date,Fine\nOnly In Session A,France,2021-03-04,EUR 123456\n")
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("Company,Country,Date,Fine\nOnly In Session B,Spain,2022-05-06,EUR 654321\n")
    a = upload(data_page(), mine)
    b = upload(data_page(), theirs)
    for at, own, other in ((a, "Only In Session A", "Only In Session B"), (b, "Only In Session B", "Only In Session A")):
        at.switch_page("pages/2_Companies.py")
        at.run()
        assert at.segmented_control(key="data").value == "merged"  # the default once a file is uploaded
        at.text_input(key="q").set_value("Only In Session")
        at.run()
        assert not at.exception
        names = table_with(at, "company", "imposed", "first")["company"].tolist()
        assert names == [own], names
        assert other not in str(at.session_state["uploaded_fines"]["controller"].tolist())
    # a third session that uploaded nothing sees only the bundled data
    c = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    c.query_params["q"] = "Only In Session"
    c.run()
    assert any("No fines match" in i.value for i in c.info)


def test_close_headers_are_suggested_in_the_mapping_form_but_never_applied(tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("Country,Decision date,Amout,Controler\nIE,2021-05-03,EUR 1000,Acme\nFR,2022-01-10,EUR 2000,Beta\n")
    at = upload(data_page(), path)
    assert any("could not be imported" in (e.proto.title or "") or "No column" in e.value for e in at.error)
    captions = [c.value for c in at.caption]
    assert any("Suggestion: 'Amout' looks like amount" in c for c in captions), captions
    assert any("Suggestion: 'Controler' looks like controller" in c for c in captions), captions
    # a suggestion only: the fields stay unmapped until the user chooses the column
    assert at.selectbox(key="map_amount").value == ""
    assert at.selectbox(key="map_controller").value == ""
    # choosing it is what applies it
    at.selectbox(key="map_amount").set_value("Amout")
    next(b for b in at.button if b.label == "Apply mapping").click()
    at.run()
    at.run()
    assert not at.exception
    assert metric(at, "Accepted") == "2"


def test_an_uploads_selection_follows_every_filter_change(raw_fines):
    """The selection of an upload is kept per session for the current filters (layout._filtered):
    the same filters on a rerun reuse it, a changed filter (and a changed data view) recomputes it."""
    at, accepted = overview_of_my_upload(FIXTURES / "cms_tracker.csv")
    money = accepted[accepted["decision_type"].isin(MONEY_TYPES)]
    assert metric(at, "Fines") == f"{len(money):,}"
    first = at.session_state["_filtered_cache"][2]
    at.run()
    assert at.session_state["_filtered_cache"][2] is first, "the same filters recomputed the selection"
    country = money["country"].value_counts().index[0]
    at.multiselect(key="country").set_value([country])
    at.run()
    assert metric(at, "Fines") == f"{int((money['country'] == country).sum()):,}"
    at.multiselect(key="country").set_value([])
    at.run()
    assert metric(at, "Fines") == f"{len(money):,}"
    at.segmented_control(key="data").set_value("bundled")
    at.run()
    assert metric(at, "Fines") == f"{int(raw_fines['decision_type'].isin(MONEY_TYPES).sum()):,}"


def test_the_session_keeps_the_file_compressed_and_gives_it_back_whole():
    """The file stays in the session (to re-import it with another mapping), compressed."""
    from components import uploads

    path = FIXTURES / "cms_tracker.csv"
    at = upload(data_page(), path)
    kept = at.session_state["upload_bytes"]
    assert len(kept) < len(path.read_bytes())
    assert uploads.unpack(kept) == path.read_bytes()


def test_the_report_says_what_the_accepted_rows_cite(tmp_path):
    """An upload's rows are sorted by the kind of their source, as the bundled fines are."""
    path = tmp_path / "mixed_sources.csv"
    path.write_text(
        "fine_id,authority,country,controller,decision_date,amount,currency,source_url\n"
        "A1,CNIL,FR,Alpha SA,2021-03-01,1000,EUR,https://www.cnil.fr/fr/sanction-alpha\n"
        "A2,CNIL,FR,Beta SA,2021-03-02,2000,EUR,https://gdprhub.eu/index.php?title=CNIL_-_beta\n"
        "A3,CNIL,FR,Gamma SA,2021-03-03,3000,EUR,https://www.lexology.com/library/detail.aspx?g=gamma\n"
        "A4,CNIL,FR,Delta SA,2021-03-04,4000,EUR,\n"
        "A5,CNIL,FR,Epsilon SA,2021-03-05,5000,EUR,https://www.lemonde.fr/epsilon\n",
        encoding="utf-8",
    )
    at = upload(data_page(), path)
    assert metric(at, "Accepted") == "5"
    captions = " ".join(c.value for c in at.caption)
    assert (
        "Sources of the accepted rows: 2 cite an authority, a court or the news; 1 only a GDPRhub summary; "
        "1 only a law firm or blog; 1 gives no source."
    ) in captions, captions
