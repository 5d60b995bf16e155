"""Figure builders: a frame in, a plotly Figure out. Pure: no streamlit.

One template (colour-blind-safe Okabe-Ito palette, units on every axis, a source line
inside every figure so an exported PNG or SVG still says where its numbers come from).
Text from the data goes into plotly as data (hover fields), never as HTML markup:
`safe_text` escapes the few tags plotly would otherwise render.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from components import countries, memo
from components.sentences import plural, reduced_unknown_note

OKABE_ITO: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Sequential, colour-blind-safe (cividis-like) for the choropleth classes.
SEQUENTIAL: Final = ("#e8eef7", "#c3d3ea", "#8fb1d9", "#5b8cc2", "#2f66a6", "#1a4480", "#0b2a55")
#: Dark theme: the classes grow lighter with the value, so the top class never sinks into the dark sea.
SEQUENTIAL_DARK: Final = ("#27406b", "#2f5d95", "#3f7bbf", "#62a0dc", "#93c1ec", "#c6def5", "#f2f7fd")
NO_DATA_COLOUR: Final = "#d9d9d9"


@dataclass(frozen=True)
class MapColours:
    land: str  # countries outside the area
    no_data: str  # countries of the area without fines in the selection
    border: str
    sea: str
    classes: tuple[str, ...]
    flow: str
    text: str


MAP_LIGHT: Final = MapColours("#f2f2f2", NO_DATA_COLOUR, "#ffffff", "#ffffff", SEQUENTIAL, "rgba(213,94,0,0.8)", "#31333f")
MAP_DARK: Final = MapColours("#262a33", "#3b404b", "#0e1117", "#0e1117", SEQUENTIAL_DARK, "rgba(240,150,60,0.9)", "#fafafa")

#: Capitals (lon, lat) of states too small to see on a map of Europe: each gets a marker in its class colour.
SMALL_STATES: Final = {"MT": (14.51, 35.90), "LU": (6.13, 49.61), "CY": (33.38, 35.17), "LI": (9.52, 47.14)}
#: Where a flow from outside the window enters it: (lon, lat) on the map's edge, by origin.
EDGE_ENTRY: Final = {"west": (-24.0, 48.0), "east": (49.0, 52.0), "south": (10.0, 33.5), "north": (20.0, 71.5)}

STATUS_COLOURS: Final = {
    "not_appealed": "#009E73",
    "upheld": "#0072B2",
    "reduced": "#E69F00",
    "annulled": "#D55E00",
    "remitted": "#CC79A7",
    "withdrawn": "#56B4E9",
    "waived": "#F0E442",
    "pending": "#999999",
    "unknown": "#cccccc",
    "paid": "#009E73",
    "partly_paid": "#56B4E9",
    "unpaid": "#D55E00",
    "suspended": "#E69F00",
    "not_due": "#bbbbbb",
}
#: Where bars of every appeal status stand side by side, the axis says less and the hover the rest.
AXIS_STATUS_LABELS: Final = {"withdrawn": "Withdrawn", "pending": "Pending", "waived": "Waived"}
STATUS_LABELS: Final = {
    "not_appealed": "Not appealed",
    "upheld": "Upheld",
    "reduced": "Reduced",
    "annulled": "Annulled",
    "remitted": "Sent back",
    "withdrawn": "Appeal withdrawn",
    "waived": "Waived by the authority",
    "pending": "Appeal pending",
    "unknown": "Unknown",
    "paid": "Paid",
    "partly_paid": "Partly paid",
    "unpaid": "Unpaid",
    "suspended": "Suspended",
    "not_due": "Nothing due",
}

TOPOJSON_URL: Final = "app/static/topojson/"
UN_DISCLAIMER: Final = (
    "Boundaries: UN geodata via plotly.js. The boundaries and names shown and the designations used on this map "
    "do not imply official endorsement or acceptance by the United Nations."
)

TEMPLATE_NAME: Final = "atlas"
# Only what the atlas sets itself. Backgrounds, grid and text colours come from Streamlit's
# theme (st.plotly_chart theme="streamlit"), light or dark. Not built on plotly_white: every
# new Figure copies the default template and every chart sends it to the browser, and
# plotly_white's ~6 kB made up most of each small figure's cost (about 3 ms a figure).
_template = go.layout.Template(
    layout=dict(
        colorway=list(OKABE_ITO),
        font=dict(family="sans-serif", size=13),
        title=dict(x=0.0, xanchor="left", font=dict(size=16)),
        margin=dict(l=10, r=10, t=60, b=70),
        hoverlabel=dict(align="left"),
    )
)
pio.templates[TEMPLATE_NAME] = _template
pio.templates.default = TEMPLATE_NAME


def plot_config(filename: str, image_format: str = "png", height: int | None = None) -> dict:
    """st.plotly_chart config: local map files, a PNG or SVG download that works offline.

    The image is as tall as the figure (at least 700 px), so twenty swimlanes or a long bar chart
    are not squeezed or cut in the download.
    """
    fmt = image_format if image_format in ("png", "svg") else "png"
    return {
        "topojsonURL": TOPOJSON_URL,
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": fmt,
            "filename": filename,
            "scale": 2,
            "width": 1200,
            "height": max(700, int(height or 0)),
        },
        "modeBarButtonsToRemove": ["lasso2d"],
    }


def safe_text(value: object) -> str:
    """Data text for plotly labels: escaped so tags and links show as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def reductions_note(
    by_courts: float,
    early_payment: float,
    currency: str,
    waived: float = 0.0,
    added_by_courts: float = 0.0,
    reduced_unknown: int = 0,
    sent_back: float = 0.0,
) -> str | None:
    """'EUR 88M removed by courts; EUR 2M off for early payment' (None when nothing was taken off or added).

    `reduced_unknown`: fines a court reduced to an amount no source gives; they count at the amount
    imposed, so the standing figure is an upper bound and the note says so. `sent_back`: the part of
    `by_courts` a court set aside and sent back to the authority, which may fine again.
    """
    parts = []
    if by_courts > 0:
        back = f" ({fmt_money(sent_back, currency)} of it sent back to the authorities to decide again)" if sent_back > 0 else ""
        parts.append(f"{fmt_money(by_courts, currency)} removed by courts{back}")
    if reduced_unknown:
        parts.append(reduced_unknown_note(reduced_unknown))
    if added_by_courts > 0:
        parts.append(f"{fmt_money(added_by_courts, currency)} added by courts that raised a fine")
    if early_payment > 0:
        parts.append(f"{fmt_money(early_payment, currency)} off for early payment")
    if waived > 0:
        parts.append(f"{fmt_money(waived, currency)} withdrawn or waived by the authorities")
    return "; ".join(parts) or None


