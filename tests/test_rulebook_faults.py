"""Faults in the rule files stop the load with a RulebookError naming the file and the rule; faults inside
durable_rules surface as RulebookError (at registration) or EngineError (at evaluation), never as a silently
wrong result.

Each rulebook test copies the whole rules/ folder into tmp_path, changes one thing, and loads the copy.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

import riskcalc.engine as engine_module
from bench.harness.patients import random_patient
from riskcalc.api import _fact, assess
from riskcalc.conditions import AllOf, Atom
from riskcalc.engine import SENTINEL, EngineError, RuleEngine
from riskcalc.models import CNSStatus, GeneticCode, Patient, RiskGroup
from riskcalc.rulebook import DEFAULT_MODEL, Rulebook, RulebookError, load_rulebook
from tests.conftest import RULES_DIR

MODEL = DEFAULT_MODEL


# ---- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A private copy of rules/, to be broken by one test."""
    root = tmp_path / "rules"
    shutil.copytree(RULES_DIR, root)
    return root


def model_file(root: Path, name: str) -> Path:
    return root / MODEL / name


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Load a YAML file, change its data in place, and write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200), encoding="utf-8")


def entry(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The rule or note with this id in a loaded rule file."""
    for item in [*data.get("rules", []), *data.get("notes", [])]:
        if item["id"] == rule_id:
            return item
    raise KeyError(rule_id)


def edit_rule(root: Path, file: str, rule_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    edit_yaml(model_file(root, file), lambda data: change(entry(data, rule_id)))


def branch_spec(data: dict[str, Any], branch: str) -> dict[str, Any]:
    return next(item for item in data["branches"] if item["id"] == branch)


def load_fails(root: Path, *fragments: str, file: str | None = None, rule_id: str | None = None) -> RulebookError:
    """Load the broken copy; it must fail, and the message must contain every fragment."""
    with pytest.raises(RulebookError) as info:
        load_rulebook(MODEL, root=root)
    error = info.value
    message = str(error)
    if file is not None:
        assert file in message, message
        assert error.file.endswith(file), error.file
    if rule_id is not None:
        assert f"rule {rule_id!r}" in message, message
        assert error.rule_id == rule_id
    for fragment in fragments:
        assert fragment in message, message
    return error


# ---- the unbroken copy loads, also after a YAML round trip (so every fault below is the mutation's) ----------


def test_good_copy_loads(rules: Path) -> None:
    rulebook = load_rulebook(MODEL, root=rules)
    assert rulebook.model_id == MODEL
    assert {rule.id for rule in rulebook.rules} >= {"ped.cns1", "adult.cns3", "note.cns3_therapy", "branch.infant"}


def test_round_tripped_copy_loads(rules: Path) -> None:
    for path in [rules / "references.yaml", *sorted((rules / MODEL).glob("*.yaml"))]:
        edit_yaml(path, lambda data: None)
    original = load_rulebook(MODEL, root=RULES_DIR)
    copy = load_rulebook(MODEL, root=rules)
    assert [rule.id for rule in copy.rules] == [rule.id for rule in original.rules]
    assert [rule.condition for rule in copy.rules] == [rule.condition for rule in original.rules]


# ---- rule file faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        ("blast_percent >= 5", "unknown field 'blast_percent'"),
        ("mrd_eoi >= 0.01", "unknown field 'mrd_eoi'"),
        ({"all": ["age_years >= 1", "nci_group == high"]}, "unknown field 'nci_group'"),
    ],
    ids=["blast_percent", "misspelt-mrd", "inside-all"],
)
def test_rule_on_field_patient_lacks(rules: Path, when: Any, fragment: str) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns1", lambda rule: rule.update(when=when))
    load_fails(rules, "malformed condition", fragment, file="pediatric.yaml", rule_id="ped.cns1")


def test_unresolved_citation_key(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns3", lambda rule: rule["cite"].append("nosuch2099"))
    load_fails(rules, "unresolved citation key(s): nosuch2099", file="pediatric.yaml", rule_id="ped.cns3")


def test_unresolved_citation_key_in_note(rules: Path) -> None:
    edit_rule(rules, "notes.yaml", "note.cns3_therapy", lambda rule: rule.update(cite=["winick2071"]))
    load_fails(rules, "unresolved citation key(s): winick2071", file="notes.yaml", rule_id="note.cns3_therapy")


def test_duplicate_rule_id_across_files(rules: Path) -> None:
    # adult.yaml is read before pediatric.yaml, so the second definition is the pediatric one.
    edit_rule(rules, "pediatric.yaml", "ped.cns3", lambda rule: rule.update(id="adult.cns3"))
    load_fails(
        rules, "duplicate rule id", "first defined in", "adult.yaml", file="pediatric.yaml", rule_id="adult.cns3"
    )


def test_duplicate_rule_id_in_one_file(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns2", lambda rule: rule.update(id="ped.cns1"))
    load_fails(rules, "duplicate rule id", "first defined in", file="pediatric.yaml", rule_id="ped.cns1")


def test_duplicate_rule_id_note_and_rule(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "note.ped_testicular_context", lambda rule: rule.update(id="ped.testicular"))
    load_fails(rules, "duplicate rule id", file="pediatric.yaml", rule_id="ped.testicular")


def test_duplicate_of_branch_rule_id(rules: Path) -> None:
    edit_rule(rules, "adult.yaml", "adult.cns3", lambda rule: rule.update(id="branch.adult"))
    load_fails(rules, "duplicate rule id", "model.yaml", file="adult.yaml", rule_id="branch.adult")


@pytest.mark.parametrize(
    ("file", "rule_id"),
    [("pediatric.yaml", "ped.cns3"), ("notes.yaml", "note.cns3_therapy"), ("genetics.yaml", "gen.iamp21")],
    ids=["rule", "note", "genetics-rule"],
)
def test_missing_sentence(rules: Path, file: str, rule_id: str) -> None:
    edit_rule(rules, file, rule_id, lambda rule: rule.pop("text"))
    load_fails(rules, "text", "Field required", file=file, rule_id=rule_id)


def test_sentence_too_short(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns3", lambda rule: rule.update(text="High."))
    load_fails(rules, "text", "at least 20 characters", file="pediatric.yaml", rule_id="ped.cns3")


MALFORMED = [
    pytest.param("age_years >> 10", "not of the form 'field op value'", id="double-gt"),
    pytest.param("age_years >= ten", "not a plain decimal number", id="word-number"),
    pytest.param("age_years >= 10 years", "not of the form 'field op value'", id="trailing-unit"),
    pytest.param("age_years >=10", "not of the form 'field op value'", id="no-space"),
    pytest.param("Age_years >= 10", "not of the form 'field op value'", id="capitalised-field"),
    pytest.param(
        {"all": ["age_years >= 1"], "any": ["age_years < 10"]}, "neither a 'field op value' string", id="dict-two-keys"
    ),
    pytest.param({"all": []}, "'all' needs a non-empty list", id="empty-all"),
    pytest.param({"any": []}, "'any' needs a non-empty list", id="empty-any"),
    pytest.param({"all": "age_years >= 1"}, "'all' needs a non-empty list", id="all-not-a-list"),
    pytest.param({"not": ["age_years >= 1"]}, "neither a 'field op value' string", id="unknown-combinator"),
    pytest.param("genetics has not_a_code", "'not_a_code' is not a genetics code", id="unknown-genetic-code"),
    pytest.param("genetics == etv6_runx1", "does not apply to codes field", id="equals-on-genetics"),
    pytest.param("cns_status == CNS4", "'CNS4' is not a cns_status code", id="unknown-cns-class"),
    pytest.param("cns_status >= CNS1", "does not apply to code field", id="order-on-cns"),
    pytest.param("age_years has etv6_runx1", "does not apply to number field", id="has-on-number"),
    pytest.param("testicular_involvement == yes", "must be true or false", id="bool-yes"),
    pytest.param(
        "mrd_eoi_percent < 1e-05",
        "value '1e-05' for 'mrd_eoi_percent' is not a plain decimal number",
        id="exponent-1e-05",
    ),
    pytest.param("mrd_eoi_percent < 1.0e-04", "not a plain decimal number", id="exponent-with-fraction"),
    pytest.param("wbc_10e9_per_l >= .5", "not a plain decimal number", id="leading-dot"),
    pytest.param("wbc_10e9_per_l >= inf", "not a plain decimal number", id="inf"),
    pytest.param({"any": ["mrd_eoi_percent < 0.01", "cns_status == CNS9"]}, "'CNS9'", id="nested-bad-atom"),
    pytest.param(5, "neither a 'field op value' string", id="bare-number"),
    pytest.param(None, "neither a 'field op value' string", id="null"),
    pytest.param(["age_years >= 1"], "neither a 'field op value' string", id="bare-list"),
]


@pytest.mark.parametrize(("when", "fragment"), MALFORMED)
def test_malformed_condition(rules: Path, when: Any, fragment: str) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.mrd_eoi_negative", lambda rule: rule.update(when=when))
    load_fails(rules, "malformed condition", fragment, file="pediatric.yaml", rule_id="ped.mrd_eoi_negative")


def test_malformed_branch_condition(rules: Path) -> None:
    edit_yaml(
        model_file(rules, "model.yaml"), lambda data: branch_spec(data, "adult")["rule"].update(when="age_years => 18")
    )
    load_fails(rules, "malformed condition", file="model.yaml", rule_id="branch.adult")


def test_branch_chosen_by_other_field(rules: Path) -> None:
    edit_yaml(
        model_file(rules, "model.yaml"),
        lambda data: branch_spec(data, "adult")["rule"].update(
            when={"all": ["age_years >= 18", "wbc_10e9_per_l >= 0"]}
        ),
    )
    load_fails(rules, "age_years alone", file="model.yaml", rule_id="branch.adult")


def test_factor_not_in_model(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns1", lambda rule: rule.update(factor="CNS"))
    load_fails(
        rules, "factor 'CNS' is not listed under 'factors' in model.yaml", file="pediatric.yaml", rule_id="ped.cns1"
    )


def test_factor_removed_from_model(rules: Path) -> None:
    edit_yaml(model_file(rules, "model.yaml"), lambda data: data["factors"].remove("testicular involvement"))
    load_fails(rules, "'testicular involvement' is not listed", file="pediatric.yaml", rule_id="ped.testicular")


def test_invalid_yaml_syntax(rules: Path) -> None:
    path = model_file(rules, "pediatric.yaml")
    text = path.read_text(encoding="utf-8")
    broken = text.replace('when: "cns_status == CNS1"', 'when: "cns_status == CNS1', 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    load_fails(rules, "not valid YAML", "line", file="pediatric.yaml")


def test_invalid_yaml_indentation(rules: Path) -> None:
    path = model_file(rules, "adult.yaml")
    text = path.read_text(encoding="utf-8")
    broken = text.replace("    factor: white cell count\n", "      factor: white cell count\n", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    load_fails(rules, "not valid YAML", file="adult.yaml")


def test_invalid_yaml_in_references(rules: Path) -> None:
    path = rules / "references.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nbroken: [unclosed\n", encoding="utf-8")
    load_fails(rules, "not valid YAML", file="references.yaml")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda rule: rule.update(severity="high"), "severity: Extra inputs are not permitted"),
        (lambda rule: rule.update(cites=rule["cite"]), "cites: Extra inputs are not permitted"),
        (lambda rule: rule.update(effect={"signal": ["cns1"]}), "effect.signal: Extra inputs are not permitted"),
    ],
    ids=["severity", "cites-typo", "effect-signal-typo"],
)
def test_unknown_key_in_rule(rules: Path, change: Callable[[dict[str, Any]], None], fragment: str) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns1", change)
    load_fails(rules, fragment, file="pediatric.yaml", rule_id="ped.cns1")


def test_unknown_key_in_note(rules: Path) -> None:
    # A note has no factor, direction or effect; giving it one is an error, not a silently ignored key.
    edit_rule(
        rules, "notes.yaml", "note.ph_tki", lambda rule: rule.update(effect={"signals": ["unfavorable_genetics"]})
    )
    load_fails(rules, "effect: Extra inputs are not permitted", file="notes.yaml", rule_id="note.ph_tki")


def test_unknown_top_level_key_in_rule_file(rules: Path) -> None:
    edit_yaml(model_file(rules, "adult.yaml"), lambda data: data.update(rule=[]))
    load_fails(rules, "rule: Extra inputs are not permitted", file="adult.yaml")


def test_signal_raised_but_unused(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns2", lambda rule: rule.update(effect={"signals": ["cns2"]}))
    load_fails(rules, "raises signal 'cns2', which no grouping uses", file="pediatric.yaml", rule_id="ped.cns2")


def test_grouping_signal_no_rule_raises(rules: Path) -> None:
    edit_yaml(
        model_file(rules, "model.yaml"),
        lambda data: branch_spec(data, "pediatric")["grouping"][0]["if_any"].append("nci_very_high"),
    )
    load_fails(rules, "the grouping uses signal 'nci_very_high', which no rule raises", file="model.yaml")


def test_grouping_none_signal_no_rule_raises(rules: Path) -> None:
    edit_yaml(
        model_file(rules, "model.yaml"),
        lambda data: branch_spec(data, "pediatric")["grouping"][1]["if_any"][0]["none"].append("day8_mrd_postive"),
    )
    load_fails(rules, "signal 'day8_mrd_postive', which no rule raises", file="model.yaml")


def test_signal_misspelt_in_rule(rules: Path) -> None:
    # The rule raises a misspelt signal: the grouping's own spelling is then raised by no rule.
    edit_rule(
        rules, "adult.yaml", "adult.wbc_30_or_more", lambda rule: rule.update(effect={"signals": ["adult_wbc_hihg"]})
    )
    load_fails(rules, "'adult_wbc_high', which no rule raises", file="model.yaml")


def test_otherwise_tier_not_last(rules: Path) -> None:
    def swap(data: dict[str, Any]) -> None:
        grouping = branch_spec(data, "pediatric")["grouping"]
        grouping[1], grouping[2] = grouping[2], grouping[1]

    edit_yaml(model_file(rules, "model.yaml"), swap)
    load_fails(rules, "branch pediatric", "only the last tier", file="model.yaml")


def test_grouping_without_otherwise_tier(rules: Path) -> None:
    edit_yaml(model_file(rules, "model.yaml"), lambda data: branch_spec(data, "adult")["grouping"].pop())
    load_fails(rules, "branch adult", "only the last tier", file="model.yaml")


def test_reference_without_doi_pmid_or_url(rules: Path) -> None:
    def strip(data: dict[str, Any]) -> None:
        for key in ("doi", "pmid", "url"):
            data["smith1996"].pop(key, None)

    edit_yaml(rules / "references.yaml", strip)
    load_fails(rules, "reference 'smith1996' has no doi, pmid or url", file="references.yaml")


def test_reference_with_unknown_key(rules: Path) -> None:
    edit_yaml(rules / "references.yaml", lambda data: data["smith1996"].update(dio="10.1200/x"))
    load_fails(rules, "reference 'smith1996'", "dio", file="references.yaml")


@pytest.mark.parametrize("code", ["iamp21", "b_other"])
def test_missing_genetics_label(rules: Path, code: str) -> None:
    edit_yaml(model_file(rules, "genetics.yaml"), lambda data: data["labels"].pop(code))
    # Labels may be spread over several files, so the message names the model folder and the code.
    load_fails(rules, f"no label for genetic code(s): {code}", file=MODEL)


def test_label_for_unknown_code(rules: Path) -> None:
    edit_yaml(model_file(rules, "genetics.yaml"), lambda data: data["labels"].update(bcr_abl2="BCR::ABL2"))
    load_fails(rules, "labels", "bcr_abl2", file="genetics.yaml")


@pytest.mark.parametrize(
    ("field", "values", "fragment"),
    [
        ("cns_status", ["CNS1", "CNS2", "CNS4"], "cns_status = 'CNS4' is not a valid value"),
        ("mrd_eoi_percent", [0.0, 150.0], "mrd_eoi_percent = 150.0 is not a valid value"),
        ("mrd_eoi_percent", [0.0, -1.0], "mrd_eoi_percent = -1.0 is not a valid value"),
        ("mrd_eoi_percent", [0.0, "1e-05"], "mrd_eoi_percent = '1e-05' is not a valid value"),
        ("genetics", [["etv6_runx1"], ["not_a_code"]], "genetics = ['not_a_code'] is not a valid value"),
        ("genetics", [["etv6_runx1"], ["b_other", "bcr_abl1"]], "cannot be combined with bcr_abl1"),
        ("genetics", [["etv6_runx1"], "bcr_abl1"], "genetics = 'bcr_abl1' is not a valid value"),
        ("blast_percent", [5.0], "unknown Patient field 'blast_percent'"),
        ("cns_status", [], "'cns_status' needs at least one representative"),
    ],
    ids=[
        "cns4",
        "mrd-150",
        "mrd-negative",
        "mrd-exponent-string",
        "unknown-code",
        "b_other-contradiction",
        "genetics-bare-string",
        "unknown-field",
        "empty-list",
    ],
)
def test_invalid_pending_representative(rules: Path, field: str, values: list[Any], fragment: str) -> None:
    edit_yaml(model_file(rules, "model.yaml"), lambda data: data["pending"].update({field: values}))
    load_fails(rules, "pending", fragment, file="model.yaml")


def test_model_id_must_match_folder(rules: Path) -> None:
    edit_yaml(model_file(rules, "model.yaml"), lambda data: data.update(id="other_model"))
    load_fails(rules, "does not match its folder", file="model.yaml")


def test_rule_file_for_undeclared_branch(rules: Path) -> None:
    edit_yaml(model_file(rules, "model.yaml"), lambda data: data["branches"].pop(0))  # remove the infant branch
    load_fails(rules, "branch 'infant' is not declared in model.yaml", file="infant.yaml")


# ---- engine faults ------------------------------------------------------------------------------------------


def _replace_rule(rulebook: Rulebook, rule_id: str, **changes: Any) -> Rulebook:
    rules = tuple(dataclasses.replace(rule, **changes) if rule.id == rule_id else rule for rule in rulebook.rules)
    return dataclasses.replace(rulebook, rules=rules)


def test_durable_rejected_condition_names_rule(rulebook: Rulebook) -> None:
    # An infinite bound compiles to JSON `Infinity`, which durable_rules' parser rejects (error code 202).
    rule = rulebook.rule("ped.mrd_eoi_negative")
    bad = AllOf((rule.condition, Atom("mrd_eoi_percent", "<", float("inf"))))
    with pytest.raises(RulebookError) as info:
        RuleEngine(_replace_rule(rulebook, rule.id, condition=bad))
    message = str(info.value)
    assert info.value.rule_id == "ped.mrd_eoi_negative"
    assert "pediatric.yaml" in message and "rule 'ped.mrd_eoi_negative'" in message
    assert "durable_rules rejects the condition" in message and "202" in message


def test_durable_rejected_mongo_style_condition_names_rule(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    # The operator-inside ("Mongo") JSON form is what durable_rules rejects with error 202.
    target = rulebook.rule("adult.cns3").condition
    compile_ = engine_module.to_durable

    def to_durable(condition: Any) -> dict[str, Any]:
        return {"age_years": {"$lt": 1}} if condition is target else compile_(condition)

    monkeypatch.setattr(engine_module, "to_durable", to_durable)
    with pytest.raises(RulebookError) as info:
        RuleEngine(rulebook)
    assert info.value.rule_id == "adult.cns3"
    assert "adult.yaml" in str(info.value) and "202" in str(info.value)


def _faulty_record(monkeypatch: pytest.MonkeyPatch, rule_id: str, action: Callable[[Any], None]) -> None:
    """Make the engine's recorded action for one rule be `action` (for engines built after this call)."""
    record = RuleEngine._record

    def patched(self: RuleEngine, rid: str):
        return action if rid == rule_id else record(self, rid)

    monkeypatch.setattr(RuleEngine, "_record", patched)


def _boom(closure: Any) -> None:
    raise RuntimeError("injected failure in a rule action")


def test_action_exception_surfaces_in_evaluate(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    _faulty_record(monkeypatch, "ped.cns1", _boom)
    engine = RuleEngine(rulebook)
    with pytest.raises(EngineError, match="injected failure"):
        engine.evaluate([_fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0, cns_status=CNSStatus.CNS1))])
    # The failed session is gone: a case that does not fire the faulty rule evaluates normally afterwards.
    (fired,) = engine.evaluate([_fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0, cns_status=CNSStatus.CNS3))])
    assert "ped.cns3" in fired and "ped.cns1" not in fired


