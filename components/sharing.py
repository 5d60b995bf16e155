"""Shared datasets in the app: `?dataset=ID` on every page, its banner, and the Data page's save panel.

UI module (imports streamlit). The store is components/datasets.py, reached through
`st.connection(..., type="sql")`. A saved dataset is public to whoever holds its link, so its
rows are cached per process keyed by its ID and content hash (bounded); a session's unsaved
upload never comes here. A database that is down costs one bounded attempt, then pages answer
at once with the bundled data and say why for `datasets.Health.cooldown_s`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from components import datasets, metrics, uploads
from components import params as P

CONNECTION = "atlas_datasets"  # st.connection name ([connections.atlas_datasets] in secrets.toml also works)
META_TTL_S = 10  # a dataset deleted through another process stops opening here within this
_SAVED = "_shared_saved"  # session: the last save (ID, link, token shown once)
_NOTICE = "_shared_notice"  # session: a message for the next run (deleted, wrong token)
_TOKEN_INPUT = "shared_delete_token"  # noqa: S105 - a widget key, not a secret


@dataclass(frozen=True)
class Shared:
    """What `?dataset=` resolved to: state "none", "ok", "missing" or "unavailable"."""

    state: str
    meta: datasets.Meta | None = None
    frame: pd.DataFrame | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok" and self.frame is not None and self.meta is not None

    @property
    def key(self) -> str:
        return f"dataset:{self.meta.id}:{self.meta.content_hash[:16]}" if self.meta else ""

    @property
    def label(self) -> str:
        return f"shared dataset “{self.meta.title}”" if self.meta else ""

    @property
    def as_of(self) -> pd.Timestamp | None:
        return pd.Timestamp(self.meta.saved_at) if self.meta else None


@st.cache_resource(max_entries=1, show_spinner=False)
def settings() -> datasets.Settings:
    return datasets.Settings.from_env()


@st.cache_resource(max_entries=4, show_spinner=False)
def _health(url: str) -> datasets.Health:
    return datasets.Health()


def _engine(s: datasets.Settings):
    datasets.prepare_state_dir(s.database_url)
    conn = st.connection(CONNECTION, type="sql", url=s.database_url, **datasets.engine_kwargs(s.database_url))
    return datasets.configure(conn.engine)


OPEN_DEADLINE_S = 1.5  # the first lookup of a link; a hung database costs no more than this
_WORKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="atlas-db")


def _within_deadline(fn, *args):
    """fn(*args) in a worker, waiting at most OPEN_DEADLINE_S: psycopg's connect timeout cannot go
    below 2 s and a page must answer within 3 s. A worker left waiting ends at that connect timeout."""
    future = _WORKERS.submit(fn, *args)
    try:
        return future.result(timeout=OPEN_DEADLINE_S)
    except FutureTimeout:
        raise TimeoutError("the database timed out") from None


@st.cache_resource(ttl=META_TTL_S, max_entries=256, show_spinner=False)
def _meta(store: str, shared_id: str) -> datasets.Meta | None:
    return _within_deadline(datasets.get_meta, _engine(settings()), shared_id)


@st.cache_resource(ttl=30, max_entries=4, show_spinner=False)
def _probe(store: str) -> bool:
    """The database answers (and has the schema): checked before offering to save, at most every 30 s."""
    _within_deadline(datasets.ensure_schema, _engine(settings()))
    return True


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Opening the shared dataset…")
def _rows(shared_id: str, version: str) -> pd.DataFrame:
    """The saved rows, one copy per process and dataset version (its content hash); read-only (prepare copies)."""
    return datasets.load_rows(_engine(settings()), shared_id)


@st.cache_resource(max_entries=8, show_spinner=False)
def _prepared(shared_id: str, version: str, money: metrics.Money, live_key: str) -> pd.DataFrame:
    from components import fx

    live = fx.live_rates() if live_key else None
    return metrics.prepare(_rows(shared_id, version), money, live)


def prepared(shared: Shared, money: metrics.Money, live_ok: bool) -> pd.DataFrame:
    """The shared rows in the display currency (per process, like the bundled data)."""
    assert shared.meta is not None
    return _prepared(shared.meta.id, shared.meta.content_hash, money, "live" if live_ok else "")


def resolve() -> Shared:
    """The dataset named by `?dataset=`, or why there is none. Never raises for a database fault."""
    raw = st.query_params.get(P.DATASET)
    if not raw:
        return Shared("none")
    dataset_id = str(raw).strip()
    if not datasets.valid_id(dataset_id):
        return Shared("missing")
    s = settings()
    health = _health(s.database_url)
    if not health.available():
        return Shared("unavailable", reason=health.reason)
    try:
        meta = _meta(s.database_url, dataset_id)
        if meta is None:
            return Shared("missing")
        frame = _rows(meta.id, meta.content_hash)
    except datasets.DB_ERRORS as exc:
        health.failed(exc)
        return Shared("unavailable", reason=health.reason)
    health.ok()
    return Shared("ok", meta, frame)


def _saved_text(when: dt.datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _md(value: object) -> str:
    from components.layout import md_text  # late: layout imports this module

    return md_text(value)


def banner(shared: Shared) -> None:
    """Under each page's title: which shared dataset is shown (or why the bundled data is)."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.success(notice, icon=":material/delete:")
    if shared.state == "none":
        return
    if shared.state == "missing":
        st.warning(
            "No shared dataset has this link: it was deleted, it expired, or the link is incomplete. "
            "Showing the bundled data instead.",
            icon=":material/link_off:",
        )
        return
    if shared.state == "unavailable":
        st.warning(
            f"Shared datasets are unavailable right now ({shared.reason}). This page shows the bundled data; "
            "your own uploads still work, but saving and opening shared datasets does not.",
            icon=":material/cloud_off:",
        )
        return
    meta = shared.meta
    assert meta is not None
    rep = meta.report
    with st.container(border=True, key="shared_banner"):
        st.markdown(
            f":material/share: **Shared dataset: {_md(meta.title)}** · saved {_saved_text(meta.saved_at)} · "
            f"{meta.rows:,} rows from {_md(rep.file_name)}"
        )
        if meta.description:
            st.caption(_md(meta.description))
        cols = st.columns([3, 2, 1])
        with cols[0].expander("How this file was read", icon=":material/tune:"):
            st.markdown(
                f"Read {rep.rows_read:,} rows: accepted {rep.rows_accepted:,}, rejected {rep.rows_rejected:,}, "
                f"not a fine {rep.rows_not_fines:,}. Kept until {meta.expires_at:%Y-%m-%d}."
            )
            st.json(rep.details, expanded=1)  # shown as JSON text, never as markdown or HTML
        with cols[1].expander("Delete this dataset", icon=":material/delete:"):
            with st.form("shared_delete_form", border=False):
                st.text_input("Delete token", type="password", key=_TOKEN_INPUT, help="Shown once to whoever saved it.")
                st.form_submit_button("Delete for everyone", on_click=_delete, args=(meta.id,), icon=":material/delete_forever:")
        cols[2].button(
            "Bundled data", key="shared_leave", on_click=_leave, icon=":material/close:", help="Stop showing this dataset"
        )


