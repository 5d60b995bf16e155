"""The Data page's answers for issue 11: currency question, sheet choice, samples, combined uploads."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TRACKERS = ROOT / "tests" / "fixtures" / "trackers"


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/6_Data.py")
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    data = data if data is not None else (TRACKERS / name).read_bytes()
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if name.endswith(".xlsx") else "text/csv"
    at.file_uploader(key="upload_file").set_value((name, data, mime))
    at.run()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([w.value for w in at.warning] + [c.value for c in at.caption] + [m.value for m in at.markdown])


def test_currency_is_asked_up_front_and_the_answer_reimports():
    at = upload(data_page(), "no_currency.csv")
    warning = "\n".join(w.value for w in at.warning)
    assert "4 of 4 accepted rows" in warning
    # written as a sentence on the page (capitalize() once read "if its amounts ... (--currency eur)"),
    # pointing to the question below rather than to the command's option
    assert "If its amounts are all in one currency, say so below." in warning, warning
    question = at.selectbox(key="upload_currency_choice")
    assert question.label == "Amounts in this file are in:"
    question.set_value("EUR")
    at.run()
    at.run()
    assert not at.exception
    assert set(at.session_state["uploaded_fines"]["currency"]) == {"EUR"}


def test_euro_tracker_asks_nothing():
    at = upload(data_page(), "euro_price.csv")
    assert not any(w.value.startswith("4 of") for w in at.warning)
    assert set(at.session_state["uploaded_fines"]["currency"]) == {"EUR"}


def test_sheet_select_box_lists_the_sheets():
    at = upload(data_page(), "sheets.xlsx")
    box = at.selectbox(key="upload_sheet_choice")
    assert box.options == ["Notes", "Cover", "Fines", "Other"] and box.value == "Fines"


def test_mapping_form_shows_three_sample_values():
    at = upload(data_page(), "no_currency.csv")
    captions = [c.value for c in at.caption]
    assert any(c.startswith("e.g. Poland · United Kingdom · France") for c in captions), captions


def test_second_upload_can_be_added_with_a_confirmation_and_is_labelled():
    at = upload(data_page(), "no_currency.csv")
    at.file_uploader(key="upload_file").set_value(("languages.csv", (TRACKERS / "languages.csv").read_bytes(), "text/csv"))
    at.run()
    assert len(at.session_state["uploaded_fines"]) == 4  # nothing changes before the answer
    at.button(key="upload_add").click()
    at.run()
    at.run()
    assert not at.exception
    assert len(at.session_state["uploaded_fines"]) == 4 + 8
    label = next(c.value for c in at.caption if c.value.startswith("Your upload:")).replace("\\", "")
    assert "no_currency.csv (uploaded " in label and "languages.csv (uploaded " in label


def test_second_upload_can_replace():
    at = upload(data_page(), "no_currency.csv")
    at.file_uploader(key="upload_file").set_value(("languages.csv", (TRACKERS / "languages.csv").read_bytes(), "text/csv"))
    at.run()
    at.button(key="upload_replace").click()
    at.run()
    at.run()
    assert len(at.session_state["uploaded_fines"]) == 8
