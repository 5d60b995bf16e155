"""Saved datasets: an import's accepted rows and its report in a SQL database, opened by an unguessable ID.

Pure (SQLAlchemy, no streamlit): the app reaches the same functions through
`st.connection(..., type="sql")` (components/sharing.py), scripts through the command line
`python -m components.datasets publish|list|delete|purge`.

Storage: one table of datasets (title, description, saved time, expiry, the import report,
the SHA-256 of the delete token, never the token) and one table of rows, one typed column per
canonical column of `schema.FINE_COLUMNS` (amounts as numbers, dates as dates). Both are
created on first use; canonical columns added later are added to an existing table.
Every statement binds its values; identifiers come only from schema.FINE_COLUMNS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import inspect
import json
import os
import re
import secrets
import sys
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from components import schema

# --- settings -------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    meaning: str


#: Every setting, read from the environment (the README lists each; a test checks it).
SETTINGS: Final[tuple[Setting, ...]] = (
    Setting("ATLAS_STATE_DIR", "./var/", "Directory for the embedded SQLite database (created if missing; ignored by git)"),
    Setting("ATLAS_DATABASE_URL", "sqlite:///$ATLAS_STATE_DIR/atlas.db", "SQLAlchemy URL, e.g. postgresql://user:pw@host/db"),
    Setting("ATLAS_SAVING", "on", "off turns saving shared datasets off (opening existing links still works)"),
    Setting("ATLAS_MAX_DATASET_ROWS", "500000", "Most accepted rows one saved dataset may hold"),
    Setting("ATLAS_MAX_DATASETS", "1000", "Most saved datasets in total"),
    Setting("ATLAS_MAX_TOTAL_MB", "2048", "Most stored data in total, in MB (estimated from the rows' text and numbers)"),
    Setting("ATLAS_RETENTION_DAYS", "90", "Days a saved dataset is kept; then it is deleted"),
)

CONNECT_TIMEOUT_S: Final = 2  # PostgreSQL connect (psycopg's minimum) and the pool's wait
STATEMENT_TIMEOUT_MS: Final = 2500  # one read statement; the page answers within 3 s either way
WRITE_TIMEOUT_MS: Final = 60_000  # a save of 500,000 rows, and waiting for another save
LOAD_TIMEOUT_MS: Final = 30_000  # reading the rows of one dataset (after its metadata answered quickly)
SQLITE_BUSY_MS: Final = 2500
TITLE_MAX: Final = 200
DESCRIPTION_MAX: Final = 2000
REPORT_MAX_CHARS: Final = 64_000
ID_BYTES: Final = 16  # 128 bits, URL-safe base64: 22 characters
ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{22}$")
CHUNK_ROWS: Final = 5000


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    database_url: str
    saving: bool
    max_rows: int
    max_datasets: int
    max_total_bytes: int
    retention_days: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def num(name: str) -> int:
            default = next(s.default for s in SETTINGS if s.env == name)
            raw = env.get(name, "").strip() or default
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            return value

        state_dir = Path(env.get("ATLAS_STATE_DIR", "").strip() or "./var/")
        url = env.get("ATLAS_DATABASE_URL", "").strip() or f"sqlite:///{(state_dir / 'atlas.db').resolve()}"
        saving = env.get("ATLAS_SAVING", "on").strip().lower() not in ("off", "0", "false", "no")
        return cls(
            state_dir=state_dir,
            database_url=normalise_url(url),
            saving=saving,
            max_rows=num("ATLAS_MAX_DATASET_ROWS"),
            max_datasets=num("ATLAS_MAX_DATASETS"),
            max_total_bytes=num("ATLAS_MAX_TOTAL_MB") * 1024 * 1024,
            retention_days=num("ATLAS_RETENTION_DAYS"),
        )


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here (SQLAlchemy's default PostgreSQL driver is psycopg2)."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def backend(url: str) -> str:
    return sa.engine.make_url(url).get_backend_name()


def engine_kwargs(url: str) -> dict[str, Any]:
    """create_engine arguments that bound every wait: connect, pool, statement, lock."""
    kind = backend(url)
    if kind == "sqlite":
        return {"connect_args": {"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False}}
    if kind == "postgresql":
        return {
            "connect_args": {
                "connect_timeout": CONNECT_TIMEOUT_S,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}",
                "application_name": "enforcement-atlas",
            },
            "pool_timeout": CONNECT_TIMEOUT_S,
            "pool_pre_ping": True,
            "pool_recycle": 1800,
        }
    return {}


def prepare_state_dir(url: str) -> None:
    """Create the directory of an embedded SQLite file (the state directory) on first use."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        if not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    """A configured engine for scripts and tests (the app gets its engine from st.connection)."""
    url = normalise_url(url)
    prepare_state_dir(url)
    engine = sa.create_engine(url, **engine_kwargs(url))
    configure(engine)
    return engine


_CONFIGURED: weakref.WeakSet[Engine] = weakref.WeakSet()
_CONFIGURE_LOCK = threading.Lock()


def configure(engine: Engine) -> Engine:
    """Per-connection settings: SQLite in WAL mode with writes taking the lock up front. Idempotent."""
    with _CONFIGURE_LOCK:
        if engine in _CONFIGURED:
            return engine
        if engine.dialect.name == "sqlite":

            @sa.event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn, _record) -> None:
                dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for a save
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

            @sa.event.listens_for(engine, "begin")
            def _on_begin(conn: Connection) -> None:
                if conn.get_execution_options().get("atlas_write"):
                    # two saves at once: the second waits for the first instead of failing
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {WRITE_TIMEOUT_MS}")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
                    conn.exec_driver_sql("BEGIN")

        _CONFIGURED.add(engine)
    return engine


# --- schema ---------------------------------------------------------------------

metadata = sa.MetaData()

DATASETS = sa.Table(
    "atlas_datasets",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("title", sa.String(TITLE_MAX), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("saved_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("byte_count", sa.BigInteger, nullable=False),
    sa.Column("delete_token_sha256", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(300), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("rows_not_fines", sa.Integer, nullable=False),
    sa.Column("report", sa.JSON, nullable=False),  # how columns, currencies and dates were read
)

#: the row number in the file (the accepted frame's index, "row"); the key with dataset_id
ROW_NO: Final = "row_no"


def _sql_type(column: str) -> sa.types.TypeEngine:
    """The SQL type of a canonical column, from its pandera dtype: dates as dates, amounts as numbers."""
    col = schema.FINES_SCHEMA.columns.get(column)
    kind = str(col.dtype) if col is not None and col.dtype is not None else "str"
    if column in schema.FINE_DATE_COLUMNS or kind.startswith("datetime"):
        return sa.Date()
    if column in schema.FINE_AMOUNT_COLUMNS or kind.startswith("float"):
        return sa.Float(53)
    if kind.startswith("int"):
        return sa.BigInteger()
    if kind.startswith("bool"):
        return sa.Boolean()
    return sa.Text()


ROWS = sa.Table(
    "atlas_dataset_rows",
    metadata,
    sa.Column("dataset_id", sa.String(32), sa.ForeignKey("atlas_datasets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(ROW_NO, sa.BigInteger, primary_key=True, autoincrement=False),
    *(sa.Column(c, _sql_type(c), nullable=True) for c in schema.FINE_COLUMNS),
)


@dataclass
class _EngineState:
    ready: bool = False
    row_columns: tuple[str, ...] = ()  # canonical columns the rows table has
    lock: threading.Lock = field(default_factory=threading.Lock)


_STATES: weakref.WeakKeyDictionary[Engine, _EngineState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def ensure_schema(engine: Engine) -> tuple[str, ...]:
    """Create the tables on first use (and add canonical columns a newer version defines).

    On a read-only database whose tables exist this only reads. Returns the canonical
    columns the rows table holds.
    """
    with _STATES_LOCK:
        state = _STATES.setdefault(engine, _EngineState())
    if state.ready:
        return state.row_columns
    with state.lock:
        if state.ready:
            return state.row_columns
        insp = sa.inspect(engine)
        if not (insp.has_table(DATASETS.name) and insp.has_table(ROWS.name)):
            try:
                metadata.create_all(engine, checkfirst=True)
            except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
                # another process created them at the same moment
                insp = sa.inspect(engine)
                if not insp.has_table(ROWS.name):
                    raise
            insp = sa.inspect(engine)
        present = {c["name"] for c in insp.get_columns(ROWS.name)}
        missing = [c for c in schema.FINE_COLUMNS if c not in present]
        if missing:
            try:
                with engine.connect().execution_options(atlas_write=True) as conn, conn.begin():
                    for name in missing:
                        # identifiers from schema.FINE_COLUMNS only, quoted by the dialect
                        column = ROWS.c[name]
                        ddl = sa.schema.CreateColumn(column).compile(dialect=engine.dialect)
                        conn.exec_driver_sql(f"ALTER TABLE {ROWS.name} ADD COLUMN {ddl}")
                present.update(missing)
            except sa.exc.OperationalError:
                pass  # read-only: older datasets simply lack the new columns (filled as blank)
        state.row_columns = tuple(c for c in schema.FINE_COLUMNS if c in present)
        state.ready = True
        return state.row_columns


# --- values ---------------------------------------------------------------------


class DatasetError(Exception):
    """A save, open or delete that cannot be done, with a message a person reads."""


class LimitError(DatasetError):
    """A configured limit would be exceeded."""


class SavingDisabled(DatasetError):
    """ATLAS_SAVING=off."""


@dataclass(frozen=True)
class Report:
    """The import report stored beside the rows (what the Data page showed the saver)."""

    file_name: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_not_fines: int
    details: dict[str, Any]  # mapping, how currencies and dates were read

    @classmethod
    def from_result(cls, result: Any, file_name: str) -> Report:
        """From an importer's IngestResult (accepted, rejected, not_fines, rows_read, mapping, choices)."""
        details = {"mapping": dict(result.mapping), "choices": dict(result.choices)}
        return cls(
            file_name=clean_text(file_name, 300) or "upload",
            rows_read=int(result.rows_read),
            rows_accepted=len(result.accepted),
            rows_rejected=len(result.rejected),
            rows_not_fines=len(result.not_fines),
            details=details,
        )