def _leave() -> None:
    if P.DATASET in st.query_params:
        del st.query_params[P.DATASET]


def _delete(dataset_id: str) -> None:
    token = str(st.session_state.get(_TOKEN_INPUT, "") or "")
    st.session_state[_TOKEN_INPUT] = ""
    s = settings()
    try:
        deleted = datasets.delete(_engine(s), dataset_id, token)
    except datasets.DB_ERRORS as exc:
        _health(s.database_url).failed(exc)
        st.session_state[_NOTICE] = f"Not deleted: {exc.__class__.__name__}; shared datasets are unavailable right now."
        return
    if not deleted:
        st.toast("That is not this dataset's delete token.", icon=":material/error:")
        return
    _meta.clear(s.database_url, dataset_id)
    _rows.clear()
    _prepared.clear()
    _leave()
    st.session_state[_NOTICE] = "The shared dataset was deleted: its link no longer opens it, on any process."


# --- the Data page's save panel -------------------------------------------------------


def _absolute(query: dict[str, str]) -> str:
    parts = urlsplit(st.context.url or "")
    root = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    prefix = st.get_option("server.baseUrlPath").strip("/")
    return f"{root}/{prefix + '/' if prefix else ''}?{urlencode(query)}"


def save_panel(result: Any, file_name: str) -> None:
    """After an import: "Save as a shared dataset" (title, description) → a link and a delete token shown once."""
    st.subheader("Save as a shared dataset", divider="gray")
    s = settings()
    if not s.saving:
        st.caption("Saving shared datasets is turned off on this server. Your upload stays in this session.")
        return
    # what "My upload" charts: the last import, or the files added together
    rows = st.session_state.get(uploads.UPLOADED_FINES)
    if rows is None and result is not None:
        rows = result.accepted
    last = st.session_state.get(_SAVED)
    if last and last.get("source") == id(rows):
        _show_saved(last)
    health = _health(s.database_url)
    if health.available():
        try:
            _probe(s.database_url)
        except datasets.DB_ERRORS as exc:
            health.failed(exc)
    if not health.available():
        st.warning(
            f"Saving is unavailable right now ({health.reason}). Your upload still works in this session.",
            icon=":material/cloud_off:",
        )
        return
    if result is None or rows is None or len(rows) == 0:
        st.caption("Nothing to save: no row of this file was accepted.")
        return
    st.caption(
        f"Stores the {len(rows):,} accepted rows and this report on this server, so that anyone with the link "
        f"sees them on every page, with every filter. Kept {s.retention_days} days; at most {s.max_rows:,} rows. "
        "Without saving, your upload stays in this browser session only."
    )
    with st.form("shared_save_form", border=True):
        title = st.text_input("Title", value=Path(file_name).stem, max_chars=datasets.TITLE_MAX, key="shared_title")
        description = st.text_area("Description (optional)", max_chars=datasets.DESCRIPTION_MAX, key="shared_description")
        submitted = st.form_submit_button("Save as a shared dataset", icon=":material/cloud_upload:")
    if not submitted:
        return
    report = datasets.Report.from_result(result, file_name)
    parts = uploads.get_state(st.session_state).parts
    if len(parts) > 1:  # several files added together: the counts read/rejected are the last file's
        files = [{"file": n, "uploaded": w, "accepted": a} for n, w, a in parts]
        report = dataclasses.replace(report, rows_accepted=len(rows), details={**report.details, "files": files})
    try:
        saved = datasets.save(
            _engine(s),
            rows,
            report,
            title=title,
            description=description,
            settings=s,
        )
    except datasets.DatasetError as exc:
        st.error(_md(str(exc)), icon=":material/error:")
        return
    except datasets.DB_ERRORS as exc:
        health.failed(exc)
        st.warning(f"Saving is unavailable right now ({health.reason}). Nothing was saved.", icon=":material/cloud_off:")
        return
    health.ok()
    last = {
        "source": id(rows),
        "id": saved.id,
        "link": _absolute({P.DATASET: saved.id}),
        "token": saved.delete_token,
        "existing": saved.existing,
        "rows": saved.rows,
    }
    st.session_state[_SAVED] = last
    _show_saved(last)


def _show_saved(last: dict) -> None:
    if last["existing"]:
        st.info(
            "These rows were saved before: here is that dataset's link. Its delete token went to whoever saved it first.",
            icon=":material/content_copy:",
        )
    else:
        st.success(f"Saved {last['rows']:,} rows as a shared dataset.", icon=":material/cloud_done:")
    st.markdown("**Link** (anyone with it sees this data on every page):")
    st.code(last["link"], language=None, wrap_lines=True)
    st.page_link("app.py", label="Open the shared dataset", icon=":material/open_in_new:", query_params={P.DATASET: last["id"]})
    if last.get("token"):
        st.markdown("**Delete token**, shown once: keep it to delete the dataset later (only its hash is stored).")
        st.code(last["token"], language=None)
