"""Every scheme against the tests' independent evaluator (tests/scheme_oracle.py) on generated patients
weighted to every cut-off, complete and with pending inputs; and the evaluator against the worked examples."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from riskcalc import Patient, classify
from riskcalc.rulebook import model_ids
from tests import scheme_oracle
from tests.conftest import examples
from tests.scheme_strategies import patients
from tests.test_scheme_cases import CASES

MODELS = model_ids()


def _same(patient: Patient) -> None:
    """Every scheme at once for one generated patient: generating a patient costs far more than classifying it
    (about 7 ms against 0.1-0.5 ms), so each example serves all the schemes."""
    for model in MODELS:
        engine = classify(patient, model=model)
        expected = scheme_oracle.evaluate(patient, model)
        assert (engine.status.value, engine.tier, engine.possible_tiers, engine.pending) == (
            expected.status,
            expected.tier,
            expected.possible_tiers,
            expected.pending,
        ), (model, patient)
        assert frozenset(engine.fired_rules) == expected.fired, model
        assert len(engine.assumed) == expected.assumed, model


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients(complete=True))
def test_complete_patients_agree_with_the_oracle_in_every_scheme(patient: Patient) -> None:
    _same(patient)


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients(complete=False))
def test_patients_with_pending_inputs_agree_with_the_oracle_in_every_scheme(patient: Patient) -> None:
    _same(patient)


@pytest.mark.parametrize(("model", "case"), CASES, ids=[f"{model}:{case['name']}" for model, case in CASES])
def test_the_oracle_reproduces_every_scheme_case(model: str, case: dict) -> None:
    expected = scheme_oracle.evaluate(Patient.model_validate(case["patient"]), model)
    assert expected.status == case["expect"]["status"]
    assert expected.tier == case["expect"].get("tier")
    assert expected.possible_tiers == case["expect"].get("possible_tiers", [])