def first_part(note: str | None) -> str | None:
    """A "; "-joined note's first part, with "…" when parts follow (a tile's note shows one line)."""
    if not note or "; " not in note:
        return note
    return note.split("; ", 1)[0] + "; …"


@memo.on_frame  # the bundled coverage table is one object per process
def coverage_sentence(table: pd.DataFrame) -> str:
    """One line: our count beside the newest published count, our total beside the newest total since 2018."""
    parts = []
    newest = table.sort_values("cutoff", ascending=False, kind="stable")
    counted = newest[newest["their_fines"].notna()]
    if len(counted):
        row = counted.iloc[0]
        parts.append(
            f"{row['our_fines']:,} of the {row['their_fines']:,.0f} fines that {row['publisher']} counted "
            f"({row['period']}: {row['fines_share']:.0%})"
        )
    totalled = newest[newest["their_total_eur"].notna() & newest["their_fines"].isna() & newest["since_start"]]
    if len(totalled):
        row = totalled.iloc[0]
        parts.append(
            f"{fmt_money(row['our_total_eur'], 'EUR')} of the {fmt_money(row['their_total_eur'], 'EUR')} that "
            f"{row['publisher']} reported ({row['period']}: {row['total_share']:.0%})"
        )
    return ("Coverage of GDPR and UK GDPR fines: the Atlas holds " + "; and ".join(parts) + ".") if parts else ""


def collection_basis_note(known: int, suspended: int) -> str:
    """What a collection rate rests on: 'over 1 fine with known payment; 9 suspended under appeal'."""
    if known == 0:
        note = "no fine with known payment"
    else:
        note = f"over {plural(known, 'fine')} with known payment"
    if suspended:
        note += f"; {suspended} suspended under appeal"
    return note


def fmt_money(value: float | None, currency: str) -> str:
    """Human figure: EUR 1.2bn, GBP 7.6M, SEK 35k."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "unknown"
    sign = "-" if value < 0 else ""
    v = abs(value)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if v >= size:
            return f"{sign}{currency} {v / size:,.{1 if v / size < 100 else 0}f}{suffix}"
    return f"{sign}{currency} {v:,.0f}"


WRAP_SLACK: Final = 10


def _wrap(text: str, width: int = 95) -> list[str]:
    """Lines of at most about `width` characters, broken at " · " and, in a longer part, between words."""
    lines: list[str] = []
    current = ""
    for part in text.split(" · "):
        candidate = f"{current} · {part}" if current else part
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # a part much longer than a line is broken between words (a few characters over stay on one line)
        while len(part) > width + WRAP_SLACK and " " in part[:width]:
            cut = part.rindex(" ", 0, width)
            lines.append(part[:cut])
            part = part[cut + 1 :]
        current = part
    if current:
        lines.append(current)
    return lines


def _caption_layout(source: str, width: int = 95) -> dict:
    """Layout of the source line inside the figure, so an exported image keeps it."""
    lines = _wrap(source, width)
    return {
        "margin": {"b": 66 + 14 * len(lines)},
        "annotations": [
            {
                "text": "<br>".join(safe_text(line) for line in lines),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.01,
                "yanchor": "top",
                "yshift": -46,
                "showarrow": False,
                "align": "left",
                "font": {"size": 10},
                "opacity": 0.8,
            }
        ],
    }


def _base(title: str, source: str, height: int = 420, data: list | None = None, source_width: int = 95, **layout) -> go.Figure:
    """A figure with its title and source line, built in one constructor call from plain dicts.

    Each later update_layout()/update_geos()/add_annotation() walks property paths and re-runs
    plotly's update machinery (tens of thousands of lookups per page); a builder that passes its
    traces (`data`) and layout here avoids that. A `margin` given is merged with the source line's.
    """
    caption = _caption_layout(source, source_width)  # characters per line: fewer for a chart in a narrow column
    margin = {**caption["margin"], **(layout.pop("margin", None) or {})}
    annotations = caption["annotations"] + list(layout.pop("annotations", None) or [])
    full = {"title": {"text": safe_text(title)}, "height": height, **layout, "margin": margin, "annotations": annotations}
    return go.Figure(data=data, layout=full)


def _subtitle(text: str, top: int | None) -> tuple[dict, int]:
    """The subtitle (the active filters) and the top margin that makes room for it: one rule for both forms."""
    return {"text": safe_text(text), "font": {"size": 12}}, (top if top is not None else 60) + 20


def add_subtitle(fig: go.Figure, text: str) -> go.Figure:
    """The active filters under the title, so an exported image says what it shows."""
    if not text:
        return fig
    # attribute sets, not update_layout(): it walks the "title_subtitle" paths through plotly's
    # relayout machinery, ~5 ms a chart on every chart of every rerun
    fig.layout.title.subtitle, fig.layout.margin.t = _subtitle(text, fig.layout.margin.t)
    return fig


def add_subtitle_spec(spec: dict, text: str) -> dict:
    """add_subtitle on a figure's dict (memo.spec_of), as show_chart does on every chart of every rerun."""
    if not text:
        return spec
    layout = spec.setdefault("layout", {})
    margin = layout.setdefault("margin", {})
    title = layout.get("title")
    if not isinstance(title, dict):
        title = layout["title"] = {} if title is None else {"text": title}
    title["subtitle"], margin["t"] = _subtitle(text, margin.get("t"))
    return spec


def presentation_sizes(fig: go.Figure) -> go.Figure:
    """Large type for a projector: axes, title, hover and the source line inside the figure."""
    fig.update_layout(font_size=18, title_font_size=26, hoverlabel_font_size=18, title_subtitle_font_size=17)
    for ann in fig.layout.annotations or ():
        if ann.font is not None and ann.font.size == 10:  # the source line
            ann.font.size = 15
            ann.yshift = -56
    for trace in fig.data:  # map labels ("from United States") and small-state dots
        if trace.type == "scattergeo" and trace.textfont is not None and trace.textfont.size:
            trace.textfont.size = 17
    bottom = fig.layout.margin.b or 70
    fig.update_layout(margin_b=int(bottom * 1.4), legend_font_size=16)
    # Streamlit's chart theme sets tick and axis-title sizes of its own, over layout.font
    if any(t.type in ("bar", "scatter", "box", "histogram") for t in fig.data):
        axis = {"tickfont": {"size": 16}, "title": {"font": {"size": 18}}}
        fig.update_layout(xaxis=axis, yaxis=axis)
    return fig


