"""Enforcement Atlas: the package behind the pages.

Pure modules (no streamlit): schema, countries, fx, ingest, metrics, figures, exports.
UI modules (import streamlit): params, state, layout, widgets.
"""
