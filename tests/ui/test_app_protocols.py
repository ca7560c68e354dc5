"""The Protocols page (AppTest): the case of the link under every scheme, side by side, with reasons."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.apptest import APP

# The lesson: one child, NCI/Rome standard risk, AALL08B1 high risk (day-8 MRD 1 % or more without
# favorable genetics), AALL1731 standard-risk average (neutral, CNS1, EOI < 0.01 %, day 8 any).
CASE = {
    "age_years": "4",
    "wbc_10e9_per_l": "10",
    "genetics": "b_other",
    "cns_status": "CNS1",
    "steroid_pretreatment": "none",
    "mrd_day8_pb_percent": "3",
    "mrd_eoi_percent": "0.005",
    "down_syndrome": "no",
}


def protocols(**params: str) -> AppTest:
    """The app opened at /protocols with these parameters (set after the first run, which is the Calculator's:
    a browser opening /protocols?... runs only this page)."""
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.query_params.clear()
    for name, value in params.items():
        at.query_params[name] = value
    return at.switch_page("views/protocols.py").run()


def test_every_scheme_side_by_side_with_the_differences_marked() -> None:
    at = protocols(**CASE)
    assert not at.exception
    rows = at.table[0].value
    assert list(rows["Scheme"]) == [
        "Illustrative B-ALL risk stratification (teaching model)",
        "COG AALL08B1 risk groups (low, average, high, very high)",
        "COG AALL1731/AALL1732 risk groups (six groups on two ladders)",
        "NCI/Rome risk groups (Smith 1996)",
    ]
    assert list(rows["Result"]) == ["High", "High risk", "Standard-risk average", "Standard risk"]
    assert list(rows["Differs"]) == ["≠ differs"] * 4
    expanders = [expander.label for expander in at.expander]
    assert "NCI/Rome risk groups (Smith 1996): Standard risk" in expanders
    text = " ".join(block.value for block in at.markdown)
    assert "Why they disagree" in " ".join(header.value for header in at.subheader)
    assert "COG AALL1731/AALL1732 risk groups (six groups on two ladders) also reads" in text
    assert "[U: not confirmed: riskcalc's decision]" in text


def test_a_provisional_and_a_not_applicable_cell() -> None:
    rows = protocols(age_years="0.5", wbc_10e9_per_l="10").table[0].value
    assert list(rows["Result"])[1:] == [
        "Not applicable (Not applicable under 1 year of age: the classification starts from the NCI groups, "
        "which begin at 1 year, and infants are treated on protocols designed for them.)",
        "Not applicable (Not applicable under 1 year of age: the groups start from the NCI groups, which begin "
        "at 1 year, and infants are treated on protocols designed for them.)",
        "Not applicable (Not applicable under 1 year of age: the NCI groups start at 1 year, and infants are "
        "treated on protocols designed for them. Smith 1996's wording would instead place infants in high risk.)",
    ]
    rows = (
        protocols(age_years="12", wbc_10e9_per_l="20", genetics="b_other", cns_status="CNS1", mrd_eoi_percent="0.02")
        .table[0]
        .value
    )
    assert list(rows["Result"])[2] == "Provisional: High risk or Very high risk (waiting for end-of-consolidation MRD)"


def test_without_a_case_the_page_says_how_to_open_it() -> None:
    at = protocols()
    assert not at.exception
    assert not at.table
    assert "Open this page with a case in its link" in at.info[0].value
