"""A tiny, independent evaluator of the rule files, for differential tests against `riskcalc.assess`.

It reads rules/ball_illustrative/*.yaml with yaml.safe_load and evaluates everything in plain Python. It
shares nothing with riskcalc's condition parser, rulebook or engine: only `Patient` and `RiskGroup` come from
riskcalc.models. Pending results are filled with the FULL product of the representatives (no shortcut).

It lives here, with the differential test, and not in bench/harness/ with the load generators: it is that
test's independent reference, written for clarity, and a benchmark baseline would invite making it faster
or cleverer, which is exactly what would erode its independence. bench/ therefore no longer times it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from riskcalc.models import Patient, RiskGroup

MODEL_DIR = Path(__file__).resolve().parent.parent / "rules" / "ball_illustrative"
_MODEL = yaml.safe_load((MODEL_DIR / "model.yaml").read_text(encoding="utf-8"))
_BRANCH_WHEN = {b["id"]: b["rule"]["when"] for b in _MODEL["branches"]}
_GROUPING = {b["id"]: b["grouping"] for b in _MODEL["branches"]}
_PENDING = _MODEL["pending"]  # field -> list of representatives
_ORDER = [RiskGroup.FAVORABLE, RiskGroup.STANDARD, RiskGroup.HIGH]

# Every rule and note as (id, branch it is limited to or None, when, effect, selects_branch).
RULES: list[tuple[str, str | None, Any, dict, str | None]] = [
    (b["rule"]["id"], None, b["rule"]["when"], b["rule"].get("effect", {}), b["id"]) for b in _MODEL["branches"]
]
for _path in sorted(MODEL_DIR.glob("*.yaml")):
    if _path.name != "model.yaml":
        _data = yaml.safe_load(_path.read_text(encoding="utf-8"))
        for _item in _data.get("rules", []) + _data.get("notes", []):
            RULES.append((_item["id"], _data.get("branch"), _item["when"], _item.get("effect", {}), None))


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
    if field == "cns_status":
        return op == "==" and have == raw
    x, y = float(have), float(raw)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y}[op]


def _facts(patient: Patient) -> dict[str, Any]:
    facts = patient.model_dump()
    facts["genetics"] = frozenset(str(code.value) for code in patient.genetics)
    facts["cns_status"] = None if patient.cns_status is None else str(patient.cns_status.value)
    return facts


def _fired(facts: dict[str, Any]) -> list[tuple[str, Any, dict, str | None]]:
    return [
        (rid, when, effect, selects)
        for rid, branch, when, effect, selects in RULES
        if (branch is None or holds(_BRANCH_WHEN[branch], facts)) and holds(when, facts)
    ]


def _group(branch: str, signals: set[str]) -> RiskGroup:
    def path_ok(path: Any) -> bool:
        if isinstance(path, str):
            return path in signals
        return set(path["all"]) <= signals and not set(path.get("none", [])) & signals

    for tier in _GROUPING[branch]:
        if "if_any" not in tier or any(path_ok(p) for p in tier["if_any"]):
            return RiskGroup(tier["group"])
    raise AssertionError("no otherwise tier")


@dataclass(frozen=True)
class OracleResult:
    group: RiskGroup
    possible_groups: list[RiskGroup]
    provisional: bool
    pending: list[str]
    branch: str
    nci_risk: str | None
    fired: frozenset[str]


def evaluate(patient: Patient) -> OracleResult:
    facts = _facts(patient)
    fired = _fired(facts)
    (branch,) = {selects for _, _, _, selects in fired if selects}
    nci = {effect["classify"]["nci_risk"] for _, _, effect, _ in fired if "nci_risk" in effect.get("classify", {})}
    assert len(nci) <= 1, nci
    names = [name for name in _PENDING if _missing(facts[name])]
    fillings = list(itertools.product(*(_PENDING[name] for name in names)))  # [()] when nothing is pending
    groups = []
    for filling in fillings:
        filled = dict(facts)
        for name, value in zip(names, filling):
            filled[name] = frozenset(value) if isinstance(value, list) else value
        signals = {s for _, _, effect, _ in _fired(filled) for s in effect.get("signals", [])}
        groups.append(_group(branch, signals))
    pending = [
        name
        for i, name in enumerate(names)
        if any(
            groups[a] != groups[b] and all(fa[j] == fb[j] for j in range(len(names)) if j != i)
            for (a, fa), (b, fb) in itertools.combinations(enumerate(fillings), 2)
        )
    ]
    possible = sorted(set(groups), key=_ORDER.index)
    return OracleResult(
        group=possible[0],
        possible_groups=possible,
        provisional=len(possible) > 1,
        pending=pending,
        branch=branch,
        nci_risk=nci.pop() if nci else None,
        fired=frozenset(rid for rid, _, _, _ in fired),
    )
