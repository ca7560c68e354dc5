"""Friendly units at the edges (command line, files, forms); the model itself keeps the spec's units.

Each model field may also be given under an alternative name that states its unit:

=========================  ====================  =========================================
alternative name           model field           conversion
=========================  ====================  =========================================
``age_months``             ``age_years``         months / 12
``wbc_per_ul``             ``wbc_10e9_per_l``    cells per microlitre / 1000
``mrd_*_fraction``         ``mrd_*_percent``     fraction x 100; ``1e-4`` or ``10^-4`` forms
=========================  ====================  =========================================

Conversions use decimal arithmetic on the text as typed, so 1e-4 becomes exactly 0.01 % and 12000/uL exactly
12 x10^9/L: a value on a threshold stays on it. Text values (files, command line) are parsed here too: empty
means "not given", genetics may be separated by commas, semicolons, '+' or spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from riskcalc.models import Patient


class InputError(ValueError):
    """A value that cannot be read or is invalid; the message names the field (as given) and what is wrong."""

    def __init__(self, field: str, message: str, *, named: bool = False) -> None:
        self.field = field
        super().__init__(message if named else f"{field}: {message}")


@dataclass(frozen=True)
class Alias:
    field: str
    factor: Decimal
    unit: str


ALIASES: dict[str, Alias] = {
    "age_months": Alias("age_years", Decimal(1) / Decimal(12), "months"),
    "wbc_per_ul": Alias("wbc_10e9_per_l", Decimal("0.001"), "cells per microlitre"),
    "mrd_day8_pb_fraction": Alias("mrd_day8_pb_percent", Decimal(100), "fraction"),
    "mrd_eoi_fraction": Alias("mrd_eoi_percent", Decimal(100), "fraction"),
    "mrd_eoc_fraction": Alias("mrd_eoc_percent", Decimal(100), "fraction"),
}
NUMERIC_FIELDS = ("age_years", "wbc_10e9_per_l", "mrd_day8_pb_percent", "mrd_eoi_percent", "mrd_eoc_percent")
_POWER_OF_TEN = re.compile(r"^(?:(?P<mantissa>[-+]?\d+(?:\.\d+)?)\s*[x×*]\s*)?10\s*\^\s*(?P<exponent>[-+−]?\d+)$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}
GENETICS_SEPARATORS = re.compile(r"[,;+|\s]+")


def parse_decimal(field: str, text: str) -> Decimal:
    """Read '0.01', '1e-4', '10^-4' or '2x10^-3' as an exact decimal."""
    cleaned = text.strip().replace("−", "-")
    match = _POWER_OF_TEN.match(cleaned)
    try:
        if match:
            mantissa = Decimal(match["mantissa"] or "1")
            value = mantissa * Decimal(10) ** int(match["exponent"])
        else:
            value = Decimal(cleaned)
    except (InvalidOperation, ValueError):  # InvalidOperation is what Decimal raises for text like 'abc'
        raise InputError(field, f"{text!r} is not a number") from None
    except ArithmeticError:  # decimal.Overflow, e.g. for 10^999999999
        raise InputError(field, f"{text!r} is out of any valid range") from None
    if not value.is_finite():
        raise InputError(field, f"{text!r} is not a finite number")
    return value


def _number(field: str, value: Any) -> Decimal | float:
    if isinstance(value, bool):
        raise InputError(field, f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)  # exact, and no OverflowError for integers beyond the float range
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return parse_decimal(field, value)
    raise InputError(field, f"{value!r} is not a number")


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InputError(field, f"{value!r} is not true/false (yes/no, 1/0)")


def _genetics(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [code for code in GENETICS_SEPARATORS.split(value.strip()) if code]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    raise InputError("genetics", f"{value!r} is not a list of codes")


def to_model_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Map friendly names and text values onto Patient fields; range and code checks stay with Patient.

    Blank text and None mean "not given". A field given twice (under its own and an alternative name) is an
    error, as is a name that is neither a Patient field nor an alternative. Returns the fields and, for each,
    the name it was given under.
    """
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str) and not value.strip() and name != "genetics":
            continue
        if value is None:
            continue
        alias = ALIASES.get(name)
        field = alias.field if alias else name
        if field in origin:
            raise InputError(name, f"gives {field} a second time (already given as {origin[field]})")
        origin[field] = name
        if alias:
            number = _number(name, value)
            if isinstance(number, float):
                number = Decimal(repr(number))
            try:
                data[field] = float(Decimal(number) * alias.factor)
            except ArithmeticError:
                raise InputError(name, f"{value!r} is out of any valid range") from None
        elif field in NUMERIC_FIELDS:
            data[field] = float(_number(name, value))  # beyond the float range this is inf: Patient rejects it
        elif field == "testicular_involvement":
            data[field] = _flag(name, value)
        elif field == "genetics":
            data[field] = _genetics(value)
        elif field == "cns_status" and isinstance(value, str):
            data[field] = value.strip()
        elif field in Patient.model_fields:
            data[field] = value
        else:
            known = ", ".join([*Patient.model_fields, *ALIASES])
            raise InputError(name, f"unknown field (known: {known})")
    return data, origin


def describe_errors(error: ValidationError, origin: dict[str, str] | None = None) -> str:
    """One clause per broken rule, naming the field as the user gave it, e.g.
    'age_years (from age_months): Input should be less than 120 (got 120.0)'."""
    parts = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "patient"
        given = (origin or {}).get(field)
        label = f"{field} (from {given})" if given and given != field else field
        got = f" (got {item['input']!r})" if given and given != field else ""
        parts.append(f"{label}: {item['msg']}{got}")
    return "; ".join(parts)


def patient_from(raw: dict[str, Any]) -> Patient:
    """A validated Patient from friendly input; any problem is an InputError naming the field as given."""
    data, origin = to_model_fields(raw)
    try:
        return Patient.model_validate(data)
    except ValidationError as error:
        first = ".".join(str(part) for part in error.errors()[0]["loc"]) or "patient"
        raise InputError(origin.get(first, first), describe_errors(error, origin), named=True) from None
