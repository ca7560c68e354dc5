"""In Chromium: the Teaching cases page as a lecture uses it.

Two teaching cases pinned and then compared; "Open this case in the calculator" staying in the same tab (the
same session, so its pins go along) and showing the case; no sideways scrolling on a 390x844 phone; the quiz
in the order its link gives, and readable (axe: no serious finding) once answered. Screenshots go to
RISKCALC_SHOTS (/tmp/shots).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.browser import wait_idle
from tests.browser.pages import blocking_violations, open_page
from ui.lib.teaching import quiz_order, teaching_cases

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("RISKCALC_SHOTS", "/tmp/shots"))
PH_POSITIVE = "Philadelphia-positive ALL at 52"


def choose_case(page: Page, title: str) -> None:
    page.get_by_label("Choose a case", exact=True).click()
    page.keyboard.type(title)  # the list draws only the options in view: filter it to the one wanted
    page.get_by_role("option", name=title, exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def click(page: Page, name: str) -> None:
    button = page.get_by_role("button", name=re.compile(re.escape(name)))
    button.scroll_into_view_if_needed()
    button.click()
    wait_idle(page)


def to_page(page: Page, url_path: str) -> None:
    """Follow the sidebar's link to another page of the app (same tab, same session)."""
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{url_path}']").click()
    wait_idle(page)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"cases_{name}.png"), full_page=True)


def test_pin_two_teaching_cases_then_compare_lists_both(page: Page, app_url: str) -> None:
    open_page(page, app_url + "/cases")
    choose_case(page, "The textbook favorable child")
    click(page, "Pin for Compare")
    expect(page.get_by_text("Pinned as case 1 of 4.")).to_be_visible()
    choose_case(page, PH_POSITIVE)
    click(page, "Pin for Compare")
    expect(page.get_by_text("Pinned as case 2 of 4.")).to_be_visible()

    to_page(page, "compare")
    expect(page.get_by_role("heading", name="Compare cases")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^2 of 4 cases pinned"))).to_be_visible()
    badges = page.locator(".rc-badge")
    expect(badges).to_have_count(2)
    expect(badges.nth(0)).to_contain_text("Risk group: Favorable")
    expect(badges.nth(1)).to_contain_text("Risk group: High")
    shoot(page, "compare_two_pinned")


def test_open_here_stays_in_the_tab_and_shows_the_case(page: Page, app_url: str) -> None:
    open_page(page, app_url + "/cases")
    choose_case(page, PH_POSITIVE)
    click(page, "Pin for Compare")
    click(page, "Open this case in the calculator")
    # The first number boxes of a browser session wait for their script to load: give them a minute.
    expect(page.get_by_label("Age at diagnosis (years)", exact=True)).to_have_value("52", timeout=60_000)
    expect(page.get_by_role("heading", name="B-ALL risk group calculator")).to_be_visible()
    assert len(page.context.pages) == 1  # no new tab: the same session
    # the case's parameters, beside the app's own (the pinned case) in any order
    expect(page).to_have_url(re.compile(r"/\?(.*&)?age_years=52&wbc_10e9_per_l=\d"))
    expect(page.locator(".rc-badge").first).to_contain_text("Risk group: High")
    # The session came along: the case pinned on the Teaching cases page is on the Compare page.
    to_page(page, "compare")
    expect(page.get_by_text(re.compile(r"^1 of 4 cases pinned"))).to_be_visible()


@pytest.fixture()
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def sideways_overflow(page: Page) -> dict[str, int]:
    """How far the page and its main area are wider than the screen (0 when nothing scrolls sideways)."""
    overflow: dict[str, int] = page.evaluate(
        """() => {
            const main = document.querySelector("[data-testid='stMain']");
            return {
                page: document.documentElement.scrollWidth - window.innerWidth,
                main: main.scrollWidth - main.clientWidth,
            };
        }"""
    )
    return overflow


def charts_drawn(page: Page, count: int) -> None:
    expect(page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg")).to_have_count(
        count
    )
    page.wait_for_timeout(300)  # the charts' resize to the column


def test_no_sideways_scrolling_on_a_phone(phone: Page, app_url: str) -> None:
    open_page(phone, app_url + "/cases")
    charts_drawn(phone, 2)
    assert sideways_overflow(phone) == {"page": 0, "main": 0}
    chart = phone.locator("[data-testid='stVegaLiteChart']").last.bounding_box()
    assert chart is not None and chart["x"] >= 0 and chart["x"] + chart["width"] <= 390
    shoot(phone, "library_phone")

    phone.get_by_text("Quiz", exact=True).click()
    wait_idle(phone)
    assert sideways_overflow(phone) == {"page": 0, "main": 0}
    click(phone, "Show the answer")
    charts_drawn(phone, 2)
    assert sideways_overflow(phone) == {"page": 0, "main": 0}
    shoot(phone, "quiz_answered_phone")


def test_the_quiz_order_comes_from_the_link(browser: Browser, app_url: str) -> None:
    order = quiz_order(teaching_cases(), 4821)
    for _ in range(2):  # two students, two sessions, the same questions in the same order
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        student = context.new_page()
        open_page(student, app_url + "/cases?seed=4821")
        expect(student.get_by_text(re.compile("^Question order number 4821"))).to_be_visible()
        for number in (1, 2):
            expect(student.get_by_role("heading", name=f"Question {number} of {len(order)}")).to_be_visible()
            expect(student.get_by_text(order[number - 1].vignette)).to_be_visible()
            click(student, "Next question")
        context.close()


def test_the_answered_quiz_question_stays_readable(page: Page, app_url: str) -> None:
    first = quiz_order(teaching_cases(), 4821)[0]
    assert first.expected_group.value == "high" and not first.expected_provisional
    open_page(page, app_url + "/cases?seed=4821")
    page.get_by_text("High", exact=True).click()
    wait_idle(page)
    click(page, "Check my answer")
    expect(page.get_by_text(re.compile("^Correct at the first try"))).to_be_visible()
    charts_drawn(page, 2)
    shoot(page, "quiz_answered_desktop")
    assert blocking_violations(page) == []
