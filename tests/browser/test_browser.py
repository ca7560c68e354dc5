"""The app in a real browser (Debian's Chromium, headless): shared links, a live input change, the JSON
download, the teaching-cases page and quiz, and an accessibility scan with axe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import wait_idle
from tests.browser.pages import GROUP, blocking_violations, group_badge, open_page

pytestmark = pytest.mark.browser

SHARED = "/?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0"


def test_shared_link_shows_the_case_assessed(page: Page, app_url: str) -> None:
    open_page(page, app_url + SHARED)
    expect(group_badge(page)).to_contain_text("Risk group: Favorable")
    expect(page.get_by_label("Age at diagnosis (years)", exact=True)).to_have_value(
        "4"
    )  # shown exactly, never rounded to 2 decimals


def test_changing_an_input_changes_the_group(page: Page, app_url: str) -> None:
    open_page(page, app_url + SHARED)
    expect(group_badge(page)).to_contain_text("Risk group: Favorable")
    mrd = page.get_by_label("End-of-induction MRD value (%)", exact=True)
    mrd.fill("0.05")
    mrd.press("Enter")
    expect(group_badge(page)).to_contain_text("Risk group: High")
    wait_idle(page)
    # the address bar follows the case, so the link shared now is the changed case
    expect(page).to_have_url(re.compile(r"mrd_eoi_percent=0\.05"))


def test_json_download_holds_the_assessment(page: Page, app_url: str, tmp_path: Path) -> None:
    open_page(page, app_url + SHARED)
    expect(group_badge(page)).to_contain_text("Risk group: Favorable")
    button = page.get_by_role("button", name="JSON", exact=True)
    button.scroll_into_view_if_needed()
    with page.expect_download() as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert target.suffix == ".json"
    assert data["group"] == "favorable" and data["provisional"] is False
    assert data["patient"]["genetics"] == ["etv6_runx1"] and data["patient"]["age_years"] == 4.0
    assert data["disclaimer"] and data["findings"]


def test_teaching_case_and_quiz(page: Page, app_url: str) -> None:
    open_page(page, app_url + "/cases")
    picker = page.get_by_label("Choose a case", exact=True)
    picker.click()
    page.get_by_role("option", name=re.compile("Philadelphia-positive ALL at 52")).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Philadelphia-positive ALL at 52")).to_be_visible()
    expect(group_badge(page)).to_contain_text("Risk group: High")

    open_page(page, app_url + "/cases?seed=21")  # a link with a quiz order opens the quiz in that order
    expect(page.get_by_text(re.compile(r"Score: 0 of 0 right"))).to_be_visible()
    expect(page.get_by_text(GROUP)).to_have_count(0)  # nothing about the answer before committing
    check = page.get_by_role("button", name="Check my answer")
    expect(check).to_be_disabled()
    page.get_by_text("High", exact=True).click()  # the first question of order 21 is a favorable case
    expect(check).to_be_enabled()
    check.click()
    expect(page.get_by_text(re.compile("^Not quite"))).to_be_visible()
    expect(page.get_by_text(GROUP)).to_have_count(0)
    page.get_by_text("Favorable", exact=True).click()
    wait_idle(page)
    check.click()
    expect(page.get_by_text(re.compile("^Correct after 2 tries"))).to_be_visible()
    expect(group_badge(page)).to_contain_text("Risk group: Favorable")


@pytest.mark.parametrize("path", [SHARED, "/cases"], ids=["calculator", "cases"])
def test_no_serious_accessibility_violation(page: Page, app_url: str, path: str) -> None:
    open_page(page, app_url + path)
    expect(group_badge(page)).to_be_visible()
    page.wait_for_timeout(500)  # let the charts draw: they are part of what is scanned
    assert blocking_violations(page) == []


def test_every_request_stays_on_the_app_server(page: Page, app_url: str) -> None:
    """Nothing leaves the machine: no fonts, icons, analytics or anything else from another host."""
    from urllib.parse import urlsplit

    own = urlsplit(app_url).netloc
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in (SHARED, "/compare", "/cases", "/batch"):
        open_page(page, app_url + path)
    elsewhere = [
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != own
    ]
    assert len(requested) > 50 and not elsewhere, elsewhere[:5]
