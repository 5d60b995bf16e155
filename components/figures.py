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
from typing import Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from components import countries

OKABE_ITO: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Sequential, colour-blind-safe (cividis-like) for the choropleth classes.
SEQUENTIAL: Final = ("#e8eef7", "#c3d3ea", "#8fb1d9", "#5b8cc2", "#2f66a6", "#1a4480", "#0b2a55")
NO_DATA_COLOUR: Final = "#d9d9d9"

STATUS_COLOURS: Final = {
    "not_appealed": "#009E73",
    "upheld": "#0072B2",
    "reduced": "#E69F00",
    "annulled": "#D55E00",
    "remitted": "#CC79A7",
    "withdrawn": "#56B4E9",
    "pending": "#999999",
    "unknown": "#cccccc",
    "paid": "#009E73",
    "partly_paid": "#56B4E9",
    "unpaid": "#D55E00",
    "suspended": "#E69F00",
    "not_due": "#bbbbbb",
}
STATUS_LABELS: Final = {
    "not_appealed": "Not appealed",
    "upheld": "Upheld",
    "reduced": "Reduced",
    "annulled": "Annulled",
    "remitted": "Sent back",
    "withdrawn": "Appeal withdrawn",
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


def plot_config(filename: str, image_format: str = "png") -> dict:
    """st.plotly_chart config: local map files, a PNG or SVG download that works offline."""
    fmt = image_format if image_format in ("png", "svg") else "png"
    return {
        "topojsonURL": TOPOJSON_URL,
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": 2, "width": 1200, "height": 700},
        "modeBarButtonsToRemove": ["lasso2d"],
    }


def safe_text(value: object) -> str:
    """Data text for plotly labels: escaped so tags and links show as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def reductions_note(by_courts: float, early_payment: float, currency: str) -> str | None:
    """'EUR 88M removed by courts; EUR 2M off for early payment' (None when nothing was taken off)."""
    parts = []
    if by_courts > 0:
        parts.append(f"{fmt_money(by_courts, currency)} removed by courts")
    if early_payment > 0:
        parts.append(f"{fmt_money(early_payment, currency)} off for early payment")
    return "; ".join(parts) or None


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
    return ("Coverage: the Atlas holds " + "; and ".join(parts) + ".") if parts else ""


def collection_basis_note(known: int, suspended: int) -> str:
    """What a collection rate rests on: 'over 1 fine with known payment; 9 suspended under appeal'."""
    note = f"over {known} fine{'s' if known != 1 else ''} with known payment"
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


def _wrap(text: str, width: int = 95) -> list[str]:
    lines: list[str] = []
    current = ""
    for part in text.split(" · "):
        candidate = f"{current} · {part}" if current else part
        if len(candidate) > width and current:
            lines.append(current)
            current = part
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _caption_layout(source: str) -> dict:
    """Layout of the source line inside the figure, so an exported image keeps it."""
    lines = _wrap(source)
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


def _base(title: str, source: str, height: int = 420, data: list | None = None, **layout) -> go.Figure:
    """A figure with its title and source line, built in one constructor call from plain dicts.

    Each later update_layout()/update_xaxes()/add_annotation() walks property paths and re-runs
    plotly's update machinery (tens of thousands of lookups per page), so builders pass their
    traces (`data`) and layout here. A `margin` given is merged with the source line's.
    """
    caption = _caption_layout(source)
    margin = {**caption["margin"], **(layout.pop("margin", None) or {})}
    annotations = caption["annotations"] + list(layout.pop("annotations", None) or [])
    full = {"title": {"text": safe_text(title)}, "height": height, **layout, "margin": margin, "annotations": annotations}
    return go.Figure(data=data, layout=full)


def empty_figure(title: str, message: str, source: str = "") -> go.Figure:
    note = dict(text=safe_text(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=15))
    return _base(title, source, height=260, annotations=[note], xaxis=dict(visible=False), yaxis=dict(visible=False))


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
) -> go.Figure:
    """Classed choropleth of the EEA and the UK; every country of the area has a shape.

    Countries without data are drawn grey (and say so on hover), so a reader can tell
    'none' from 'not drawn'.
    """
    area = sorted(area)
    frame = per_country.set_index("iso2") if len(per_country) else pd.DataFrame(columns=["value"])
    # plain dicts: a pandas lookup per country (31 of them, twice) cost more than the rest of the figure
    by_code = frame[metric].to_dict() if metric in frame else {}
    fines_of = frame["fines"].to_dict() if "fines" in frame else {}
    values = pd.Series({c: by_code.get(c, np.nan) for c in area}, dtype=float)
    has = values.notna() & (values > 0 if not is_share else values.notna())
    traces: list = []  # the figure is built once at the end, from its traces and layout (see _base)

    def fmt(v: float) -> str:
        if is_share:
            return f"{v:.1%}"
        if is_count:
            return f"{v:,.0f}"
        return fmt_money(v, currency)

    def hover_for(c: str, v: float) -> str:
        name = countries.name(c)
        if c not in frame.index or not np.isfinite(v):
            return f"{name}: no data in this selection"
        fines = int(fines_of.get(c, 0))
        return f"{name}<br>{metric_label}: {fmt(v)}<br>Fines: {fines}"

    # grey base layer: every country of the area
    traces.append(
        go.Choropleth(
            locations=[countries.iso3(c) for c in area],
            z=[0] * len(area),
            customdata=area,
            text=[hover_for(c, values[c]) for c in area],
            hovertemplate="%{text}<extra></extra>",
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            showscale=False,
            marker_line_color="white",
            marker_line_width=0.6,
            name="no data",
        )
    )
    data_codes = [c for c in area if has.get(c, False)]
    if data_codes:
        if edges is None:
            edges = SHARE_EDGES if is_share else class_breaks(values[data_codes].tolist())
        k = len(edges) - 1
        palette = SEQUENTIAL[-k:] if k <= len(SEQUENTIAL) else SEQUENTIAL
        cls = _class_index(values[data_codes], edges)
        scale = []
        for i in range(k):
            colour = palette[min(i, len(palette) - 1)]
            scale += [[i / k, colour], [(i + 1) / k, colour]]
        ticks = [fmt(e) if not is_share else f"{min(e, 1):.0%}" for e in edges]
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
                marker_line_color="white",
                marker_line_width=0.6,
                colorbar=dict(
                    title=dict(text=safe_text(metric_label if is_share or is_count else f"{metric_label} ({currency})")),
                    tickvals=list(range(k + 1)),
                    ticktext=ticks,
                    len=0.75,
                ),
                name=safe_text(metric_label),
            )
        )
    if flows is not None and len(flows):
        top = flows.head(25)
        maxv = max(float(top["value"].max()), 1.0)
        for rec in top.itertuples(index=False):
            o, d = countries.iso3(rec.origin), countries.iso3(rec.destination)
            if not o or not d:
                continue
            traces.append(
                go.Scattergeo(
                    locations=[o, d],
                    locationmode="ISO-3",
                    mode="lines+markers",
                    line=dict(width=1 + 6 * math.sqrt(rec.value / maxv), color="rgba(213,94,0,0.75)"),
                    marker=dict(size=[4, 7], color="#D55E00"),
                    hovertemplate=safe_text(
                        f"{countries.name(rec.origin)} → {countries.name(rec.destination)}: {rec.fines} fine(s), {fmt_money(rec.value, currency)}"
                    )
                    + "<extra></extra>",
                    showlegend=False,
                    name="flow",
                )
            )
    europe_only = set(area) <= countries.EEA_UK and not (flows is not None and len(flows))
    geo = dict(
        scope="world",
        resolution=50,
        # Europe: a fixed window wider than the EEA, so land is not cut off in a hard line
        # beside Finland; other views (home countries, flows) fit whatever they show.
        fitbounds=False if europe_only else "locations",
        showcountries=True,
        countrycolor="white",
        showland=True,
        landcolor="#f2f2f2",
        showframe=False,
        projection=dict(type="natural earth" if flows is not None and len(flows) else "mercator"),
        bgcolor="rgba(0,0,0,0)",
    )
    if europe_only:
        geo.update(lonaxis=dict(range=[-25, 50]), lataxis=dict(range=[33, 72]))
    # one constructor call: update_geos() + update_layout() afterwards cost ~10x as much
    return _base(
        title or f"{metric_label} by country",
        source,
        height=height,
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
) -> go.Figure:
    top = frame.head(n).iloc[::-1]
    text = [fmt_money(v, currency) if currency else f"{v:,.0f}" for v in top[value_col]]
    hover_lines = []
    extra = {lab: top[col].tolist() for col, lab in (hover_cols or {}).items()}
    for i, label in enumerate(top[label_col].tolist()):
        parts = [f"<b>{safe_text(label)}</b>", f"{safe_text(axis_label)}: {text[i]}"]
        parts += [f"{safe_text(lab)}: {safe_text(values[i])}" for lab, values in extra.items()]
        hover_lines.append("<br>".join(parts))
    bar = dict(
        type="bar",
        x=top[value_col].to_numpy(),
        y=[safe_text(v) for v in top[label_col]],
        orientation="h",
        marker=dict(color=colour),
        text=text,
        textposition="auto",
        hovertext=hover_lines,
        hoverinfo="text",
    )
    return _base(
        title,
        source,
        height=max(260, 60 + 28 * len(top) + 70),
        data=[bar],
        xaxis=dict(title=dict(text=safe_text(axis_label))),
        yaxis=dict(automargin=True),
    )


def timeline_figure(
    per_period: pd.DataFrame, freq: str, title: str, currency: str, source: str, cumulative_only: bool = False
) -> go.Figure:
    if len(per_period) == 0:
        return empty_figure(title, "No fines in this selection.", source)
    label = "Per month" if freq == "month" else "Per year"
    traces = []
    if not cumulative_only:
        traces.append(
            dict(
                type="bar",
                x=per_period["period"].to_numpy(),
                y=per_period["value"].to_numpy(),
                name=f"{label} ({currency})",
                marker=dict(color=OKABE_ITO[4]),
                customdata=np.stack([per_period["fines"], [fmt_money(v, currency) for v in per_period["value"]]], axis=1),
                hovertemplate="%{x|%Y-%m}<br>%{customdata[1]} in %{customdata[0]} fine(s)<extra></extra>",
            )
        )
    traces.append(
        dict(
            type="scatter",
            x=per_period["period"].to_numpy(),
            y=per_period["cumulative"].to_numpy(),
            name=f"Cumulative ({currency})",
            mode="lines+markers",
            line=dict(color=OKABE_ITO[0], width=3),
            yaxis="y2" if not cumulative_only else "y",
            customdata=np.stack(
                [per_period["cumulative_fines"], [fmt_money(v, currency) for v in per_period["cumulative"]]], axis=1
            ),
            hovertemplate="%{x|%Y-%m}<br>Cumulative: %{customdata[1]} in %{customdata[0]} fine(s)<extra></extra>",
        )
    )
    axes = {
        "xaxis": dict(title=dict(text="Decision date" if "decision" in title.lower() else "Date")),
        "yaxis": dict(title=dict(text=f"{label} ({currency})" if not cumulative_only else f"Cumulative ({currency})")),
    }
    if not cumulative_only:
        axes["yaxis2"] = dict(
            title=dict(text=f"Cumulative ({currency})"), overlaying="y", side="right", showgrid=False, rangemode="tozero"
        )
    return _base(
        title,
        source,
        height=420,
        data=traces,
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
        **axes,
    )


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


def swimlanes(events: pd.DataFrame, title: str, source: str, currency_note: str = "") -> go.Figure:
    """One lane per fine: its decision, appeal, rulings, penalties and payments over time."""
    if len(events) == 0:
        return empty_figure(title, "No lifecycle events for this selection.", source)
    lanes = list(dict.fromkeys(events["label"]))
    traces: list = []
    for _fine_id, grp in events.groupby("fine_id", sort=False):
        traces.append(
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
        traces.append(
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
    return _base(
        title,
        source,
        height=max(300, 120 + 34 * len(lanes)),
        data=traces,
        yaxis=dict(categoryorder="array", categoryarray=[safe_text(v) for v in lanes[::-1]], automargin=True),
        xaxis=dict(title=dict(text="Date")),
        legend=dict(orientation="h", y=1.0, x=0, xanchor="left", yanchor="bottom"),
        margin=dict(t=110),
    )


def short_authority(name: str) -> str:
    """'Data Protection Commission (DPC)' -> 'DPC'; long names without an abbreviation are cut."""
    found = re.findall(r"\(([^()]{2,12})\)\s*$", str(name))
    if found:
        return found[-1]
    return str(name) if len(str(name)) <= 28 else str(name)[:27] + "…"


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
) -> go.Figure:
    """Side-by-side bars (e.g. imposed, standing, known collected) per group."""
    top = frame.head(n)
    if horizontal:
        top = top.iloc[::-1]
    traces: list = []
    colours = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[5]]
    labels = [safe_text(v) for v in top[label_col]]
    for i, (col, name) in enumerate(series.items()):
        extra = top[hover_extra].astype(str).map(safe_text) if hover_extra else pd.Series([""] * len(top))
        traces.append(
            go.Bar(
                x=top[col] if horizontal else labels,
                y=labels if horizontal else top[col],
                orientation="h" if horizontal else "v",
                name=safe_text(name),
                marker_color=colours[i % len(colours)],
                hovertext=[
                    f"<b>{lab}</b><br>{safe_text(name)}: {fmt_money(v, currency)}<br>{e}"
                    for lab, v, e in zip(labels, top[col], extra)
                ],
                hoverinfo="text",
            )
        )
    amount_axis = dict(title=dict(text=f"Amount ({currency})"))
    return _base(
        title,
        source,
        height=max(440, 120 + 46 * len(top)) if horizontal else 440,
        data=traces,
        barmode="group",
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
        **(dict(xaxis=amount_axis, yaxis=dict(automargin=True)) if horizontal else dict(yaxis=amount_axis)),
    )


def stacked_status(
    frame: pd.DataFrame, value_col: str, title: str, axis_label: str, source: str, currency: str | None
) -> go.Figure:
    """One bar per appeal status (count or money)."""
    traces: list = []
    for rec in frame.itertuples(index=False):
        v = getattr(rec, value_col)
        traces.append(
            go.Bar(
                x=[STATUS_LABELS.get(rec.status, rec.status)],
                y=[v],
                name=STATUS_LABELS.get(rec.status, rec.status),
                marker_color=STATUS_COLOURS.get(rec.status, "#888888"),
                text=[fmt_money(v, currency) if currency else f"{v:,.0f}"],
                textposition="outside",
                hovertemplate=f"{STATUS_LABELS.get(rec.status, rec.status)}: "
                + (fmt_money(v, currency) if currency else f"{v:,.0f}")
                + f" ({rec.fines} fine(s))<extra></extra>",
                showlegend=False,
            )
        )
    return _base(title, source, height=380, data=traces, yaxis=dict(title=dict(text=safe_text(axis_label))))


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
    link_trace = (
        go.Sankey(
            arrangement="snap",
            node=dict(label=nodes, color=[node_colour.get(n, "#888888") for n in nodes], pad=18, thickness=18),
            link=dict(
                source=[nodes.index(s) for s, _ in agg],
                target=[nodes.index(t) for _, t in agg],
                value=[v[0] for v in agg.values()],
                customdata=[
                    (fmt_money(v[0], currency) if currency else f"{v[0]:,.0f}") + f" in {v[1]} fine(s)" for v in agg.values()
                ],
                hovertemplate="%{source.label} → %{target.label}: %{customdata}<extra></extra>",
                color="rgba(120,120,120,0.25)",
            ),
        )
    )
    return _base(title, source, height=420, data=[link_trace])


def durations_figure(durations: pd.DataFrame, title: str, source: str) -> go.Figure:
    if len(durations) == 0:
        return empty_figure(title, "No fines with a court ruling in this selection.", source)
    traces: list = []
    for status, grp in durations.groupby("appeal_status", sort=False):
        traces.append(
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
    return _base(
        title,
        source,
        height=380,
        data=traces,
        xaxis=dict(title=dict(text="Years from decision to latest ruling")),
        showlegend=False,
    )
