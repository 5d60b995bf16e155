"""The Data page's pieces: import a file, report on it, map its columns, use it, and the bundled downloads.

Each `render_*` draws one part of pages/6_Data.py from this session's upload state
(`components.uploads`); the page only calls them in order. Per-upload work is done once per
upload (the comparison is memoised in the session, downloads are built when clicked).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Final

import pandas as pd
import streamlit as st

from components import exports, ingest, layout, panels, schema, sentences, sharing, uploads
from components.ingest.headers import fuzzy_suggestions

ROOT: Final = Path(__file__).resolve().parent.parent
UPLOAD_LIMIT_ROWS: Final = 500_000
UPLOAD_LIMIT_COLUMNS: Final = 200
#: What "amounts in this file are in" offers besides each row's country's currency.
CURRENCY_CHOICES: Final = ("EUR", "GBP", "USD", "PLN", "SEK", "NOK", "DKK", "CZK", "HUF", "RON", "BGN", "CHF", "ISK")
_COUNTRY_CURRENCY: Final = "each row's country's currency"


def upload_limit_bytes() -> int:
    """The parser's byte bound matches the server's (server.maxUploadSize), so it holds without it too."""
    return int(st.get_option("server.maxUploadSize")) * 1024 * 1024


def run_import(data: bytes, name: str, token: str, mapping: dict[str, str] | None = None, add: bool = False) -> None:
    """Import with a progress bar; keep the file (and the error) in this session either way."""
    bar = st.progress(0.0, text="Reading the file…")
    options = uploads.import_options(st.session_state)
    try:
        result = ingest.ingest(
            data,
            filename=name,
            mapping=mapping,
            max_rows=UPLOAD_LIMIT_ROWS,
            max_columns=UPLOAD_LIMIT_COLUMNS,
            max_bytes=upload_limit_bytes(),
            progress=lambda frac, what: bar.progress(min(max(frac, 0.0), 1.0), text=what.capitalize() + "…"),
            currency=options.get("currency") or None,
            sheet=options.get("sheet") or None,
        )
    except ingest.IngestError as exc:
        uploads.store_failure(
            st.session_state,
            token=token,
            name=name,
            data=data,
            error=str(exc),
            headers=exc.headers,
            suggested=exc.suggested,
            samples=exc.samples,
            sheets=exc.sheets,
        )
    else:
        uploads.store(st.session_state, token=token, name=name, data=data, result=result, add=add)
    finally:
        bar.empty()


def handle_file(upload: Any, state: uploads.UploadState) -> None:
    """A chosen file: imported at once when the session has no rows yet, else add to or replace them on request."""
    if upload is None:
        return
    data = upload.getvalue()
    token = hashlib.sha256(data).hexdigest()[:16]
    if state.token == token:
        return
    if not (state.result is not None and len(state.result.accepted)):
        uploads.reset_import_options(st.session_state)
        run_import(data, upload.name, token)
        st.rerun()  # the sidebar's data choice appears with the new upload
    with st.container(border=True):
        st.markdown(
            f"**{layout.md_text(upload.name)}**: add its rows to your upload ({layout.md_text(state.label)}), "
            "or replace your upload with it?"
        )
        choice = st.container(horizontal=True)
        add = choice.button("Add to my upload", key="upload_add", icon=":material/add:")
        replace = choice.button("Replace my upload", key="upload_replace", icon=":material/swap_horiz:")
    if add or replace:
        uploads.reset_import_options(st.session_state)
        run_import(data, upload.name, token, add=bool(add))
        st.rerun()


def render_error_and_sheet(state: uploads.UploadState) -> None:
    """Why the last import failed, and the sheet to read when a workbook has several."""
    result = state.result
    if state.error:
        st.error(layout.md_text(state.error), title="This file could not be imported", icon=":material/error:")
        if state.headers:
            st.caption("Choose below which column holds each field, then apply.")
    if result is None and not state.sheets:
        return
    current = uploads.import_options(st.session_state)
    sheets = list(result.choices.get("sheets") or []) if result is not None else list(state.sheets)
    if len(sheets) < 2:
        return
    read_sheet = result.choices.get("sheet") if result is not None else current.get("sheet")
    picked = st.selectbox(
        "Sheet to read",
        sheets,
        index=sheets.index(read_sheet) if read_sheet in sheets else 0,
        key="upload_sheet_choice",
        help="The first visible sheet with a header row is read unless you choose another.",
    )
    if picked != read_sheet:
        uploads.set_import_option(st.session_state, "sheet", picked)
        run_import(state.data, state.name, state.token)
        st.rerun()


def _currency_question(result: ingest.IngestResult, state: uploads.UploadState) -> None:
    from_country = result.currency_from_country
    if len(result.accepted):
        (st.warning if from_country else st.caption)(
            sentences.first_upper(result.currency_line("below").removeprefix("currency: "))
        )
    given = uploads.import_options(st.session_state).get("currency", "")
    if not (from_country or given):
        return
    choices = ["", *CURRENCY_CHOICES]
    answer = st.selectbox(
        "Amounts in this file are in:",
        choices,
        index=choices.index(given) if given in choices else 0,
        format_func=lambda c: _COUNTRY_CURRENCY if c == "" else c,
        key="upload_currency_choice",
        help="A currency written in a cell or a currency column still wins; this answers for the amounts that name none.",
    )
    if answer != given:
        uploads.set_import_option(st.session_state, "currency", answer)
        run_import(state.data, state.name, state.token, mapping=dict(result.mapping))
        st.rerun()


def render_report(result: ingest.IngestResult, state: uploads.UploadState) -> None:
    """The validation report: the currency question, the counts that add up, the rows set aside and why."""
    st.subheader("Validation report", divider="gray")
    _currency_question(result, state)
    with st.container(horizontal=True):
        layout.kpi("Rows read", f"{result.rows_read:,}")
        layout.kpi("Accepted", f"{len(result.accepted):,}")
        layout.kpi("Rejected", f"{len(result.rejected):,}")
        layout.kpi(
            "Not fines",
            f"{len(result.not_fines):,}",
            help="Rows without an amount, or whose type says reprimand, warning or order.",
        )
    balance = len(result.accepted) + len(result.rejected) + len(result.not_fines)
    (st.success if balance == result.rows_read else st.error)(
        f"Read {result.rows_read:,} = accepted {len(result.accepted):,} + rejected {len(result.rejected):,} "
        f"+ not a fine {len(result.not_fines):,}."
    )
    if line := sentences.sources_line(result.accepted):
        st.caption(line)
    if len(result.rejected):
        st.markdown("**Rejected rows and why** (rows counted from 1 after the header)")
        st.dataframe(result.rejected, hide_index=True, key="rejected_table", alt="Rejected rows with reasons")
        st.download_button(
            "Download rejected rows (CSV)",
            lambda: exports.to_csv_bytes(result.rejected, [f"Rows not taken from {state.name}"]),  # built when clicked
            file_name="rejected-rows.csv",
            mime="text/csv",
            key="dl_rejected",
            on_click="ignore",
            icon=":material/download:",
        )
    if len(result.not_fines):
        with st.expander(f"Rows that are not fines: {len(result.not_fines)}"):
            st.dataframe(result.not_fines, hide_index=True, key="not_fines_table", alt="Rows that are not fines")


def header_suggestions(headers: list[str] | tuple[str, ...], mapping: dict[str, str]) -> dict[str, list[str]]:
    """{field: headers that look like it} for fields the mapping leaves empty: shown as suggestions, never applied."""
    out: dict[str, list[str]] = {}
    for header, field in fuzzy_suggestions(list(headers), mapping).items():
        if not mapping.get(field):
            out.setdefault(field, []).append(header)
    return out


def render_mapping_form(result: ingest.IngestResult | None, state: uploads.UploadState) -> None:
    """The importer's column for each field, three sample values beside it, and close headers as suggestions."""
    if not state.headers or (result is None and not state.error):
        return
    st.subheader("Column mapping", divider="gray")
    st.caption("The importer's choice of column for each field. Correct it and apply; the report updates.")
    options = ["", *state.headers]
    current_mapping = result.mapping if result is not None else state.mapping
    suggestions = header_suggestions(state.headers, current_mapping)
    with st.form("mapping_form", border=True):
        cols = st.columns(3)
        chosen: dict[str, str] = {}
        for i, field in enumerate(ingest.MAPPABLE_FIELDS):
            current = current_mapping.get(field, "")
            with cols[i % 3]:
                chosen[field] = st.selectbox(
                    field + (" (required)" if field in ingest.REQUIRED_FIELDS else ""),
                    options,
                    index=options.index(current) if current in options else 0,
                    format_func=lambda h: "(none)" if h == "" else h,
                    key=f"map_{field}",
                )
                if current and state.samples.get(current):
                    st.caption("e.g. " + " · ".join(layout.md_text(v) for v in state.samples[current]))
                if field in suggestions:
                    names = ", ".join(f"'{layout.md_text(h)}'" for h in suggestions[field])
                    st.caption(f"Suggestion: {names} looks like {field}; choose it above to use it.")
        currencies = ["", *CURRENCY_CHOICES]
        given = uploads.import_options(st.session_state).get("currency", "") or ""
        given_currency = st.selectbox(
            "Currency of every amount that names none",
            currencies,
            index=currencies.index(given) if given in currencies else 0,
            format_func=lambda c: _COUNTRY_CURRENCY if c == "" else c,
            key="map_file_currency",
        )
        applied = st.form_submit_button("Apply mapping", icon=":material/sync:")
    if applied:
        uploads.set_import_option(st.session_state, "currency", given_currency)
        run_import(state.data, state.name, state.token, mapping=dict(chosen))
        st.rerun()


