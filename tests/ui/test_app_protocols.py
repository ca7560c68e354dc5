"""The Protocols page (AppTest): the case of the link under every scheme, side by side, with reasons."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from riskcalc import Patient, assess, classify_all, get_rulebook, models
from riskcalc.explain import headline
from tests.side_by_side import AT_300, AT_300_MARK, EXPECTED, PATIENTS
from tests.test_scheme_cases import CASES
from tests.ui.apptest import APP
from ui.lib.protocol_rows import rows, shorts
from ui.lib.query import patient_from_query

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


SCHEMES = [
    "Teaching model",
    "BFM (PDQ)",
    "COG AALL08B1",
    "COG AALL1731/1732",
    "DCOG ALL-10",
    "Interfant-06",
    "NCI/Rome",
    "St Jude XVI",
    "UKALL XII/E2993",
]


def test_every_scheme_side_by_side_with_whether_each_calls_the_child_high_risk() -> None:
    at = protocols(**CASE)
    assert not at.exception
    rows = at.table[0].value
    assert list(rows["Scheme"]) == SCHEMES
    by_scheme = dict(zip(rows["Scheme"], rows["Calls it high risk"]))
    assert by_scheme["NCI/Rome"] == "No" and by_scheme["COG AALL08B1"] == "Yes"
    assert by_scheme["Interfant-06"] == "—" and by_scheme["UKALL XII/E2993"] == "—"
    assert dict(zip(rows["Scheme"], rows["Result"]))["COG AALL1731/1732"] == "Standard-risk average"
    expanders = [expander.label for expander in at.expander]
    assert "NCI/Rome risk groups (Smith 1996): Standard risk" in expanders
    text = " ".join(block.value for block in at.markdown)
    assert "Why they disagree" in " ".join(header.value for header in at.subheader)
    # a pair that disagrees on high risk, each side with what decided it and its sources
    assert "**COG AALL08B1 ≠ NCI/Rome**: COG AALL08B1: High risk, decided by the day-8 blood MRD" in text
    assert "[U: not confirmed: riskcalc's decision]" in text


@pytest.mark.parametrize("name", ["X", "Y", "Z"])
def test_the_side_by_side_patients_show_the_spec_result_in_every_cell(name: str) -> None:
    params = PATIENTS[name]
    rows = protocols(**params).table[0].value
    cells = dict(zip(rows["Scheme"], rows["Result"]))
    infos = {info.short: info.id for info in models()}
    patient, _ = patient_from_query(params)
    assert patient is not None
    assert cells.pop("Teaching model") == headline(assess(patient)).line.removeprefix("Risk group: ")
    for short, cell in cells.items():
        assert cell.startswith(EXPECTED[name][infos[short]]), (short, cell)


def test_a_case_on_a_disputed_boundary_is_marked_in_its_cell() -> None:
    at = protocols(**AT_300)
    rows = at.table[0].value
    boundary = dict(zip(rows["Scheme"], rows["Boundary"]))
    assert boundary.pop("Interfant-06") == AT_300_MARK
    assert set(boundary.values()) == {""}
    text = " ".join(block.value for block in at.markdown)
    assert "**⚖ Disputed boundary: at exactly 300 x10^9/L the sources differ**" in text


def test_a_provisional_and_a_not_applicable_cell() -> None:
    rows = protocols(age_years="0.5", wbc_10e9_per_l="10").table[0].value
    cells = dict(zip(rows["Scheme"], rows["Result"]))
    assert cells["NCI/Rome"] == (
        "Not applicable (Not applicable under 1 year of age: the NCI groups start at 1 year, and infants are "
        "treated on protocols designed for them. Smith 1996's wording would instead place infants in high risk.)"
    )
    assert cells["Interfant-06"].startswith("Provisional: Low risk or Medium risk (waiting for genetics")
    rows = (
        protocols(age_years="12", wbc_10e9_per_l="20", genetics="b_other", cns_status="CNS1", mrd_eoi_percent="0.02")
        .table[0]
        .value
    )
    cells = dict(zip(rows["Scheme"], rows["Result"]))
    assert (
        cells["COG AALL1731/1732"] == "Provisional: High risk or Very high risk (waiting for end-of-consolidation MRD)"
    )
    assert dict(zip(rows["Scheme"], rows["Calls it high risk"]))["COG AALL1731/1732"] == "Yes"


def test_without_a_case_the_page_says_how_to_open_it() -> None:
    at = protocols()
    assert not at.exception
    assert not at.table
    assert "Open this page with a case in its link" in at.info[0].value


@pytest.mark.parametrize(("model", "case"), CASES, ids=[f"{model}:{case['name']}" for model, case in CASES])
def test_every_scheme_case_reads_as_expected_in_the_pages_cell(model: str, case: dict[str, Any]) -> None:
    """Every worked example and cut-off case of the case tables, as the Protocols page's row (and the handouts'
    table, built by the same function) puts it in words: the source's tier name, the range, or why not."""
    results = classify_all(Patient.model_validate(case["patient"]))
    (row,) = [row for row in rows(results, shorts()) if row.model_id == model]
    expect = case["expect"]
    if expect["status"] == "classified":
        names = [get_rulebook(model).tier(tier).name for tier in expect["possible_tiers"]]
        if len(names) == 1:
            assert row.result == names[0]
        else:
            assert row.result.startswith("Provisional: ") and all(name in row.result for name in names)
    else:
        assert row.result.startswith(
            {"not_applicable": "Not applicable (", "not_classified": "Not classified ("}[expect["status"]]
        )
