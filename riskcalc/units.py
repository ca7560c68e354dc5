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

A percent field given as text in scientific or power-of-ten notation (``mrd_eoi_percent=1e-4``) is refused:
that notation is how fractions are written, and reading 1e-4 as 0.0001 % would silently understate MRD a
hundredfold. The error shows the conversion and the fraction name to use instead. Numbers (not text) are
taken as they are, and the fraction names keep accepting both notations.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any

import annotated_types
from pydantic import ValidationError

from riskcalc.models import Patient


class InputError(ValueError):
    """A value that cannot be read or is invalid; the message names the field (as given) and what is wrong."""

    def __init__(self, field: str, message: str, *, named: bool = False, alternative: str | None = None) -> None:
        self.field = field
        self.alternative = alternative  # a name under which the value as given would be read as meant
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
    "mrd_day15_bm_fraction": Alias("mrd_day15_bm_percent", Decimal(100), "fraction"),
}
# Each percent field with its fraction name (mrd_eoi_percent -> mrd_eoi_fraction), derived from ALIASES.
FRACTION_NAMES: dict[str, str] = {alias.field: name for name, alias in ALIASES.items() if alias.unit == "fraction"}


def _declared(name: str) -> tuple[Any, ...]:
    """The types a Patient field is declared with, without None (float | None -> (float,))."""
    annotation = Patient.model_fields[name].annotation
    members = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()
    declared = tuple(member for member in members if member is not type(None)) or (annotation,)
    # Percent = Annotated[float, ...]: the bounds ride on the type; what matters here is the float under them.
    return tuple(
        typing.get_args(member)[0] if typing.get_origin(member) is Annotated else member for member in declared
    )


# Each input's kind, read from its declaration on Patient (riskcalc.models), so that a new input is read from
# links, files and the command line without being named here.
NUMERIC_FIELDS = tuple(name for name in Patient.model_fields if _declared(name)[0] in (float, int))
INTEGER_FIELDS = tuple(name for name in Patient.model_fields if _declared(name)[0] is int)
# The yes/no inputs (bool, or bool | None).
FLAG_FIELDS = tuple(name for name in Patient.model_fields if _declared(name)[0] is bool)


def _codes(name: str) -> tuple[str, ...]:
    """The codes a field takes (a set of codes, or one of them), as the model spells them; () for others."""
    declared = _declared(name)[0]
    inner = typing.get_args(declared)  # frozenset[GeneticCode] -> (GeneticCode,)
    kind = inner[0] if inner else declared
    return tuple(code.value for code in kind) if isinstance(kind, type) and issubclass(kind, Enum) else ()


# Inputs whose values are codes, with the codes as the model spells them.
CODE_FIELDS: dict[str, tuple[str, ...]] = {name: _codes(name) for name in Patient.model_fields if _codes(name)}
_POWER_OF_TEN = re.compile(r"^(?:(?P<mantissa>[-+]?\d+(?:\.\d+)?)\s*[x×*]\s*)?10\s*\^\s*(?P<exponent>[-+−]?\d+)$")
_EXPONENT = re.compile(r"\d\s*[eE]\s*[-+]?\d")
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
        if re.fullmatch(r"\s*[-+]?\d+,\d+\s*", text):
            raise InputError(
                field,
                f"{text!r} is not a number: write decimals with a point ({text.strip().replace(',', '.')}) "
                "and no thousands separator",
            ) from None
        raise InputError(field, f"{text!r} is not a number") from None
    except ArithmeticError:  # decimal.Overflow, e.g. for 10^999999999
        raise InputError(field, f"{text!r} is out of any valid range") from None
    if not value.is_finite():
        raise InputError(field, f"{text!r} is not a finite number")
    return value


def plain(value: Decimal | float) -> str:
    """A number as plain text without exponent or trailing zeros ('0.0001', '12', '60')."""
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def written_as_power_of_ten(text: str) -> bool:
    """True for text in scientific or power-of-ten notation: '1e-4', '1E-4', '10^-4', '2x10^-3'."""
    cleaned = text.strip().replace("−", "-")
    return bool(_POWER_OF_TEN.match(cleaned) or _EXPONENT.search(cleaned))


