"""The Map page's pieces: its metrics, the one year control that ▶ Play drives, and the map itself.

UI module (imports streamlit). The year lives in one place, the `year` URL parameter behind the
page's slider: Play steps that slider (a fragment that reruns itself once a second), so the URL,
the title and the map always name the same year. Only the map reruns while playing; the page
reruns once when Play stops, so its tables catch up.
"""

from __future__ import annotations

import time
from typing import Final

import pandas as pd
import streamlit as st

from components import countries, figures, layout, metrics, panels, population, sentences, tables
from components import params as P

#: metric -> (label, column, is_share, is_count)
METRICS: Final = {
    "total": ("Total imposed", "imposed", False, False),
    "standing": ("Total standing", "standing", False, False),
    "count": ("Number of fines", "fines", False, True),
    "median": ("Median fine", "median", False, False),
    "collection": ("Collection rate", "collection_rate", True, False),
    "fines_per_m": ("Fines per million", "fines_per_m", False, True),
    "value_per_m": ("Amount per million", "value_per_m", False, False),
}
PER_CAPITA: Final = ("fines_per_m", "value_per_m")
PERSPECTIVES: Final = {"authority": "Fining authority's country", "company": "Company's home country"}
ALL: Final = "all"
STEP_SECONDS: Final = 1.2
_PLAYING = "map_playing"
_LAST_STEP = "map_last_step"
_RERUN_PAGE = "map_rerun_page"
_FINISHED = "map_play_finished"
_SHOWN = "map_year_shown"
_RESEND_URL = "map_resend_url"


def per_country(rows: pd.DataFrame, perspective: str) -> pd.DataFrame:
    """The map's figures per country, with per-million figures where the population is known."""
    return metrics.per_capita(metrics.by_country(rows, perspective), population.load())


def up_to(rows: pd.DataFrame, year: str) -> pd.DataFrame:
    return rows if year == ALL else rows[rows["year"] <= int(year)]


def _play(first: str) -> None:
    st.session_state[_PLAYING] = True
    st.session_state[_LAST_STEP] = time.monotonic()
    st.session_state[P.MAP_YEAR] = first
    st.session_state[_RERUN_PAGE] = True  # the fragment's run_every is set by a full run


def _pause() -> None:
    """Stop on the year last drawn. A tick may already have moved the slider (and the URL) on
    when the click interrupted it before the map was drawn, so the year goes back to the one shown.

    Streamlit writes a bound value to the URL only when it differs from the query string the
    browser sent with the click; that string can predate the interrupted tick's URL message,
    which the browser applies afterwards. So the run after a pause sends the whole query string
    again (`_resend_url`), and the link, the slider and the map name the same year."""
    st.session_state[_PLAYING] = False
    shown = st.session_state.get(_SHOWN)
    if shown is not None:
        st.session_state[P.MAP_YEAR] = shown
    st.session_state[_RESEND_URL] = True
    st.session_state[_RERUN_PAGE] = True


def _resend_url() -> None:
    if st.session_state.pop(_RESEND_URL, False):
        st.query_params.update()  # no change: sends the backend's query string, year included


def mark_shown(year: str) -> None:
    """Record the year whose map has just been drawn (what Pause stops on)."""
    st.session_state[_SHOWN] = year


def _rerun_page() -> None:
    st.session_state[_RERUN_PAGE] = True


def _step(options: list[str]) -> None:
    """While playing, move the year on by one every STEP_SECONDS; stop on the last year."""
    if st.session_state.pop(_FINISHED, False):
        # one tick after the last year was drawn (and written to the URL), the page catches up
        st.session_state[_RERUN_PAGE] = True
        return
    if not st.session_state.get(_PLAYING):
        return
    if time.monotonic() - st.session_state.get(_LAST_STEP, 0.0) < STEP_SECONDS * 0.8:
        return
    years = [o for o in options if o != ALL]
    current = st.session_state.get(P.MAP_YEAR, ALL)
    position = years.index(current) if current in years else -1
    following = years[min(position + 1, len(years) - 1)]
    st.session_state[P.MAP_YEAR] = following
    st.session_state[_LAST_STEP] = time.monotonic()
    if following == years[-1]:
        st.session_state[_PLAYING] = False
        st.session_state[_FINISHED] = True


def year_control(years: list[int]) -> str:
    """The page's one year control: a slider bound to the URL, with ▶ Play and ❚❚ Pause beside it."""
    options = [*[str(y) for y in years], ALL]
    _step(options)
    current = st.session_state.get(P.MAP_YEAR)
    if current not in (None, *options):
        current = ALL
    if current is not None:
        # Send the year to the browser on every run, not only when code changed it: a Pause that lands while
        # a tick is being drawn could leave the browser's slider at "All years" while the URL and the map's
        # title said 2020 (1 of 12 pauses in Chromium under load; 0 of 30 with this). A value written through
        # session state reaches the browser as a set value; an unchanged one was not sent again.
        # tests/test_pages.py::test_map_year_slider_is_sent_its_year_on_every_run
        st.session_state[P.MAP_YEAR] = current
    row = st.container(horizontal=True, vertical_alignment="bottom")
    with row:
        playing = bool(st.session_state.get(_PLAYING))
        if playing:
            st.button("❚❚ Pause", key="map_pause", on_click=_pause, help="Stop on this year.")
        else:
            st.button(
                "▶ Play",
                key="map_play",
                on_click=_play,
                args=(options[0],),
                help="Step through the years, decisions up to each year; the address follows.",
            )
        year = st.select_slider(
            "Decisions up to year",
            options=options,
            value=ALL,
            key=P.MAP_YEAR,
            bind="query-params",
            format_func=lambda v: "All years" if v == ALL else v,
            on_change=_rerun_page,
            width="stretch",
        )
    _resend_url()
    return year or ALL


