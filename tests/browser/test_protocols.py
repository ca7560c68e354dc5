"""In Chromium: /protocols with a case's usual query parameters shows it under every scheme, side by side; the
side-by-side patients of frameworks.md §9.1 show the spec's result in every cell; a disputed boundary is marked;
each cell opens to its cited reasons."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from riskcalc import models
from tests.browser.pages import open_page
from tests.side_by_side import AT_300, AT_300_MARK, EXPECTED, PATIENTS, link

pytestmark = pytest.mark.browser

CASE = (
    "/protocols?age_years=4&wbc_10e9_per_l=10&genetics=b_other&cns_status=CNS1&steroid_pretreatment=none"
    "&mrd_day8_pb_percent=3&mrd_eoi_percent=0.005&down_syndrome=no"
)


def table_rows(page: Page) -> dict[str, list[str]]:
    """The table as shown: scheme -> its other cells (result, high risk, boundary)."""
    rows = page.locator("[data-testid='stTable'] tbody tr")
    expect(rows).to_have_count(len(models()))
    shown: dict[str, list[str]] = {}
    for index in range(rows.count()):
        cells = [cell.strip() for cell in rows.nth(index).locator("td").all_inner_texts()]
        shown[cells[0]] = cells[1:]
    return shown


def test_the_case_under_every_scheme_side_by_side(page: Page, app_url: str) -> None:
    open_page(page, app_url + CASE)
    expect(page.get_by_role("heading", name="Protocols side by side")).to_be_visible()
    rows = table_rows(page)
    assert rows["NCI/Rome"][:2] == ["Standard risk", "No"]
    assert rows["COG AALL08B1"][:2] == ["High risk", "Yes"]
    page.get_by_text("NCI/Rome risk groups (Smith 1996): Standard risk").click()
    expect(page.get_by_text("Age from 1 to under 10 years together with a white count", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Why they disagree")).to_be_visible()


@pytest.mark.parametrize("name", ["X", "Y", "Z"])
def test_the_side_by_side_patients_show_the_spec_result_in_every_cell(page: Page, app_url: str, name: str) -> None:
    open_page(page, app_url + link(PATIENTS[name]))
    rows = table_rows(page)
    shorts = {info.id: info.short for info in models()}
    for model_id, expected in EXPECTED[name].items():
        assert rows[shorts[model_id]][0].startswith(expected), (model_id, rows[shorts[model_id]])


def test_a_disputed_boundary_is_marked_in_its_cell(page: Page, app_url: str) -> None:
    open_page(page, app_url + link(AT_300))
    rows = table_rows(page)
    assert rows["Interfant-06"] == ["High risk", "Yes", AT_300_MARK]
    assert [cells[2] for scheme, cells in rows.items() if scheme != "Interfant-06"] == [""] * (len(rows) - 1)


def test_an_infant_is_not_applicable_in_the_pediatric_schemes(page: Page, app_url: str) -> None:
    open_page(page, app_url + "/protocols?age_years=0.5&wbc_10e9_per_l=10")
    rows = table_rows(page)
    for scheme in ("NCI/Rome", "COG AALL08B1", "COG AALL1731/1732", "BFM (PDQ)", "DCOG ALL-10", "St Jude XVI"):
        assert rows[scheme][0].startswith("Not applicable (Not applicable under 1 year of age"), scheme