@dataclass(frozen=True)
class Meta:
    id: str
    title: str
    description: str
    content_hash: str
    saved_at: dt.datetime
    expires_at: dt.datetime
    rows: int
    bytes: int
    report: Report

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "saved_at": self.saved_at.isoformat(timespec="seconds") + "Z",
            "expires_at": self.expires_at.isoformat(timespec="seconds") + "Z",
            "rows": self.rows,
            "bytes": self.bytes,
            "file_name": self.report.file_name,
            "link": link(self.id),
        }


@dataclass(frozen=True)
class Saved:
    id: str
    rows: int
    delete_token: str | None  # None when the same content was saved before (its token went to that saver)
    existing: bool
    replaced: bool = False

    @property
    def link(self) -> str:
        return link(self.id)


def link(dataset_id: str) -> str:
    from components import params

    return f"/?{params.DATASET}={dataset_id}"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: object, limit: int, keep_newlines: bool = False) -> str:
    """Untrusted text as stored: control and direction characters removed, length bounded."""
    text = "" if value is None else str(value)
    if not keep_newlines:
        text = text.replace("\r", " ").replace("\n", " ")
    text = _CONTROL.sub("", text).strip()
    return text[:limit]


def valid_id(dataset_id: object) -> bool:
    return isinstance(dataset_id, str) and bool(ID_PATTERN.match(dataset_id))


