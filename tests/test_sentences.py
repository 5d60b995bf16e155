"""The sentences pages and exported charts put under a title say what the selection is."""

from __future__ import annotations

from components import metrics, sentences


def test_filter_summary_names_the_company_search_as_typed():
    # the company filter matches word starts (metrics.names_match), so the summary quotes the text, not "contains"
    assert sentences.filter_summary(metrics.Filters(company=" TIM ", countries=("IT",))) == "Filters: Italy; company “TIM”"


def test_filter_summary_without_filters():
    assert sentences.filter_summary(metrics.Filters()) == "All fines in the data"


def test_review_only_note_says_no_court_has_looked_yet():
    assert sentences.review_only_note(0, 80) is None
    note = sentences.review_only_note(7, 89)
    assert note.startswith("7 of the 89 fines shown as upheld") and "not by a court" in note