def money_ticks(values: Iterable[float], currency: str, log: bool = False) -> tuple[list[float], list[str]]:
    """Axis ticks in the one number format of the app ("EUR 1.5bn"), linear or on powers of ten."""
    vals = [float(v) for v in values if v is not None and np.isfinite(v) and v > 0]
    if not vals:
        return [], []
    hi = max(vals)
    if log:
        lo = min(vals)
        ticks = [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]
    else:
        raw = hi / 4
        mag = 10 ** math.floor(math.log10(raw))
        step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
        ticks = [i * step for i in range(0, int(hi / step) + 2)]
    return ticks, [fmt_money(t, currency) if t else "0" for t in ticks]


def truncate(text: object, width: int = 28) -> str:
    """A label cut to `width` characters with an ellipsis (the full name is in the hover)."""
    value = "" if text is None else str(text)
    return value if len(value) <= width else value[: width - 1].rstrip() + "…"


@memo.figure
def empty_figure(title: str, message: str, source: str = "") -> go.Figure:
    fig = _base(title, source, height=260)
    fig.add_annotation(text=safe_text(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=15))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# --- map ----------------------------------------------------------------------


def class_breaks(values: Iterable[float], n: int = 6) -> list[float]:
    """Classed bins on a log scale with round edges, so Malta shows beside Ireland."""
    vals = np.array([v for v in values if v is not None and np.isfinite(v) and v > 0])
    if vals.size == 0:
        return [0.0, 1.0]
    lo, hi = math.floor(math.log10(vals.min())), math.ceil(math.log10(vals.max()))
    if hi == lo:
        hi = lo + 1
    edges = sorted({10.0**e for e in range(lo, hi + 1)})
    # add half-decade edges when there are few decades
    if len(edges) - 1 < n:
        extra = [3 * 10.0**e for e in range(lo, hi) if vals.min() <= 3 * 10.0**e <= vals.max()]
        edges = sorted(set(edges) | set(extra))
    return edges


def _class_index(values: pd.Series, edges: list[float]) -> np.ndarray:
    idx = np.searchsorted(edges, values.to_numpy(dtype=float), side="right") - 1
    return np.clip(idx, 0, len(edges) - 2)


#: Approximate centres (lon, lat) of the EEA states and the UK, where flows start and end.
CENTRES: Final = {
    "AT": (14.6, 47.6),
    "BE": (4.6, 50.6),
    "BG": (25.2, 42.7),
    "HR": (15.9, 45.5),
    "CY": (33.2, 35.0),
    "CZ": (15.3, 49.8),
    "DK": (9.3, 56.0),
    "EE": (25.5, 58.7),
    "FI": (25.9, 62.5),
    "FR": (2.4, 46.6),
    "DE": (10.4, 51.1),
    "GR": (22.6, 39.3),
    "HU": (19.4, 47.2),
    "IE": (-8.1, 53.2),
    "IT": (12.6, 42.8),
    "LV": (24.9, 56.9),
    "LT": (23.9, 55.3),
    "LU": (6.1, 49.8),
    "MT": (14.4, 35.9),
    "NL": (5.5, 52.2),
    "PL": (19.4, 52.1),
    "PT": (-8.2, 39.6),
    "RO": (24.9, 45.9),
    "SK": (19.5, 48.7),
    "SI": (14.8, 46.1),
    "ES": (-3.6, 40.3),
    "SE": (15.3, 60.1),
    "IS": (-18.6, 64.9),
    "LI": (9.55, 47.15),
    "NO": (9.5, 61.0),
    "GB": (-2.0, 53.0),
    "CH": (8.2, 46.8),
}
#: Which edge of the Europe window a flow from outside it enters by.
_WEST: Final = frozenset("US CA MX BR AR CL CO PE".split())
_SOUTH: Final = frozenset("ZA NG EG MA KE TN GH".split())
EUROPE_LON: Final = (-28.0, 52.0)
EUROPE_LAT: Final = (33.0, 71.5)
#: A world view (company homes): centred on Europe, Antarctica and the high Arctic left out.
WORLD_CENTRE_LON: Final = 10.0
WORLD_LAT: Final = (-58.0, 84.0)


def _entry(origin: str, order: int = 0, lon_range: tuple[float, float] = EUROPE_LON) -> tuple[float, float, str]:
    """Where a flow from outside the window starts, on its edge: (lon, lat, textposition).

    `order` counts the outside origins entering by the same edge, so their labels do not overlap.
    """
    if origin in _WEST:
        return lon_range[0] + 1.5, 36.5 + 3 * order, "bottom right"  # below: its flows fan out up and right
    if origin in _SOUTH:
        return 12.0 + 8 * order, EUROPE_LAT[0] + 0.8, "top center"
    return lon_range[1] - 1.5, 58.0 - 5 * order, "top left"


def _edge(origin: str) -> str:
    return "west" if origin in _WEST else "south" if origin in _SOUTH else "east"


def world_height(height: int) -> int:
    """The world is about twice as wide as it is tall: Europe's 760 px left a blank band above and below it."""
    return int(height * 0.74) if height >= 700 else min(height, 320)


