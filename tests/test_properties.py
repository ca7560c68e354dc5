"""Properties of `assess` and `what_if` that follow from the specification (shared/spec/risk-model.md)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from riskcalc import Patient, RiskGroup, assess, get_rulebook, what_if
from tests.conftest import examples
from tests.strategies import (
    ADULT,
    CNS_CLASSES,
    INFANT,
    UNFAVORABLE_CODES,
    ages,
    branch_of,
    cns,
    genetics,
    involved_testes,
    known_genetics,
    mrd_values,
    mrds,
    patients,
    wbcs,
)

PENDING_FIELDS = ("genetics", "cns_status", "mrd_eoi_percent")
MRD_FIELDS = ("mrd_day8_pb_percent", "mrd_eoi_percent", "mrd_eoc_percent")


def changed(patient: Patient, **changes: Any) -> Patient:
    """The same patient with some fields changed, validated like any other."""
    return Patient.model_validate({**patient.model_dump(), **changes})


def rank(patient: Patient) -> int:
    return assess(patient).group.rank


def is_missing(value: Any) -> bool:
    return value is None or value == frozenset()


# ---- monotonicity: a worse value of one input never lowers the group ---------------------------------------


@given(patients(), wbcs())
def test_higher_wbc_never_lowers_group(patient: Patient, other: float) -> None:
    low, high = sorted([patient.wbc_10e9_per_l, other])
    assert rank(changed(patient, wbc_10e9_per_l=low)) <= rank(changed(patient, wbc_10e9_per_l=high))


@given(patients(), st.data())
def test_older_age_within_a_branch_never_lowers_group(patient: Patient, data: st.DataObject) -> None:
    branch = branch_of(patient.age_years)
    other = data.draw(ages(branch), label="other age")
    low, high = sorted([patient.age_years, other])
    assert branch_of(low) == branch_of(high) == branch
    younger, older = assess(changed(patient, age_years=low)), assess(changed(patient, age_years=high))
    assert younger.branch == older.branch
    assert younger.group.rank <= older.group.rank


@given(patients(), st.sampled_from(CNS_CLASSES), st.sampled_from(CNS_CLASSES))
def test_worse_cns_never_lowers_group(patient: Patient, first: str, second: str) -> None:
    better, worse = sorted([first, second])  # "CNS1" < "CNS2" < "CNS3"
    assert rank(changed(patient, cns_status=better)) <= rank(changed(patient, cns_status=worse))


@pytest.mark.parametrize("field", MRD_FIELDS)
@given(patient=patients(), first=mrd_values(), second=mrd_values())
def test_higher_mrd_never_lowers_group(field: str, patient: Patient, first: float, second: float) -> None:
    low, high = sorted([first, second])
    assert rank(changed(patient, **{field: low})) <= rank(changed(patient, **{field: high}))


@given(patients())
def test_testicular_involvement_never_lowers_group(patient: Patient) -> None:
    assert rank(changed(patient, testicular_involvement=False)) <= rank(changed(patient, testicular_involvement=True))


@given(patients(), genetics(allow_b_other=False), st.sampled_from(UNFAVORABLE_CODES))
def test_added_unfavorable_code_never_lowers_group(patient: Patient, codes: frozenset[str], code: str) -> None:
    before = changed(patient, genetics=codes)
    after = changed(patient, genetics=codes | {code})
    assert rank(before) <= rank(after)


# ---- the shape of an assessment ------------------------------------------------------------------------------


@settings(max_examples=examples(300))
@given(patients())
def test_group_is_the_floor_of_possible_groups(patient: Patient) -> None:
    a = assess(patient)
    ranks = [group.rank for group in a.possible_groups]
    assert ranks == sorted(set(ranks)), "possible_groups must be sorted, lowest first, without repeats"
    assert a.group == a.possible_groups[0] == min(a.possible_groups, key=lambda group: group.rank)
    assert a.provisional == (len(a.possible_groups) > 1)


@settings(max_examples=examples(300))
@given(patients(), st.data())
def test_filling_one_pending_result_stays_inside_possible_groups(patient: Patient, data: st.DataObject) -> None:
    blank = data.draw(st.sets(st.sampled_from(PENDING_FIELDS), min_size=1), label="results made pending")
    before = changed(patient, **{name: frozenset() if name == "genetics" else None for name in blank})
    name = data.draw(st.sampled_from(sorted(blank)), label="result filled in")
    value_strategy = {
        "genetics": known_genetics(),
        "cns_status": st.sampled_from(CNS_CLASSES),
        "mrd_eoi_percent": mrd_values(),
    }
    value = data.draw(value_strategy[name], label="its value")
    earlier, later = assess(before), assess(changed(before, **{name: value}))
    assert later.group in earlier.possible_groups
    assert set(later.possible_groups) <= set(earlier.possible_groups)


@settings(max_examples=examples(300))
@given(patients())
def test_every_finding_and_note_is_cited(patient: Patient) -> None:
    a = assess(patient)
    assert a.findings, "at least the branch rule is reported"
    for item in [*a.findings, *a.notes]:
        assert item.citations, item.rule_id
        assert any(citation.url for citation in item.citations), item.rule_id
        assert all(citation.url.strip() for citation in item.citations), item.rule_id
    standing = {note.id for note in get_rulebook().standing_notes}  # shown always, never evaluated
    assert standing
    assert {item.rule_id for item in [*a.findings, *a.notes]} == set(a.fired_rules) | standing
    assert not standing & set(a.fired_rules)


@settings(max_examples=examples(300))
@given(patients())
def test_pending_lists_only_missing_results(patient: Patient) -> None:
    a = assess(patient)
    assert len(a.pending) == len(set(a.pending))
    for name in a.pending:
        assert name in PENDING_FIELDS
        assert is_missing(getattr(patient, name)), f"{name} is listed as pending but was given"
    if not a.provisional:
        assert a.pending == []


# ---- what_if --------------------------------------------------------------------------------------------------

VALID_VALUES = {
    "age_years": ages(),
    "wbc_10e9_per_l": wbcs(),
    "genetics": genetics(),
    "cns_status": cns(),
    "testicular_involvement": involved_testes(),
    "mrd_day8_pb_percent": mrds(),
    "mrd_eoi_percent": mrds(),
    "mrd_eoc_percent": mrds(),
}

INVALID_VALUES = [
    ("age_years", -1.0),
    ("age_years", -5e-324),
    ("age_years", 120.0),
    ("age_years", math.nan),
    ("age_years", math.inf),
    ("age_years", None),
    ("age_years", True),
    ("age_years", "5"),
    ("wbc_10e9_per_l", -0.001),
    ("wbc_10e9_per_l", math.nextafter(2000.0, math.inf)),
    ("wbc_10e9_per_l", math.nan),
    ("wbc_10e9_per_l", -math.inf),
    ("wbc_10e9_per_l", False),
    ("wbc_10e9_per_l", "12"),
    ("genetics", ["b_other", "etv6_runx1"]),
    ("genetics", ["not_a_code"]),
    ("genetics", "etv6_runx1x"),
    ("cns_status", "CNS4"),
    ("cns_status", "cns1"),
    ("cns_status", 3),
    ("testicular_involvement", "yes"),
    ("testicular_involvement", 1),
    ("testicular_involvement", None),
    *[(f, v) for f in MRD_FIELDS for v in (-0.001, math.nextafter(100.0, math.inf), math.nan, math.inf, True, "0.01")],
    ("sex", "M"),
]


@given(patients(), st.sampled_from(sorted(VALID_VALUES)).flatmap(lambda f: st.tuples(st.just(f), VALID_VALUES[f])))
def test_what_if_equals_assess_of_the_changed_patient(patient: Patient, change: tuple[str, Any]) -> None:
    field, value = change
    assert what_if(patient, **{field: value}) == assess(changed(patient, **{field: value}))


@given(
    patients(),
    st.one_of(
        st.sampled_from(INVALID_VALUES),
        st.tuples(st.just("age_years"), st.floats(min_value=120, exclude_min=False) | st.floats(max_value=-5e-324)),
        st.tuples(
            st.sampled_from(MRD_FIELDS), st.floats(min_value=100, exclude_min=True) | st.floats(max_value=-5e-324)
        ),
    ),
)
def test_what_if_rejects_invalid_values(patient: Patient, change: tuple[str, Any]) -> None:
    field, value = change
    with pytest.raises(ValidationError):
        what_if(patient, **{field: value})


# ---- branches -------------------------------------------------------------------------------------------------


@settings(max_examples=examples(300))
@given(patients(ADULT))
def test_an_adult_is_never_favorable(patient: Patient) -> None:
    a = assess(patient)
    assert a.branch == "adult"
    assert RiskGroup.FAVORABLE not in a.possible_groups
    assert a.group != RiskGroup.FAVORABLE


@settings(max_examples=examples(300))
@given(patients(INFANT))
def test_an_infant_is_always_high_and_final(patient: Patient) -> None:
    a = assess(patient)
    assert a.branch == "infant"
    assert (a.group, a.possible_groups, a.provisional, a.pending) == (RiskGroup.HIGH, [RiskGroup.HIGH], False, [])
