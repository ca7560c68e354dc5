"""In Chromium: /protocols with a case's usual query parameters shows it under every scheme, side by side,
and each cell opens to its cited reasons."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import wait_idle

pytestmark = pytest.mark.browser

CASE = (
    "/protocols?age_years=4&wbc_10e9_per_l=10&genetics=b_other&cns_status=CNS1&steroid_pretreatment=none"
    "&mrd_day8_pb_percent=3&mrd_eoi_percent=0.005&down_syndrome=no"
)


def test_the_case_under_every_scheme_side_by_side(page: Page, app_url: str) -> None:
    page.goto(app_url + CASE)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Protocols side by side")).to_be_visible()
    table = page.locator("[data-testid='stTable']")
    for cell in ("Standard risk", "High risk", "Standard-risk average", "≠ differs"):
        expect(table.get_by_text(cell, exact=True).first).to_be_visible()
    page.get_by_text("NCI/Rome risk groups (Smith 1996): Standard risk").click()
    expect(page.get_by_text("Age from 1 to under 10 years together with a white count", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Why they disagree")).to_be_visible()


def test_an_infant_is_not_applicable_in_the_pediatric_schemes(page: Page, app_url: str) -> None:
    page.goto(app_url + "/protocols?age_years=0.5&wbc_10e9_per_l=10")
    wait_idle(page)
    table = page.locator("[data-testid='stTable']")
    expect(table.get_by_text("Not applicable (Not applicable under 1 year of age", exact=False)).to_have_count(3)
