"""Adding a scheme is a folder, not Python: a toy pediatric-only scheme with its own tiers, written to a
temporary rules folder (RISKCALC_RULES_DIR), loads, is listed, classifies at its cut-offs, runs on the
command line and is rendered as a rules page, exactly as rules/README.md describes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from riskcalc import Patient, classify, models
from riskcalc.cli import main
from riskcalc.rulebook import RULES_DIR_ENV, load_rulebook
from tests.conftest import RULES_DIR

TOY_MODEL = """\
id: toy_peds
version: 1.0.0
title: A toy pediatric scheme
era: a teaching example
source: riskcalc's rules/README.md
population:
  lineage: B-ALL
  age_years: {from: 1, below: 18}
  text: B-ALL from 1 year of age up to (not including) 18 years.
tiers:
  - {id: low, name: Low risk, colour: "#009E73"}
  - {id: middle, name: Middle risk, colour: "#E69F00"}
  - {id: top, name: Top risk, colour: "#CC3311"}
inputs: [age_years, wbc_10e9_per_l, mrd_eoi_percent]
disclaimer: Educational illustration only, never a treatment recommendation; a toy, not a protocol.
factors: [age, white cell count, end-of-induction MRD]
branches:
  - id: children
    rule:
      id: branch.toy
      factor: age
      when: {all: ["age_years >= 1", "age_years < 18"]}
      direction: neutral
      text: The toy scheme applies from 1 year of age up to (not including) 18 years.
      cite: [smith1996]
      evidence: V
    grouping:
      - group: top
        if_any: [{all: [toy_wbc_high, toy_mrd_positive]}]
      - group: middle
        if_any: [toy_wbc_high, toy_mrd_positive]
      - group: low
pending:
  mrd_eoi_percent: [0.0, 1.0]
"""

TOY_RULES = """\
branch: children
rules:
  - id: toy.wbc_high
    factor: white cell count
    when: "wbc_10e9_per_l >= 50"
    effect: {signals: [toy_wbc_high]}
    direction: unfavorable
    text: A white count of 50 x10^9/L or more raises the toy tier by one step.
    cite: [smith1996]
    evidence: V
  - id: toy.mrd_positive
    factor: end-of-induction MRD
    when: "mrd_eoi_percent >= 0.01"
    effect: {signals: [toy_mrd_positive]}
    direction: unfavorable
    text: An end-of-induction MRD of 0.01 % or more raises the toy tier by one step.
    cite: [smith1996]
    evidence: U
    evidence_note: A toy threshold, for the test only.
"""

TOY_OUTSIDE = """\
rules:
  - id: toy.infant
    factor: age
    when: "age_years < 1"
    effect: {status: not_applicable}
    direction: neutral
    text: Not applicable under 1 year of age, the toy scheme's lower bound.
    cite: [smith1996]
    evidence: V
  - id: toy.adult
    factor: age
    when: "age_years >= 18"
    effect: {status: not_applicable}
    direction: neutral
    text: Not applicable from 18 years of age, the toy scheme's upper bound.
    cite: [smith1996]
    evidence: V
"""


@pytest.fixture
def toy_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "rules"
    root.mkdir()
    shutil.copy(RULES_DIR / "references.yaml", root / "references.yaml")
    shutil.copytree(RULES_DIR / "ball_illustrative", root / "ball_illustrative")
    folder = root / "toy_peds"
    folder.mkdir()
    (folder / "model.yaml").write_text(TOY_MODEL, encoding="utf-8")
    (folder / "rules.yaml").write_text(TOY_RULES, encoding="utf-8")
    (folder / "outside.yaml").write_text(TOY_OUTSIDE, encoding="utf-8")
    monkeypatch.setenv(RULES_DIR_ENV, str(root))
    return root


@pytest.mark.parametrize(
    ("age", "wbc", "mrd", "status", "tiers"),
    [
        (0.999, 10, 0.0, "not_applicable", []),
        (1, 10, 0.0, "classified", ["low"]),
        (4, 49.999, 0.0099, "classified", ["low"]),
        (4, 50, 0.0, "classified", ["middle"]),
        (4, 10, 0.01, "classified", ["middle"]),
        (4, 50, 0.01, "classified", ["top"]),
        (4, 50, None, "classified", ["middle", "top"]),
        (17.999, 10, None, "classified", ["low", "middle"]),
        (18, 10, 0.0, "not_applicable", []),
    ],
)
def test_a_toy_scheme_from_a_folder_classifies_at_its_cutoffs(
    toy_root: Path, age: float, wbc: float, mrd: float | None, status: str, tiers: list[str]
) -> None:
    result = classify(Patient(age_years=age, wbc_10e9_per_l=wbc, mrd_eoi_percent=mrd), model="toy_peds")
    assert result.status == status
    assert result.possible_tiers == tiers
    assert result.pending == (["mrd_eoi_percent"] if len(tiers) > 1 else [])
    if status == "not_applicable":
        assert result.reason and "toy scheme's" in result.reason


def test_the_toy_scheme_is_listed_with_its_tiers(toy_root: Path) -> None:
    listed = {info.id: info for info in models()}
    assert listed["toy_peds"].tiers == ["low", "middle", "top"]
    assert (listed["toy_peds"].age_from, listed["toy_peds"].age_below) == (1.0, 18.0)


def test_the_toy_scheme_on_the_command_line(toy_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--age-years", "4", "--wbc-10e9-per-l", "60", "--model", "toy_peds", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["tier"], printed["possible_tiers"]) == ("middle", ["middle", "top"])


def test_a_scheme_whose_branches_leave_a_gap_is_refused(toy_root: Path) -> None:
    model = toy_root / "toy_peds" / "model.yaml"
    model.write_text(model.read_text(encoding="utf-8").replace('"age_years < 18"', '"age_years < 17"'))
    from riskcalc.engine import RuleEngine
    from riskcalc.rulebook import RulebookError

    with pytest.raises(RulebookError, match=r"at age 17\.0 0 branches apply \(none\)"):
        RuleEngine(load_rulebook("toy_peds", root=toy_root))


def test_a_scheme_reading_an_undeclared_input_is_refused(toy_root: Path) -> None:
    model = toy_root / "toy_peds" / "model.yaml"
    model.write_text(model.read_text(encoding="utf-8").replace(", mrd_eoi_percent]", "]"))
    from riskcalc.rulebook import RulebookError

    with pytest.raises(RulebookError, match=r"inputs: the rules read \['mrd_eoi_percent'\]"):
        load_rulebook("toy_peds", root=toy_root)
