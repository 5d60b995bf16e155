"""The rerun memos: hits only for the same frame object or equal figure inputs, and no caller can change another's result."""

from __future__ import annotations

import gc
import json

import pandas as pd
import plotly.graph_objects as go

from components import figures, memo, metrics

calls: list[int] = []


@memo.on_frame
def _total(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    calls.append(1)
    return frame.groupby("k")[[column]].sum()


def test_on_frame_hits_the_same_object_only():
    calls.clear()
    a = pd.DataFrame({"k": ["x", "y"], "v": [1, 2]})
    b = a.copy()  # equal content, another object: computed again
    _total(a, "v")
    _total(a, "v")
    _total(b, "v")
    assert len(calls) == 2


def test_on_frame_result_is_the_callers_own():
    a = pd.DataFrame({"k": ["x", "y"], "v": [1, 2]})
    first = _total(a, "v")
    first["extra"] = 1
    first.loc["x", "v"] = 99
    again = _total(a, "v")
    assert list(again.columns) == ["v"]
    assert again.loc["x", "v"] == 1


def test_on_frame_forgets_a_dead_frame():
    a = pd.DataFrame({"k": ["x"], "v": [1]})
    _total(a, "v")
    key = id(a)
    assert key in memo._frames
    del a
    gc.collect()
    assert key not in memo._frames


def test_filtered_frame_is_stable_per_filter_state():
    frame = pd.DataFrame(
        {
            "decision_type": ["fine", "fine"],
            "country": ["IE", "FR"],
            "decision_date": pd.to_datetime(["2020-01-01", "2021-01-01"]),
        }
    )
    flt = metrics.Filters(countries=("IE",))
    assert metrics.apply_filters(frame, flt) is metrics.apply_filters(frame, flt)


def _per_period(starts: list[str], values: list[float], fines: list[int]) -> pd.DataFrame:
    """A timeline's rows: a period's start, its value and fines, and the running totals."""
    return pd.DataFrame({"period": pd.to_datetime(starts), "value": values, "fines": fines}).assign(
        cumulative=lambda f: f["value"].cumsum(), cumulative_fines=lambda f: f["fines"].cumsum()
    )


def test_figure_memo_gives_each_caller_a_new_figure():
    per_year = _per_period(["2020-01-01", "2021-01-01"], [10.0, 20.0], [1, 2])
    one = figures.timeline_figure(per_year, "year", "T", "EUR", "source")
    figures.add_subtitle(one, "Ireland only")
    two = figures.timeline_figure(per_year, "year", "T", "EUR", "source")
    assert one is not two and isinstance(two, go.Figure)
    assert two.layout.title.subtitle.text is None
    fresh = figures.timeline_figure.uncached(per_year, "year", "T", "EUR", "source")
    assert json.loads(two.to_json()) == json.loads(fresh.to_json())  # the same chart as an unmemoized build


def test_a_memoized_figure_is_shown_from_its_spec_without_being_built():
    per_year = _per_period(["2020-01-01", "2021-01-01"], [10.0, 20.0], [1, 2])
    fig = figures.timeline_figure(per_year, "year", "T", "EUR", "source")
    spec = memo.spec_of(fig)
    assert object.__getattribute__(fig, "_atlas_state") == 0  # handed over unbuilt: nothing walked its traces
    built = figures.add_subtitle(figures.timeline_figure(per_year, "year", "T", "EUR", "source"), "Ireland only")
    # the subtitle on the dict is the one add_subtitle puts on a built figure
    assert json.loads(json.dumps(figures.add_subtitle_spec(spec, "Ireland only"))) == json.loads(built.to_json())
    # anything else builds it transparently, from the spec as changed
    assert fig.layout.title.subtitle.text == "Ireland only" and fig.data[0].type == "bar"
    assert object.__getattribute__(fig, "_atlas_state") == 2
    # a built figure gives a copy: changing it leaves the figure alone
    copy = memo.spec_of(fig)
    copy["layout"]["title"]["text"] = "changed"
    assert fig.layout.title.text == "T"


def test_on_content_hits_equal_small_frames_and_keys_big_ones_on_the_object():
    seen: list[int] = []

    @memo.on_content
    def count(small: pd.DataFrame, big: pd.DataFrame) -> int:
        seen.append(1)
        return len(small) + len(big)

    big = pd.DataFrame({"v": range(memo.CONTENT_ROWS + 1)})
    small = pd.DataFrame({"v": [1, 2]})
    assert count(small, big) == count(small.copy(), big) == 2 + len(big)
    assert len(seen) == 1
    count(small, big.copy())  # equal content, but a big frame counts by identity
    count(small.assign(v=[1, 3]), big)
    assert len(seen) == 3


def test_large_frames_and_many_filter_states_stay_bounded():
    frame = pd.DataFrame(
        {"decision_type": ["fine"] * 3, "country": ["IE", "FR", "DE"], "decision_date": pd.to_datetime(["2020-01-01"] * 3)}
    )
    for year in range(2000, 2000 + 3 * memo.BIG_KEEP):
        metrics.apply_filters(frame, metrics.Filters(date_from=pd.Timestamp(f"{year}-01-01").date()))
    assert len(memo._frames[id(frame)][1]) == memo.BIG_KEEP
    big = pd.DataFrame({"decision_type": ["fine"] * (memo.BIG_ROWS + 1), "country": "IE", "decision_date": pd.NaT})
    flt = metrics.Filters(countries=("FR",))
    assert metrics.apply_filters(big, flt) is not metrics.apply_filters(big, flt)  # not kept: computed each time
    assert id(big) not in memo._frames


def test_figures_of_large_inputs_are_not_kept():
    n = memo.BIG_ROWS + 1
    frame = pd.DataFrame({"company": [f"c{i}" for i in range(n)], "value": [float(i) for i in range(n)]})
    fig = figures.hbar(frame, "company", "value", "Top", "Amount (EUR)", "source", currency="EUR", n=3)
    assert isinstance(fig, go.Figure) and len(fig.data[0].y) == 3
    assert not memo._figures


def test_timeline_hover_names_the_period_at_its_own_grain():
    """A year bar's hover reads "2023" (not "2023-01", which reads as January); a month's reads "Jan 2023"."""
    per_period = _per_period(["2022-01-01", "2023-01-01"], [10.0, 20.0], [1, 2])
    yearly = figures.timeline_figure.uncached(per_period, "year", "T", "EUR", "source")
    monthly = figures.timeline_figure.uncached(per_period, "month", "T", "EUR", "source")
    assert all(t.hovertemplate.startswith("%{x|%Y}<br>") for t in yearly.data)
    assert all(t.hovertemplate.startswith("%{x|%b %Y}<br>") for t in monthly.data)


def test_appeal_outcome_bars_keep_their_labels_level_and_off_the_source_line():
    """Tilted status labels ran into the source line under the chart: two-word labels wrap instead, and with
    every status side by side (nine since 'waived') the long ones are shortened on the axis, not in the hover."""
    statuses = ["not_appealed", "upheld", "withdrawn", "waived", "pending"]
    frame = pd.DataFrame({"status": statuses, "fines": [3, 1, 2, 1, 4], "imposed": [1.0, 2.0, 3.0, 4.0, 5.0]})
    fig = figures.stacked_status.uncached(frame, "fines", "T", "Number of fines", "source", None)
    assert fig.layout.xaxis.tickangle == 0
    assert list(fig.layout.xaxis.ticktext) == ["Not<br>appealed", "Upheld", "Withdrawn", "Waived", "Pending"]
    assert "(1 fine)" in fig.data[1].hovertemplate and "(3 fines)" in fig.data[0].hovertemplate
    assert fig.data[3].hovertemplate.startswith("Waived by the authority: ")


def test_a_last_year_the_data_do_not_cover_is_drawn_hatched_and_labelled():
    """A short last year must not read as a fall: hatched, with 'to 12 Jun', and its hover says partial."""
    per_period = _per_period(["2025-01-01", "2026-01-01"], [10.0, 2.0], [5, 1])
    through = pd.Timestamp("2026-06-12")
    fig = figures.timeline_figure(per_period, "year", "T", "EUR", "source", through=through)
    bars = fig.data[0]
    assert list(bars.marker.pattern.shape) == ["", "/"]
    assert bars.customdata[-1][2] == "<br>a partial year: the data run to 12 Jun 2026" and bars.customdata[0][2] == ""
    assert any(a.text == "to 12 Jun" for a in fig.layout.annotations)
    # a full last year (the data run to its last day) and no date at all: nothing marked
    for whole in (pd.Timestamp("2026-12-31"), None):
        plain = figures.timeline_figure(per_period, "year", "T", "EUR", "source", through=whole)
        assert list(plain.data[0].marker.pattern.shape) == ["", ""]
    assert figures.partial_last_period(per_period["period"], "month", pd.Timestamp("2026-01-20"))
    assert not figures.partial_last_period(per_period["period"], "month", pd.Timestamp("2026-01-31"))


def test_company_home_map_draws_each_flow_from_its_home_on_a_world_centred_on_europe():
    """In the company-home view the homes are on the map: a flow starts at its home country (not at the
    Europe window's edge, where the labels piled up), and the world is centred on Europe, not the Pacific."""
    from components import data, mapview

    prepared = metrics.prepare(data.load_bundle().fines, metrics.Money())
    rows = metrics.apply_filters(prepared, metrics.Filters())
    per_country = mapview.per_country(rows, "company")
    fig = figures.choropleth.uncached(
        per_country, "imposed", "Total imposed", "EUR", "source",
        area=mapview.area("company", per_country), flows=metrics.flows(rows),
    )  # fmt: skip
    flows = [t for t in fig.data if t.name == "flow"]
    assert flows and all(t.locationmode == "ISO-3" and len(t.locations) == 2 for t in flows)
    assert any(tuple(t.locations) == ("USA", "IRL") for t in flows), [tuple(t.locations) for t in flows]
    assert not [t for t in fig.data if t.name == "from outside the map"]
    assert fig.layout.geo.fitbounds is False and fig.layout.geo.projection.rotation.lon == figures.WORLD_CENTRE_LON
    # the Europe view keeps the window, with homes outside it entering at its edge, labelled
    europe = figures.choropleth.uncached(
        mapview.per_country(rows, "authority"), "imposed", "Total imposed", "EUR", "source", flows=metrics.flows(rows)
    )
    labels = [t.text[0] for t in europe.data if t.name == "from outside the map"]
    assert "from United States" in labels, labels
    # the label sits below its point, clear of the flows that fan out up and to the right from it
    us = next(t for t in europe.data if t.name == "from outside the map" and t.text[0] == "from United States")
    assert us.textposition == "bottom right"
    # the world is about twice as wide as tall: a shorter figure (no blank bands), its legend over the South Pacific
    bar = lambda f: next(t.colorbar for t in f.data if t.type == "choropleth" and t.showscale is not False)  # noqa: E731
    assert fig.layout.height < europe.layout.height and bar(fig).y < bar(europe).y


def test_source_lines_wrap_to_a_narrow_column_and_keep_full_width_charts_as_they_were():
    """The Overview's top-companies chart sits in two fifths of the page: its source line ran past the
    chart's right edge. A narrow width breaks long parts between words; the full width keeps its lines."""
    src = (
        "Source: Enforcement Atlas bundled data; authorities' and courts' decisions (source_url per fine)"
        " · EUR, imposed, at the rate of the decision date; rates: ECB euro reference rates · data as of 2026-06-30"
    )
    assert figures._wrap(src) == [
        "Source: Enforcement Atlas bundled data; authorities' and courts' decisions (source_url per fine)",
        "EUR, imposed, at the rate of the decision date; rates: ECB euro reference rates",
        "data as of 2026-06-30",
    ]
    narrow = figures._wrap(src, 50)
    assert all(len(line) <= 50 + figures.WRAP_SLACK for line in narrow) and " ".join(narrow).replace(" · ", " ") == (
        src.replace(" · ", " ")
    )
    frame = pd.DataFrame({"company": ["A", "B"], "value": [2.0, 1.0]})
    fig = figures.hbar.uncached(frame, "company", "value", "T", "Amount", src, currency="EUR", source_width=50)
    assert fig.layout.annotations[0].text.count("<br>") == len(narrow) - 1


def test_bar_labels_sit_outside_their_bars_at_one_size_with_room_for_the_longest():
    """Inside a bar plotly shrank the labels of shorter bars to about 8 px beside full-size ones outside."""
    frame = pd.DataFrame({"name": ["Meta", "ByteDance", "Vodafone"], "v": [2.9e9, 8.95e8, 7.18e7]})
    fig = figures.hbar.uncached(frame, "name", "v", "T", "Amount (EUR)", "source", currency="EUR")
    assert fig.data[0].textposition == "outside" and fig.data[0].cliponaxis is False
    assert fig.layout.xaxis.range[1] >= 2.9e9 * 1.2
    logged = figures.hbar.uncached(frame, "name", "v", "T", "Amount (EUR)", "source", currency="EUR", log=True)
    assert logged.data[0].textposition == "auto"


def test_refreeze_collects_what_an_earlier_freeze_kept_and_waits_its_interval():
    """The server freezes long-lived objects out of the collector's way; a periodic refreeze collects once over
    everything, so a cycle that died after being frozen is freed then, not kept for the life of the process."""
    import time
    import weakref

    from components import layout

    class Node:
        pass

    node = Node()
    node.self = node  # a cycle: only the collector frees it
    dead = weakref.ref(node)
    try:
        gc.freeze()
        del node
        gc.collect()
        assert dead() is not None  # frozen: out of the collector's sight
        later = time.monotonic() + layout.REFREEZE_EVERY_S + 1
        assert layout.refreeze_if_due(now=later)
        assert dead() is None
        assert not layout.refreeze_if_due(now=later + 1)  # not again within the interval
    finally:
        gc.unfreeze()
