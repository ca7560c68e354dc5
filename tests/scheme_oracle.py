"""A tiny, independent evaluator of any model folder under rules/, for differential tests against
`riskcalc.classify`.

It reads rules/<model>/*.yaml with yaml.safe_load and evaluates everything in plain Python: the status rules
first (not applicable before not classified), then the branch, then the branch's decision list over the
signals the fired rules raise. Pending results are filled with the FULL product of the representatives (no
shortcut), and a pending input is reported when changing it alone changes the tier. It shares nothing with
riskcalc's condition parser, rulebook or engine; only `Patient` comes from riskcalc.models.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from riskcalc.models import Patient

RULES = Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class OracleRule:
    id: str
    branch: str | None
    when: Any
    effect: dict[str, Any]
    selects: str | None


@dataclass(frozen=True)
class OracleModel:
    tiers: list[str]
    rules: list[OracleRule]
    branch_when: dict[str, Any]
    grouping: dict[str, list[dict[str, Any]]]
    pending: dict[str, list[Any]]
    assumed: list[str]


@cache
def load(model: str) -> OracleModel:
    folder = RULES / model
    spec = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    rules = [
        OracleRule(b["rule"]["id"], None, b["rule"]["when"], b["rule"].get("effect", {}), b["id"])
        for b in spec["branches"]
    ]
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "model.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data.get("rules", []) + data.get("notes", []):
            rules.append(OracleRule(item["id"], data.get("branch"), item["when"], item.get("effect", {}), None))
    return OracleModel(
        tiers=[tier["id"] for tier in spec["tiers"]],
        rules=rules,
        branch_when={b["id"]: b["rule"]["when"] for b in spec["branches"]},
        grouping={b["id"]: b["grouping"] for b in spec["branches"]},
        pending=spec["pending"] or {},
        assumed=[item["field"] for item in spec.get("assumed_absent", [])],
    )


def _missing(value: Any) -> bool:
    return value is None or value == frozenset()


def holds(cond: Any, facts: dict[str, Any]) -> bool:
    """`field op value` atoms, {all: [...]}, {any: [...]}; an atom on a missing value is false."""
    if isinstance(cond, dict):
        ((key, items),) = cond.items()
        return (all if key == "all" else any)(holds(item, facts) for item in items)
    field, op, raw = cond.split()
    have = facts[field]
    if _missing(have):
        return False
    if op == "has":
        return raw in have
    if op == "lacks":
        return raw not in have
    if raw in ("true", "false"):
        return op == "==" and have is (raw == "true")
    if isinstance(have, str):
        return op == "==" and have == raw
    x, y = float(have), float(raw)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y}[op]


def _facts(patient: Patient) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for name in Patient.model_fields:
        value = getattr(patient, name)
        if isinstance(value, frozenset):
            value = frozenset(str(code.value) for code in value)
        elif hasattr(value, "value"):
            value = str(value.value)
        facts[name] = value
    return facts


def _fired(model: OracleModel, facts: dict[str, Any]) -> list[OracleRule]:
    return [
        rule
        for rule in model.rules
        if (rule.branch is None or holds(model.branch_when[rule.branch], facts)) and holds(rule.when, facts)
    ]


def _tier(model: OracleModel, branch: str, signals: set[str]) -> str:
    def path_ok(path: Any) -> bool:
        if isinstance(path, str):
            return path in signals
        return set(path["all"]) <= signals and not set(path.get("none", [])) & signals

    for row in model.grouping[branch]:
        if "if_any" not in row or any(path_ok(path) for path in row["if_any"]):
            return str(row["group"])
    raise AssertionError("no otherwise row")


@dataclass(frozen=True)
class OracleResult:
    status: str
    tier: str | None
    possible_tiers: list[str]
    pending: list[str]
    fired: frozenset[str]
    assumed: int


def evaluate(patient: Patient, model: str) -> OracleResult:
    book = load(model)
    facts = _facts(patient)
    fired = _fired(book, facts)
    ids = frozenset(rule.id for rule in fired)
    assumed = sum(_missing(facts[name]) for name in book.assumed)
    for status in ("not_applicable", "not_classified"):
        if any(rule.effect.get("status") == status for rule in fired):
            return OracleResult(status, None, [], [], ids, assumed)
    (branch,) = {rule.selects for rule in fired if rule.selects}
    names = [
        name
        for name, entry in book.pending.items()
        if _missing(facts[name])
        and not (isinstance(entry, dict) and any(not _missing(facts[other]) for other in entry["unless_given"]))
    ]
    values = {name: entry["values"] if isinstance(entry, dict) else entry for name, entry in book.pending.items()}
    fillings = list(itertools.product(*(values[name] for name in names)))  # [()] when nothing is pending
    tiers = []
    for filling in fillings:
        filled = dict(facts)
        for name, value in zip(names, filling):
            filled[name] = frozenset(value) if isinstance(value, list) else value
        signals = {signal for rule in _fired(book, filled) for signal in rule.effect.get("signals", [])}
        tiers.append(_tier(book, branch, signals))
    pending = []
    for i, name in enumerate(names):  # matters when two fillings that differ only in it give different tiers
        tiers_by_rest: dict[tuple[Any, ...], set[str]] = {}
        for filling, tier in zip(fillings, tiers):
            rest = tuple(repr(value) for j, value in enumerate(filling) if j != i)
            tiers_by_rest.setdefault(rest, set()).add(tier)
        if any(len(seen) > 1 for seen in tiers_by_rest.values()):
            pending.append(name)
    possible = sorted(set(tiers), key=book.tiers.index)
    return OracleResult("classified", possible[0], possible, pending, ids, assumed)