def new_id() -> str:
    """22 URL-safe characters, never starting with '-' or '_': an id like '-5Ot…' was read as an option by
    `python -m components.datasets delete ID` (argparse), one id in 32."""
    while True:
        dataset_id = secrets.token_urlsafe(ID_BYTES)
        if dataset_id[0].isalnum():
            return dataset_id


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns in order (absent ones blank), rows keyed by the file's row number."""
    out = frame.reindex(columns=list(schema.FINE_COLUMNS))
    for c in schema.FINE_COLUMNS:
        kind = _sql_type(c)
        if isinstance(kind, sa.Date):
            out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
        elif isinstance(kind, sa.Float):
            out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    return out


def content_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of the canonical rows (values, order, row numbers): the same file saved twice is one dataset."""
    frame = canonical(frame)
    digest = hashlib.sha256(("atlas-rows-v1|" + "|".join(frame.columns)).encode())
    digest.update(np.asarray(frame.index, dtype="int64").tobytes())
    for c in frame.columns:
        digest.update(pd.util.hash_pandas_object(frame[c], index=False).to_numpy().tobytes())
    return digest.hexdigest()


def estimate_bytes(frame: pd.DataFrame) -> int:
    """What the rows take when stored, roughly: text as UTF-8 length, 8 bytes a number or date, 24 a row."""
    total = 24 * len(frame)
    for c in frame.columns:
        s = frame[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            total += int(s.dropna().astype(str).str.len().sum())
        else:
            total += 8 * len(s)
    return total


def _columns_as_lists(frame: pd.DataFrame, columns: Sequence[str], iso_dates: bool) -> list[list[Any]]:
    """Each column as a Python list: NaN/NaT as None, dates as datetime.date (or ISO text for SQLite)."""
    lists: list[list[Any]] = []
    for c in columns:
        s = frame[c]
        kind = _sql_type(c)
        missing = s.isna().to_numpy()
        if isinstance(kind, sa.Date):
            source = s.dt.strftime("%Y-%m-%d") if iso_dates else s.dt.date
        else:
            source = s
        values = np.array(source.to_numpy(dtype=object), dtype=object)  # a writable copy
        values[missing] = None
        lists.append(values.tolist())
    return lists


def _insert_rows(conn: Connection, dataset_id: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """All rows of one dataset: COPY on PostgreSQL, executemany elsewhere; values never enter SQL text."""
    quote = conn.dialect.identifier_preparer.quote
    names = ["dataset_id", ROW_NO, *columns]  # identifiers from schema.FINE_COLUMNS only
    col_sql = ", ".join(quote(n) for n in names)
    postgres = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
    lists = _columns_as_lists(frame, columns, iso_dates=not postgres)
    row_numbers = [int(r) for r in np.asarray(frame.index, dtype="int64")]
    rows = zip([dataset_id] * len(frame), row_numbers, *lists)
    if postgres:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {quote(ROWS.name)} ({col_sql}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLAlchemy writes the statement (placeholders in the driver's style); the driver binds the values
    sql = str(ROWS.insert().compile(dialect=conn.dialect, column_keys=names))
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK_ROWS:
            conn.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)


# --- operations -----------------------------------------------------------------


def _write(engine: Engine) -> Connection:
    return engine.connect().execution_options(atlas_write=True)


def _begin_write(conn: Connection) -> None:
    """Serialise saves (limits and the content hash are checked inside the lock), with a long statement bound."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(WRITE_TIMEOUT_MS)})
        conn.execute(sa.text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": str(WRITE_TIMEOUT_MS)})
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x41544C4153})
    # SQLite: BEGIN IMMEDIATE (configure) already holds the database's write lock


