"""Saved datasets on real databases: SQLite (a file in a temp state dir) and PostgreSQL (a server the
fixture starts). No mocks of the database; every fault is a real one (read-only, refused, silent)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import silent_server

from components import datasets as D
from components import ingest, schema

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'atlas.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url):
    eng = D.make_engine(db_url)
    yield eng
    eng.dispose()


def settings(url: str = "sqlite://", **over) -> D.Settings:
    base = D.Settings.from_env({"ATLAS_STATE_DIR": "/nonexistent", "ATLAS_DATABASE_URL": url})
    return D.Settings(**{**base.__dict__, **over})


@pytest.fixture(scope="module")
def imported():
    return ingest.ingest(FIXTURES / "cms_tracker.csv")


def variant(result, k: int) -> pd.DataFrame:
    """The fixture's accepted rows with other amounts: different content, so a different dataset."""
    frame = result.accepted.copy()
    frame["amount"] = frame["amount"] + k
    return frame


def report(result, name="cms_tracker.csv") -> D.Report:
    return D.Report.from_result(result, name)


# --- storage ------------------------------------------------------------------------


def test_rows_round_trip_typed_with_their_report(engine, db_url, imported):
    saved = D.save(
        engine, imported.accepted, report(imported), title="CMS sample", description="six fines", settings=settings(db_url)
    )
    assert saved.delete_token and not saved.existing
    back = D.load_rows(engine, saved.id)
    pd.testing.assert_frame_equal(back, imported.accepted)
    meta = D.get_meta(engine, saved.id)
    assert (meta.title, meta.description, meta.rows) == ("CMS sample", "six fines", len(imported.accepted))
    assert meta.report.file_name == "cms_tracker.csv"
    assert (meta.report.rows_read, meta.report.rows_accepted, meta.report.rows_rejected, meta.report.rows_not_fines) == (
        imported.rows_read,
        len(imported.accepted),
        len(imported.rejected),
        len(imported.not_fines),
    )
    assert meta.report.details["choices"]["currency_sources"] == imported.choices["currency_sources"]
    assert meta.report.details["choices"]["date_order"] == imported.choices["date_order"]
    # one typed column per canonical column: amounts numbers, dates dates, never one blob
    cols = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns(D.ROWS.name)}
    assert set(schema.FINE_COLUMNS) <= set(cols)
    for c in schema.FINE_AMOUNT_COLUMNS:
        assert isinstance(cols[c], (sa.Float, sa.Numeric)), (c, cols[c])
    for c in schema.FINE_DATE_COLUMNS:
        assert isinstance(cols[c], sa.Date), (c, cols[c])
    with engine.connect() as conn:
        amount, day = conn.execute(
            sa.text("SELECT amount, decision_date FROM atlas_dataset_rows WHERE dataset_id = :d ORDER BY row_no"), {"d": saved.id}
        ).first()
    assert float(amount) == imported.accepted["amount"].iloc[0]
    assert str(day).startswith(imported.accepted["decision_date"].iloc[0].strftime("%Y-%m-%d"))


def test_every_canonical_column_is_stored_even_ones_added_later(engine, db_url, imported, monkeypatch):
    """Columns are generic over schema.FINE_COLUMNS; a table made before a column existed gains it."""
    older = sa.MetaData()
    sa.Table(D.DATASETS.name, older, *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in D.DATASETS.c))
    sa.Table(D.ROWS.name, older, *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in D.ROWS.c if c.name != "notes"))
    older.create_all(engine)
    assert "notes" not in {c["name"] for c in sa.inspect(engine).get_columns(D.ROWS.name)}
    columns = D.ensure_schema(engine)
    assert "notes" in columns
    saved = D.save(engine, imported.accepted, report(imported), title="t", settings=settings(db_url))
    assert D.load_rows(engine, saved.id)["notes"].tolist() == imported.accepted["notes"].tolist()