def _percent_not_fraction(name: str, text: str, value: Decimal) -> None:
    """Refuse power-of-ten text in a percent field, showing what it means as a fraction (module docstring)."""
    if name not in FRACTION_NAMES or not written_as_power_of_ten(text):
        return
    shown, fraction_name = text.strip(), FRACTION_NAMES[name]
    if 0 < value <= 1 and value.adjusted() > -16:
        percent = plain(value * 100)
        cells = Decimal(1) / value
        whole = cells == cells.to_integral_value()  # "1 in 10 000 cells"
        share = f"1 in {int(cells):,} cells".replace(",", " ") if whole else f"{plain(value)} of the cells"
        raise InputError(
            name,
            f"{shown} looks like a fraction ({share} = {percent} %); enter percent, e.g. "
            f"{percent}, or use {fraction_name}={shown}",
            alternative=fraction_name,
        )
    example = f", e.g. {plain(value)}" if 0 <= value.adjusted() < 16 else ""
    raise InputError(
        name,
        f"{shown} is written as a power of ten, which is how fractions are written; enter "
        f"percent as a plain number{example}",
        alternative=fraction_name,
    )


def read_number(name: str, value: Any) -> Decimal | float:
    """A number given under `name` (a field or an alternative name), text parsed exactly by parse_decimal.

    Text in a percent field must not be in power-of-ten notation (see the module docstring)."""
    if isinstance(value, bool):
        raise InputError(name, f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)  # exact, and no OverflowError for integers beyond the float range
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        number = parse_decimal(name, value)
        _percent_not_fraction(name, value, number)
        return number
    raise InputError(name, f"{value!r} is not a number")


@dataclass(frozen=True)
class Range:
    """The accepted range of a numeric Patient field, as declared on the model (not a clinical cut-off)."""

    low: Decimal
    high: Decimal
    high_included: bool

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
            return False
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            return False
        return self.low <= number and (number <= self.high if self.high_included else number < self.high)


def _constraints(field: str) -> list[Any]:
    info = Patient.model_fields[field]
    found = list(info.metadata)
    for argument in typing.get_args(info.annotation):  # Percent | None: the bounds sit on the Annotated member
        for extra in getattr(argument, "__metadata__", ()):
            found.extend(getattr(extra, "metadata", [extra]))
    return found


def accepted_range(field: str) -> Range:
    """The range Patient accepts for a numeric field, read from its declaration (riskcalc.models)."""
    low: Decimal | None = None
    high: Decimal | None = None
    included = True
    for item in _constraints(field):
        if isinstance(item, annotated_types.Ge):
            low = Decimal(repr(item.ge))
        elif isinstance(item, annotated_types.Le):
            high = Decimal(repr(item.le))
        elif isinstance(item, annotated_types.Lt):
            high, included = Decimal(repr(item.lt)), False
    if low is None or high is None:
        raise KeyError(f"{field} has no declared numeric range")
    return Range(low, high, included)


def alternative_reading(field: str, value: float) -> tuple[str, Decimal] | None:
    """For a value out of a field's range: an alternative name under which the same number is in range.

    wbc_10e9_per_l=60000 is out of range, but wbc_per_ul=60000 is 60 x10^9/L: ('wbc_per_ul', Decimal('60')).
    """
    number = Decimal(repr(float(value)))
    span = accepted_range(field)
    if number in span or not number.is_finite():
        return None
    for name, alias in ALIASES.items():
        if alias.field == field and (converted := number * alias.factor) in span:
            return name, converted
    return None


def _spelled(field: str, code: Any) -> Any:
    """A code given in another letter case (ETV6_RUNX1, cns1, aff1), as the model spells it: people type codes
    as they see them written. Anything that is no code of the field is left for Patient to refuse by name."""
    if not isinstance(code, str):
        return code
    return {known.lower(): known for known in CODE_FIELDS[field]}.get(code.strip().lower(), code)


def _whole(field: str, number: Decimal | float) -> int:
    """A count given as a number: 46 and '46' are read, 46.5 is refused rather than rounded."""
    exact = Decimal(repr(number)) if isinstance(number, float) else number
    if exact.is_finite() and exact.adjusted() > 18:  # 1e999999999 would take minutes to make whole
        raise InputError(field, f"{number} is out of any valid range")
    if not exact.is_finite() or exact != exact.to_integral_value():
        shown = plain(exact) if exact.is_finite() and exact.adjusted() >= -18 else str(number)
        raise InputError(field, f"{shown} is not a whole number")
    return int(exact)


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
            number = read_number(name, value)
            if isinstance(number, float):
                number = Decimal(repr(number))
            try:
                data[field] = float(Decimal(number) * alias.factor)
            except ArithmeticError:
                raise InputError(name, f"{value!r} is out of any valid range") from None
        elif field in INTEGER_FIELDS:
            data[field] = _whole(name, read_number(name, value))
        elif field in NUMERIC_FIELDS:
            data[field] = float(read_number(name, value))  # beyond the float range this is inf: Patient rejects it
        elif field in FLAG_FIELDS:
            data[field] = _flag(name, value)
        elif field == "genetics":
            data[field] = [_spelled(field, code) for code in _genetics(value)]
        elif field in CODE_FIELDS and isinstance(value, str):
            data[field] = _spelled(field, value.strip())
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
