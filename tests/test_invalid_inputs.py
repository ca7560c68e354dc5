"""Invalid Patient inputs are errors that name the field and the rule broken (spec section 1), never clamps.

Each row of the table is one invalid input. It must raise `pydantic.ValidationError` from `Patient(**data)`
and, where JSON can express the input, from `Patient.model_validate_json`, with an error whose `loc` starts
with the offending field, whose `type` is the broken rule and whose `msg` says it in words.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import ValidationError

from riskcalc.api import what_if
from riskcalc.models import Patient

BASE: dict[str, Any] = {"age_years": 5.0, "wbc_10e9_per_l": 5.0}
NUMERIC_FIELDS = (
    "age_years",
    "wbc_10e9_per_l",
    "mrd_day8_pb_percent",
    "mrd_eoi_percent",
    "mrd_eoc_percent",
    "dna_index",
    "pb_blasts_day8_per_ul",
    "mrd_day15_bm_percent",
    "eoi_marrow_blasts_percent",
)
MRD_FIELDS = ("mrd_day8_pb_percent", "mrd_eoi_percent", "mrd_eoc_percent", "mrd_day15_bm_percent")


@dataclass(frozen=True)
class Bad:
    """One invalid input: what is entered, and the error it must give."""

    id: str
    data: dict[str, Any]
    field: str
    type: str
    msg: str
    json_ok: bool = True  # False when JSON cannot express the input (e.g. a Python set)
    json_msg: str | None = None  # when the JSON parser words the same rule differently
    also: tuple[str, ...] = field(default=())  # further fields that must be reported (e.g. two missing)


def _with(**changes: Any) -> dict[str, Any]:
    data = {**BASE, **changes}
    return {name: value for name, value in data.items() if value is not _DROP}


_DROP = object()

CASES: list[Bad] = [
    # -- missing required fields
    Bad("missing-age", _with(age_years=_DROP), "age_years", "missing", "Field required"),
    Bad("missing-wbc", _with(wbc_10e9_per_l=_DROP), "wbc_10e9_per_l", "missing", "Field required"),
    Bad("missing-both", {}, "age_years", "missing", "Field required", also=("wbc_10e9_per_l",)),
    # -- NaN, +inf and -inf for every numeric field
    *(
        Bad(f"{name}-{label}", _with(**{name: value}), name, "finite_number", "finite number")
        for name in NUMERIC_FIELDS
        for label, value in (("nan", math.nan), ("+inf", math.inf), ("-inf", -math.inf))
    ),
    # -- negative values
    *(
        Bad(f"{name}-negative", _with(**{name: -0.5}), name, "greater_than_equal", "greater than or equal to 0")
        for name in NUMERIC_FIELDS
    ),
    Bad(
        "mrd_eoi-tiny-negative",
        _with(mrd_eoi_percent=-1e-9),
        "mrd_eoi_percent",
        "greater_than_equal",
        "greater than or equal to 0",
    ),
    # -- above the range
    Bad("age-exactly-120", _with(age_years=120), "age_years", "less_than", "less than 120"),
    Bad("age-120.0001", _with(age_years=120.0001), "age_years", "less_than", "less than 120"),
    Bad("age-150", _with(age_years=150.0), "age_years", "less_than", "less than 120"),
    Bad(
        "wbc-2000.001",
        _with(wbc_10e9_per_l=2000.001),
        "wbc_10e9_per_l",
        "less_than_equal",
        "less than or equal to 2000",
    ),
    Bad("wbc-1e6", _with(wbc_10e9_per_l=1e6), "wbc_10e9_per_l", "less_than_equal", "less than or equal to 2000"),
    *(
        Bad(f"{name}-above-100", _with(**{name: 100.01}), name, "less_than_equal", "less than or equal to 100")
        for name in MRD_FIELDS
    ),
    # -- strings and booleans where numbers are expected (the numeric fields are strict)
    *(Bad(f"{name}-as-string", _with(**{name: "5"}), name, "float_type", "valid number") for name in NUMERIC_FIELDS),
    *(Bad(f"{name}-as-bool", _with(**{name: True}), name, "float_type", "valid number") for name in NUMERIC_FIELDS),
    Bad("mrd_eoi-false", _with(mrd_eoi_percent=False), "mrd_eoi_percent", "float_type", "valid number"),
    Bad("age-as-list", _with(age_years=[5]), "age_years", "float_type", "valid number"),
    # -- genetics
    Bad("genetics-unknown-code", _with(genetics=["not_a_code"]), "genetics", "enum", "'etv6_runx1'"),
    Bad("genetics-code-wrong-case", _with(genetics=["ETV6_RUNX1"]), "genetics", "enum", "'etv6_runx1'"),
    Bad(
        "genetics-one-unknown-among-known", _with(genetics=["etv6_runx1", "bcr-abl1"]), "genetics", "enum", "'bcr_abl1'"
    ),
    Bad(
        "genetics-bare-string",
        _with(genetics="etv6_runx1"),
        "genetics",
        "frozen_set_type",
        "valid frozenset",
        json_msg="valid array",
    ),
    Bad(
        "genetics-null", _with(genetics=None), "genetics", "frozen_set_type", "valid frozenset", json_msg="valid array"
    ),
    Bad(
        "genetics-b_other-with-code",
        _with(genetics=["b_other", "etv6_runx1"]),
        "genetics",
        "genetics_contradiction",
        "cannot be combined with etv6_runx1",
    ),
    Bad(
        "genetics-b_other-with-two-codes",
        _with(genetics=["iamp21", "b_other", "dux4_r"]),
        "genetics",
        "genetics_contradiction",
        "cannot be combined with dux4_r, iamp21",
    ),
    Bad(
        "genetics-b_other-python-set",
        _with(genetics={"b_other", "kmt2a_r"}),
        "genetics",
        "genetics_contradiction",
        "cannot be combined with kmt2a_r",
        json_ok=False,
    ),
    # -- CNS class
    Bad("cns-CNS4", _with(cns_status="CNS4"), "cns_status", "enum", "'CNS1', 'CNS2' or 'CNS3'"),
    Bad("cns-lowercase-cns1", _with(cns_status="cns1"), "cns_status", "enum", "'CNS1', 'CNS2' or 'CNS3'"),
    Bad("cns-number-1", _with(cns_status=1), "cns_status", "enum", "'CNS1', 'CNS2' or 'CNS3'"),
    Bad("cns-empty-string", _with(cns_status=""), "cns_status", "enum", "'CNS1', 'CNS2' or 'CNS3'"),
    # -- testicular involvement is a strict boolean
    Bad("testicular-yes", _with(testicular_involvement="yes"), "testicular_involvement", "bool_type", "valid boolean"),
    Bad(
        "testicular-string-true",
        _with(testicular_involvement="true"),
        "testicular_involvement",
        "bool_type",
        "valid boolean",
    ),
    Bad("testicular-1", _with(testicular_involvement=1), "testicular_involvement", "bool_type", "valid boolean"),
    # -- the inputs only some schemes read: ranges, kinds and codes
    Bad("dna-index-0.49", _with(dna_index=0.49), "dna_index", "greater_than_equal", "greater than or equal to 0.5"),
    Bad("dna-index-2.01", _with(dna_index=2.01), "dna_index", "less_than_equal", "less than or equal to 2"),
    Bad(
        "prednisone-count-above-range",
        _with(pb_blasts_day8_per_ul=2_000_001.0),
        "pb_blasts_day8_per_ul",
        "less_than_equal",
        "less than or equal to 2000000",
    ),
    Bad(
        "eoi-blasts-above-100",
        _with(eoi_marrow_blasts_percent=100.5),
        "eoi_marrow_blasts_percent",
        "less_than_equal",
        "less than or equal to 100",
    ),
    Bad(
        "modal-19",
        _with(genetics=["hypodiploidy"], modal_chromosome_number=19),
        "modal_chromosome_number",
        "greater_than_equal",
        "greater than or equal to 20",
    ),
    Bad("modal-101", _with(modal_chromosome_number=101), "modal_chromosome_number", "less_than_equal", "100"),
    Bad("modal-46.5", _with(modal_chromosome_number=46.5), "modal_chromosome_number", "int_type", "valid integer"),
    Bad("modal-as-string", _with(modal_chromosome_number="46"), "modal_chromosome_number", "int_type", "valid integer"),
    Bad("kmt2a-partner-unknown", _with(genetics=["kmt2a_r"], kmt2a_partner="MLLT3"), "kmt2a_partner", "enum", "'AFF1'"),
    Bad("prednisone-fair", _with(prednisone_response="fair"), "prednisone_response", "enum", "'good' or 'poor'"),
    Bad(
        "sj-consolidation-yes-string",
        _with(sj_consolidation_mrd_persistent="yes"),
        "sj_consolidation_mrd_persistent",
        "bool_type",
        "valid boolean",
    ),
    # -- inputs that contradict one another (frameworks.md Part 1.3): the later field is named, with the other
    Bad(
        "kmt2a-partner-without-kmt2a-r",
        _with(genetics=["b_other"], kmt2a_partner="AFF1"),
        "kmt2a_partner",
        "kmt2a_partner_without_kmt2a_r",
        "genetics does not include kmt2a_r",
    ),
    Bad(
        "kmt2a-partner-with-genetics-pending",
        _with(kmt2a_partner="other"),
        "kmt2a_partner",
        "kmt2a_partner_without_kmt2a_r",
        "genetics does not include kmt2a_r",
    ),
    Bad(
        "modal-43-without-hypodiploidy",
        _with(genetics=["b_other"], modal_chromosome_number=43),
        "modal_chromosome_number",
        "modal_number_without_hypodiploidy",
        "43 chromosomes is hypodiploidy (under 44), but genetics does not include hypodiploidy",
    ),
    Bad(
        "modal-51-without-hyperdiploidy",
        _with(genetics=["etv6_runx1"], modal_chromosome_number=51),
        "modal_chromosome_number",
        "modal_number_without_hyperdiploidy",
        "51 chromosomes is high hyperdiploidy (51 to 67), but genetics does not include high_hyperdiploidy",
    ),
    Bad(
        "modal-67-without-hyperdiploidy",
        _with(modal_chromosome_number=67),
        "modal_chromosome_number",
        "modal_number_without_hyperdiploidy",
        "67 chromosomes is high hyperdiploidy",
    ),
    Bad(
        "prednisone-response-and-count",
        _with(prednisone_response="poor", pb_blasts_day8_per_ul=1500.0),
        "pb_blasts_day8_per_ul",
        "prednisone_response_twice",
        "give one of them",
    ),
    # -- unknown fields
    Bad("extra-field", _with(blast_percent=80.0), "blast_percent", "extra_forbidden", "not permitted"),
    Bad("misspelt-field", _with(mrd_eoi=0.5), "mrd_eoi", "extra_forbidden", "not permitted"),
    Bad("age-in-months-field", _with(age_months=60), "age_months", "extra_forbidden", "not permitted"),
]


def _assert_names_rule(error: ValidationError, case: Bad, msg: str) -> None:
    errors = error.errors(include_url=False)
    matching = [item for item in errors if item["loc"] and item["loc"][0] == case.field]
    assert matching, f"no error names {case.field!r}: {errors}"
    assert any(item["type"] == case.type and msg in item["msg"] for item in matching), (
        f"expected type {case.type!r} with {msg!r} in msg for {case.field!r}, got {matching}"
    )
    for other in case.also:
        assert any(item["loc"][:1] == (other,) for item in errors), f"no error names {other!r}: {errors}"
    # the offending field is reported, and only the offending fields
    assert {item["loc"][0] for item in errors} == {case.field, *case.also}


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_invalid_patient_rejected(case: Bad) -> None:
    with pytest.raises(ValidationError) as info:
        Patient(**case.data)
    _assert_names_rule(info.value, case, case.msg)


JSON_CASES = [case for case in CASES if case.json_ok]


@pytest.mark.parametrize("case", JSON_CASES, ids=[case.id for case in JSON_CASES])
def test_invalid_patient_json_rejected(case: Bad) -> None:
    # json.dumps writes NaN/Infinity/-Infinity, which pydantic's JSON parser reads as floats.
    text = json.dumps(case.data)
    with pytest.raises(ValidationError) as info:
        Patient.model_validate_json(text)
    _assert_names_rule(info.value, case, case.json_msg or case.msg)


def test_json_overflowing_number_is_not_finite() -> None:
    with pytest.raises(ValidationError) as info:
        Patient.model_validate_json('{"age_years": 5, "wbc_10e9_per_l": 1e400}')
    (error,) = info.value.errors(include_url=False)
    assert error["loc"] == ("wbc_10e9_per_l",)
    assert error["type"] == "finite_number"


def test_patient_is_frozen() -> None:
    patient = Patient(**BASE)
    with pytest.raises(ValidationError) as info:
        patient.age_years = 12.0  # type: ignore[misc]
    (error,) = info.value.errors(include_url=False)
    assert error["loc"] == ("age_years",)
    assert error["type"] == "frozen_instance"
    assert "frozen" in error["msg"]
    assert patient.age_years == 5.0


@pytest.mark.parametrize(
    ("changes", "field", "type_", "msg"),
    [
        ({"wbc_10e9_per_l": -5}, "wbc_10e9_per_l", "greater_than_equal", "greater than or equal to 0"),
        ({"unknown_field": 1}, "unknown_field", "extra_forbidden", "not permitted"),
        ({"mrd_eoi_percent": math.nan}, "mrd_eoi_percent", "finite_number", "finite number"),
        ({"cns_status": "CNS4"}, "cns_status", "enum", "'CNS1', 'CNS2' or 'CNS3'"),
        ({"genetics": ["b_other", "bcr_abl1"]}, "genetics", "genetics_contradiction", "cannot be combined"),
    ],
    ids=[
        "what_if-wbc-negative",
        "what_if-unknown-field",
        "what_if-mrd-nan",
        "what_if-cns4",
        "what_if-b_other-contradiction",
    ],
)
def test_what_if_validates_changes(changes: dict[str, Any], field: str, type_: str, msg: str) -> None:
    patient = Patient(**BASE)
    with pytest.raises(ValidationError) as info:
        what_if(patient, **changes)
    errors = info.value.errors(include_url=False)
    assert any(item["loc"][:1] == (field,) and item["type"] == type_ and msg in item["msg"] for item in errors), errors


VALID_BOUNDARIES = [
    pytest.param({"age_years": 0}, id="age-0"),
    pytest.param({"age_years": 0.0}, id="age-0.0"),
    pytest.param({"age_years": 119.999}, id="age-119.999"),
    pytest.param({"age_years": math.nextafter(120.0, 0.0)}, id="age-just-below-120"),
    pytest.param({"wbc_10e9_per_l": 0}, id="wbc-0"),
    pytest.param({"wbc_10e9_per_l": 2000}, id="wbc-2000"),
    pytest.param({"wbc_10e9_per_l": 2000.0}, id="wbc-2000.0"),
    *(pytest.param({name: 0.0}, id=f"{name}-0") for name in MRD_FIELDS),
    *(pytest.param({name: 100.0}, id=f"{name}-100") for name in MRD_FIELDS),
    *(pytest.param({name: 100}, id=f"{name}-100-int") for name in MRD_FIELDS),
    pytest.param({"mrd_eoi_percent": 1e-05, "wbc_10e9_per_l": 5e-324}, id="exponent-forms"),
    pytest.param({"genetics": []}, id="genetics-empty"),
    pytest.param({"genetics": ["b_other"]}, id="genetics-b_other-alone"),
    pytest.param({"genetics": ["hypodiploidy", "kmt2a_r"]}, id="genetics-hypodiploidy-with-other"),
    # model 1.1: masked hypodiploidy (a doubled hypodiploid clone looks hyperdiploid) is real, not a contradiction
    pytest.param({"genetics": ["hypodiploidy", "high_hyperdiploidy"]}, id="genetics-masked-hypodiploidy"),
    pytest.param(
        {"genetics": ["high_hyperdiploidy", "kmt2a_r", "hypodiploidy"]}, id="genetics-masked-hypodiploidy-and-more"
    ),
    pytest.param({"cns_status": "CNS3", "testicular_involvement": True}, id="cns3-testicular"),
    # the inputs only some schemes read, at the ends of their ranges and at the counts the codes define
    pytest.param({"dna_index": 0.5}, id="dna-index-0.5"),
    pytest.param({"dna_index": 2.0}, id="dna-index-2.0"),
    pytest.param({"pb_blasts_day8_per_ul": 0.0}, id="prednisone-count-0"),
    pytest.param({"pb_blasts_day8_per_ul": 2_000_000.0}, id="prednisone-count-2e6"),
    pytest.param({"eoi_marrow_blasts_percent": 100.0}, id="eoi-blasts-100"),
    pytest.param({"genetics": ["hypodiploidy"], "modal_chromosome_number": 20}, id="modal-20-hypodiploid"),
    pytest.param({"genetics": ["hypodiploidy"], "modal_chromosome_number": 43}, id="modal-43-hypodiploid"),
    pytest.param({"genetics": ["b_other"], "modal_chromosome_number": 44}, id="modal-44-no-code"),
    pytest.param({"modal_chromosome_number": 50}, id="modal-50-genetics-pending"),
    pytest.param({"genetics": ["high_hyperdiploidy"], "modal_chromosome_number": 51}, id="modal-51-hyperdiploid"),
    pytest.param(
        {"genetics": ["high_hyperdiploidy", "hypodiploidy"], "modal_chromosome_number": 60}, id="modal-60-masked"
    ),
    pytest.param({"genetics": ["b_other"], "modal_chromosome_number": 68}, id="modal-68-near-triploid"),
    pytest.param({"modal_chromosome_number": 100}, id="modal-100"),
    pytest.param({"genetics": ["kmt2a_r"], "kmt2a_partner": "AFF1"}, id="kmt2a-aff1"),
    pytest.param({"genetics": ["kmt2a_r", "hypodiploidy"], "kmt2a_partner": "other"}, id="kmt2a-other"),
    pytest.param({"prednisone_response": "poor"}, id="prednisone-poor"),
    pytest.param({"pb_blasts_day8_per_ul": 1000.0}, id="prednisone-count-1000"),
    pytest.param({"sj_consolidation_mrd_persistent": False, "down_syndrome": True}, id="flags"),
]


@pytest.mark.parametrize("changes", VALID_BOUNDARIES)
def test_boundary_values_accepted(changes: dict[str, Any]) -> None:
    data = {**BASE, **changes}
    patient = Patient(**data)
    for name, value in changes.items():
        got = getattr(patient, name)
        if name == "genetics":
            assert {code.value for code in got} == set(value)
        else:
            assert got == value
    assert Patient.model_validate_json(json.dumps(data)) == patient


def test_masked_hypodiploidy_was_refused_as_a_contradiction() -> None:
    """Regression: version 1.0 refused hypodiploidy with high hyperdiploidy, a real (masked) situation. Through
    the text reader every command line and batch file uses, it is now assessed high, with its note."""
    from riskcalc import assess
    from riskcalc.units import patient_from

    patient = patient_from(
        {
            "age_years": "4",
            "wbc_10e9_per_l": "12",
            "genetics": "hypodiploidy;high_hyperdiploidy",
            "cns_status": "CNS1",
            "mrd_eoi_percent": "0",
        }
    )
    result = assess(patient)
    assert result.group == "high" and not result.provisional
    assert {"gen.hypodiploidy", "gen.high_hyperdiploidy", "note.masked_hypodiploidy"} <= set(result.fired_rules)
