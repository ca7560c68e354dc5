"""The clinical case table: every case in tests/cases/*.yaml, checked against `assess`.

Each case is a hand-derived expectation, written by reading the model specification and the rule files, not
by copying what the code returns. To add one, append to the file of its topic (or start a new *.yaml):

    - name: 10 y exactly, WBC 12 is NCI high          # unique; used as the test id
      why: spec §5 pediatric NCI/Rome; R1              # the spec rule the expectation comes from
      patient: {age_years: 10, wbc_10e9_per_l: 12, genetics: [etv6_runx1], cns_status: CNS1, mrd_eoi_percent: 0.0}
      expect:
        group: high                                    # favorable / standard / high
        possible_groups: [high]                        # lowest first
        pending: []                                    # subset of [genetics, cns_status, mrd_eoi_percent], in that order
        branch: pediatric                              # infant / pediatric / adult
        nci_risk: high                                 # standard / high, or null outside the pediatric branch
        fired: [branch.pediatric, ped.nci_high_age, gen.etv6_runx1, ped.cns1, ped.mrd_eoi_negative,
                note.mrd_units]   # every rule id that fires, in any order

Write small numbers as 0.00001, not 1e-05: YAML reads an exponent without a decimal point as text. Unknown
keys, missing keys and malformed values stop the whole table from loading, naming the file and the case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from riskcalc import Patient, assess, get_rulebook

CASES_DIR = Path(__file__).resolve().parent / "cases"
CASE_KEYS = {"name", "why", "patient", "expect"}
EXPECT_KEYS = {"group", "possible_groups", "pending", "branch", "nci_risk", "fired"}
GROUPS = ["favorable", "standard", "high"]
PENDING_ORDER = ["genetics", "cns_status", "mrd_eoi_percent"]


class CaseTableError(ValueError):
    """A case that does not follow the table's format; the message names the file and the case."""


def _check(case: Any, where: str) -> dict[str, Any]:
    def fail(message: str) -> CaseTableError:
        return CaseTableError(f"{where}: {message}")

    if not isinstance(case, dict) or set(case) != CASE_KEYS:
        keys = sorted(case) if isinstance(case, dict) else type(case).__name__
        raise fail(f"a case needs exactly the keys {sorted(CASE_KEYS)}, got {keys}")
    for key in ("name", "why"):
        if not isinstance(case[key], str) or not case[key].strip():
            raise fail(f"{key!r} must be a non-empty string")
    if not isinstance(case["patient"], dict) or set(case["patient"]) - set(Patient.model_fields):
        raise fail(f"'patient' must be a mapping of Patient fields ({', '.join(Patient.model_fields)})")
    expect = case["expect"]
    if not isinstance(expect, dict) or set(expect) != EXPECT_KEYS:
        keys = sorted(expect) if isinstance(expect, dict) else type(expect).__name__
        raise fail(f"'expect' needs exactly the keys {sorted(EXPECT_KEYS)}, got {keys}")
    possible, pending, fired = expect["possible_groups"], expect["pending"], expect["fired"]
    if expect["group"] not in GROUPS:
        raise fail(f"expect.group must be one of {GROUPS}")
    if not isinstance(possible, list) or not possible or possible != sorted(set(possible), key=_rank):
        raise fail(f"expect.possible_groups must be distinct groups of {GROUPS}, lowest first")
    if not isinstance(pending, list) or pending != [name for name in PENDING_ORDER if name in pending]:
        raise fail(f"expect.pending must be distinct names of {PENDING_ORDER}, in that order")
    if expect["branch"] not in ("infant", "pediatric", "adult"):
        raise fail("expect.branch must be infant, pediatric or adult")
    if expect["nci_risk"] not in (None, "standard", "high"):
        raise fail("expect.nci_risk must be standard, high or null")
    if not isinstance(fired, list) or not all(isinstance(i, str) for i in fired) or len(set(fired)) != len(fired):
        raise fail("expect.fired must be a list of distinct rule ids")
    return case


def _rank(group: Any) -> int:
    return GROUPS.index(group) if group in GROUPS else len(GROUPS)


def load_cases(directory: Path = CASES_DIR) -> list[dict[str, Any]]:
    """Every case of every *.yaml below `directory`, checked; names must be unique across files."""
    cases: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.rglob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise CaseTableError(f"{path.name}: not valid YAML: {error}") from None
        if not isinstance(data, list):
            raise CaseTableError(f"{path.name}: expected a list of cases")
        for index, raw in enumerate(data):
            label = raw.get("name") if isinstance(raw, dict) else None
            case = _check(raw, f"{path.name} case {index + 1} ({label!r})")
            if case["name"] in seen:
                raise CaseTableError(
                    f"{path.name}: duplicate case name {case['name']!r} (also in {seen[case['name']]})"
                )
            seen[case["name"]] = path.name
            cases.append(case)
    return cases


CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_clinical_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    result = assess(Patient.model_validate(case["patient"]))
    assert result.branch == expect["branch"]
    assert result.nci_risk == expect["nci_risk"]
    assert result.group == expect["group"]
    assert [str(group) for group in result.possible_groups] == expect["possible_groups"]
    assert result.provisional == (len(expect["possible_groups"]) > 1)
    assert result.pending == expect["pending"]
    assert set(result.fired_rules) == set(expect["fired"])


def test_every_rule_fires_in_some_case() -> None:
    fired = set().union(*(case["expect"]["fired"] for case in CASES))
    never = [rule.id for rule in get_rulebook().rules if rule.id not in fired]
    assert not never, f"rules that no clinical case expects to fire: {never}"


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 100, f"only {len(CASES)} clinical cases"