def _purge_expired(conn: Connection, now: dt.datetime) -> int:
    ids = [r[0] for r in conn.execute(sa.select(DATASETS.c.id).where(DATASETS.c.expires_at <= sa.bindparam("now")), {"now": now})]
    for dataset_id in ids:
        _delete_rows(conn, dataset_id)
    return len(ids)


def _delete_rows(conn: Connection, dataset_id: str) -> None:
    conn.execute(ROWS.delete().where(ROWS.c.dataset_id == sa.bindparam("did")), {"did": dataset_id})
    conn.execute(DATASETS.delete().where(DATASETS.c.id == sa.bindparam("did")), {"did": dataset_id})


def save(
    engine: Engine,
    accepted: pd.DataFrame,
    report: Report,
    *,
    title: str,
    description: str = "",
    settings: Settings,
    replace: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Saved:
    """Store the accepted rows and their report; return the ID (and, for a new dataset, its delete token).

    The same rows saved again return the existing dataset (without a token). `replace=(id, token)`
    refreshes an existing dataset in place, so its link keeps working.
    """
    if not settings.saving:
        raise SavingDisabled("Saving shared datasets is turned off on this server (ATLAS_SAVING=off).")
    title = clean_text(title, TITLE_MAX)
    if not title:
        raise DatasetError("Give the dataset a title.")
    description = clean_text(description, DESCRIPTION_MAX, keep_newlines=True)
    n = len(accepted)
    if n == 0:
        raise DatasetError("There are no accepted rows to save.")
    if n > settings.max_rows:
        raise LimitError(f"This server keeps at most {settings.max_rows:,} rows per dataset; this one has {n:,}.")
    frame = canonical(accepted)
    digest = content_hash(frame)
    nbytes = estimate_bytes(frame)
    details = json.loads(json.dumps(report.details, default=str, ensure_ascii=False))
    if len(json.dumps(details, ensure_ascii=False)) > REPORT_MAX_CHARS:
        details = {"mapping": details.get("mapping", {}), "note": "the rest of the report was too long to keep"}
    columns = ensure_schema(engine)
    now = now or _utcnow()
    with _write(engine) as conn, conn.begin():
        _begin_write(conn)
        _purge_expired(conn, now)
        same = conn.execute(
            sa.select(DATASETS.c.id, DATASETS.c.row_count).where(DATASETS.c.content_hash == sa.bindparam("h")), {"h": digest}
        ).first()
        if replace is not None:
            target_id, token = replace
            row = _check_token(conn, target_id, token)
            if row is None:
                raise DatasetError("No dataset with that ID and delete token.")
            if same is not None and same.id == target_id:
                return Saved(id=target_id, rows=int(same.row_count), delete_token=None, existing=True)
            if same is not None:
                raise DatasetError("These rows are already saved as another dataset.")
            used = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(DATASETS.c.byte_count), 0)).where(DATASETS.c.id != sa.bindparam("did")),
                {"did": target_id},
            ).scalar_one()
            if int(used) + nbytes > settings.max_total_bytes:
                raise LimitError("The server's storage limit for shared datasets is reached.")
            conn.execute(ROWS.delete().where(ROWS.c.dataset_id == sa.bindparam("did")), {"did": target_id})
            conn.execute(
                DATASETS.update()
                .where(DATASETS.c.id == sa.bindparam("did"))
                .values(_meta_values(title, description, digest, now, settings, n, nbytes, report, details)),
                {"did": target_id},
            )
            _insert_rows(conn, target_id, frame, columns)
            return Saved(id=target_id, rows=n, delete_token=None, existing=False, replaced=True)
        if same is not None:
            return Saved(id=same.id, rows=int(same.row_count), delete_token=None, existing=True)
        count, used = conn.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(DATASETS.c.byte_count), 0)).select_from(DATASETS)
        ).one()
        if int(count) >= settings.max_datasets:
            raise LimitError(f"This server keeps at most {settings.max_datasets:,} shared datasets; the limit is reached.")
        if int(used) + nbytes > settings.max_total_bytes:
            raise LimitError(
                f"The server's storage limit for shared datasets ({settings.max_total_bytes // (1024 * 1024):,} MB) is reached."
            )
        dataset_id = new_id()
        token = secrets.token_urlsafe(24)
        conn.execute(
            DATASETS.insert().values(
                id=dataset_id,
                delete_token_sha256=token_hash(token),
                **_meta_values(title, description, digest, now, settings, n, nbytes, report, details),
            )
        )
        _insert_rows(conn, dataset_id, frame, columns)
    return Saved(id=dataset_id, rows=n, delete_token=token, existing=False)


