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
    Classification,
    ClassificationStatus,
    Finding,
    ModelInfo,
    ModelTier,
    NciRisk,
    Note,
    Patient,
    RiskGroup,
    Scenario,
)
from riskcalc.rulebook import DEFAULT_MODEL, Rule, Rulebook, StandingNote, model_ids

# The classification the illustrative contract reports as Assessment.nci_risk (declared in its model.yaml).
_ASSESSMENT_CLASSIFICATION = "nci_risk"
_GROUPS = {group.value: group for group in RiskGroup}
_BRANCHES = {branch.value: branch for branch in Branch}


def get_engine(model: str = DEFAULT_MODEL) -> RuleEngine:
    """The shared engine of a model (loaded and checked on first use)."""
    return engine_for(model)


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


def _branch(rules: list[Rule]) -> str:
    branches = {rule.selects_branch for rule in rules if rule.selects_branch}
    if len(branches) != 1:
        raise EngineError(f"expected exactly one branch rule to fire, got {sorted(branches) or 'none'}")
    return branches.pop()


def _classifications(rules: list[Rule]) -> dict[str, str]:
    """The named classifications the fired rules set; two rules setting one name differently is a fault."""
    found: dict[str, str] = {}
    for rule in rules:
        for name, value in rule.classifies.items():
            if found.setdefault(name, value) != value:
                setting = [r.id for r in rules if name in r.classifies]
                raise EngineError(f"contradictory {name} from rules {setting}")
    return found


def _notes(rules: list[Rule], rulebook: Rulebook) -> list[Note]:
    """The notes whose rules fired, then the model's standing notes (each built once, at load)."""
    fired: list[Rule | StandingNote] = [rule for rule in rules if rule.kind == "note"]
    return [item.note for item in (*fired, *rulebook.standing_notes) if item.note is not None]


def _findings(rules: list[Rule], rulebook: Rulebook) -> list[Finding]:
    return [rule.finding for rule in rulebook.ordered_findings(rules) if rule.finding is not None]


def _pending_that_matters(names: list[str], fillings: list[tuple[Any, ...]], groups: list[str]) -> list[str]:
    """A pending input matters when changing it alone, all else filled the same way, changes the group."""
    matters = []
    for index, name in enumerate(names):
        by_rest: dict[tuple[Any, ...], set[str]] = {}
        for filling, group in zip(fillings, groups):
            rest = filling[:index] + filling[index + 1 :]
            by_rest.setdefault(rest, set()).add(group)
        if any(len(seen) > 1 for seen in by_rest.values()):
            matters.append(name)
    return matters


def _parts(rulebook: Rulebook, names: list[str]) -> list[list[str]]:
    """The missing pending inputs, in the rulebook's groups (riskcalc.rulebook: no signal rule reads across)."""
    parts = [[name for name in group if name in names] for group in rulebook.pending_groups]
    return [part for part in parts if part]


def _probes(rulebook: Rulebook, names: list[str]) -> list[dict[str, Any]]:
    """What to fill in to learn the signals of every filling of the pending results.

    A filling's signals are the known signals plus what each group of pending inputs raises with its part of
    the filling, since no signal rule reads two groups together (riskcalc.rulebook). So each group is probed
    with every combination of its own representatives, and the fillings are never probed whole: St Jude's
    five pending inputs, with day-42 MRD and the consolidation finding read together, need 15 probes instead
    of the 144 fillings; three inputs read alone need 8 instead of 18.
    """
    probes = []
    for part in _parts(rulebook, names):
        for values in itertools.product(*(rulebook.pending[name] for name in part)):
            probes.append(dict(zip(part, values)))
    return probes


def _filling_signals(
    rulebook: Rulebook,
    names: list[str],
    fillings: list[tuple[Any, ...]],
    probes: list[dict[str, Any]],
    probe_signals: list[frozenset[str]],
    known: frozenset[str],
) -> list[frozenset[str]]:
    raised = {tuple(probe.items()): signals for probe, signals in zip(probes, probe_signals)}
    parts = _parts(rulebook, names)
    signal_sets = []
    for filling in fillings:
        filled = dict(zip(names, filling))
        signal_sets.append(known.union(*(raised[tuple((name, filled[name]) for name in part)] for part in parts)))
    return signal_sets


def _fills(names: list[str], filling: tuple[Any, ...]) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, tuple) else value for name, value in zip(names, filling)}


@dataclass
class _Plan:
    """What one patient needs from the engine: its own fact, and a probe per pending representative."""

    patient: Patient
    names: list[str]
    fillings: list[tuple[Any, ...]]
    probes: list[dict[str, Any]]


def _inside(rulebook: Rulebook, patient: Patient) -> bool:
    return rulebook.age_from <= patient.age_years < rulebook.age_below


