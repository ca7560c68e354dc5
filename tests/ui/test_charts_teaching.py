"""The pictures and the teaching cases: cut-offs come from the rulebook, maps agree with assess(), and the
case library fires every rule with the groups its file claims."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pytest

from riskcalc import Branch, Direction, Patient, RiskGroup, assess, get_rulebook
from riskcalc.conditions import atoms
from ui.lib import charts
from ui.lib.teaching import TeachingCaseError, load_cases, problems, teaching_cases, unfired_rules

FAVORABLE_CHILD = Patient(
    age_years=4.0, wbc_10e9_per_l=12.0, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0
)


def rulebook_cutoffs(field: str) -> set[float]:
    """Independently of charts.py: the cut-offs of the rules that can move a case between groups."""
    values = set()
    for rule in get_rulebook().rules:
        if rule.kind == "finding" and (rule.selects_branch or rule.nci_risk or rule.signals):
            values |= {atom.value for atom in atoms(rule.own_condition) if atom.field == field}
    return values


def layer_data(chart_spec: dict, key: str) -> list[dict]:
    """Every inline data row of the layers that have `key` among their fields."""
    rows = []
    for layer in chart_spec["layer"]:
        values = layer.get("data", {}).get("values", [])
        rows += [row for row in values if key in row]
    return rows


# ---- the age x white-count map -------------------------------------------------------------------------


def test_cutoffs_are_read_from_the_rulebook() -> None:
    assert {t.value for t in charts.thresholds() if t.field == "age_years"} == rulebook_cutoffs("age_years")
    assert {t.value for t in charts.thresholds() if t.field == "wbc_10e9_per_l"} == rulebook_cutoffs("wbc_10e9_per_l")
    # Notes never change a group, so their cut-offs (e.g. the infant 6-month and WBC 300 notes) are not drawn.
    note_values = {
        atom.value for rule in get_rulebook().rules if rule.kind == "note" for atom in atoms(rule.own_condition)
    }
    assert not (
        {t.value for t in charts.thresholds()}
        & (note_values - rulebook_cutoffs("age_years") - rulebook_cutoffs("wbc_10e9_per_l"))
    )


def test_map_spec_draws_every_cutoff_and_marks_the_case() -> None:
    chart, _ = charts.age_wbc_map(FAVORABLE_CHILD)
    spec = chart.to_dict()
    drawn_ages = {row["age"] for row in layer_data(spec, "age") if "label" in row and row["label"].startswith("age")}
    drawn_wbc = {row["wbc"] for row in layer_data(spec, "wbc") if row.get("label", "").startswith("WBC")}
    assert drawn_ages == rulebook_cutoffs("age_years")
    assert drawn_wbc == rulebook_cutoffs("wbc_10e9_per_l")
    marker = [row for row in layer_data(spec, "age") if row.get("label") == "this case"]
    assert marker and all(row == {"age": 4.0, "wbc": 12.0, "label": "this case"} for row in marker)
    text = json.dumps(spec)
    for value in rulebook_cutoffs("age_years") | rulebook_cutoffs("wbc_10e9_per_l"):
        assert f"{value:g}" in text


def test_white_count_lines_span_only_their_branch() -> None:
    spans = {t.value: (t.age_from, t.age_to) for t in charts.thresholds() if t.field == "wbc_10e9_per_l"}
    pediatric = get_rulebook().rule("branch.pediatric")
    ages = sorted(atom.value for atom in atoms(pediatric.own_condition))
    assert spans[50.0] == tuple(ages)  # the NCI count applies from 1 to under 18
    assert spans[30.0][0] == ages[1]  # the adult count from 18 on


@pytest.mark.parametrize(
    "patient",
    [
        FAVORABLE_CHILD,
        Patient(age_years=4.0, wbc_10e9_per_l=12.0),
        Patient(age_years=30.0, wbc_10e9_per_l=5.0, genetics=["b_other"], cns_status="CNS2", mrd_eoi_percent=0.0),
        Patient(age_years=0.5, wbc_10e9_per_l=400.0, genetics=["kmt2a_r"]),
    ],
    ids=["favorable-child", "at-diagnosis", "adult", "infant"],
)
def test_every_cell_has_one_group_and_it_is_what_assess_says(patient: Patient) -> None:
    """Probe each cell at its corners: the map's claim that the group is constant inside a cell holds, and a
    case exactly at a cut-off has the group of the side the rule puts it on (above for `>=`, below for `>`)."""
    chart, _ = charts.age_wbc_map(patient)
    cells = layer_data(chart.to_dict(), "group")
    assert cells
    side = {(t.field, t.value): t.value_side for t in charts.thresholds()}

    def ends(field: str, low: float, high: float) -> tuple[float, float]:
        start = low if side.get((field, low), "above") == "above" else low + 1e-6
        end = high if side.get((field, high), "above") == "below" else high - 1e-6
        return start, end

    for cell in cells:
        for age in ends("age_years", cell["age_from"], cell["age_to"]):
            for wbc in ends("wbc_10e9_per_l", cell["wbc_from"], cell["wbc_to"]):
                probe = patient.model_copy(update={"age_years": age, "wbc_10e9_per_l": wbc})
                assert assess(probe).group.value == cell["group"], (cell, age, wbc)


def test_each_cutoff_has_a_cell_on_both_sides() -> None:
    chart, _ = charts.age_wbc_map(FAVORABLE_CHILD)
    cells = layer_data(chart.to_dict(), "group")
    for value in rulebook_cutoffs("age_years"):
        assert any(cell["age_to"] == value for cell in cells) and any(cell["age_from"] == value for cell in cells)
    for value in rulebook_cutoffs("wbc_10e9_per_l"):
        assert any(cell["wbc_to"] == value for cell in cells) and any(cell["wbc_from"] == value for cell in cells)


def test_colour_is_not_the_only_signal() -> None:
    chart, _ = charts.age_wbc_map(FAVORABLE_CHILD)
    cells = layer_data(chart.to_dict(), "group")
    for cell in cells:  # each cell carries its group in words (or its initial where the cell is narrow)
        assert cell["label"].rstrip("?").lower() in (cell["group"], cell["group"][0])


def test_adult_age_35_cut_off_is_drawn_with_35_itself_below() -> None:
    """Model 1.1 made the adult age criterion "older than 35": the map and its text must put 35 below the line."""
    (age_35,) = [t for t in charts.thresholds() if t.field == "age_years" and t.value == 35.0]
    assert age_35.value_side == "below"
    assert {t.value_side for t in charts.thresholds() if t is not age_35} == {"above"}
    _, text = charts.age_wbc_map(
        Patient(age_years=35.0, wbc_10e9_per_l=5.0, genetics=["b_other"], cns_status="CNS1", mrd_eoi_percent=0.0)
    )
    assert "1, 10, 18, 35 (exactly 35 counts below) years" in text
    assert "lies in the standard region" in text


def test_map_text_of_a_provisional_case_names_its_range_not_one_group() -> None:
    _, text = charts.age_wbc_map(Patient(age_years=4.0, wbc_10e9_per_l=12.0))
    assert "lies in a region where the result is provisional: Favorable, Standard or High (at best Favorable)" in text
    assert "favorable region" not in text


def test_map_text_alternative_describes_the_current_case() -> None:
    _, text = charts.age_wbc_map(FAVORABLE_CHILD)
    assert "age 4 y, WBC 12" in text
    assert "lies in the favorable region" in text
    assert "ETV6::RUNX1" in text and "CNS1" in text
    _, pending = charts.age_wbc_map(Patient(age_years=4.0, wbc_10e9_per_l=12.0))
    assert "provisional" in pending and "genetics pending" in pending


def test_map_is_cached_per_context() -> None:
    charts._cells.cache_clear()
    charts.age_wbc_map(FAVORABLE_CHILD)
    charts.age_wbc_map(FAVORABLE_CHILD.model_copy(update={"age_years": 7.0, "wbc_10e9_per_l": 20.0}))
    info = charts._cells.cache_info()
    assert (info.misses, info.hits) == (1, 1)


@pytest.mark.parametrize(
    "patient",
    [FAVORABLE_CHILD, Patient(age_years=0.2, wbc_10e9_per_l=2000.0), Patient(age_years=119.0, wbc_10e9_per_l=0.0)],
)
def test_chart_specs_are_valid_vega_lite(patient: Patient) -> None:
    """The specs are written as plain data for speed; here they are checked against the Vega-Lite schema."""
    for chart, _ in (charts.age_wbc_map(patient), charts.factor_push(assess(patient))):
        spec = chart.to_dict()
        assert spec["$schema"] == alt.SCHEMA_URL
        alt.LayerChart.from_dict(spec, validate=True)  # raises on any schema violation


# ---- how each finding pushed the result ----------------------------------------------------------------


def test_factor_push_has_one_row_per_finding_with_its_direction() -> None:
    assessment = assess(
        Patient(age_years=40.0, wbc_10e9_per_l=12.0, genetics=["bcr_abl1"], cns_status="CNS1", mrd_eoi_percent=0.0)
    )
    chart, text = charts.factor_push(assessment)
    layers = [layer for layer in chart.to_dict()["layer"] if layer["mark"]["type"] == "point"]
    rows = layers[0]["data"]["values"]
    assert [row["rule"] for row in rows] == [finding.rule_id for finding in assessment.findings]
    for row, finding in zip(rows, assessment.findings):
        assert (
            row["push"] == {Direction.FAVORABLE: -1, Direction.NEUTRAL: 0, Direction.UNFAVORABLE: 1}[finding.direction]
        )
        assert row["direction"] == charts.PUSH_WORDS[finding.direction]
    assert f"{len(assessment.findings)} findings" in text
    assert "Raises risk: age, genetics" in text
    assert text.endswith("Result: High.")


# ---- presentation mode ---------------------------------------------------------------------------------


def _presentation_page(enabled: bool) -> None:
    from ui.lib import presentation

    presentation.apply(enabled)


@pytest.mark.parametrize("enabled", [True, False])
def test_presentation_mode_injects_large_type_only_when_on(enabled: bool) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_presentation_page, args=(enabled,)).run()
    assert not at.exception
    styles = [element.value for element in at.markdown if "<style>" in element.value]
    assert bool(styles) == enabled
    if enabled:
        assert "font-size" in styles[0]


# ---- teaching cases ---------------------------------------------------------------------------------------

CASES = teaching_cases()


def test_there_are_enough_cases_with_unique_ids() -> None:
    assert len(CASES) >= 12
    assert len({case.id for case in CASES}) == len(CASES)
    assert len({case.vignette for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_expected_group_is_what_the_model_gives(case) -> None:
    result = assess(case.patient)
    assert result.group == case.expected_group
    assert result.provisional == case.expected_provisional


def test_cases_fire_every_rule_and_note_of_the_rulebook() -> None:
    assert unfired_rules(CASES) == []
    assert problems(CASES) == []


def test_cases_cover_every_branch_and_some_provisional_results() -> None:
    results = [assess(case.patient) for case in CASES]
    assert {result.branch for result in results} == set(Branch)
    assert {result.group for result in results} == set(RiskGroup)
    assert sum(result.provisional for result in results) >= 2
    # pending inputs that cannot change the group: taught too
    assert any(
        not result.provisional
        and any(getattr(result.patient, name) in (None, frozenset()) for name in get_rulebook().pending)
        for result in results
    )


def test_loading_is_strict(tmp_path: Path) -> None:
    good = "\n".join(
        [
            "cases:",
            "  - id: a-case",
            "    title: A short title",
            "    vignette: " + "An invented child with an invented history, long enough to be a vignette. " * 2,
            "    patient: {age_years: 4, wbc_10e9_per_l: 12}",
            "    expected_group: favorable",
            "    expected_provisional: true",
            "    teaching_point: A teaching point of sufficient length to be useful.",
        ]
    )
    path = tmp_path / "cases.yaml"
    path.write_text(good)
    assert load_cases(path)[0].id == "a-case"
    for bad, message in [
        (good + "\n    colour: red", "colour"),
        (good.replace("wbc_10e9_per_l: 12", "wbc_10e9_per_l: -1"), "a-case"),
        (good.replace("expected_group: favorable", "expected_group: low"), "expected_group"),
        (good + "\n" + good.split("\n", 1)[1], "appears twice"),
    ]:
        path.write_text(bad)
        with pytest.raises(TeachingCaseError, match=message):
            load_cases(path)


def test_a_wrong_expected_group_is_reported(tmp_path: Path) -> None:
    case = CASES[0]
    wrong = case.model_copy(update={"expected_group": RiskGroup.HIGH})
    assert problems((wrong,)) == [f"{case.id}: expected high, the model gives {case.expected_group.value}"]
