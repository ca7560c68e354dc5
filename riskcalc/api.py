"""The public API: `assess` a Patient, or ask `what_if` one input were different.

An assessment evaluates the known facts and, when results are pending, every filling of them with the
model's representatives, all in one engine call. The grouping and the pending representatives come from the
rule files; this module only combines what the engine reports.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from riskcalc.engine import EngineError, RuleEngine, engine_for
from riskcalc.models import (
    Assessment,
    Branch,
    Finding,
    NciRisk,
    Note,
    Patient,
    RiskGroup,
    Scenario,
)
from riskcalc.rulebook import DEFAULT_MODEL, Rule, Rulebook, StandingNote, load_rulebook


def get_engine(model: str = DEFAULT_MODEL) -> RuleEngine:
    """The shared engine of a model (loaded and checked on first use)."""
    return engine_for(load_rulebook, model)


def get_rulebook(model: str = DEFAULT_MODEL) -> Rulebook:
    return get_engine(model).rulebook


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, frozenset) and not value)


def _fact(patient: Patient, fills: dict[str, Any] | None = None) -> dict[str, Any]:
    """The patient as a durable_rules fact: missing results are left out, genetics become a sorted list."""
    fact = patient.model_dump(mode="json", exclude_none=True)
    fact["genetics"] = sorted(fact["genetics"])
    for name, value in (fills or {}).items():
        fact[name] = sorted(value) if isinstance(value, tuple) else value
    return fact


def _branch(rules: list[Rule]) -> Branch:
    branches = {rule.selects_branch for rule in rules if rule.selects_branch}
    if len(branches) != 1:
        raise EngineError(f"expected exactly one branch rule to fire, got {sorted(branches) or 'none'}")
    return branches.pop()


def _nci_risk(rules: list[Rule]) -> NciRisk | None:
    values = {rule.nci_risk for rule in rules if rule.nci_risk}
    if len(values) > 1:
        raise EngineError(f"contradictory NCI risk from rules {[rule.id for rule in rules if rule.nci_risk]}")
    return values.pop() if values else None


def _notes(rules: list[Rule], rulebook: Rulebook) -> list[Rule | StandingNote]:
    """The notes whose rules fired, then the model's standing notes."""
    return [*(rule for rule in rules if rule.kind == "note"), *rulebook.standing_notes]


def _pending_that_matters(names: list[str], fillings: list[tuple[Any, ...]], groups: list[RiskGroup]) -> list[str]:
    """A pending input matters when changing it alone, all else filled the same way, changes the group."""
    matters = []
    for index, name in enumerate(names):
        by_rest: dict[tuple[Any, ...], set[RiskGroup]] = {}
        for filling, group in zip(fillings, groups):
            rest = filling[:index] + filling[index + 1 :]
            by_rest.setdefault(rest, set()).add(group)
        if any(len(seen) > 1 for seen in by_rest.values()):
            matters.append(name)
    return matters