def title(label: str, perspective: str, year: str, years: list[int]) -> str:
    where = "fining authority" if perspective == "authority" else "company home"
    when = f"decisions up to {year}" if year != ALL else (f"all years ({years[0]}–{years[-1]})" if years else "all years")
    return f"{label} by {where} country, {when}"


def after_chart() -> None:
    """A click on a country or the end of Play reruns the whole page (the fragment reran only the map)."""
    if st.session_state.pop(_RERUN_PAGE, False):
        st.rerun(scope="app")


def run_every() -> float | None:
    return STEP_SECONDS if st.session_state.get(_PLAYING) or st.session_state.get(_FINISHED) else None


def focus_country(perspective: str) -> None:
    """Clicking a country filters every chart to it (the sidebar's authority filter)."""
    state = st.session_state.get("map_chart")
    points = (state or {}).get("selection", {}).get("points", []) if state else []
    codes = [p.get("customdata") for p in points if isinstance(p.get("customdata"), str)]
    if codes and perspective == "authority":
        layout.set_global(P.COUNTRIES, sorted(set(codes)))
        st.session_state[_RERUN_PAGE] = True


def ranking(frame: pd.DataFrame, column: str, label: str, currency: str) -> pd.DataFrame:
    """The map's numbers as a table, largest first (the OWID 'table' tab beside the map)."""
    shown = frame[frame[column].notna()].sort_values(column, ascending=False)
    return shown.assign(name=shown["iso2"].map(countries.name))


def area(perspective: str, frame: pd.DataFrame) -> set[str]:
    return countries.EEA_UK if perspective == "authority" else countries.EEA_UK | set(frame["iso2"])


def edges(all_years: pd.DataFrame, column: str, is_share: bool) -> list[float]:
    """Fixed colour classes across the years, so Play compares like with like."""
    return figures.SHARE_EDGES if is_share else figures.class_breaks(all_years[column].tolist())


def ranking_table(per_country: pd.DataFrame, column: str, label: str, currency: str) -> None:
    """Beside the map: its figures per country, largest first (the grapher's table tab)."""
    st.markdown(f"**{label}, by country**")
    tables.show(
        ranking(per_country, column, label, currency),
        "map_table",
        currency,
        "The map's figures per country",
        columns=["name", "iso2", column],
        max_height=600,
        widths={"name": 120, "iso2": 44},
    )


def notes(perspective: str, metric: str, rows: pd.DataFrame | None = None, currency: str = "EUR", flows: bool = False) -> None:
    """Under the map: the boundaries' disclaimer, how to read the classes, what a click does, the population
    source, and (by company home or with flows) how many fines have no known home and so are not drawn."""
    st.caption(
        figures.UN_DISCLAIMER + " Grey: no fines in this selection. Classes are on a log scale so small countries show "
        "beside Ireland; Malta, Luxembourg, Cyprus and Liechtenstein are drawn as dots."
    )
    if perspective == "authority":
        st.caption("Click a country to filter every page to its authority; clear it in the sidebar.")
    if rows is not None and (perspective != "authority" or flows):
        note = sentences.home_note(metrics.home_coverage(rows), currency)
        if note:
            st.caption(note)
    if metric in PER_CAPITA:
        st.caption(population.source_note(population.load()) + ". Source of each figure: data/population.csv.")


def all_figures(per_country: pd.DataFrame, currency: str) -> None:
    box = panels.lazy_expander("All the map's figures per country", "open_map_table_all", ":material/table:")
    if box is None:
        return
    with box:
        cols = ["name", "iso2", "fines", "imposed", "standing", "median", "payment_known", "collection_rate"]
        tables.show(
            per_country, "map_table_all", currency, "Every figure per country", columns=[*cols, "fines_per_m", "value_per_m"]
        )


def flows_table(rows: pd.DataFrame, currency: str) -> None:
    """The cross-border flows drawn on the map, as a table (computed only when opened)."""
    box = panels.lazy_expander("Cross-border flows", "open_flows_table", ":material/trending_flat:")
    if box is None:
        return
    flow_rows = metrics.flows(rows)
    with box:
        st.caption(f"{len(flow_rows)} flows, each from a company's home country to the country that fined it.")
        st.dataframe(
            flow_rows.assign(
                origin=flow_rows["origin"].map(countries.name), destination=flow_rows["destination"].map(countries.name)
            ),
            hide_index=True,
            key="flows_table",
            column_config={
                "origin": st.column_config.TextColumn("From (company's home country)"),
                "destination": st.column_config.TextColumn("To (country that fined it)"),
                "fines": st.column_config.NumberColumn("Fines", format="%d"),
                "value": st.column_config.NumberColumn(f"Amount ({currency})", format="%,.0f"),
            },
            alt="Cross-border flows: company home country to fining country",
        )


def map_columns(perspective: str, present: bool) -> tuple:
    """Map and ranking side by side; the company-home view is the whole world, wide, so its table goes below."""
    if perspective == "company":
        return st.container(), st.container()
    return tuple(st.columns([2, 1] if not present else [3, 1]))


def map_height(present: bool) -> int:
    """760 px on a desktop, 900 in presentation mode; on a phone (its user agent says "Mobi") 440, since the map
    keeps its aspect ratio and a tall figure on a narrow screen is mostly blank above and below the map."""
    if "Mobi" in (st.context.headers.get("User-Agent") or ""):
        return 440
    return 900 if present else 760