def test_same_content_twice_is_one_dataset_and_its_token_is_not_shown_again(engine, db_url, imported):
    first = D.save(engine, imported.accepted, report(imported), title="a", settings=settings(db_url))
    again = D.save(engine, imported.accepted.copy(), report(imported, "copy.csv"), title="b", settings=settings(db_url))
    assert again.id == first.id and again.existing and again.delete_token is None
    other = D.save(engine, variant(imported, 1), report(imported), title="c", settings=settings(db_url))
    assert other.id != first.id


def test_ids_are_unguessable_url_safe_and_only_the_token_hash_is_stored(engine, db_url, imported):
    ids = {D.new_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(D.ID_PATTERN.match(i) for i in ids)
    assert D.ID_BYTES * 8 >= 128
    saved = D.save(engine, imported.accepted, report(imported), title="t", settings=settings(db_url))
    with engine.connect() as conn:
        stored = [tuple(map(str, r)) for r in conn.execute(sa.select(D.DATASETS))]
    assert saved.delete_token not in json.dumps(stored)
    assert D.token_hash(saved.delete_token) in json.dumps(stored)


def test_delete_needs_the_token(engine, db_url, imported):
    saved = D.save(engine, imported.accepted, report(imported), title="t", settings=settings(db_url))
    assert not D.delete(engine, saved.id, "not-the-token")
    assert not D.delete(engine, saved.id, "")
    assert D.get_meta(engine, saved.id) is not None
    assert D.delete(engine, saved.id, saved.delete_token)
    assert D.get_meta(engine, saved.id) is None
    assert D.load_rows(engine, saved.id).empty
    assert not D.delete(engine, saved.id, saved.delete_token)


def test_replace_refreshes_in_place_so_the_link_keeps_working(engine, db_url, imported):
    saved = D.save(engine, imported.accepted, report(imported), title="team", settings=settings(db_url))
    with pytest.raises(D.DatasetError):
        D.save(engine, variant(imported, 5), report(imported), title="team", settings=settings(db_url), replace=(saved.id, "bad"))
    again = D.save(
        engine,
        variant(imported, 5),
        report(imported),
        title="team v2",
        settings=settings(db_url),
        replace=(saved.id, saved.delete_token),
    )
    assert again.id == saved.id and again.replaced
    assert D.get_meta(engine, saved.id).title == "team v2"
    assert D.load_rows(engine, saved.id)["amount"].tolist() == (imported.accepted["amount"] + 5).tolist()
    assert D.delete(engine, saved.id, saved.delete_token)  # the token still holds


def test_hostile_text_and_ids_are_data_never_sql(engine, db_url, imported):
    evil = "x'); DROP TABLE atlas_datasets; --"
    frame = imported.accepted.copy()
    frame["controller"] = evil
    saved = D.save(
        engine, frame, report(imported, evil), title=evil + "\x1b[31m\u202e", description=evil, settings=settings(db_url)
    )
    meta = D.get_meta(engine, saved.id)
    assert meta.title == evil + "[31m"  # control and direction characters removed, the rest kept as text
    assert meta.report.file_name == evil
    assert set(D.load_rows(engine, saved.id)["controller"]) == {evil}
    for probe in ["' OR '1'='1", "%", "_" * 22, saved.id + "' --", "../" + saved.id, saved.id.upper() + "x"]:
        assert D.get_meta(engine, probe) is None
        assert not D.delete(engine, probe, saved.delete_token)
    assert D.get_meta(engine, saved.id) is not None


# --- limits ---------------------------------------------------------------------------


def test_limits_are_enforced(engine, db_url, imported):
    n = len(imported.accepted)
    with pytest.raises(D.LimitError, match="rows per dataset"):
        D.save(engine, imported.accepted, report(imported), title="t", settings=settings(db_url, max_rows=n - 1))
    D.save(engine, imported.accepted, report(imported), title="t", settings=settings(db_url, max_datasets=1))
    with pytest.raises(D.LimitError, match="at most 1 shared datasets"):
        D.save(engine, variant(imported, 1), report(imported), title="t", settings=settings(db_url, max_datasets=1))
    with pytest.raises(D.LimitError, match="storage limit"):
        D.save(engine, variant(imported, 2), report(imported), title="t", settings=settings(db_url, max_total_bytes=100))
    with pytest.raises(D.SavingDisabled):
        D.save(engine, variant(imported, 3), report(imported), title="t", settings=settings(db_url, saving=False))
    with pytest.raises(D.DatasetError, match="title"):
        D.save(engine, variant(imported, 4), report(imported), title="  ", settings=settings(db_url))


def test_retention_expires_and_purges(engine, db_url, imported):
    past = dt.datetime(2026, 1, 1)
    old = D.save(engine, imported.accepted, report(imported), title="old", settings=settings(db_url, retention_days=30), now=past)
    assert D.get_meta(engine, old.id, now=past + dt.timedelta(days=29)) is not None
    assert D.get_meta(engine, old.id) is None  # 30 days after 2026-01-01 is long gone
    fresh = D.save(engine, variant(imported, 1), report(imported), title="new", settings=settings(db_url))
    with engine.connect() as conn:  # saving purged the expired one, rows and all
        assert conn.execute(sa.text("SELECT count(*) FROM atlas_dataset_rows WHERE dataset_id = :d"), {"d": old.id}).scalar() == 0
    assert D.purge(engine) == 0
    assert D.get_meta(engine, fresh.id) is not None


def test_settings_from_the_environment():
    s = D.Settings.from_env({"ATLAS_STATE_DIR": "/srv/atlas", "ATLAS_SAVING": "off", "ATLAS_MAX_TOTAL_MB": "10"})
    assert s.database_url == "sqlite:////srv/atlas/atlas.db"
    assert not s.saving and s.max_total_bytes == 10 * 1024 * 1024 and s.retention_days == 90
    pg = D.Settings.from_env({"ATLAS_DATABASE_URL": "postgresql://u:p@127.0.0.1:5432/atlas"})
    assert pg.database_url.startswith("postgresql+psycopg://u:p@127.0.0.1:5432/atlas")
    with pytest.raises(ValueError, match="ATLAS_MAX_DATASETS"):
        D.Settings.from_env({"ATLAS_MAX_DATASETS": "many"})


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.env for s in D.SETTINGS if f"`{s.env}`" not in readme]
    assert not missing, f"settings not documented in README.md: {missing}"