def _probes(rulebook: Rulebook, names: list[str], fillings: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """What to fill in to learn the signals of every filling of the pending results.

    When no signal rule reads two pending inputs together (checked when the rulebook loads), a filling's
    signals are the known signals plus those each filled input raises alone, so one probe per representative
    value suffices (8 instead of 18 for three pending inputs). Otherwise every filling is probed whole.
    """
    if rulebook.pending_separable:
        return [{name: value} for name in names for value in rulebook.pending[name]]
    return [dict(zip(names, filling)) for filling in fillings]


def _filling_signals(
    rulebook: Rulebook,
    names: list[str],
    fillings: list[tuple[Any, ...]],
    probes: list[dict[str, Any]],
    probe_signals: list[frozenset[str]],
    known: frozenset[str],
) -> list[frozenset[str]]:
    if rulebook.pending_separable:
        raised = {next(iter(probe.items())): signals for probe, signals in zip(probes, probe_signals)}
        return [known.union(*(raised[item] for item in zip(names, filling))) for filling in fillings]
    return [known | signals for signals in probe_signals]


# Findings and notes are immutable and depend only on their rule, so each is built once per process and shared
# by every assessment that reports it. The caches are keyed by the rule object's identity: hashing a rule by
# value walks its condition tree and citations, which costs more than building the finding. Each entry keeps
# its rule alive, so an identity is never reused for another rule.
_findings: dict[int, tuple[Rule, Finding]] = {}
_notes_built: dict[int, tuple[Rule | StandingNote, Note]] = {}


def _finding(rule: Rule) -> Finding:
    entry = _findings.get(id(rule))
    if entry is None:
        finding = Finding(
            rule_id=rule.id,
            factor=rule.factor,
            direction=rule.direction,
            text=rule.text,
            citations=rule.citations,
            evidence=rule.evidence,
            evidence_note=rule.evidence_note,
        )
        entry = _findings[id(rule)] = (rule, finding)
    return entry[1]


def _note(note: Rule | StandingNote) -> Note:
    entry = _notes_built.get(id(note))
    if entry is None:
        built = Note(
            rule_id=note.id,
            text=note.text,
            citations=note.citations,
            evidence=note.evidence,
            evidence_note=note.evidence_note,
        )
        entry = _notes_built[id(note)] = (note, built)
    return entry[1]


def _scenario(names: list[str], filling: tuple[Any, ...], group: RiskGroup) -> Scenario:
    fills = {name: list(value) if isinstance(value, tuple) else value for name, value in zip(names, filling)}
    return Scenario(fills=fills, group=group)


@dataclass
class _Plan:
    """What one patient needs from the engine: its own fact, and a probe per pending representative."""

    patient: Patient
    names: list[str]
    fillings: list[tuple[Any, ...]]
    probes: list[dict[str, Any]]


def _plan(rulebook: Rulebook, patient: Patient) -> _Plan:
    if not isinstance(patient, Patient):
        raise TypeError(f"assess() takes a Patient, not {type(patient).__name__}")
    names = [name for name in rulebook.pending if _is_missing(getattr(patient, name))]
    fillings = list(itertools.product(*(rulebook.pending[name] for name in names))) if names else []
    probes = _probes(rulebook, names, fillings) if fillings else []
    return _Plan(patient, names, fillings, probes)


def _assessment(
    rulebook: Rulebook, plan: _Plan, fired: frozenset[str], probe_fired: list[frozenset[str]]
) -> Assessment:
    names, fillings = plan.names, plan.fillings
    known_rules = [rule for rule in rulebook.rules if rule.id in fired]
    branch = _branch(known_rules)
    known = rulebook.signals(fired)
    if fillings:
        probe_signals = [rulebook.signals(ids) for ids in probe_fired]
        signal_sets = _filling_signals(rulebook, names, fillings, plan.probes, probe_signals, known)
        groups = [rulebook.decide(branch, signals) for signals in signal_sets]
    else:
        groups = [rulebook.decide(branch, known)]
    possible = sorted(set(groups), key=lambda group: group.rank)

    return Assessment(
        patient=plan.patient,
        group=possible[0],
        possible_groups=possible,
        provisional=len(possible) > 1,
        pending=_pending_that_matters(names, fillings, groups) if fillings else [],
        branch=branch,
        nci_risk=_nci_risk(known_rules),
        findings=[_finding(rule) for rule in rulebook.ordered_findings(known_rules)],
        notes=[_note(note) for note in _notes(known_rules, rulebook)],
        scenarios=[_scenario(names, filling, group) for filling, group in zip(fillings, groups)],
        fired_rules=[rule.id for rule in known_rules],
        model_id=rulebook.model_id,
        model_version=rulebook.version,
        disclaimer=rulebook.disclaimer,
    )


def assess(patient: Patient, *, model: str = DEFAULT_MODEL) -> Assessment:
    """Assess one patient: group, possible groups while results are pending, and every cited finding."""
    return assess_many([patient], model=model)[0]


def assess_many(patients: Sequence[Patient], *, model: str = DEFAULT_MODEL) -> list[Assessment]:
    """Assess several patients in one engine evaluation; each result equals assess() of that patient.

    Every rule then fires once for all the facts it matches, so a batch costs far fewer rule firings than
    the same patients one by one.
    """
    engine = get_engine(model)
    rulebook = engine.rulebook
    plans = [_plan(rulebook, patient) for patient in patients]
    cases = [_fact(plan.patient) for plan in plans]
    probes = [_fact(plan.patient, probe) for plan in plans for probe in plan.probes]
    fired = engine.evaluate(cases, probes)
    results = []
    offset = len(plans)
    for index, plan in enumerate(plans):
        results.append(_assessment(rulebook, plan, fired[index], fired[offset : offset + len(plan.probes)]))
        offset += len(plan.probes)
    return results


def what_if(patient: Patient, *, model: str = DEFAULT_MODEL, **changes: Any) -> Assessment:
    """Assess the same patient with some inputs changed; the changed patient is validated like any other."""
    changed = Patient.model_validate({**patient.model_dump(), **changes})
    return assess(changed, model=model)
