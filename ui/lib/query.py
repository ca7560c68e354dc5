"""Shareable links: a case as query parameters named exactly as the Patient fields, and back.

`/?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0` is a whole case.
A parameter left out means "not given" (pending / not measured / not involved). The friendly alternatives of
riskcalc.units (age_months, wbc_per_ul, mrd_eoi_fraction, ...) are accepted on the way in; links the app
writes always use the Patient fields, so that a link reads the same whatever units the form was set to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from riskcalc import Patient
from riskcalc.units import ALIASES, InputError, to_model_fields

KNOWN_PARAMETERS = (*Patient.model_fields, *ALIASES)


def _number(value: float) -> str:
    """Shortest text that reads back as the same float ('12', '0.01', '2.5')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def query_from_patient(patient: Patient) -> dict[str, str]:
    """The query parameters of a case: only the inputs that are given, in Patient field order."""
    query: dict[str, str] = {}
    for name, value in patient.model_dump(mode="json").items():
        if value is None or value == [] or value is False:
            continue  # absent means "not given"; testicular_involvement is false unless stated
        if isinstance(value, list):
            query[name] = ",".join(sorted(value))
        elif isinstance(value, bool):
            query[name] = "true"
        elif isinstance(value, (int, float)):
            query[name] = _number(value)
        else:
            query[name] = str(value)
    return query


def link_from_patient(patient: Patient) -> str:
    """The relative link of a case, e.g. '?age_years=4&wbc_10e9_per_l=12' (commas kept readable)."""
    return "?" + urlencode(query_from_patient(patient), safe=",")


def patient_from_query(params: Mapping[str, str]) -> tuple[Patient | None, list[str]]:
    """Read a case from query parameters; return it (or None) with one readable message per problem.

    Every problem is reported, not only the first: an unknown parameter, a value that is not a number or
    not a known code, a value out of range, a field given twice. The case is still built from the parameters
    that are fine, so the page can show them with the bad ones named as ignored; it is None when there are no
    parameters at all, or when age or white count is missing or unusable (no case can be assessed then).
    """
    raw: dict[str, Any] = {}
    errors: list[str] = []
    for name, value in params.items():
        if name in KNOWN_PARAMETERS:
            raw[name] = value
        else:
            errors.append(f"Unknown parameter '{name}': links use the names {', '.join(Patient.model_fields)}.")
    if not raw:
        return None, errors
    data = _converted(raw, errors)
    # Each round either validates or drops at least one bad field, so this ends after a round per field.
    for _ in range(len(data) + 1):
        try:
            return Patient.model_validate(data), errors
        except ValidationError as error:
            broken: dict[str, list[str]] = {}
            for item in error.errors(include_url=False):
                broken.setdefault(str(item["loc"][0]) if item["loc"] else "patient", []).append(item["msg"])
            required_missing = False
            for field, messages in broken.items():
                if field not in data:
                    errors.append(f"Parameter '{field}' is missing or unusable: every case needs it.")
                    required_missing = True
                    continue
                errors.append(f"Parameter '{_origin(raw, field)}' was ignored: {'; '.join(dict.fromkeys(messages))}.")
                del data[field]
            if required_missing:
                return None, errors
    return None, errors


def _origin(raw: Mapping[str, Any], field: str) -> str:
    """The parameter a field came from, with its value as given: 'age_months=abc'."""
    for name, value in raw.items():
        if name == field or (name in ALIASES and ALIASES[name].field == field):
            return f"{name}={value}"
    return field


def _converted(raw: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """Units and text converted by riskcalc.units; a parameter it cannot read is reported and dropped."""
    remaining = dict(raw)
    for _ in range(len(raw) + 1):
        try:
            return to_model_fields(remaining)[0]
        except InputError as error:
            message = str(error).removeprefix(f"{error.field}: ")
            errors.append(f"Parameter '{error.field}' was ignored: {message}.")
            remaining.pop(error.field, None)
    return {}
