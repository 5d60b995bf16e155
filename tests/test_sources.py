"""components.sources: a fine's source kind from its URL, and the filter that leaves summary-only fines out."""

from __future__ import annotations

import pandas as pd
import pytest

from components import data, metrics, sentences, sources


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://gdprhub.eu/index.php?title=AEPD_(Spain)_-_PS/00191/2020", sources.SUMMARY),
        ("https://www.GDPRhub.eu:443/index.php?oldid=1", sources.SUMMARY),
        ("http://wiki.gdprhub.eu/x", sources.SUMMARY),
        ("https://www.aepd.es/documento/ps-00191-2020.pdf", sources.PRIMARY),
        ("https://notgdprhub.eu/x", sources.PRIMARY),  # another site whose name merely ends the same way
        ("https://gdprhub.eu.example.org/x", sources.PRIMARY),
        ("https://user@gdprhub.eu/x", sources.SUMMARY),
        ("", sources.NONE),
        (None, sources.NONE),
        ("gdprhub.eu/x", sources.NONE),  # not a URL
        ("javascript:alert(1)", sources.NONE),
        ("https://www.lexology.com/library/detail.aspx?g=1", sources.COMMENTARY),
        ("https://cm.twobirds.com/x", sources.COMMENTARY),
        ("https://twobirds.com.evil.example/x", sources.PRIMARY),
        ("https://www.dataprotection.ie/en/news", sources.PRIMARY),
    ],
)
def test_kind_of(url, kind):
    assert sources.kind_of(url) == kind


def test_kinds_are_decided_per_row_with_missing_values():
    urls = pd.Series(
        ["https://gdprhub.eu/a", None, "https://cnil.fr/b", "https://gdprhub.eu/a", float("nan")], index=[5, 6, 7, 8, 9]
    )
    got = sources.kinds(urls)
    assert list(got) == ["summary", "none", "primary", "summary", "none"]
    assert list(got.index) == [5, 6, 7, 8, 9]
    assert sources.count(pd.DataFrame({"source_url": urls})) == 2
    assert sources.count(pd.DataFrame({"x": [1]})) == 0


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    return metrics.prepare(frame, metrics.Money())


def test_primary_only_leaves_summary_fines_out_of_every_figure():
    prepared = _prepared(data.load_bundle(data.DATA_DIR).fines)
    everything = metrics.apply_filters(prepared, metrics.Filters())
    primary = metrics.apply_filters(prepared, metrics.Filters(sources=sources.PRIMARY_ONLY))
    assert metrics.headline(everything).commentary_only > 0
    kinds = sources.kinds(everything["source_url"])
    assert len(primary) == int((kinds == sources.PRIMARY).sum()) < len(everything)
    assert (sources.kinds(primary["source_url"]) == sources.PRIMARY).all()
    head_all, head_primary = metrics.headline(everything), metrics.headline(primary)
    assert head_all.summary_only == int((sources.kinds(metrics.money_rows(everything)["source_url"]) == sources.SUMMARY).sum())
    assert head_primary.summary_only == 0
    assert sentences.summary_only_note(head_primary) == ""
    note = sentences.summary_only_note(head_all)
    assert note.startswith(f"{head_all.summary_only + head_all.commentary_only:,} fines of {head_all.fines:,}")
    summary = sources.kinds(metrics.money_rows(everything)["source_url"]) == sources.SUMMARY
    assert head_all.summary_only_imposed == pytest.approx(
        metrics.money_rows(everything).loc[summary.to_numpy(), "imposed_x"].sum()
    )
    assert 0 < head_all.summary_only_imposed < head_all.imposed
    assert "Authority, court or news only" in note
    assert sentences.filter_summary(metrics.Filters(sources=sources.PRIMARY_ONLY)).endswith(
        "sources: authority, court or news only"
    )


def test_a_column_is_judged_as_each_of_its_urls_is():
    """The column path (Arrow's regex engine) and the one-URL path (Python's) agree, on odd URLs too."""
    import random
    import string

    rng = random.Random(7)
    alphabet = "ghdprub.e/:?#@w \t" + string.ascii_letters[:5]
    urls = [
        rng.choice(["https://", "http://", "", " https://", "HTTP://", "ftp://"])
        + rng.choice(["", "gdprhub.eu", "www.gdprhub.eu", "x@gdprhub.eu", "lexology.com", "a.mondaq.com", "5essex.co.uk"])
        + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for _ in range(5000)
    ] + [None, float("nan"), 5]
    as_objects = pd.Series(urls, dtype=object)
    want = [sources.kind_of(u) for u in urls]
    assert list(sources.kinds(as_objects)) == want
    text = pd.Series([u if isinstance(u, str) else None for u in urls], dtype="string[pyarrow]")
    assert list(sources.kinds(text)) == want
    assert set(want) == set(sources.KINDS)  # the sample reaches every kind