def _plan(rulebook: Rulebook, patient: Patient, caller: str = "assess") -> _Plan:
    if not isinstance(patient, Patient):
        raise TypeError(f"{caller}() takes a Patient, not {type(patient).__name__}")
    if not _inside(rulebook, patient):  # outside the population no tier is computed, so nothing is pending
        return _Plan(patient, [], [], [])
    names = [
        name
        for name in rulebook.pending
        if _is_missing(getattr(patient, name))
        and all(_is_missing(getattr(patient, other)) for other in rulebook.pending_unless.get(name, ()))
    ]
    fillings = list(itertools.product(*(rulebook.pending[name] for name in names))) if names else []
    probes = _probes(rulebook, names) if fillings else []
    return _Plan(patient, names, fillings, probes)


@dataclass
class _Outcome:
    """What the engine's answers mean for one patient: the rules that fired and the tier of every filling."""

    known_rules: list[Rule]
    branch: str
    tiers: list[str]
    possible: list[str]
    pending: list[str]


def _outcome(
    rulebook: Rulebook, plan: _Plan, fired: frozenset[str], known_rules: list[Rule], probe_fired: list[frozenset[str]]
) -> _Outcome:
    names, fillings = plan.names, plan.fillings
    branch = _branch(known_rules)
    known = rulebook.signals(fired)
    if not fillings:
        tier = rulebook.decide(branch, known)
        return _Outcome(known_rules, branch, [tier], [tier], [])
    probe_signals = [rulebook.signals(ids) for ids in probe_fired]
    # The tiers of the fillings follow from the branch, the known signals and what each probe raised, so
    # patients that agree on these share them (a batch repeats a few thousand combinations; AALL1731 with six
    # inputs pending has 648 fillings to walk).
    key = (branch, known, tuple(names), tuple(probe_signals))
    found = rulebook.outcomes.get(key)
    if found is None:
        signal_sets = _filling_signals(rulebook, names, fillings, plan.probes, probe_signals, known)
        tiers = [rulebook.decide(branch, signals) for signals in signal_sets]
        possible = sorted(set(tiers), key=rulebook.tier_rank)
        found = (tiers, possible, _pending_that_matters(names, fillings, tiers))
        rulebook.remember_outcome(key, found)
    tiers, possible, pending = found
    return _Outcome(known_rules, branch, list(tiers), list(possible), list(pending))


def _assessment(
    rulebook: Rulebook, plan: _Plan, fired: frozenset[str], probe_fired: list[frozenset[str]]
) -> Assessment:
    known_rules = [rule for rule in rulebook.rules if rule.id in fired]
    outcome = _outcome(rulebook, plan, fired, known_rules, probe_fired)
    groups = [_GROUPS[tier] for tier in outcome.tiers]
    possible = [_GROUPS[tier] for tier in outcome.possible]
    nci = _classifications(known_rules).get(_ASSESSMENT_CLASSIFICATION)
    return Assessment(
        patient=plan.patient,
        group=possible[0],
        possible_groups=possible,
        provisional=len(possible) > 1,
        pending=outcome.pending,
        branch=_BRANCHES[outcome.branch],
        nci_risk=NciRisk(nci) if nci else None,
        findings=_findings(known_rules, rulebook),
        notes=_notes(known_rules, rulebook),
        scenarios=[
            Scenario(fills=_fills(plan.names, filling), group=group) for filling, group in zip(plan.fillings, groups)
        ],
        fired_rules=[rule.id for rule in known_rules],
        model_id=rulebook.model_id,
        model_version=rulebook.version,
        disclaimer=rulebook.disclaimer,
    )


def _evaluate(engine: RuleEngine, plans: list[_Plan]) -> list[tuple[frozenset[str], list[frozenset[str]]]]:
    """One engine call for every patient and probe: per patient, the rules fired on it and on its probes."""
    cases = [_fact(plan.patient) for plan in plans]
    probes = [_fact(plan.patient, probe) for plan in plans for probe in plan.probes]
    fired = engine.evaluate(cases, probes)
    results = []
    offset = len(plans)
    for index, plan in enumerate(plans):
        results.append((fired[index], fired[offset : offset + len(plan.probes)]))
        offset += len(plan.probes)
    return results


