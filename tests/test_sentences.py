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


def test_home_note_says_what_the_home_map_assumes():
    cov = metrics.HomeCoverage(total=10, missing=1, missing_imposed=5000.0, establishment=3)
    note = sentences.home_note(cov, "EUR")
    assert note.startswith("For 3 of 10 fines the parent group is not known") and "1 (EUR 5.0k imposed)" in note
    assert sentences.home_note(metrics.HomeCoverage(10, 0, 0.0, 0), "EUR") is None


def test_profile_summary_says_the_amount_paid_is_not_known_rather_than_zero():
    """A company whose one fine is paid, but by a sum no source gave, has no known amount paid: the
    sentence must not read "EUR 0 is known to have been paid" (that reads as known unpaid)."""
    import pandas as pd

    money = pd.DataFrame({"country": ["ES"], "decision_date": [pd.Timestamp("2020-03-03")]})
    head = metrics.Headline(1, 1800.0, 1800.0, 0.0, None, 0, 0.0, None, 0, 1, 1)
    text = sentences.profile_summary(money, head, "EUR")
    assert "the amount paid is not known (amount paid known for 0 of 1 fine)" in text
    assert "EUR 0 is known" not in text
    known = metrics.Headline(2, 1800.0, 1800.0, 900.0, 0.5, 1, 1800.0, None, 0, 1, 1)
    assert "is known to have been paid (amount paid known for 1 of 2 fines)" in sentences.profile_summary(money, known, "EUR")


def test_collection_basis_says_no_fine_rather_than_over_zero():
    from components import figures

    assert figures.collection_basis_note(0, 0) == "no fine with known payment"
    assert figures.collection_basis_note(1, 0) == "over 1 fine with known payment"
    assert figures.collection_basis_note(1200, 3) == "over 1,200 fines with known payment; 3 suspended under appeal"


def test_a_reduction_to_an_unknown_sum_makes_the_standing_figure_an_upper_bound():
    """A fine a court cut to a sum no source gives counts at the amount imposed: the sentence says "at most"."""
    import dataclasses

    import pandas as pd

    money = pd.DataFrame({"country": ["ES"], "decision_date": [pd.Timestamp("2022-02-01")]})
    head = metrics.Headline(1, 3.94e6, 3.94e6, 0.0, None, 0, 0.0, None, 0, 1, 1)
    assert "at most" not in sentences.profile_summary(money, head, "EUR")
    cut = dataclasses.replace(head, reduced_unknown=1)
    text = sentences.profile_summary(money, cut, "EUR")
    assert "at most EUR 3.9M still standing after appeals (1 fine reduced by a court to an amount not known" in text
    assert sentences.reduced_unknown_note(0) == ""


def test_first_upper_keeps_the_rest_as_written():
    assert sentences.first_upper("4 of 4 rows; If EUR") == "4 of 4 rows; If EUR"
    assert sentences.first_upper("currency in EUR") == "Currency in EUR"
    assert sentences.first_upper("") == ""


def test_filter_summary_names_appeal_and_payment_statuses_without_repeating_a_word():
    flt = metrics.Filters(appeal=("pending", "not_appealed", "upheld"), payment=("unpaid",))
    line = sentences.filter_summary(flt)
    assert "appeal status pending, not appealed and upheld" in line or "appeal status pending, not appealed, upheld" in line, line
    assert "payment status unpaid" in line
    assert "appeal appeal" not in line and "appeal not appealed" not in line
