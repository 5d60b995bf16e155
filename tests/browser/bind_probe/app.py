"""A two-page probe of Streamlit's bind="query-params" in the pages/ layout (test_bind_across_pages.py)."""

import streamlit as st

with st.sidebar:
    st.selectbox("Cur", ["EUR", "USD", "GBP"], key="cur", bind="query-params")
    st.page_link("app.py", label="Home", query_params=dict(st.query_params))
    st.page_link("pages/1_Other.py", label="Other", query_params=dict(st.query_params))
st.title("Home")
st.write("cur is", st.session_state.get("cur"))