@memo.figure
def choropleth(
    per_country: pd.DataFrame,
    metric: str,
    metric_label: str,
    currency: str,
    source: str,
    area: Iterable[str] = countries.EEA_UK,
    flows: pd.DataFrame | None = None,
    is_share: bool = False,
    is_count: bool = False,
    height: int = 560,
    edges: list[float] | None = None,
    title: str | None = None,
    dark: bool = False,
    unit: str | None = None,
    wide: bool = False,
) -> go.Figure:
    """Classed choropleth of the EEA and the UK; every country of the area has a shape.

    Countries without data are drawn in a no-data colour (and say so on hover), so a reader
    can tell 'none' from 'not drawn'. Small states (Malta, Luxembourg, Cyprus, Liechtenstein)
    get a marker in their class colour. Flows are arrows from the company's home to the fining
    country; a home outside the window starts at its edge, labelled "from United States".
    `unit` overrides the colour bar's unit ("per million people").
    """
    colours = MAP_DARK if dark else MAP_LIGHT
    lon_range = (-45.0, 70.0) if wide else EUROPE_LON  # presentation: a wide screen, a wider window
    area = sorted(area)
    frame = per_country.set_index("iso2") if len(per_country) else pd.DataFrame(columns=["value"])
    values = pd.Series({c: frame[metric].get(c, np.nan) if metric in frame else np.nan for c in area}, dtype=float)
    has = values.notna() & (values > 0 if not is_share else values.notna())
    traces: list = []  # the figure is built once at the end, from its traces and layout (see _base)

    def fmt(v: float) -> str:
        if is_share:
            return f"{v:.1%}"
        if is_count:
            return f"{v:,.2f}" if 0 < v < 10 and v != int(v) else f"{v:,.0f}"
        return fmt_money(v, currency)

    def hover_for(c: str, v: float) -> str:
        row = frame.loc[c] if c in frame.index else None
        name = countries.name(c)
        if row is None or not np.isfinite(v):
            return f"{name}: no data in this selection"
        fines = int(row.get("fines", 0))
        return f"{name}<br>{safe_text(metric_label)}: {fmt(v)}<br>Fines: {fines}"

    traces.append(
        go.Choropleth(
            locations=[countries.iso3(c) for c in area],
            z=[0] * len(area),
            customdata=area,
            text=[hover_for(c, values[c]) for c in area],
            hovertemplate="%{text}<extra></extra>",
            colorscale=[[0, colours.no_data], [1, colours.no_data]],
            showscale=False,
            marker_line_color=colours.border,
            marker_line_width=0.6,
            name="no data",
        )
    )
    data_codes = [c for c in area if has.get(c, False)]
    europe = set(area) <= countries.EEA_UK
    class_colour: dict[str, str] = {}
    if data_codes:
        if edges is None:
            edges = SHARE_EDGES if is_share else class_breaks(values[data_codes].tolist())
        k = len(edges) - 1
        palette = colours.classes[-k:] if k <= len(colours.classes) else colours.classes
        cls = _class_index(values[data_codes], edges)
        scale = []
        for i in range(k):
            colour = palette[min(i, len(palette) - 1)]
            scale += [[i / k, colour], [(i + 1) / k, colour]]
        class_colour = {c: palette[min(int(i), len(palette) - 1)] for c, i in zip(data_codes, cls)}
        ticks = [fmt(e) if not is_share else f"{min(e, 1):.0%}" for e in edges]
        bar_title = metric_label if is_share or is_count else f"{metric_label} ({currency})"
        traces.append(
            go.Choropleth(
                locations=[countries.iso3(c) for c in data_codes],
                z=cls + 0.5,
                zmin=0,
                zmax=k,
                customdata=data_codes,
                text=[hover_for(c, values[c]) for c in data_codes],
                hovertemplate="%{text}<extra></extra>",
                colorscale=scale,
                marker_line_color=colours.border,
                marker_line_width=0.6,
                colorbar=dict(
                    title=dict(text=safe_text(unit or bar_title), side="top"),
                    tickvals=list(range(k + 1)),
                    ticktext=ticks,
                    len=0.42,
                    thickness=14,
                    x=0.01,
                    xanchor="left",
                    y=0.76 if europe else 0.5,  # over the Atlantic below Iceland; on the world, the South Pacific
                    yanchor="top",
                    bgcolor="rgba(0,0,0,0)",
                ),
                name=safe_text(metric_label),
            )
        )
    small = [c for c in SMALL_STATES if c in area]
    if europe and small:
        traces.append(
            go.Scattergeo(
                lon=[SMALL_STATES[c][0] for c in small],
                lat=[SMALL_STATES[c][1] for c in small],
                mode="markers",
                marker=dict(
                    size=11,
                    color=[class_colour.get(c, colours.no_data) for c in small],
                    line=dict(width=1.5, color=colours.text),
                ),
                customdata=small,
                text=[hover_for(c, values[c]) for c in small],
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
                name="small states",
            )
        )
    if flows is not None and len(flows):
        top = flows.head(25)
        maxv = max(float(top["value"].max()), 1.0)
        labelled: set[str] = set()
        outside = list(dict.fromkeys(o for o in top["origin"] if o not in CENTRES))
        order = {o: [x for x in outside if _edge(x) == _edge(o)].index(o) for o in outside}
        for rec in top.itertuples(index=False):
            if rec.destination not in CENTRES:
                continue
            hover = safe_text(
                f"{countries.name(rec.origin)} → {countries.name(rec.destination)}: {plural(rec.fines, 'fine')}, "
                f"{fmt_money(rec.value, currency)}"
            )
            if europe:  # the Europe window: a home outside it starts at the window's edge, labelled
                inside = rec.origin in CENTRES
                o_lon, o_lat = CENTRES[rec.origin] if inside else _entry(rec.origin, order[rec.origin], lon_range)[:2]
                ends = dict(lon=[o_lon, CENTRES[rec.destination][0]], lat=[o_lat, CENTRES[rec.destination][1]])
            else:  # a world view shows the homes: each flow starts at its home country (plotly's centroid)
                inside = True
                ends = dict(locations=[countries.iso3(rec.origin), countries.iso3(rec.destination)], locationmode="ISO-3")
                if None in ends["locations"]:
                    continue
            traces.append(
                go.Scattergeo(
                    **ends,
                    mode="lines+markers",
                    line=dict(width=1 + 5 * math.sqrt(rec.value / maxv), color=colours.flow),
                    marker=dict(size=[5, 13], symbol=["circle", "arrow"], angleref="previous", color=colours.flow, standoff=4),
                    hovertext=hover,
                    hoverinfo="text",
                    showlegend=False,
                    name="flow",
                )
            )
            if not inside and rec.origin not in labelled:
                labelled.add(rec.origin)
                lon, lat, position = _entry(rec.origin, order[rec.origin], lon_range)
                traces.append(
                    go.Scattergeo(
                        lon=[lon],
                        lat=[lat],
                        mode="markers+text",
                        text=[safe_text(f"from {countries.name(rec.origin)}")],
                        textposition=position,
                        textfont=dict(color=colours.text, size=12),
                        marker=dict(size=7, color=colours.flow),
                        hovertext=hover,
                        hoverinfo="text",
                        showlegend=False,
                        name="from outside the map",
                    )
                )
    geo = dict(
        scope="world",
        resolution=50,
        # Europe: a fixed window wider than the EEA, so land is not cut off in a hard line beside
        # Finland and flows from outside enter at its edge; home-country views show the world.
        fitbounds=False,
        showcountries=True,
        countrycolor=colours.border,
        showland=True,
        landcolor=colours.land,
        showocean=True,
        oceancolor=colours.sea,
        showlakes=False,
        showframe=False,
        projection=dict(type="mercator" if europe else "natural earth"),
        bgcolor="rgba(0,0,0,0)",
        domain=dict(x=[0, 1], y=[0, 1]),
    )
    if europe:
        geo.update(lonaxis=dict(range=list(lon_range)), lataxis=dict(range=list(EUROPE_LAT)))
    else:  # the world centred on Europe (fitting the homes centred it on the Pacific, Europe at the edge)
        geo.update(
            projection=dict(type="natural earth", rotation=dict(lon=WORLD_CENTRE_LON)), lataxis=dict(range=list(WORLD_LAT))
        )
    # one constructor call: update_geos() + update_layout() after the traces cost ~10x as much
    return _base(
        title or f"{metric_label} by country",
        source,
        height=height if europe else world_height(height),
        data=traces,
        geo=geo,
        margin=dict(l=0, r=0, t=50),
        dragmode=False,
        meta={"edges": edges},
    )