# --- faults ---------------------------------------------------------------------------


def test_two_saves_at_once_both_succeed(engine, db_url, imported):
    big = pd.concat([variant(imported, k) for k in range(400)])
    big.index = pd.Index(np.arange(1, len(big) + 1), name="row")
    frames = [big, big.assign(amount=big["amount"] + 0.5)]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = D.save(engine, frames[i], report(imported), title=f"s{i}", settings=settings(db_url))
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, D.Saved) for r in results), results
    assert results[0].id != results[1].id
    for r, f in zip(results, frames):
        assert D.load_rows(engine, r.id)["amount"].tolist() == f["amount"].tolist()


def test_sqlite_read_only_opens_but_does_not_save(tmp_path, imported):
    path = tmp_path / "atlas.db"
    rw = D.make_engine(f"sqlite:///{path}")
    saved = D.save(rw, imported.accepted, report(imported), title="t", settings=settings())
    rw.dispose()
    ro = D.make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert D.get_meta(ro, saved.id).title == "t"
    with pytest.raises(D.DB_ERRORS) as exc:
        D.save(ro, variant(imported, 1), report(imported), title="u", settings=settings())
    assert D.describe(exc.value) == "the database is read-only"
    ro.dispose()


@pytest.mark.postgres
def test_postgres_read_only_opens_but_does_not_save(pg_url, imported):
    rw = D.make_engine(pg_url)
    saved = D.save(rw, imported.accepted, report(imported), title="t", settings=settings())
    rw.dispose()
    ro = sa.create_engine(
        D.normalise_url(pg_url),
        connect_args={"options": "-c default_transaction_read_only=on", "connect_timeout": 2},
    )
    assert D.get_meta(ro, saved.id).title == "t"
    with pytest.raises(D.DB_ERRORS) as exc:
        D.save(ro, variant(imported, 1), report(imported), title="u", settings=settings())
    assert D.describe(exc.value) == "the database is read-only"
    ro.dispose()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("kind", ["silent", "refused"])
