"""The engine (`riskcalc.assess`) against the independent plain-Python oracle of tests/oracle.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from riskcalc import Patient, RiskGroup, assess
from tests import oracle
from tests.conftest import examples
from tests.strategies import patients

F, S, H = RiskGroup.FAVORABLE, RiskGroup.STANDARD, RiskGroup.HIGH
PENDING_ALL = ["genetics", "cns_status", "mrd_eoi_percent"]
COMPLETE = dict(genetics=["b_other"], cns_status="CNS1", mrd_eoi_percent=0.0)


def assert_same(patient: Patient) -> None:
    engine, expected = assess(patient), oracle.evaluate(patient)
    got = (
        engine.group,
        engine.possible_groups,
        engine.provisional,
        engine.pending,
        engine.branch.value,
        engine.nci_risk.value if engine.nci_risk else None,
        frozenset(engine.fired_rules),
    )
    want = (
        expected.group,
        expected.possible_groups,
        expected.provisional,
        expected.pending,
        expected.branch,
        expected.nci_risk,
        expected.fired,
    )
    assert got == want, f"{patient!r}\nengine: {got}\noracle: {want}"
    assert len(engine.fired_rules) == len(set(engine.fired_rules))


@settings(max_examples=examples(3000))
@given(patients())
def test_engine_equals_oracle(patient: Patient) -> None:
    assert_same(patient)


# (Patient fields, group, possible_groups, pending, branch, nci_risk); provisional follows from possible_groups.
TABLE = [
    # spec section 6: "a 12-year-old is high and final at once"
    (dict(age_years=12, wbc_10e9_per_l=5), H, [H], [], "pediatric", "high"),
    # spec section 6: "a 4-year-old with nothing else known is favorable, provisional, possible {F, S, H}, pending
    # genetics, CNS and EOI MRD"
    (dict(age_years=4, wbc_10e9_per_l=5), F, [F, S, H], PENDING_ALL, "pediatric", "standard"),
    # the API summary example: favorable and final
    (
        dict(age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0),
        F,
        [F],
        [],
        "pediatric",
        "standard",
    ),
    # section 5 boundaries, everything else known and unremarkable
    (dict(age_years=0.999, wbc_10e9_per_l=1, **COMPLETE), H, [H], [], "infant", None),
    (dict(age_years=1, wbc_10e9_per_l=49.999, **COMPLETE), S, [S], [], "pediatric", "standard"),
    (dict(age_years=9.999, wbc_10e9_per_l=50, **COMPLETE), H, [H], [], "pediatric", "high"),
    (dict(age_years=10, wbc_10e9_per_l=5, **COMPLETE), H, [H], [], "pediatric", "high"),
    (dict(age_years=17.999, wbc_10e9_per_l=5, **COMPLETE), H, [H], [], "pediatric", "high"),
    (dict(age_years=18, wbc_10e9_per_l=29.999, **COMPLETE), S, [S], [], "adult", None),
    (dict(age_years=18, wbc_10e9_per_l=30, **COMPLETE), H, [H], [], "adult", None),
    (dict(age_years=34.999, wbc_10e9_per_l=5, **COMPLETE), S, [S], [], "adult", None),
    # model 1.1: the adult age criterion is "older than 35", so 35 exactly is standard
    (dict(age_years=35, wbc_10e9_per_l=5, **COMPLETE), S, [S], [], "adult", None),
    (dict(age_years=35.001, wbc_10e9_per_l=5, **COMPLETE), H, [H], [], "adult", None),
    # favorable genetics but CNS2 (excludes favorable), EOI MRD exactly 0.01 (high), unfavorable wins
    (
        dict(age_years=4, wbc_10e9_per_l=5, genetics=["etv6_runx1"], cns_status="CNS2", mrd_eoi_percent=0.0),
        S,
        [S],
        [],
        "pediatric",
        "standard",
    ),
    (
        dict(age_years=4, wbc_10e9_per_l=5, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.01),
        H,
        [H],
        [],
        "pediatric",
        "standard",
    ),
    (
        dict(
            age_years=4, wbc_10e9_per_l=5, genetics=["etv6_runx1", "bcr_abl1"], cns_status="CNS1", mrd_eoi_percent=0.0
        ),
        H,
        [H],
        [],
        "pediatric",
        "standard",
    ),
    # day-8 MRD >= 1: high without favorable genetics, standard (not favorable) with them
    (dict(age_years=4, wbc_10e9_per_l=5, mrd_day8_pb_percent=1.0, **COMPLETE), H, [H], [], "pediatric", "standard"),
    (
        dict(
            age_years=4,
            wbc_10e9_per_l=5,
            genetics=["high_hyperdiploidy"],
            cns_status="CNS1",
            mrd_eoi_percent=0.0,
            mrd_day8_pb_percent=1.0,
        ),
        S,
        [S],
        [],
        "pediatric",
        "standard",
    ),
    # adults are never favorable, even with favorable genetics; pending adult results
    (
        dict(age_years=25, wbc_10e9_per_l=5, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0),
        S,
        [S],
        [],
        "adult",
        None,
    ),
    (dict(age_years=25, wbc_10e9_per_l=5), S, [S, H], PENDING_ALL, "adult", None),
    (dict(age_years=40, wbc_10e9_per_l=5), H, [H], [], "adult", None),
    # infant KMT2A notes at their cut-offs (age 0.5, WBC 300)
    (dict(age_years=0.2, wbc_10e9_per_l=300, genetics=["kmt2a_r"]), H, [H], [], "infant", None),
    (dict(age_years=0.5, wbc_10e9_per_l=299.999, genetics=["kmt2a_r"]), H, [H], [], "infant", None),
]


@pytest.mark.parametrize(("fields", "group", "possible", "pending", "branch", "nci"), TABLE)
def test_spec_examples(fields, group, possible, pending, branch, nci) -> None:
    patient = Patient(**fields)
    expected = oracle.evaluate(patient)
    assert (expected.group, expected.possible_groups, expected.pending, expected.branch, expected.nci_risk) == (
        group,
        possible,
        pending,
        branch,
        nci,
    ), "the oracle disagrees with the specification"
    assert expected.provisional == (len(possible) > 1)
    assert_same(patient)