@pytest.mark.parametrize(
    "patient",
    [
        Patient(
            age_years=5.0,
            wbc_10e9_per_l=5.0,
            cns_status=CNSStatus.CNS1,
            genetics={GeneticCode.B_OTHER},
            mrd_eoi_percent=0.0,
        ),
        Patient(age_years=5.0, wbc_10e9_per_l=5.0),  # CNS pending: the failing rule fires on a probe, not the case
    ],
    ids=["in-case", "in-probe"],
)
def test_action_exception_surfaces_in_assess(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch, patient: Patient
) -> None:
    _faulty_record(monkeypatch, "ped.cns1", _boom)
    monkeypatch.setitem(engine_module._engines, MODEL, RuleEngine(rulebook))
    with pytest.raises(EngineError, match="injected failure"):
        assess(patient)


def test_unevaluated_fact_detected(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    _faulty_record(monkeypatch, SENTINEL, lambda closure: None)  # the sentinel fires but records nothing
    with pytest.raises(EngineError, match="not evaluated"):  # the start-up self-check already notices
        RuleEngine(rulebook)
    monkeypatch.setattr(RuleEngine, "_check_branches_cover_every_age", lambda self: None)
    engine = RuleEngine(rulebook)
    with pytest.raises(EngineError, match="not evaluated"):
        engine.evaluate([_fact(Patient(age_years=40.0, wbc_10e9_per_l=5.0))])
    monkeypatch.setitem(engine_module._engines, MODEL, engine)
    with pytest.raises(EngineError, match="not evaluated"):
        assess(Patient(age_years=5.0, wbc_10e9_per_l=5.0))


def test_unevaluated_probe_detected(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sentinel records the case but not the probes: the missing probe is still detected.
    record = RuleEngine._record

    def patched(self: RuleEngine, rid: str):
        action = record(self, rid)
        if rid != SENTINEL:
            return action

        def case_only(closure: Any) -> None:
            single = closure._m  # one matched fact, or (with the cap window) a list of facts in closure.m
            frames = [single["m"]] if single is not None else closure.m
            self._fired.extend((int(frame["id"]), SENTINEL) for frame in frames if frame["role"] == engine_module.CASE)

        return case_only

    monkeypatch.setattr(RuleEngine, "_record", patched)
    monkeypatch.setitem(engine_module._engines, MODEL, RuleEngine(rulebook))
    assess(
        Patient(
            age_years=5.0,
            wbc_10e9_per_l=5.0,
            genetics={GeneticCode.B_OTHER},
            cns_status=CNSStatus.CNS1,
            mrd_eoi_percent=0.0,
        )
    )
    with pytest.raises(EngineError, match="not evaluated"):
        assess(Patient(age_years=5.0, wbc_10e9_per_l=5.0))


def test_sessions_are_deleted_2000_assessments(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = RuleEngine(rulebook)
    monkeypatch.setitem(engine_module._engines, MODEL, engine)
    rng = random.Random(2000)
    for _ in range(2000):
        assess(random_patient(rng))
    assert next(engine._sessions) > 2000  # one session per assessment, far beyond the 1,024 slots
    for sid in ("1", "1024", "2000"):
        with pytest.raises(Exception, match="309"):  # ERR_SID_NOT_FOUND: the state was deleted
            engine._host.get_state(engine._ruleset, sid)


def test_session_limit_is_real_without_deletion(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control for the test above: in this durable_rules build, sessions left alive run out at 1,024."""
    monkeypatch.setattr(RuleEngine, "_check_branches_cover_every_age", lambda self: None)  # no branch rules here
    engine = RuleEngine(dataclasses.replace(rulebook, rules=()))  # sentinel only: small state, fast
    monkeypatch.setattr(engine, "_delete_session", lambda ruleset, sid: None)
    fact = _fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0))
    with pytest.raises(EngineError) as info:
        for _ in range(1100):
            engine.evaluate([fact])
    assert isinstance(info.value.__cause__, MemoryError)
    assert next(engine._sessions) - 1 == 1025  # the 1,025th session failed


@pytest.mark.parametrize(
    ("patient", "fires", "not_fires", "group"),
    [
        (
            Patient(
                age_years=5.0, wbc_10e9_per_l=5.0, genetics={"etv6_runx1"}, cns_status="CNS1", mrd_eoi_percent=1e-05
            ),
            {"ped.mrd_eoi_negative"},
            {"ped.mrd_eoi_positive"},
            RiskGroup.FAVORABLE,
        ),
        (
            Patient(age_years=5.0, wbc_10e9_per_l=5e-324, genetics={"b_other"}, cns_status="CNS1", mrd_eoi_percent=0.0),
            {"ped.nci_standard"},
            {"ped.nci_high_wbc"},
            RiskGroup.STANDARD,
        ),
        (
            Patient(
                age_years=5.0,
                wbc_10e9_per_l=1e-05,
                genetics={"high_hyperdiploidy"},
                cns_status="CNS1",
                mrd_eoi_percent=1e-07,
                mrd_day8_pb_percent=1e-07,
                mrd_eoc_percent=1e-07,
            ),
            {"ped.mrd_eoi_negative", "ped.mrd_day8_negative", "ped.mrd_eoc_negative", "ped.nci_standard"},
            {"ped.mrd_eoi_positive", "ped.mrd_day8_intermediate", "ped.mrd_eoc_positive"},
            RiskGroup.FAVORABLE,
        ),
        (
            Patient(
                age_years=40.0, wbc_10e9_per_l=5e-324, genetics={"b_other"}, cns_status="CNS1", mrd_eoi_percent=1e-05
            ),
            {"adult.mrd_eoi_negative", "adult.wbc_under_30"},
            {"adult.mrd_eoi_positive", "adult.wbc_30_or_more"},
            RiskGroup.HIGH,  # high by age >= 35 only
        ),
        (
            Patient(age_years=1e-05, wbc_10e9_per_l=1e-05, genetics={"kmt2a_r"}, mrd_eoi_percent=1e-05),
            {"branch.infant", "note.infant_kmt2a_young"},
            {"branch.pediatric"},
            RiskGroup.HIGH,
        ),
        (
            Patient(age_years=5e-324, wbc_10e9_per_l=2000.0, genetics={"b_other"}),
            {"branch.infant"},
            {"branch.pediatric"},
            RiskGroup.HIGH,
        ),
    ],
    ids=["mrd-eoi-1e-05", "wbc-5e-324", "all-mrd-1e-07", "adult-mrd-1e-05", "infant-age-1e-05", "age-5e-324"],
)
def test_exponent_values_evaluated(patient: Patient, fires: set[str], not_fires: set[str], group: RiskGroup) -> None:
    result = assess(patient)
    assert fires <= set(result.fired_rules)
    assert not (not_fires & set(result.fired_rules))
    assert result.group is group


def test_exponent_values_in_engine_directly(rulebook: Rulebook) -> None:
    engine = RuleEngine(rulebook)
    facts = [
        _fact(Patient(age_years=5.0, wbc_10e9_per_l=5e-324, mrd_eoi_percent=1e-05)),
        _fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0, mrd_eoi_percent=0.009999999)),
        _fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0, mrd_eoi_percent=1e-300)),
    ]
    for fired in engine.evaluate(facts):
        assert "ped.mrd_eoi_negative" in fired and "ped.mrd_eoi_positive" not in fired
        assert "ped.nci_standard" in fired


def test_threads_agree_with_sequential() -> None:
    rng = random.Random(16)
    batches = [[random_patient(rng) for _ in range(200)] for _ in range(16)]
    expected = [[assess(patient) for patient in batch] for batch in batches]

    def run(batch: list[Patient]) -> list[Any]:
        return [assess(patient) for patient in batch]

    with ThreadPoolExecutor(max_workers=16) as pool:
        parallel = list(pool.map(run, batches))
    assert parallel == expected
    groups = {result.group for batch in expected for result in batch}
    assert groups == set(RiskGroup)  # the sample reaches every group


# ---- faults that plain YAML or a global check would let through ---------------------------------------------


def test_duplicate_yaml_key_is_refused(rules: Path) -> None:
    path = model_file(rules, "pediatric.yaml")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '    when: "cns_status == CNS1"\n', '    when: "cns_status == CNS1"\n    when: "cns_status == CNS2"\n', 1
        ),
        encoding="utf-8",
    )
    load_fails(rules, "key 'when' appears twice", file="pediatric.yaml")


def test_duplicate_reference_key_is_refused(rules: Path) -> None:
    path = rules / "references.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nsmith1996:\n  authors: X\n", encoding="utf-8")
    load_fails(rules, "key 'smith1996' appears twice", file="references.yaml")


def test_branch_rule_raising_a_signal_its_branch_ignores(rules: Path) -> None:
    edit_rule(rules, "adult.yaml", "adult.cns3", lambda rule: rule["effect"].update(signals=["cns3", "testicular"]))
    load_fails(
        rules, "raises ['testicular'], which the adult grouping does not use", file="adult.yaml", rule_id="adult.cns3"
    )


def test_path_that_requires_and_excludes_the_same_signal(rules: Path) -> None:
    edit_yaml(
        model_file(rules, "model.yaml"),
        lambda data: branch_spec(data, "pediatric")["grouping"][1]["if_any"][0]["none"].append("cns1"),
    )
    load_fails(rules, "a path both requires and excludes ['cns1']", file="model.yaml")


def test_unconfirmed_evidence_needs_a_note(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns2", lambda rule: rule.pop("evidence_note"))
    load_fails(rules, "evidence U needs an evidence_note", file="pediatric.yaml", rule_id="ped.cns2")


def test_repeated_citation_key(rules: Path) -> None:
    edit_rule(rules, "pediatric.yaml", "ped.cns1", lambda rule: rule["cite"].append("winick2017"))
    load_fails(rules, "a citation key is repeated", file="pediatric.yaml", rule_id="ped.cns1")


def test_pending_field_that_is_never_missing(rules: Path) -> None:
    edit_yaml(
        model_file(rules, "model.yaml"), lambda data: data["pending"].update(testicular_involvement=[True, False])
    )
    load_fails(rules, "'testicular_involvement' always has a value", file="model.yaml")


def test_yml_file_is_not_silently_ignored(rules: Path) -> None:
    shutil.copy(model_file(rules, "notes.yaml"), model_file(rules, "extra.yml"))
    load_fails(rules, "rule files must end in .yaml; found extra.yml")


@pytest.mark.parametrize(
    ("pediatric", "adult", "fragment"),
    [
        ({"all": ["age_years >= 1", "age_years < 17"]}, "age_years >= 18", "at age 17.0 0 branches apply (none)"),
        (
            {"all": ["age_years >= 1", "age_years < 18"]},
            "age_years >= 17",
            "at age 17.0 2 branches apply (branch.adult, branch.pediatric)",
        ),
    ],
    ids=["gap", "overlap"],
)
def test_branches_must_cover_every_age_exactly_once(rules: Path, pediatric: Any, adult: str, fragment: str) -> None:
    def change(data: dict[str, Any]) -> None:
        branch_spec(data, "pediatric")["rule"]["when"] = pediatric
        branch_spec(data, "adult")["rule"]["when"] = adult

    edit_yaml(model_file(rules, "model.yaml"), change)
    rulebook = load_rulebook(MODEL, root=rules)  # each branch is well formed on its own ...
    with pytest.raises(RulebookError) as info:  # ... the engine's start-up check finds the gap or overlap
        RuleEngine(rulebook)
    assert fragment in str(info.value) and "model.yaml" in str(info.value)