def test_unreachable_database_fails_within_three_seconds(kind):
    with silent_server() if kind == "silent" else contextlib.nullcontext(closed_port()) as port:
        engine = D.make_engine(f"postgresql://atlas@127.0.0.1:{port}/atlas")
        start = time.monotonic()
        with pytest.raises(D.DB_ERRORS) as exc:
            D.get_meta(engine, D.new_id())
        elapsed = time.monotonic() - start
        engine.dispose()
    assert elapsed < 3.0, elapsed
    assert D.describe(exc.value) in ("the database did not answer in time", "the database cannot be reached")


def test_health_remembers_a_failure_for_a_while():
    health = D.Health(cooldown_s=0.2)
    assert health.available()
    health.failed(sa.exc.OperationalError("select", {}, Exception("connection refused")))
    assert not health.available() and health.reason == "the database cannot be reached"
    time.sleep(0.25)
    assert health.available()


# --- command line ---------------------------------------------------------------------


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "components.datasets", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line_publish_list_delete(tmp_path, db_url):
    env = {"ATLAS_STATE_DIR": str(tmp_path / "state"), "ATLAS_DATABASE_URL": db_url}
    out = cli("publish", str(FIXTURES / "cms_tracker.csv"), "--title", "CMS sample", "--json", env=env)
    assert out.returncode == 0, out.stderr
    published = json.loads(out.stdout)
    assert published["rows"] == 6 and published["link"] == f"/?dataset={published['id']}"
    assert D.valid_id(published["id"]) and published["delete_token"]
    again = json.loads(cli("publish", str(FIXTURES / "cms_tracker.csv"), "--json", env=env).stdout)
    assert again["id"] == published["id"] and "delete_token" not in again
    listed = json.loads(cli("list", "--json", env=env).stdout)
    assert [d["id"] for d in listed] == [published["id"]] and listed[0]["title"] == "CMS sample"
    assert "delete_token" not in json.dumps(listed)
    assert cli("delete", published["id"], "--token", "wrong", env=env).returncode == 1
    gone = cli("delete", published["id"], env={**env, "ATLAS_DELETE_TOKEN": published["delete_token"]})
    assert gone.returncode == 0, gone.stderr
    assert json.loads(cli("list", "--json", env=env).stdout) == []


def test_command_line_mapping_currency_and_errors(tmp_path):
    env = {"ATLAS_STATE_DIR": str(tmp_path / "state"), "ATLAS_DATABASE_URL": ""}
    src = tmp_path / "register.csv"
    src.write_text("Land,Datum,Bußgeld,Firma\nPoland,2021-03-04,9380,Acme\nGermany,2022-05-06,1000,Beta\n", encoding="utf-8")
    out = cli("publish", str(src), "--map", "amount=Bußgeld", "--map", "country=Land", "--map", "decision_date=Datum",
              "--currency", "EUR", "--json", env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr
    published = json.loads(out.stdout)
    engine = D.make_engine(D.Settings.from_env(env).database_url)
    assert set(D.load_rows(engine, published["id"])["currency"]) == {"EUR"}
    engine.dispose()
    bad = cli("publish", str(tmp_path / "missing.csv"), env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("error:")
    down = cli("list", env={"ATLAS_DATABASE_URL": f"postgresql://atlas@127.0.0.1:{closed_port()}/atlas"})
    assert down.returncode == 3 and "cannot be reached" in down.stderr


def test_new_ids_never_start_with_a_dash_the_command_line_would_read_as_an_option():
    """CI once drew '-5Ot63TyRj0jUmpT0bK19Q': `datasets delete -5Ot…` failed, argparse took it for an option."""
    ids = [D.new_id() for _ in range(3000)]  # about 94 would start with '-' or '_' unfiltered
    assert all(i[0].isalnum() and D.valid_id(i) for i in ids)