def render_use(ctx: layout.Context, result: ingest.IngestResult, state: uploads.UploadState) -> None:
    """How the file was read, a preview, how the rows compare with the bundled data, downloads, save, forget."""
    with st.expander("How the file was read", icon=":material/tune:"):
        st.json(result.choices, expanded=2)
        st.caption(
            "Date order is decided per column from its values; where a column has no day above 12 it is assumed day-first and said so."
        )
    with st.expander(f"Preview of the accepted rows ({len(result.accepted):,})", expanded=False):
        st.dataframe(result.accepted.head(200), hide_index=True, key="accepted_preview", alt="First accepted rows")
    st.subheader("Use the data", divider="gray")
    st.markdown(
        "Choose in the sidebar under **Data**: *My upload* charts only your rows; *Merged* adds your rows to the "
        "bundled data. Duplicate rule: an uploaded row with the same authority country, controller (ignoring case), "
        "decision date and amount as a bundled row is a duplicate, and the bundled row (with its sources and history) is kept."
    )
    compare = uploads.compared(st.session_state, ctx.bundle.fines, result.accepted)
    with st.container(horizontal=True):
        layout.kpi("New (not in the bundled data)", f"{compare.counts.get('new', 0):,}")
        layout.kpi("Matching a bundled fine", f"{compare.counts.get('matching', 0):,}")
        layout.kpi(
            "Same case, different figures",
            f"{compare.counts.get('differing', 0):,}",
            help="Same country, controller and date as a bundled fine, but another amount or currency.",
        )
    st.dataframe(
        compare.head,
        hide_index=True,
        key="compare_table",
        column_config={
            "decision_date": st.column_config.DateColumn("Decided", format="YYYY-MM-DD"),
            "amount": st.column_config.NumberColumn("Amount", format="%,.0f"),
        },
        alt="Your rows compared with the bundled data",
    )
    accepted_rows, about = result.accepted, [f"Accepted rows of {state.name}, in Enforcement Atlas's canonical columns"]
    st.download_button(
        "Download the cleaned file (CSV)",
        lambda: exports.to_csv_bytes(accepted_rows, about),  # built when clicked, not on every rerun
        file_name="cleaned-fines.csv",
        mime="text/csv",
        key="dl_cleaned",
        on_click="ignore",
        icon=":material/download:",
    )
    sharing.save_panel(result, state.name)
    if st.button("Forget my upload", key="forget_upload", icon=":material/delete:"):
        uploads.clear(st.session_state)
        st.rerun()


