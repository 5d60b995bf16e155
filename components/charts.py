"""Charts on a page: showing one (subtitle, presentation sizes, embed view, export), and controls in the
manner of Our World in Data's grapher: log or linear, a table of the chart's numbers, and a comparison of
a few countries or companies. UI module (imports streamlit).
"""

from __future__ import annotations

import html
import re
from typing import Final

import pandas as pd
import streamlit as st

from components import countries, figures, imageexport, memo, metrics, panels, tables
from components import params as P
from components.sidebar import IMAGE_FORMAT_STATE
from components.text import md_text
from components.urlstate import embed_chart, present_from_url, view_query

MAX_COMPARE: Final = 5
#: Key prefix of the phone-width source line under each chart (static/a11y.css shows it below 640 px).
NARROW_SOURCE_PREFIX: Final = "narrowsrc_"
#: Key prefix of the phone-width title above each chart (static/a11y.css shows it, and hides the figure's own, below 640 px).
NARROW_TITLE_PREFIX: Final = "narrowtitle_"

# --- showing a chart ------------------------------------------------------------------

_FILTER_LINE = "_filter_line"
_CHART_COUNT = "_chart_count"
_DARK = "_dark_theme"
_EMBED_SLOT = "atlas_embed"
_EMBED_SLOT_DG = "_embed_slot"


def viewer_theme_is_dark() -> bool:
    """What the viewer's browser uses now (st.context.theme); the figures read it once per page run."""
    theme = getattr(st.context, "theme", None)
    return bool(theme is not None and getattr(theme, "type", None) == "dark")


def is_dark() -> bool:
    """The viewer's theme is dark (the figures pick their map colours from it)."""
    return bool(st.session_state.get(_DARK, False))


def begin_page(filter_summary: str) -> bool:
    """Before the page's first chart: its subtitle, the theme, the chart count; True in the one-chart embed view."""
    st.session_state[_FILTER_LINE] = filter_summary
    st.session_state[_CHART_COUNT] = 0
    st.session_state[_DARK] = viewer_theme_is_dark()
    if embed_chart() is None:
        return False
    embed_view_start()
    return True


def embed_view_start() -> None:
    """The one-chart view: a slot for the chart, and a sink where the page's other elements replace one another.

    The sink is an st.empty entered for the rest of the script (Streamlit resets the container stack
    on every run), so the page code stays as it is; show_chart clears the sink and stops after its chart.
    """
    slot = st.container(key=_EMBED_SLOT)
    sink = st.empty()
    sink.__enter__()
    st.session_state[_EMBED_SLOT_DG] = (slot, sink)


def open_profile_on_click(selection) -> None:
    """A click on a company's bar (customdata: its group) opens the Companies page on its profile."""
    points = ((selection or {}).get("selection") or {}).get("points", []) if selection else []
    names = [html.unescape(p["customdata"]) for p in points if isinstance(p.get("customdata"), str)]
    if names:
        query = view_query()
        query[P.COMPANY] = names[0]
        st.switch_page("pages/2_Companies.py", query_params=query)


def filter_line() -> str:
    return str(st.session_state.get(_FILTER_LINE, ""))


class _Handover(memo.SpecFigure):
    """What st.plotly_chart gets: a figure whose to_dict() is the spec itself, since Streamlit only turns it
    into JSON (a go.Figure's to_dict deep-copies every trace first)."""

    def to_dict(self) -> dict:
        return object.__getattribute__(self, "_atlas_spec")


def show_chart(fig, key: str, filename: str, alt: str, on_select=None, selection_mode=("points",), light=None):
    """Every chart: the active filters as its subtitle, presentation sizes, the embed view's one chart, and
    a download button for its image in the light theme (`light`: builds the figure for it, where the page
    drew a dark-theme variant, as the map does).

    The chart is handled as its dict (a memoized figure is never built into plotly objects on a rerun);
    presentation mode and the image download build a figure from it.
    """
    if present_from_url():
        fig = figures.presentation_sizes(figures.add_subtitle(fig, filter_line()))
        spec = fig.to_dict()
    else:
        spec = figures.add_subtitle_spec(memo.spec_of(fig), filter_line())
    image_format = st.session_state.get(IMAGE_FORMAT_STATE, "png")
    height = spec.get("layout", {}).get("height")
    config = figures.plot_config(filename, image_format, height)
    exports = imageexport.available()
    if is_dark() and exports:  # the camera would save the dark drawing: the button below saves a light one
        config["modeBarButtonsToRemove"] = [*config["modeBarButtonsToRemove"], "toImage"]
    kwargs = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": selection_mode}
    st.session_state[_CHART_COUNT] = st.session_state.get(_CHART_COUNT, 0) + 1
    wanted = embed_chart()
    if wanted is not None:
        if st.session_state[_CHART_COUNT] != wanted:
            return None
        slot, sink = st.session_state[_EMBED_SLOT_DG]
        with slot:
            st.plotly_chart(_Handover(spec), key=key, config=config, alt=alt, theme="streamlit", **kwargs)
        sink.empty()
        st.stop()
    _narrow_title(spec, key)
    shown = st.plotly_chart(_Handover(spec), key=key, config=config, alt=alt, theme="streamlit", **kwargs)
    _narrow_source_line(spec, key)
    if exports:
        _image_button(spec, light, key, filename, image_format, height)
    return shown


def _plain(text: object) -> str:
    """A plotly label as plain text: our own tags (<br>, <b>) out, entities back (data text was escaped, so it
    holds no tag of its own and comes back as it was)."""
    return html.unescape(re.sub(r"<[^>]*>", " ", str(text or ""))).strip()


