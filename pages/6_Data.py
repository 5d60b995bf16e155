"""Data: upload your own fines, check the mapping and the report, use them; template, dictionary, downloads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from components import exports, ingest, layout, schema, sharing, uploads

ctx = layout.setup_page("Data")
ROOT = Path(__file__).resolve().parent.parent
UPLOAD_LIMIT_ROWS = 500_000
UPLOAD_LIMIT_COLUMNS = 200
#: The parser's byte bound matches the server's (server.maxUploadSize), so it holds without it too.
UPLOAD_LIMIT_BYTES = int(st.get_option("server.maxUploadSize")) * 1024 * 1024
#: What "amounts in this file are in" offers besides each row's country's currency.
CURRENCY_CHOICES = ("EUR", "GBP", "USD", "PLN", "SEK", "NOK", "DKK", "CZK", "HUF", "RON", "BGN", "CHF", "ISK")

st.caption(
    "Upload your authority's register, a spreadsheet of cases or a copy of a tracker's table (CSV, TSV or XLSX). "
    "Every row is either accepted or listed with the reason it was not. Your file stays in this browser session: "
    "no one else sees it and nothing is written to disk."
)

upload = st.file_uploader(
    "Fines file",
    type=["csv", "tsv", "txt", "xlsx"],
    key="upload_file",
    help=f"At most {UPLOAD_LIMIT_ROWS:,} rows and {UPLOAD_LIMIT_COLUMNS} columns; the server refuses files over its size limit.",
)

state = uploads.get_state(st.session_state)


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
            max_bytes=UPLOAD_LIMIT_BYTES,
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


if upload is not None:
    data = upload.getvalue()
    token = hashlib.sha256(data).hexdigest()[:16]
    if state.token != token and not (state.result is not None and len(state.result.accepted)):
        uploads.reset_import_options(st.session_state)
        run_import(data, upload.name, token)
        st.rerun()  # the sidebar's data choice appears with the new upload
    elif state.token != token:
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
if state.token:
    st.caption(f"Your upload: {layout.md_text(state.label)}.")

state = uploads.get_state(st.session_state)
result = state.result
if state.error:
    st.error(layout.md_text(state.error), title="This file could not be imported", icon=":material/error:")
    if state.headers:
        st.caption("Choose below which column holds each field, then apply.")
if result is not None or state.sheets:
    current = uploads.import_options(st.session_state)
    sheets = list(result.choices.get("sheets") or []) if result is not None else list(state.sheets)
    if len(sheets) > 1:
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
if result is not None:
    st.subheader("Validation report", divider="gray")
    from_country = result.currency_from_country
    if len(result.accepted):
        (st.warning if from_country else st.caption)(result.currency_line().removeprefix("currency: ").capitalize())
    given = uploads.import_options(st.session_state).get("currency", "")
    if from_country or given:
        choices = ["", *CURRENCY_CHOICES]
        answer = st.selectbox(
            "Amounts in this file are in:",
            choices,
            index=choices.index(given) if given in choices else 0,
            format_func=lambda c: "each row's country's currency" if c == "" else c,
            key="upload_currency_choice",
            help="A currency written in a cell or a currency column still wins; this answers for the amounts that name none.",
        )
        if answer != given:
            uploads.set_import_option(st.session_state, "currency", answer)
            run_import(state.data, state.name, state.token, mapping=dict(result.mapping))
            st.rerun()
    tiles = st.container(horizontal=True)
    with tiles:
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

if state.headers and (result is not None or state.error):
    st.subheader("Column mapping", divider="gray")
    st.caption("The importer's choice of column for each field. Correct it and apply; the report updates.")
    options = ["", *state.headers]
    current_mapping = result.mapping if result is not None else state.mapping
    samples = state.samples
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
                if current and samples.get(current):
                    st.caption("e.g. " + " · ".join(layout.md_text(v) for v in samples[current]))
        given_currency = st.selectbox(
            "Currency of every amount that names none",
            ["", *CURRENCY_CHOICES],
            index=([""] + list(CURRENCY_CHOICES)).index(uploads.import_options(st.session_state).get("currency", "") or ""),
            format_func=lambda c: "each row's country's currency" if c == "" else c,
            key="map_file_currency",
        )
        applied = st.form_submit_button("Apply mapping", icon=":material/sync:")
    if applied:
        uploads.set_import_option(st.session_state, "currency", given_currency)
        run_import(state.data, state.name, state.token, mapping=dict(chosen))
        st.rerun()

if result is not None:
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
    c = compare.counts
    compare_tiles = st.container(horizontal=True)
    with compare_tiles:
        layout.kpi("New (not in the bundled data)", f"{int(c.get('new', 0)):,}")
        layout.kpi("Matching a bundled fine", f"{int(c.get('matching', 0)):,}")
        layout.kpi(
            "Same case, different figures",
            f"{int(c.get('differing', 0)):,}",
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

st.subheader("Template and data dictionary", divider="gray")
template = pd.DataFrame(
    [
        {
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
    ]
)
st.download_button(
    "Download the template (CSV)",
    exports.to_csv_bytes(template),
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
with st.expander("Data dictionary", icon=":material/menu_book:"):
    dictionary = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    st.markdown(dictionary)  # our own file, not user text

st.subheader("Bundled data", divider="gray")
st.caption(
    f"{len(ctx.bundle.fines):,} decisions, {len(ctx.bundle.events):,} lifecycle events, {len(ctx.bundle.collection)} published collection figures."
)
layout.download_buttons(ctx.filtered, ctx, "data_page", "enforcement-atlas-selection")
st.caption(f"Columns: {', '.join(schema.FINE_COLUMNS)}.")
layout.open_data_panel(ctx)