SHARE_EDGES: Final = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 1.0000001]


def add_year_animation(
    fig: go.Figure,
    frames_by_year: dict[int, pd.DataFrame],
    metric: str,
    metric_label: str,
    currency: str,
    is_share: bool,
    is_count: bool,
) -> go.Figure:
    """A play button and year slider inside the map: decisions up to each year, on fixed classes.

    frames_by_year maps a year to that year's per-country frame (cumulative). Works
    offline: the animation runs in plotly.js, on the same local boundaries.
    """
    edges = (fig.layout.meta or {}).get("edges") if fig.layout.meta else None
    if not edges or len(fig.data) < 2 or not frames_by_year:
        return fig
    k = len(edges) - 1
    frames = []
    for year, per_country in sorted(frames_by_year.items()):
        sub = per_country.set_index("iso2")[metric] if len(per_country) else pd.Series(dtype=float)
        sub = sub[sub.notna() & ((sub > 0) | is_share)]
        codes = list(sub.index)
        cls = _class_index(sub, edges) + 0.5 if len(sub) else np.array([])
        text = [
            f"{countries.name(c)} (to {year})<br>{safe_text(metric_label)}: "
            + (f"{v:.1%}" if is_share else f"{v:,.0f}" if is_count else fmt_money(v, currency))
            for c, v in sub.items()
        ]
        frames.append(
            go.Frame(
                name=str(year),
                data=[
                    go.Choropleth(
                        locations=[countries.iso3(c) for c in codes], z=cls, customdata=codes, text=text, zmin=0, zmax=k
                    )
                ],
                traces=[1],
            )
        )
    fig.frames = frames
    steps = [
        dict(
            method="animate",
            label=f.name,
            args=[[f.name], dict(mode="immediate", frame=dict(duration=700, redraw=True), transition=dict(duration=0))],
        )
        for f in frames
    ]
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                showactive=False,
                x=0.0,
                y=0.02,
                xanchor="left",
                yanchor="bottom",
                buttons=[
                    dict(
                        label="▶ Play",
                        method="animate",
                        args=[None, dict(frame=dict(duration=900, redraw=True), fromcurrent=False, transition=dict(duration=0))],
                    ),
                    dict(
                        label="❚❚", method="animate", args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))]
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=len(steps) - 1,
                x=0.12,
                y=0.02,
                len=0.85,
                yanchor="bottom",
                currentvalue=dict(prefix="Up to "),
                steps=steps,
                pad=dict(t=0, b=0),
            )
        ],
    )
    return fig


# --- bars and lines -----------------------------------------------------------


def money_axis(fig: go.Figure, axis: str, values: Iterable[float], currency: str | None, log: bool = False) -> go.Figure:
    """An amount axis in the app's one number format ("EUR 1.5bn"), linear or log; counts keep plain numbers."""
    target = fig.layout.xaxis if axis == "x" else fig.layout.yaxis  # the figure's one axis of that letter
    if log:
        target.type = "log"
    if currency:
        tickvals, ticktext = money_ticks(values, currency, log)
        if tickvals:
            target.tickmode = "array"
            target.tickvals = tickvals
            target.ticktext = ticktext
    return fig


@memo.figure
def hbar(
    frame: pd.DataFrame,
    label_col: str,
    value_col: str,
    title: str,
    axis_label: str,
    source: str,
    currency: str | None = None,
    hover_cols: dict[str, str] | None = None,
    n: int = 15,
    colour: str = OKABE_ITO[0],
    log: bool = False,
    key_col: str | None = None,
    label_width: int = 28,
    source_width: int = 95,
) -> go.Figure:
    """Horizontal bars, largest on top; labels cut to `label_width` with the full name on hover.

    customdata holds `key_col` (default the label), so a click can say which bar it was.
    `source_width`: characters per line of the source line (fewer in a narrow column).
    """
    top = frame.head(n).iloc[::-1]
    fig = _base(title, source, height=max(260, 60 + 28 * len(top) + 70), source_width=source_width)
    text = [fmt_money(v, currency) if currency else f"{v:,.0f}" for v in top[value_col]]
    hover_lines = []
    for _, row in top.iterrows():
        parts = [f"<b>{safe_text(row[label_col])}</b>", f"{safe_text(axis_label)}: {text[len(hover_lines)]}"]
        for col, lab in (hover_cols or {}).items():
            parts.append(f"{safe_text(lab)}: {safe_text(row[col])}")
        hover_lines.append("<br>".join(parts))
    labels = [safe_text(truncate(v, label_width)) for v in top[label_col]]
    # two long names may cut to the same label: keep each bar on its own row
    seen: dict[str, int] = {}
    for i, lab in enumerate(labels):
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            labels[i] = lab + "\u200b" * (seen[lab] - 1)
    fig.add_trace(
        go.Bar(
            x=top[value_col],
            y=labels,
            orientation="h",
            marker_color=colour,
            text=text,
            # every label outside its bar, at one size: inside, plotly shrank the labels of shorter bars to ~8 px
            textposition="outside" if not log else "auto",
            cliponaxis=False,
            hovertext=hover_lines,
            hoverinfo="text",
            # escaped like every string in a figure; a click handler reads it back with html.unescape
            customdata=[safe_text(v) for v in top[key_col or label_col]],
        )
    )
    longest = float(top[value_col].max()) if len(top) else 0.0
    # one axis update: room for the longest bar's label outside it (a linear axis; log keeps plotly's range)
    fig.update_xaxes(title_text=safe_text(axis_label), range=[0, longest * 1.22] if not log and longest > 0 else None)
    money_axis(fig, "x", top[value_col], currency, log)
    fig.update_yaxes(automargin=True)
    return fig


