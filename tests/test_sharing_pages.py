"""Save and share through the pages (AppTest): upload → save → another session opens ?dataset=ID on
every page with every other parameter; unknown IDs, saving turned off, the database down."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import params as P
from components import sharing

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PAGES = ["app.py", "pages/1_Map.py", "pages/2_Companies.py", "pages/3_Timeline.py", "pages/4_Collection.py", "pages/5_Appeals.py"]


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch):
    """Each test its own SQLite database (settings are read once per process: the caches are cleared per test)."""
    monkeypatch.setenv("ATLAS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("ATLAS_DATABASE_URL", raising=False)
    monkeypatch.delenv("ATLAS_SAVING", raising=False)


def page(path: str = "app.py", **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if path != "app.py":
        at.switch_page(path)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def upload(at: AppTest, path: Path) -> AppTest:
    at.file_uploader(key="upload_file").set_value((path.name, path.read_bytes(), "text/csv"))
    at.run()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def save(at: AppTest, title: str = "CMS sample", description: str = "") -> dict:
    at.text_input(key="shared_title").set_value(title)
    at.text_area(key="shared_description").set_value(description)
    next(b for b in at.button if b.label == "Save as a shared dataset").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at.session_state[sharing._SAVED]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_saved_upload_opens_in_another_session_on_every_page_with_other_parameters():
    at = upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv")
    saved = save(at, "CMS sample", "six fines from a tracker export")
    assert saved["token"] and not saved["existing"]
    assert saved["link"].endswith(f"/?{P.DATASET}={saved['id']}")
    assert any(saved["token"] == c.value for c in at.code)  # the token is shown
    # the saver's own view of the upload, in their session
    at.switch_page("app.py")
    at.query_params[P.DATA_SOURCE] = "My upload"
    at.run()
    own = metrics(at)
    for path in PAGES:
        other = page(path, **{P.DATASET: saved["id"], P.CURRENCY: "USD"} if path == "app.py" else {P.DATASET: saved["id"]})
        shown = texts(other)
        assert "Shared dataset: CMS sample" in shown, path
        assert "six fines from a tracker export" in shown
        assert "No shared dataset" not in shown
    fresh = page(**{P.DATASET: saved["id"]})
    assert metrics(fresh) == own  # the same numbers as the saver's own upload
    assert "shared dataset “CMS sample”" in texts(fresh)
    usd = page(**{P.DATASET: saved["id"], P.CURRENCY: "USD"})
    assert usd.session_state[P.CURRENCY] == "USD" and metrics(usd) != own


def test_saving_the_same_file_twice_gives_the_same_link_without_a_second_token():
    first = save(upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv"), "one")
    second = save(upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv"), "two")
    assert second["id"] == first["id"] and second["existing"] and not second["token"]


def test_delete_token_removes_it_for_everyone():
    saved = save(upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv"))
    at = page(**{P.DATASET: saved["id"]})
    at.text_input(key=sharing._TOKEN_INPUT).set_value("wrong")
    next(b for b in at.button if b.label == "Delete for everyone").click()
    at.run()
    assert "Shared dataset: CMS sample" in texts(at)
    at.text_input(key=sharing._TOKEN_INPUT).set_value(saved["token"])
    next(b for b in at.button if b.label == "Delete for everyone").click()
    at.run()
    assert not at.exception
    assert "was deleted" in texts(at)
    assert P.DATASET not in at.query_params
    gone = page(**{P.DATASET: saved["id"]})
    assert "No shared dataset has this link" in texts(gone)
    assert metrics(gone) == metrics(page())  # the bundled data


@pytest.mark.parametrize("bad", ["AAAAAAAAAAAAAAAAAAAAAA", "x' OR 1=1 --", "../etc/passwd", ""])
def test_unknown_or_malformed_id_gives_a_message_and_the_bundled_data(bad):
    at = page("pages/1_Map.py", **{P.DATASET: bad})
    if bad:
        assert "No shared dataset has this link" in texts(at)
    assert not at.exception


def test_hostile_title_is_shown_as_text():
    evil = "![x](https://evil.example/x.png) <img src=x onerror=alert(1)> :red[boo] **bold**"
    saved = save(upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv"), evil, evil)
    at = page(**{P.DATASET: saved["id"]})
    banner = next(m.value for m in at.markdown if "Shared dataset:" in m.value)
    for live in (r"(?<!\\)!(?<!\\)\[x", r"(?<!\\)<img", r"(?<!\\):red(?<!\\)\[", r"(?<!\\)\*\*bold"):
        assert not re.search(live, banner), (live, banner)  # every markdown/HTML character is escaped
    assert "\\!\\[x\\]" in banner and "\\<img" in banner


def test_saving_turned_off_with_one_setting(monkeypatch):
    monkeypatch.setenv("ATLAS_SAVING", "off")
    at = upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv")
    assert "Saving shared datasets is turned off on this server" in texts(at)
    assert not any(b.label == "Save as a shared dataset" for b in at.button)


def test_database_down_the_app_serves_bundled_data_and_uploads_and_says_so(monkeypatch, silent_port):
    """A database that accepts and never answers: one bounded wait (1.5 s), then none; the page says so."""
    monkeypatch.setenv("ATLAS_DATABASE_URL", f"postgresql://atlas@127.0.0.1:{silent_port}/atlas")
    page()  # the bundle and rates loaded, as on a running server
    start = time.monotonic()
    bundled = page()
    base = time.monotonic() - start
    start = time.monotonic()
    at = page(**{P.DATASET: "AAAAAAAAAAAAAAAAAAAAAA"})
    first = time.monotonic() - start
    assert "Shared datasets are unavailable right now (the database did not answer in time)" in texts(at)
    assert metrics(at) == metrics(bundled)
    # the wait is bounded by the deadline, whatever the machine's load adds to the page itself
    assert first < base + sharing.OPEN_DEADLINE_S + 1.0, (first, base)
    start = time.monotonic()
    again = page(**{P.DATASET: "AAAAAAAAAAAAAAAAAAAAAA"})
    assert "unavailable right now" in texts(again)
    assert time.monotonic() - start < base + 1.0  # no second wait: the failure is remembered
    data = upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv")
    assert "Saving is unavailable right now" in texts(data)
    assert data.session_state["uploaded_fines"] is not None  # the upload itself still works


def test_database_refusing_or_read_only(monkeypatch, tmp_path):
    """Refused: the same message at once. Read-only: links open, saving says why it cannot."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("ATLAS_DATABASE_URL", f"postgresql://atlas@127.0.0.1:{closed}/atlas")
    at = page(**{P.DATASET: "AAAAAAAAAAAAAAAAAAAAAA"})
    assert "Shared datasets are unavailable right now (the database cannot be reached)" in texts(at)

    monkeypatch.delenv("ATLAS_DATABASE_URL")
    import streamlit as st

    st.cache_resource.clear()
    saved = save(upload(page("pages/6_Data.py"), FIXTURES / "cms_tracker.csv"))
    db = Path(__import__("os").environ["ATLAS_STATE_DIR"]) / "atlas.db"
    monkeypatch.setenv("ATLAS_DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    st.cache_resource.clear()
    assert "Shared dataset: CMS sample" in texts(page("pages/2_Companies.py", **{P.DATASET: saved["id"]}))
    data = upload(page("pages/6_Data.py"), FIXTURES / "not_fines.csv")
    next(b for b in data.button if b.label == "Save as a shared dataset").click()
    data.run()
    assert "Saving is unavailable right now (the database is read-only). Nothing was saved." in texts(data)