def _check_assessable(rulebook: Rulebook) -> None:
    if [tier.id for tier in rulebook.tiers] != [group.value for group in RiskGroup]:
        raise ValueError(
            f"model {rulebook.model_id!r} has its own tiers; assess() reports the illustrative groups, "
            "use classify() for it"
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
    _check_assessable(rulebook)
    plans = [_plan(rulebook, patient) for patient in patients]
    return [
        _assessment(rulebook, plan, fired, probe_fired)
        for plan, (fired, probe_fired) in zip(plans, _evaluate(engine, plans))
    ]


def what_if(patient: Patient, *, model: str = DEFAULT_MODEL, **changes: Any) -> Assessment:
    """Assess the same patient with some inputs changed; the changed patient is validated like any other."""
    changed = Patient.model_validate({**patient.model_dump(), **changes})
    return assess(changed, model=model)


# ---- every scheme: classify() ------------------------------------------------------------------------------


def _assumed(rulebook: Rulebook, patient: Patient) -> list[str]:
    return [item.text for item in rulebook.assumed_absent if _is_missing(getattr(patient, item.field))]


def _disputed(rules: list[Rule]) -> list[str]:
    """The disputed boundaries of these rules, in rulebook order."""
    shown = [rule.finding or rule.note for rule in rules]
    return [item.disputed for item in shown if item is not None and item.disputed]


def _classification(
    rulebook: Rulebook, plan: _Plan, fired: frozenset[str], probe_fired: list[frozenset[str]]
) -> Classification:
    known_rules = [rule for rule in rulebook.rules if rule.id in fired]
    common: dict[str, Any] = {
        "patient": plan.patient,
        "model_id": rulebook.model_id,
        "model_version": rulebook.version,
        "model_title": rulebook.title,
        "findings": _findings(known_rules, rulebook),
        "notes": _notes(known_rules, rulebook),
        "assumed": _assumed(rulebook, plan.patient),
        "classifications": _classifications(known_rules),
        "fired_rules": [rule.id for rule in known_rules],
        "disclaimer": rulebook.disclaimer,
    }
    # A status rule (outside the population first, then sent elsewhere) decides before any tier.
    for status in (ClassificationStatus.NOT_APPLICABLE, ClassificationStatus.NOT_CLASSIFIED):
        deciding = [rule for rule in known_rules if rule.status == status.value]
        if deciding:
            # Without a tier, only the deciding rules' boundaries matter: a note on an MRD cut-off that fired
            # beside "not classified" has nothing to be disputed about.
            return Classification(
                status=status,
                tier=None,
                tier_name=None,
                possible_tiers=[],
                provisional=False,
                pending=[],
                reason=" ".join(rule.text for rule in deciding),
                disputed=_disputed(deciding),
                **common,
            )
    if not _inside(rulebook, plan.patient):
        raise EngineError(f"age {plan.patient.age_years} is outside {rulebook.model_id}, but no status rule fired")
    outcome = _outcome(rulebook, plan, fired, known_rules, probe_fired)
    floor = outcome.possible[0]
    return Classification(
        status=ClassificationStatus.CLASSIFIED,
        tier=floor,
        tier_name=rulebook.tier(floor).name,
        possible_tiers=outcome.possible,
        provisional=len(outcome.possible) > 1,
        pending=outcome.pending,
        reason=None,
        disputed=_disputed(known_rules),
        **common,
    )


def classify_many(patients: Sequence[Patient], *, model: str = DEFAULT_MODEL) -> list[Classification]:
    """Classify several patients under one scheme in one engine evaluation."""
    engine = get_engine(model)
    rulebook = engine.rulebook
    plans = [_plan(rulebook, patient, "classify") for patient in patients]
    return [
        _classification(rulebook, plan, fired, probe_fired)
        for plan, (fired, probe_fired) in zip(plans, _evaluate(engine, plans))
    ]


def classify(patient: Patient, *, model: str = DEFAULT_MODEL) -> Classification:
    """One patient under one scheme: classified (a tier, or the tiers still possible), not applicable, or not
    classified, each with its cited reasons."""
    return classify_many([patient], model=model)[0]


def classify_all(patient: Patient) -> list[Classification]:
    """One patient under every scheme, in the order of `models()`."""
    return [classify(patient, model=model_id) for model_id in _ordered_ids()]


def _ordered_ids() -> list[str]:
    """The schemes' ids: the default (illustrative) model first, then by id. Read from the rules folder on each
    call (a glob, no model loaded), so that a scheme folder added while a server runs is picked up."""
    ids = model_ids()
    return (
        [DEFAULT_MODEL, *(model_id for model_id in ids if model_id != DEFAULT_MODEL)] if DEFAULT_MODEL in ids else ids
    )


def models() -> list[ModelInfo]:
    """Every scheme under the rules folder: the default (illustrative) model first, then by id."""
    return [model_info(model_id) for model_id in _ordered_ids()]


def model_info(model: str = DEFAULT_MODEL) -> ModelInfo:
    book = get_rulebook(model)
    return ModelInfo(
        id=book.model_id,
        version=book.version,
        title=book.title,
        short=book.short,
        era=book.era,
        source=book.source,
        lineage=book.lineage,
        population=book.population_text,
        age_from=book.age_from,
        age_below=book.age_below,
        tiers=[tier.id for tier in book.tiers],
        tier_details=[
            ModelTier(id=t.id, name=t.name, colour=t.colour, ladder=t.ladder, high_risk=t.high_risk) for t in book.tiers
        ],
        inputs=list(book.inputs),
        pending=list(book.pending),
        notes=[note.note for note in book.standing_notes if note.note is not None],
    )