def partial_last_period(periods: pd.Series, freq: str, through: pd.Timestamp | None) -> bool:
    """The last period (a year or month starting at `periods`' last value) ends after `through`."""
    if through is None or len(periods) == 0:
        return False
    last = pd.Timestamp(periods.iloc[-1])
    end = last + (pd.offsets.YearEnd(0) if freq == "year" else pd.offsets.MonthEnd(0))
    return last <= pd.Timestamp(through) < end


def _period_hover(freq: str) -> str:
    """The hover's period: a year bar reads "2023", not "2023-01" (which reads as January)."""
    return "%{x|%Y}" if freq == "year" else "%{x|%b %Y}"


@memo.figure
def timeline_figure(
    per_period: pd.DataFrame,
    freq: str,
    title: str,
    currency: str,
    source: str,
    cumulative_only: bool = False,
    log: bool = False,
    through: pd.Timestamp | None = None,
) -> go.Figure:
    """`through`: the last day the data covers; a last period that runs past it is drawn hatched and
    labelled ("to 12 Jun 2026"), so a short year is not read as a fall."""
    if len(per_period) == 0:
        return empty_figure(title, "No fines in this selection.", source)
    label = "Per month" if freq == "month" else "Per year"
    when = _period_hover(freq)
    partial = partial_last_period(per_period["period"], freq, through)
    # the partial period's label goes in with the layout: a later add_annotation walks plotly's property paths
    labels = [
        dict(x=per_period["period"].iloc[-1], y=per_period["value"].iloc[-1], text=f"to {through:%d %b}",
             showarrow=False, yanchor="bottom", yshift=2, font=dict(size=11))
    ] if partial and not cumulative_only else None  # fmt: skip
    fig = _base(title, source, height=420, annotations=labels)
    if not cumulative_only:
        n = len(per_period)
        notes = [""] * n
        if partial:
            notes[-1] = f"<br>a partial {freq}: the data run to {through:%d %b %Y}"
        fig.add_trace(
            go.Bar(
                x=per_period["period"],
                y=per_period["value"],
                name=f"{label} ({currency})",
                marker=dict(
                    color=OKABE_ITO[4],
                    pattern=dict(shape=[""] * (n - 1) + ["/" if partial else ""], solidity=0.4),
                ),
                customdata=np.stack(
                    [
                        [plural(int(n), "fine") for n in per_period["fines"]],
                        [fmt_money(v, currency) for v in per_period["value"]],
                        notes,
                    ],
                    axis=1,
                ),
                hovertemplate=when + "<br>%{customdata[1]} in %{customdata[0]}%{customdata[2]}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=per_period["period"],
            y=per_period["cumulative"],
            name=f"Cumulative ({currency})",
            mode="lines+markers",
            line=dict(color=OKABE_ITO[0], width=3),
            yaxis="y2" if not cumulative_only else "y",
            customdata=np.stack(
                [
                    [plural(int(n), "fine") for n in per_period["cumulative_fines"]],
                    [fmt_money(v, currency) for v in per_period["cumulative"]],
                ],
                axis=1,
            ),
            hovertemplate=when + "<br>Cumulative: %{customdata[1]} in %{customdata[0]}<extra></extra>",
        )
    )
    fig.update_yaxes(title_text=f"{label} ({currency})" if not cumulative_only else f"Cumulative ({currency})")
    money_axis(fig, "y", per_period["value"] if not cumulative_only else per_period["cumulative"], currency, log)
    if not cumulative_only:
        ticks, text = money_ticks(per_period["cumulative"], currency, log)
        fig.update_layout(
            yaxis2=dict(
                title=f"Cumulative ({currency})",
                overlaying="y",
                side="right",
                showgrid=False,
                rangemode="tozero" if not log else None,
                type="log" if log else None,
                tickmode="array" if ticks else None,
                tickvals=ticks or None,
                ticktext=text or None,
            ),
        )
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    fig.update_xaxes(title_text="Decision date" if "decision" in title.lower() else "Date")
    return fig


@memo.figure
def compare_lines(per_series: pd.DataFrame, freq: str, title: str, currency: str, source: str, log: bool = False) -> go.Figure:
    """One cumulative line per country or company (columns: series, period, value, cumulative, fines)."""
    if len(per_series) == 0:
        return empty_figure(title, "Nothing to compare in this selection.", source)
    fig = _base(title, source, height=440)
    for i, (name, grp) in enumerate(per_series.groupby("series", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=grp["period"],
                y=grp["cumulative"],
                name=safe_text(truncate(name, 30)),
                mode="lines+markers",
                line=dict(color=OKABE_ITO[i % len(OKABE_ITO)], width=3),
                customdata=np.stack(
                    [[plural(int(n), "fine") for n in grp["fines"]], [fmt_money(v, currency) for v in grp["cumulative"]]], axis=1
                ),
                hovertemplate=f"<b>{safe_text(name)}</b><br>{_period_hover(freq)}: %{{customdata[1]}} cumulative"
                "<br>%{customdata[0]} in the period<extra></extra>",
            )
        )
    fig.update_yaxes(title_text=f"Cumulative ({currency})")
    money_axis(fig, "y", per_series["cumulative"], currency, log)
    fig.update_xaxes(title_text="Decision date")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig


