"""The probe's second page: the same bound control, created again (as every Atlas page does)."""

import streamlit as st

with st.sidebar:
    st.selectbox("Cur", ["EUR", "USD", "GBP"], key="cur", bind="query-params")
    st.page_link("app.py", label="Home", query_params=dict(st.query_params))
    st.page_link("pages/1_Other.py", label="Other", query_params=dict(st.query_params))
st.title("Other")
st.write("cur is", st.session_state.get("cur"))