def _meta_values(
    title: str,
    description: str,
    digest: str,
    now: dt.datetime,
    settings: Settings,
    n: int,
    nbytes: int,
    report: Report,
    details: dict[str, Any],
) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "content_hash": digest,
        "saved_at": now,
        "expires_at": now + dt.timedelta(days=settings.retention_days),
        "row_count": n,
        "byte_count": nbytes,
        "file_name": report.file_name,
        "rows_read": report.rows_read,
        "rows_accepted": report.rows_accepted,
        "rows_rejected": report.rows_rejected,
        "rows_not_fines": report.rows_not_fines,
        "report": details,
    }


def _check_token(conn: Connection, dataset_id: str, token: str):
    if not valid_id(dataset_id) or not token:
        return None
    row = conn.execute(
        sa.select(DATASETS.c.id, DATASETS.c.delete_token_sha256).where(DATASETS.c.id == sa.bindparam("did")),
        {"did": dataset_id},
    ).first()
    if row is None or not hmac.compare_digest(row.delete_token_sha256, token_hash(token.strip())):
        return None
    return row


def _meta_from_row(row: Any) -> Meta:
    details = row.report if isinstance(row.report, dict) else json.loads(row.report or "{}")
    return Meta(
        id=row.id,
        title=row.title,
        description=row.description,
        content_hash=row.content_hash,
        saved_at=row.saved_at,
        expires_at=row.expires_at,
        rows=int(row.row_count),
        bytes=int(row.byte_count),
        report=Report(
            file_name=row.file_name,
            rows_read=int(row.rows_read),
            rows_accepted=int(row.rows_accepted),
            rows_rejected=int(row.rows_rejected),
            rows_not_fines=int(row.rows_not_fines),
            details=details,
        ),
    )