EVENT_SYMBOLS: Final = {
    "decision": ("circle", "#0072B2"),
    "announcement": ("circle-open", "#0072B2"),
    "notice_of_intent": ("diamond-open", "#999999"),
    "appeal_lodged": ("triangle-up", "#E69F00"),
    "court_ruling": ("square", "#CC79A7"),
    "appeal_withdrawn": ("x", "#56B4E9"),
    "settlement": ("star", "#56B4E9"),
    "penalty_for_non_compliance": ("diamond", "#D55E00"),
    "early_payment_reduction": ("triangle-down", "#009E73"),
    "payment": ("star", "#009E73"),
    "payment_suspended": ("hourglass", "#E69F00"),
    "enforcement_action": ("cross", "#D55E00"),
    "status_check": ("line-ns-open", "#555555"),
}


@memo.figure
def swimlanes(events: pd.DataFrame, title: str, source: str, currency_note: str = "") -> go.Figure:
    """One lane per fine: its decision, appeal, rulings, penalties and payments over time."""
    if len(events) == 0:
        return empty_figure(title, "No lifecycle events for this selection.", source)
    lanes = list(dict.fromkeys(events["label"]))
    fig = _base(title, source, height=max(300, 120 + 34 * len(lanes)))
    for _fine_id, grp in events.groupby("fine_id", sort=False):
        fig.add_trace(
            go.Scatter(
                x=grp["date"],
                y=[safe_text(grp["label"].iloc[0])] * len(grp),
                mode="lines",
                line=dict(color="#bbbbbb", width=2),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for event, grp in events.groupby("event", sort=False):
        symbol, colour = EVENT_SYMBOLS.get(event, ("circle", "#000000"))
        hover = [
            "<br>".join(
                x
                for x in (
                    f"<b>{safe_text(r.label)}</b>",
                    f"{r.date:%Y-%m-%d}: {safe_text(event.replace('_', ' '))}"
                    + (f" — {safe_text(r.outcome)}" if r.outcome else ""),
                    f"Court: {safe_text(r.court)}" if isinstance(r.court, str) and r.court else "",
                    f"Amount: {fmt_money(r.amount, r.currency)}"
                    if pd.notna(r.amount) and isinstance(r.currency, str) and r.currency
                    else "",
                    f"Source: {safe_text(r.source_url)}",
                )
                if x
            )
            for r in grp.itertuples(index=False)
        ]
        fig.add_trace(
            go.Scatter(
                x=grp["date"],
                y=[safe_text(v) for v in grp["label"]],
                mode="markers",
                marker=dict(symbol=symbol, size=12, color=colour, line=dict(width=1, color="white")),
                name=event.replace("_", " "),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[safe_text(v) for v in lanes[::-1]], automargin=True)
    fig.update_xaxes(title_text="Date")
    first, last = pd.to_datetime(events["date"]).min(), pd.to_datetime(events["date"]).max()
    if pd.notna(first) and last - first < MIN_LANE_SPAN:
        # every step within weeks of the others, or on one day (a fine decided and announced the same day): plotly
        # would span the axis over milliseconds ("23:59:59.999 May 7, 2026"), so show a quarter around them in days
        pad = (MIN_LANE_SPAN - (last - first)) / 2
        fig.update_xaxes(range=[(first - pad).isoformat(), (last + pad).isoformat()], tickformat="%d %b %Y")
    fig.update_layout(legend=dict(orientation="h", y=1.0, x=0, xanchor="left", yanchor="bottom"), margin=dict(t=110))
    return fig


#: The shortest stretch of time a lifecycle chart's axis shows.
MIN_LANE_SPAN: Final = pd.Timedelta(days=90)


def short_authority(name: str) -> str:
    """'Data Protection Commission (DPC)' -> 'DPC'; long names without an abbreviation are cut."""
    found = re.findall(r"\(([^()]{2,12})\)\s*$", str(name))
    if found:
        return found[-1]
    return str(name) if len(str(name)) <= 28 else str(name)[:27] + "…"


@memo.figure
def grouped_bars(
    frame: pd.DataFrame,
    label_col: str,
    series: dict[str, str],
    title: str,
    currency: str,
    source: str,
    n: int = 15,
    hover_extra: str | None = None,
    horizontal: bool = False,
    log: bool = False,
) -> go.Figure:
    """Side-by-side bars (e.g. imposed, standing, known collected) per group."""
    top = frame.head(n)
    if horizontal:
        top = top.iloc[::-1]
    fig = _base(title, source, height=max(440, 120 + 46 * len(top)) if horizontal else 440)
    colours = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[5]]
    full = [safe_text(v) for v in top[label_col]]
    labels = [safe_text(truncate(v, 36)) for v in top[label_col]]
    if len(set(labels)) < len(labels):
        labels = full
    for i, (col, name) in enumerate(series.items()):
        extra = top[hover_extra].astype(str).map(safe_text) if hover_extra else pd.Series([""] * len(top))
        fig.add_trace(
            go.Bar(
                x=top[col] if horizontal else labels,
                y=labels if horizontal else top[col],
                orientation="h" if horizontal else "v",
                name=safe_text(name),
                marker_color=colours[i % len(colours)],
                hovertext=[
                    f"<b>{lab}</b><br>{safe_text(name)}: {fmt_money(v, currency)}<br>{e}"
                    for lab, v, e in zip(full, top[col], extra)
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    amounts = pd.concat([top[c] for c in series]) if len(top) else pd.Series(dtype=float)
    if horizontal:
        fig.update_xaxes(title_text=f"Amount ({currency})")
        money_axis(fig, "x", amounts, currency, log)
        fig.update_yaxes(automargin=True)
    else:
        fig.update_yaxes(title_text=f"Amount ({currency})")
        money_axis(fig, "y", amounts, currency, log)
    return fig


@memo.figure
def stacked_status(
    frame: pd.DataFrame, value_col: str, title: str, axis_label: str, source: str, currency: str | None
) -> go.Figure:
    """One bar per appeal status (count or money)."""
    fig = _base(title, source, height=380)
    for rec in frame.itertuples(index=False):
        v = getattr(rec, value_col)
        fig.add_trace(
            go.Bar(
                x=[STATUS_LABELS.get(rec.status, rec.status)],
                y=[v],
                name=STATUS_LABELS.get(rec.status, rec.status),
                marker_color=STATUS_COLOURS.get(rec.status, "#888888"),
                text=[fmt_money(v, currency) if currency else f"{v:,.0f}"],
                textposition="outside",
                hovertemplate=f"{STATUS_LABELS.get(rec.status, rec.status)}: "
                + (fmt_money(v, currency) if currency else f"{v:,.0f}")
                + f" ({rec.fines:,} {'fine' if rec.fines == 1 else 'fines'})<extra></extra>",
                showlegend=False,
            )
        )
    fig.update_yaxes(title_text=safe_text(axis_label))
    money_axis(fig, "y", frame[value_col] if len(frame) else [], currency)
    # short level labels (the hover has the full one): plotly's tilted labels ran into the source line below,
    # and nine full labels side by side ran into each other
    statuses = list(frame["status"]) if len(frame) else []
    fig.update_xaxes(
        tickangle=0,
        tickmode="array",
        tickvals=[STATUS_LABELS.get(s, s) for s in statuses],
        ticktext=[AXIS_STATUS_LABELS.get(s, STATUS_LABELS.get(s, s)).replace(" ", "<br>", 1) for s in statuses],
    )
    return fig


@memo.figure
def published_rates(frame: pd.DataFrame, title: str, source: str) -> go.Figure:
    """Each published collection figure's rate beside the Atlas's rate for the same authority and period."""
    if len(frame) == 0:
        return empty_figure(title, "No published collection figure concerns this selection.", source)
    top = frame.iloc[::-1]
    labels = [safe_text(f"{short_authority(a)} {p}") for a, p in zip(top["authority"], top["period"])]
    fig = _base(title, source, height=max(360, 110 + 40 * len(top)))
    published_hover = [
        f"<b>{safe_text(r.what)}</b><br>Published: {r.published_rate:.1%} collected"
        f"<br>Reported by {safe_text(r.source)}, as of {r.as_of:%Y-%m-%d}"
        if pd.notna(r.published_rate)
        else f"<b>{safe_text(r.what)}</b><br>No rate published"
        for r in top.itertuples(index=False)
    ]
    atlas_hover = [
        f"<b>Atlas data, same authority and period</b><br>{r.data_rate:.1%} of the standing amount collected"
        f"<br>amount paid known for {r.data_payment_known} of {plural(int(r.data_fines), 'fine')}"
        if pd.notna(r.data_rate)
        else f"<b>Atlas data</b><br>amount paid known for {r.data_payment_known} of {plural(int(r.data_fines), 'fine')}: no rate"
        for r in top.itertuples(index=False)
    ]
    fig.add_trace(
        go.Bar(
            x=top["published_rate"],
            y=labels,
            orientation="h",
            name="Published",
            marker_color=OKABE_ITO[1],
            hovertext=published_hover,
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Bar(
            x=top["data_rate"],
            y=labels,
            orientation="h",
            name="Atlas data (known payments)",
            marker_color=OKABE_ITO[0],
            hovertext=atlas_hover,
            hoverinfo="text",
        )
    )
    fig.update_xaxes(title_text="Share of the amount collected", tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig


@memo.figure
def sankey(frame: pd.DataFrame, value_col: str, title: str, source: str, currency: str | None) -> go.Figure:
    """Decision -> appealed or not -> outcome."""
    stages: list[tuple[str, str, float, int]] = []
    for rec in frame.itertuples(index=False):
        v = float(getattr(rec, value_col))
        label = STATUS_LABELS.get(rec.status, rec.status)
        if rec.status == "not_appealed":
            stages.append(("Decisions", "Not appealed", v, rec.fines))
        elif rec.status == "unknown":
            stages.append(("Decisions", "Appeal unknown", v, rec.fines))
        else:
            stages.append(("Decisions", "Appealed", v, rec.fines))
            stages.append(("Appealed", label, v, rec.fines))
    if not stages:
        return empty_figure(title, "No fines in this selection.", source)
    nodes = list(dict.fromkeys([s for s, _, _, _ in stages] + [t for _, t, _, _ in stages]))
    node_colour = {
        "Decisions": "#0072B2",
        "Appealed": "#E69F00",
        "Not appealed": STATUS_COLOURS["not_appealed"],
        "Appeal unknown": STATUS_COLOURS["unknown"],
    }
    for status, label in STATUS_LABELS.items():
        node_colour.setdefault(label, STATUS_COLOURS.get(status, "#888888"))
    # merge duplicate links (several statuses feed Decisions -> Appealed)
    agg: dict[tuple[str, str], list[float]] = {}
    for s, t, v, n in stages:
        acc = agg.setdefault((s, t), [0.0, 0])
        acc[0] += v
        acc[1] += n
    fig = _base(title, source, height=420)
    fig.add_trace(
        go.Sankey(
            arrangement="snap",
            node=dict(label=nodes, color=[node_colour.get(n, "#888888") for n in nodes], pad=18, thickness=18),
            link=dict(
                source=[nodes.index(s) for s, _ in agg],
                target=[nodes.index(t) for _, t in agg],
                value=[v[0] for v in agg.values()],
                customdata=[
                    (fmt_money(v[0], currency) if currency else f"{v[0]:,.0f}") + f" in {plural(int(v[1]), 'fine')}"
                    for v in agg.values()
                ],
                hovertemplate="%{source.label} → %{target.label}: %{customdata}<extra></extra>",
                color="rgba(120,120,120,0.25)",
            ),
        )
    )
    return fig


@memo.figure
def durations_figure(durations: pd.DataFrame, title: str, source: str) -> go.Figure:
    if len(durations) == 0:
        return empty_figure(title, "No fines with a court ruling in this selection.", source)
    fig = _base(title, source, height=380)
    for status, grp in durations.groupby("appeal_status", sort=False):
        fig.add_trace(
            go.Box(
                x=grp["days"] / 365.25,
                name=STATUS_LABELS.get(status, status),
                marker_color=STATUS_COLOURS.get(status, "#888888"),
                boxpoints="all",
                jitter=0.4,
                hovertext=[
                    f"<b>{safe_text(r.controller)}</b> ({safe_text(r.country)})<br>{r.decision_date:%Y-%m-%d} → {r.outcome_date:%Y-%m-%d}: {r.days / 365.25:.1f} years"
                    for r in grp.itertuples(index=False)
                ],
                hoverinfo="text",
                orientation="h",
            )
        )
    fig.update_xaxes(title_text="Years from decision to latest ruling")
    fig.update_layout(showlegend=False)
    return fig
