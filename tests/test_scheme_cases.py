"""The case tables of the real schemes: every case in tests/scheme_cases/<model>.yaml, checked against
`classify`, the command line and the HTTP-free JSON output.

Each file names its model and lists hand-derived cases, built cell by cell from the source tables and the
worked examples of the framework specification, each with its threshold at x - e, x and x + e:

    - name: B-4                         # unique in the file; the test id
      why: "B9 (col 5): 1.0 is >= 1 %"  # the decision row the expectation comes from
      patient: {age_years: 4, ...}      # Patient fields
      expect:
        status: classified              # classified / not_applicable / not_classified
        tier: high                      # classified only: the tier (the floor while provisional)
        possible_tiers: [high]          # classified only: lowest first, in the model's tier order
        pending: []                     # classified only: the pending inputs that can still change the tier
        fired: [b.day8_high]            # optional: rules that must be among those that fire
        not_fired: [b.cns2]             # optional: rules that must not fire
        assumed: 1                      # optional: how many "not given: assumed ..." flags the result carries
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from riskcalc import Patient, classify, get_rulebook
from riskcalc.cli import main

CASES_DIR = Path(__file__).resolve().parent / "scheme_cases"
CASE_KEYS = {"name", "why", "patient", "expect"}
REQUIRED = {"classified": {"status", "tier", "possible_tiers", "pending"}}
OPTIONAL = {"fired", "not_fired", "assumed"}
STATUSES = {"classified", "not_applicable", "not_classified"}


def _load() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(document) == {"model", "cases"}, f"{path.name}: needs exactly 'model' and 'cases'"
        model = document["model"]
        assert path.stem == model, f"{path.name}: the file is named after its model"
        names = [case["name"] for case in document["cases"]]
        assert len(names) == len(set(names)), f"{path.name}: case names repeat"
        for case in document["cases"]:
            assert set(case) == CASE_KEYS, f"{path.name}: {case.get('name')}: keys {sorted(case)}"
            expect = case["expect"]
            assert expect["status"] in STATUSES, f"{path.name}: {case['name']}: status"
            required = REQUIRED.get(expect["status"], {"status"})
            assert required <= set(expect) <= required | OPTIONAL, f"{path.name}: {case['name']}: expect keys"
            cases.append((model, case))
    return cases


CASES = _load()


@pytest.mark.parametrize(("model", "case"), CASES, ids=[f"{model}:{case['name']}" for model, case in CASES])
def test_scheme_case(model: str, case: dict[str, Any]) -> None:
    result = classify(Patient.model_validate(case["patient"]), model=model)
    expect = case["expect"]
    assert result.status == expect["status"]
    if expect["status"] == "classified":
        assert result.tier == expect["tier"]
        assert result.possible_tiers == expect["possible_tiers"]
        assert result.provisional == (len(expect["possible_tiers"]) > 1)
        assert result.pending == expect["pending"]
        assert result.reason is None
        assert result.tier_name == get_rulebook(model).tier(expect["tier"]).name
    else:
        assert result.tier is None and result.possible_tiers == [] and not result.provisional
        assert result.reason  # says why, in the rule's own words
    assert set(expect.get("fired", [])) <= set(result.fired_rules)
    assert not set(expect.get("not_fired", [])) & set(result.fired_rules)
    if "assumed" in expect:
        assert len(result.assumed) == expect["assumed"]


@pytest.mark.parametrize("model", sorted({model for model, _ in CASES}))
def test_every_rule_of_a_scheme_fires_in_some_case(model: str) -> None:
    fired: set[str] = set()
    for case_model, case in CASES:
        if case_model == model:
            fired |= set(classify(Patient.model_validate(case["patient"]), model=model).fired_rules)
    never = [rule.id for rule in get_rulebook(model).rules if rule.id not in fired]
    assert not never, f"rules of {model} that no case fires: {never}"


@pytest.mark.parametrize("model", sorted({model for model, _ in CASES}))
def test_every_tier_of_a_scheme_is_reached_by_some_case(model: str) -> None:
    reached = {case["expect"].get("tier") for case_model, case in CASES if case_model == model}
    assert {tier.id for tier in get_rulebook(model).tiers} <= reached


def _flags(patient: dict[str, Any]) -> list[str]:
    """The case as `riskcalc assess` flags, one per Patient field (genetics comma-separated, yes/no flags)."""
    flags = []
    for name, value in patient.items():
        shown = ",".join(value) if isinstance(value, list) else ("yes" if value is True else str(value))
        flags += ["--" + name.replace("_", "-"), "no" if value is False else shown]
    return flags


@pytest.mark.parametrize(("model", "case"), CASES, ids=[f"{model}:{case['name']}" for model, case in CASES])
def test_scheme_case_through_the_command_line(
    model: str, case: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assess", *_flags(case["patient"]), "--model", model, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expect = case["expect"]
    assert printed["status"] == expect["status"]
    assert printed["tier"] == expect.get("tier")
    assert printed["possible_tiers"] == expect.get("possible_tiers", [])
    assert printed["pending"] == expect.get("pending", [])