TEMPLATE: Final = {
    "authority": "Autoriteit Persoonsgegevens",
    "country": "Netherlands",
    "controller": "Example Ltd",
    "decision_date": "2024-05-16",
    "amount": "EUR 30.5 million",
    "currency": "",
    "appeal_status": "pending",
    "payment_status": "unknown",
    "sector": "technology",
    "articles": "5(1)(a); 6",
    "source_url": "https://example.org/decision",
}


def render_template_and_dictionary() -> None:
    st.subheader("Template and data dictionary", divider="gray")
    st.download_button(
        "Download the template (CSV)",
        lambda: exports.to_csv_bytes(pd.DataFrame([TEMPLATE])),  # on click
        file_name="enforcement-atlas-template.csv",
        mime="text/csv",
        key="dl_template",
        on_click="ignore",
        icon=":material/description:",
    )
    st.caption(
        "Only amount, country and decision date are required. Amounts may carry their currency (€2.5m, PLN 2,830,410, "
        "4 500 000 kr); countries may be names, ISO codes or EL/UK; dates ISO, day-first or month-first."
    )
    # the whole data/README.md: a fifth of a second of markdown on every rerun of this page, so only when open
    box = panels.lazy_expander("Data dictionary", "open_data_dictionary", ":material/menu_book:")
    if box is not None:
        with box:
            st.markdown((ROOT / "data" / "README.md").read_text(encoding="utf-8"))  # our own file, not user text


def render_bundled(ctx: layout.Context) -> None:
    st.subheader("Bundled data", divider="gray")
    st.caption(
        f"{len(ctx.bundle.fines):,} decisions, {len(ctx.bundle.events):,} lifecycle events, "
        f"{len(ctx.bundle.collection)} published collection figures."
    )
    layout.download_buttons(ctx.filtered, ctx, "data_page", "enforcement-atlas-selection")
    st.caption(f"Columns: {', '.join(schema.FINE_COLUMNS)}.")
    layout.open_data_panel(ctx)
