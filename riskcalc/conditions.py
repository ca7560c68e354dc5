"""The rule condition form: `field op value` atoms combined with all/any, compiled to durable_rules JSON.

A condition in a rule file is either one atom string, e.g. ``"age_years >= 10"``, or a mapping
``{all: [...]}`` / ``{any: [...]}`` whose items are conditions again. Operators:

- ``<  <=  >  >=`` for numeric fields;
- ``==`` for numeric, boolean (``true``/``false``) and code fields (e.g. ``cns_status == CNS3``);
- ``has CODE`` for the genetics set: the code was reported;
- ``lacks CODE`` for the genetics set: results are in and the code is not among them.

An atom on a field that is missing (None, or empty genetics) is false. That is how pending results stay out of
the evaluation. This module checks each atom against the `Patient` fields; it knows no clinical content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from riskcalc.models import Patient

_ATOM = re.compile(r"^\s*(?P<field>[a-z_][a-z0-9_]*)\s+(?P<op><=|>=|==|<|>|has|lacks)\s+(?P<value>\S+)\s*$")
_NUMERIC_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_PLAIN_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


class ConditionError(ValueError):
    """A condition that does not follow the documented form; the message says what is wrong."""


@dataclass(frozen=True)
class Atom:
    field: str
    op: str
    value: float | bool | str


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


Condition = Atom | AllOf | AnyOf


def _field_kind(field: str) -> tuple[str, type[Enum] | None]:
    """Classify a Patient field as 'number', 'bool', 'code' (one enum value) or 'codes' (a set of them)."""
    info = Patient.model_fields.get(field)
    if info is None:
        known = ", ".join(Patient.model_fields)
        raise ConditionError(f"unknown field {field!r}; Patient has: {known}")
    annotation = info.annotation
    base = annotation
    if get_origin(annotation) in (Union, UnionType):  # Optional[X] -> X
        base = next(arg for arg in get_args(annotation) if arg is not type(None))
    if get_origin(base) is Annotated:
        base = get_args(base)[0]
    if base is bool:
        return "bool", None
    if base in (float, int):
        return "number", None
    if get_origin(base) in (frozenset, set):
        (member,) = get_args(base)
        return "codes", member
    if isinstance(base, type) and issubclass(base, Enum):
        return "code", base
    raise ConditionError(f"field {field!r} cannot be used in a condition")


def _parse_value(field: str, op: str, raw: str) -> float | bool | str:
    kind, enum = _field_kind(field)
    allowed = {
        "number": set(_NUMERIC_OPS) | {"=="},
        "bool": {"=="},
        "code": {"=="},
        "codes": {"has", "lacks"},
    }[kind]
    if op not in allowed:
        raise ConditionError(f"operator {op!r} does not apply to {kind} field {field!r} (use {sorted(allowed)})")
    if kind == "number":
        # Plain decimals only: the engine rejects exponent forms such as 1e-05.
        if not _PLAIN_DECIMAL.match(raw):
            raise ConditionError(f"value {raw!r} for {field!r} is not a plain decimal number")
        return float(raw)
    if kind == "bool":
        if raw not in ("true", "false"):
            raise ConditionError(f"value {raw!r} for {field!r} must be true or false")
        return raw == "true"
    assert enum is not None
    values = [member.value for member in enum]
    if raw not in values:
        raise ConditionError(f"value {raw!r} is not a {field} code (one of {', '.join(values)})")
    return raw


def parse_condition(spec: Any) -> Condition:
    """Turn the YAML form of a condition into a checked condition tree."""
    if isinstance(spec, str):
        match = _ATOM.match(spec)
        if not match:
            raise ConditionError(f"{spec!r} is not of the form 'field op value'")
        field, op, raw = match["field"], match["op"], match["value"]
        return Atom(field, op, _parse_value(field, op, raw))
    if isinstance(spec, dict) and len(spec) == 1:
        ((key, items),) = spec.items()
        if key in ("all", "any"):
            if not isinstance(items, list) or not items:
                raise ConditionError(f"'{key}' needs a non-empty list of conditions")
            parsed = tuple(parse_condition(item) for item in items)
            return AllOf(parsed) if key == "all" else AnyOf(parsed)
    raise ConditionError(f"{spec!r} is neither a 'field op value' string nor a single {{all: [...]}} / {{any: [...]}}")


def atoms(condition: Condition) -> list[Atom]:
    """Every atom of a condition, depth first."""
    if isinstance(condition, Atom):
        return [condition]
    return [atom for item in condition.items for atom in atoms(item)]


def fields_of(condition: Condition) -> frozenset[str]:
    """The Patient fields a condition reads."""
    if isinstance(condition, Atom):
        return frozenset({condition.field})
    return frozenset().union(*(fields_of(item) for item in condition.items))


def to_durable(condition: Condition) -> dict[str, Any]:
    """Compile to durable_rules' JSON form (operator outside: {"$lt": {"age_years": 1}})."""
    if isinstance(condition, AllOf):
        return {"$and": [to_durable(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"$or": [to_durable(item) for item in condition.items]}
    field, op, value = condition.field, condition.op, condition.value
    if op == "has":
        return {"$iany": {field: {"$i": value}}}
    if op == "lacks":
        # $iall over an empty list does not match, so 'lacks' needs results to be in.
        return {"$iall": {field: {"$neq": {"$i": value}}}}
    if op == "==":
        return {field: value}
    return {_NUMERIC_OPS[op]: {field: value}}


def describe(condition: Condition) -> str:
    """The condition written back in rule-file form, for documentation."""
    if isinstance(condition, Atom):
        value = condition.value
        shown = (
            ("true" if value else "false")
            if isinstance(value, bool)
            else (f"{value:g}" if isinstance(value, float) else value)
        )
        return f"{condition.field} {condition.op} {shown}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return "(" + joiner.join(describe(item) for item in condition.items) + ")"
