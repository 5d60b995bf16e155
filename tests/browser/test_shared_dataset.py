"""Save and share in a real browser: session A uploads and saves, a fresh browser context opens the
link and sees the same chart data on two pages, and the delete token removes it for everyone."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from ._support import (
    expect,
    new_page,
    query,
    settled_chart_data,
    shot,
    switch_page,
    wait_for_app,
    wait_for_charts,
    wait_for_query,
)

TITLE = "Browser sample"


def _register() -> bytes:
    """A small register of its own (new amounts each run, so it is a new dataset with a token)."""
    salt = secrets.randbelow(10_000)
    rows = [
        ("France", "2021-03-04", 150_000 + salt, "Acme SAS"),
        ("Ireland", "2022-09-15", 405_000_000, "Instagram"),
        ("Italy", "2022-02-10", 20_000_000, "Clearview AI"),
        ("Spain", "2023-06-01", 70_000 + salt, "Banco Ejemplo"),
        ("Netherlands", "2024-05-16", 30_500_000, "Clearview AI"),
        ("Poland", "2020-01-20", 9_380, "Firma Przykład"),
    ]
    lines = ["country,decision_date,amount EUR,controller", *(f"{c},{d},{a},{n}" for c, d, a, n in rows)]
    return ("\n".join(lines) + "\n").encode()


def _charts(page, minimum: int) -> list:
    wait_for_charts(page, minimum)
    return settled_chart_data(page)


def test_saved_upload_opens_through_its_link_in_a_fresh_context_and_is_deleted_with_its_token(page, browser, base_url):
    # --- session A: upload, look at the own upload, save -----------------------------------
    page.goto(base_url + "/Data")
    wait_for_app(page, "Data")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": _register()}
    )
    wait_for_app(page, "Validation report")
    page.locator('[data-testid="stSidebar"]').get_by_text("My upload", exact=True).click()
    wait_for_app(page)
    # the choice reaches the address bar in its own message after the run; a click (Save) sent before it
    # arrives reruns with the old address, and the data choice falls back to its default, Merged (CI, stop 26:
    # the Overview opened without ?data=). Known, not yet mended in urlstate: see the closing note.
    wait_for_query(page, lambda q: q.get("data") == ["My upload"], "the data choice never reached the URL")
    expect(page.get_by_text("Save as a shared dataset").first).to_be_visible()
    page.get_by_role("textbox", name="Title").fill(TITLE)
    page.get_by_role("textbox", name="Description (optional)").fill("Six fines typed by hand")
    page.get_by_role("button", name="Save as a shared dataset").click()
    wait_for_app(page, "Saved 6 rows as a shared dataset.")
    codes = page.locator('[data-testid="stCode"]').all_inner_texts()
    link = next(c.strip() for c in codes if "?dataset=" in c)
    token = next(c.strip() for c in codes if "?dataset=" not in c and re.fullmatch(r"[A-Za-z0-9_-]{32}", c.strip()))
    assert link.startswith(base_url + "/?dataset=")
    shot(page, "shared-saved", full_page=True)

    switch_page(page, "Overview")
    wait_for_query(page, lambda q: q.get("data") == ["My upload"], "the Overview link lost the data choice")
    own_overview = _charts(page, 3)
    switch_page(page, "Map")
    own_map = _charts(page, 1)

    # the owner's filters, if any are in the address (in one loaded CI run the date fields were, at the bundled
    # data's range): the colleague opens the saved dataset's link with the same view, as a copied view link would
    view = {k: v for k, v in query(page.url).items() if k != "data"}

    # --- a colleague: a fresh context, only the link ----------------------------------------
    context, other = new_page(browser)
    try:
        other.goto(link + ("&" + urlencode(view, doseq=True) if view else ""))
        wait_for_app(other, "Enforcement Atlas")
        expect(other.get_by_text(f"Shared dataset: {TITLE}").first).to_be_visible()
        assert _charts(other, 3) == own_overview
        switch_page(other, "Map")
        assert "dataset=" in other.url
        expect(other.get_by_text(f"Shared dataset: {TITLE}").first).to_be_visible()
        assert _charts(other, 1) == own_map
        shot(other, "shared-opened-map")

        # --- the delete token removes it ----------------------------------------------------
        other.get_by_text("Delete this dataset").first.click()
        other.get_by_role("textbox", name="Delete token").fill(token)
        other.get_by_role("button", name="Delete for everyone").click()
        wait_for_app(other, "The shared dataset was deleted: its link no longer opens it, on any process.")
        assert other.atlas_log.external_requests() == []
    finally:
        context.close()

    context, third = new_page(browser)
    try:
        third.goto(link)
        wait_for_app(third, "Enforcement Atlas")
        expect(third.get_by_text("No shared dataset has this link", exact=False).first).to_be_visible()
        assert third.atlas_log.external_requests() == []
    finally:
        context.close()
    assert page.atlas_log.external_requests() == []