_META_COLUMNS = [c for c in DATASETS.c if c.name != "delete_token_sha256"]


def get_meta(engine: Engine, dataset_id: str, now: dt.datetime | None = None) -> Meta | None:
    """The dataset's title, times, counts and report; None for an unknown, deleted or expired ID."""
    if not valid_id(dataset_id):
        return None
    ensure_schema(engine)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*_META_COLUMNS).where(DATASETS.c.id == sa.bindparam("did"), DATASETS.c.expires_at > sa.bindparam("now")),
            {"did": dataset_id, "now": now or _utcnow()},
        ).first()
    return None if row is None else _meta_from_row(row)


def load_rows(engine: Engine, dataset_id: str) -> pd.DataFrame:
    """The saved rows as a canonical fines frame (index "row": the row number in the saved file)."""
    columns = ensure_schema(engine)

    def selected(c: str):
        # dates come back as ISO text and are parsed in one vectorised step (not a date object per cell)
        return sa.cast(ROWS.c[c], sa.Text).label(c) if isinstance(_sql_type(c), sa.Date) else ROWS.c[c]

    stmt = (
        sa.select(ROWS.c[ROW_NO], *(selected(c) for c in columns))
        .where(ROWS.c.dataset_id == sa.bindparam("did"))
        .order_by(ROWS.c[ROW_NO])
    )
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            # the rows of a large dataset take longer than one metadata lookup (this transaction only)
            conn.execute(sa.text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(LOAD_TIMEOUT_MS)})
        result = conn.execute(stmt, {"did": dataset_id})
        # plain tuples from the driver: every column is already a plain value (dates cast to text)
        data = result.cursor.fetchall() if result.cursor is not None else result.all()
        result.close()
    n = len(data)
    cols = list(zip(*data)) if n else [()] * (len(columns) + 1)
    out: dict[str, Any] = {}
    for c in schema.FINE_COLUMNS:
        values = cols[columns.index(c) + 1] if c in columns else (None,) * n
        kind = _sql_type(c)
        if isinstance(kind, sa.Date):
            text = pd.Series(values, dtype=object).str.slice(0, 10)
            out[c] = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
        elif isinstance(kind, sa.Float):
            out[c] = pd.Series(values, dtype="float64")
        else:
            out[c] = pd.Series(values, dtype="str")  # as the importer gives them: Arrow-backed text, NaN not None
    frame = pd.DataFrame(out)
    frame.index = pd.Index(np.asarray(cols[0], dtype="int64"), name="row")
    return frame