def _narrow_title(spec: dict, key: str) -> None:
    """The title and subtitle again as text above the chart. SVG text does not wrap, so on a phone a long title
    inside the figure is cut at the screen's edge; static/a11y.css shows this block and hides the figure's own
    title below 640 px (the image downloads keep the title inside the figure)."""
    title = spec.get("layout", {}).get("title")
    if not isinstance(title, dict) or not title.get("text"):
        return
    subtitle = title.get("subtitle")
    subtitle = subtitle.get("text") if isinstance(subtitle, dict) else None
    with st.container(key=f"{NARROW_TITLE_PREFIX}{key}", gap="small"):
        st.markdown(f"**{md_text(_plain(title['text']))}**")
        if subtitle:
            st.caption(md_text(_plain(subtitle)))


def _narrow_source_line(spec: dict, key: str) -> None:
    """The source line again as text under the chart. SVG text does not wrap, so on a phone the line inside
    the figure runs past its right edge; static/a11y.css shows this caption and hides that line below 640 px
    (the image downloads keep the line inside the figure)."""
    first = (spec.get("layout", {}).get("annotations") or (None,))[0]
    text = html.unescape(str(first.get("text") or "")) if isinstance(first, dict) else ""
    if text.startswith("Source"):
        with st.container(key=f"{NARROW_SOURCE_PREFIX}{key}"):
            st.caption(md_text(text.replace("<br>", " · ")))


def _exported(spec: dict, light, subtitle: str):
    """The figure an image is made of: the page's own (its spec), or its light-theme build with the same subtitle."""
    return memo.SpecFigure(spec) if light is None else figures.add_subtitle(light(), subtitle)


def _image_button(spec: dict, light, key: str, filename: str, image_format: str, height) -> None:
    """A focusable download of the chart's image (the plotly toolbar cannot be reached by keyboard)."""
    subtitle = filter_line()
    port, prefix = st.get_option("server.port"), st.get_option("server.baseUrlPath").strip("/")
    topojson = f"http://127.0.0.1:{port}/{prefix + '/' if prefix else ''}{figures.TOPOJSON_URL}"

    st.download_button(
        f"Download image ({image_format.upper()}, light)",
        # on click, on its own thread: no streamlit calls in here
        lambda: imageexport.image_bytes(_exported(spec, light, subtitle), image_format, height, topojson),
        file_name=f"{filename}.{image_format}",
        mime="image/svg+xml" if image_format == "svg" else "image/png",
        key=f"img_{key}",
        icon=":material/image:",
        on_click="ignore",
        type="tertiary",
        help="The chart with its title, filters and source, in the light theme, as the camera button saves it.",
    )


# --- the grapher's controls ---------------------------------------------------------

#: Labels of the numbers tables' own columns (the shared ones come from tables.COLUMNS).
_NUMBER_LABELS: Final = {
    "period": ("text", "Period"),
    "series": ("text", "Series"),
    "value": ("money", "Amount ({cur})"),
    "cumulative": ("money", "Cumulative ({cur})"),
    "cumulative_fines": ("count", "Cumulative fines"),
}


def _number_config(columns: list[str], currency: str) -> dict:
    out = {}
    for c in columns:
        if c not in _NUMBER_LABELS:
            continue
        kind, label = _NUMBER_LABELS[c]
        label = label.format(cur=currency)
        if kind == "text":
            out[c] = st.column_config.TextColumn(label)
        else:
            out[c] = st.column_config.NumberColumn(label, format="%,.0f" if kind == "money" else "%,d")
    return out


def scale_control() -> bool:
    """Linear or log amount axis (bound to ?scale=); True for log."""
    choice = st.segmented_control(
        "Scale",
        ["linear", "log"],
        format_func=str.capitalize,
        default="linear",
        required=True,
        key=P.SCALE,
        bind="query-params",
        help="Log: each step is ten times the one before, so EUR 10k and EUR 1bn both show.",
    )
    return choice == "log"


def numbers(frame: pd.DataFrame, key: str, currency: str, columns: list[str] | None = None) -> None:
    """The chart's numbers as a table under it (collapsed, built only when opened; a keyboard user opens it
    with Enter)."""
    cols = columns or list(frame.columns)
    box = panels.lazy_expander("Numbers in this chart", f"open_{key}", ":material/table:")
    if box is None:
        return
    with box:
        tables.show(frame, key, currency, "The chart's numbers", columns=cols, column_config=_number_config(cols, currency))


def compare_controls(rows: pd.DataFrame) -> tuple[str, list[str], dict[str, str]]:
    """'Compare' countries or companies (bound to ?vs= and ?compare=): (column, chosen keys, key -> name)."""
    money = metrics.money_rows(rows)
    by = (
        st.segmented_control(
            "Compare",
            ["country", "company"],
            format_func={"country": "Countries", "company": "Companies"}.get,
            default="country",
            required=True,
            key=P.COMPARE_BY,
            bind="query-params",
        )
        or "country"
    )
    key = "country" if by == "country" else "controller_group"
    ranked = money.groupby(key, observed=True)["value_x"].sum().sort_values(ascending=False)
    options = [str(o) for o in ranked.index]
    names = {o: (f"{countries.name(o)} ({o})" if key == "country" else o) for o in options}
    # a value from the other mode (or a narrower selection) is dropped rather than refused
    current = st.session_state.get(P.COMPARE)
    if isinstance(current, list) and any(v not in options for v in current):
        st.session_state[P.COMPARE] = [v for v in current if v in options]
    chosen = st.multiselect(
        f"Up to {MAX_COMPARE} {'countries' if key == 'country' else 'companies'}, largest first",
        options,
        format_func=names.get,
        max_selections=MAX_COMPARE,
        key=P.COMPARE,
        bind="query-params",
        placeholder="Choose to compare…",
    )
    return key, list(chosen or []), names
