"""Data: upload your own fines, check the mapping and the report, use them; template, dictionary, downloads.

The pieces are drawn by `components.datapage`; this page reads the session's upload and calls them in order.
"""

from __future__ import annotations

import streamlit as st

from components import datapage, layout, uploads

ctx = layout.setup_page("Data")

st.caption(
    "Upload your authority's register, a spreadsheet of cases or a copy of a tracker's table (CSV, TSV or XLSX). "
    "Every row is either accepted or listed with the reason it was not. Your file stays in this browser session: "
    "no one else sees it and nothing is written to disk."
)
upload = st.file_uploader(
    "Fines file",
    type=["csv", "tsv", "txt", "xlsx"],
    key="upload_file",
    help=(
        f"At most {datapage.UPLOAD_LIMIT_ROWS:,} rows and {datapage.UPLOAD_LIMIT_COLUMNS} columns; "
        "the server refuses files over its size limit."
    ),
)
datapage.handle_file(upload, uploads.get_state(st.session_state))

state = uploads.get_state(st.session_state)
if state.token:
    st.caption(f"Your upload: {layout.md_text(state.label)}.")
datapage.render_error_and_sheet(state)
if state.result is not None:
    datapage.render_report(state.result, state)
datapage.render_mapping_form(state.result, state)
if state.result is not None:
    datapage.render_use(ctx, state.result, state)

datapage.render_template_and_dictionary()
datapage.render_bundled(ctx)