def delete(engine: Engine, dataset_id: str, token: str | None, *, force: bool = False) -> bool:
    """Delete with the delete token (or `force`, for an operator at the command line). False if nothing matched."""
    if not valid_id(dataset_id):
        return False
    ensure_schema(engine)
    with _write(engine) as conn, conn.begin():
        _begin_write(conn)
        if force:
            exists = conn.execute(
                sa.select(DATASETS.c.id).where(DATASETS.c.id == sa.bindparam("did")), {"did": dataset_id}
            ).first()
        else:
            exists = _check_token(conn, dataset_id, token or "")
        if exists is None:
            return False
        _delete_rows(conn, dataset_id)
    return True


def list_datasets(engine: Engine) -> list[Meta]:
    """Every dataset, newest first: for operators with database access (the app never lists)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*_META_COLUMNS).order_by(DATASETS.c.saved_at.desc(), DATASETS.c.id)).all()
    return [_meta_from_row(r) for r in rows]


def purge(engine: Engine, now: dt.datetime | None = None) -> int:
    """Delete every dataset past its retention; returns how many."""
    ensure_schema(engine)
    with _write(engine) as conn, conn.begin():
        _begin_write(conn)
        return _purge_expired(conn, now or _utcnow())


# --- availability ---------------------------------------------------------------

#: What a database failure looks like: connection refused or timed out, read-only, locked.
DB_ERRORS: Final = (sa.exc.SQLAlchemyError, OSError)


class Health:
    """Per process: after a failure, do not try the database again for `cooldown_s` (pages answer at once)."""

    def __init__(self, cooldown_s: float = 15.0) -> None:
        self.cooldown_s = cooldown_s
        self._down_until = 0.0
        self.reason = ""
        self._lock = threading.Lock()

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.cooldown_s
            self.reason = describe(exc)

    def ok(self) -> None:
        with self._lock:
            self._down_until = 0.0
            self.reason = ""


def describe(exc: BaseException) -> str:
    """A short, safe reason (no URL, no password): the kind of failure only."""
    text = str(getattr(exc, "orig", exc) or exc).lower()
    if "read-only" in text or "readonly" in text or "read only" in text:
        return "the database is read-only"
    if "timeout" in text or "timed out" in text:
        return "the database did not answer in time"
    if "locked" in text or "busy" in text:
        return "the database is busy"
    if "refused" in text or "could not connect" in text or "connection" in text or "unable to open" in text:
        return "the database cannot be reached"
    return "the database reported an error"


# --- command line ---------------------------------------------------------------


def _parse_map(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        f, sep, header = item.partition("=")
        if not sep or not f.strip():
            raise DatasetError(f"--map takes FIELD=HEADER, not '{item}'.")
        out[f.strip()] = header.strip()
    return out


def import_file(path: str, mapping: dict[str, str], currency: str | None) -> Any:
    """Import a file exactly as the Data page does (same importer, same limits)."""
    from components import ingest

    kwargs: dict[str, Any] = {"filename": Path(path).name, "mapping": mapping or None}
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: {exc.strerror or exc}") from None
    if currency:
        currency = currency.strip().upper()
        if "currency" in inspect.signature(ingest.ingest).parameters:
            kwargs["currency"] = currency
    try:
        result = ingest.ingest(data, **kwargs)
    except ingest.IngestError as exc:
        raise DatasetError(str(exc)) from exc
    if currency and "currency" not in kwargs:
        sources = dict(result.choices.get("currency_sources", {}))
        if set(sources) - {"country"}:
            raise DatasetError(
                "--currency: the file names currencies itself ("
                + ", ".join(sorted(sources))
                + "); map its currency column instead."
            )
        # every amount took its country's currency: the file says nothing, so the analyst's word holds
        result.accepted["currency"] = currency
        result.choices["currency_sources"] = {"--currency": len(result.accepted)}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """python -m components.datasets publish FILE [--title T] [--currency CUR] [--map F=H ...] [--json] | list | delete ID | purge"""
    parser = argparse.ArgumentParser(prog="python -m components.datasets", description="Saved, shareable datasets.")
    sub = parser.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="import a file as the Data page does and save it as a shared dataset")
    pub.add_argument("file")
    pub.add_argument("--title", help="title shown to everyone who opens the link (default: the file name)")
    pub.add_argument("--description", default="")
    pub.add_argument("--currency", help="amounts in this file are in this currency (ISO 4217) where the file does not say")
    pub.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER", help="map a column explicitly (repeatable)")
    pub.add_argument("--replace", metavar="ID", help="refresh this dataset in place (its link stays); needs its delete token")
    pub.add_argument("--token", help="delete token for --replace (or set ATLAS_DELETE_TOKEN)")
    pub.add_argument("--json", action="store_true")
    lst = sub.add_parser("list", help="every saved dataset (operators: needs the database)")
    lst.add_argument("--json", action="store_true")
    dele = sub.add_parser("delete", help="delete a dataset")
    dele.add_argument("id")
    dele.add_argument("--token", help="its delete token (or set ATLAS_DELETE_TOKEN)")
    dele.add_argument("--force", action="store_true", help="operator: delete without the token")
    sub.add_parser("purge", help="delete datasets past their retention")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        engine = make_engine(settings.database_url)
        if args.command == "publish":
            result = import_file(args.file, _parse_map(args.map), args.currency)
            report = Report.from_result(result, Path(args.file).name)
            replace = None
            if args.replace:
                replace = (args.replace, args.token or os.environ.get("ATLAS_DELETE_TOKEN", ""))
            saved = save(
                engine,
                result.accepted,
                report,
                title=args.title or Path(args.file).stem,
                description=args.description,
                settings=settings,
                replace=replace,
            )
            out = {
                "id": saved.id,
                "rows": saved.rows,
                "link": saved.link,
                "existing": saved.existing,
                "replaced": saved.replaced,
                "rows_read": report.rows_read,
                "rows_rejected": report.rows_rejected,
                "rows_not_fines": report.rows_not_fines,
            }
            if saved.delete_token:
                out["delete_token"] = saved.delete_token
            if args.json:
                print(json.dumps(out, ensure_ascii=False))
            else:
                print(f"saved {saved.rows:,} rows: {saved.link}" + (" (already saved before)" if saved.existing else ""))
                if saved.delete_token:
                    print(f"delete token (shown once, keep it): {saved.delete_token}")
        elif args.command == "list":
            items = [m.public() for m in list_datasets(engine)]
            if args.json:
                print(json.dumps(items, ensure_ascii=False))
            else:
                for m in items:
                    print(f"{m['id']}  {m['saved_at']}  {m['rows']:>8,} rows  {m['title']}")
        elif args.command == "delete":
            token = args.token or os.environ.get("ATLAS_DELETE_TOKEN", "")
            if not delete(engine, args.id, token, force=args.force):
                print("error: no dataset with that ID and delete token", file=sys.stderr)
                return 1
            print(f"deleted {args.id}")
        elif args.command == "purge":
            print(f"purged {purge(engine)} expired dataset(s)")
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DB_ERRORS as exc:
        print(f"error: {describe(exc)} ({type(exc).__name__})", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
