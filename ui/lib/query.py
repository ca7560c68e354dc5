"""Shareable links: a case as query parameters named exactly as the Patient fields, and back.

`/?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0` is a whole case.
A parameter left out means "not given" (pending / not measured / not involved). The friendly alternatives of
riskcalc.units (age_months, wbc_per_ul, mrd_eoi_fraction, ...) are accepted on the way in; links the app
writes always use the Patient fields, so that a link reads the same whatever units the form was set to.

Reading a link never guesses. Every value is checked on its own, so that a bad white count does not cost the
age or the genetics: `read_link` returns every value that could be read, one message per problem (naming the
parameter and its value, with the likely fix where there is one), and a whole Patient only when age and white
count are both usable. A parameter given twice, or given empty, is a problem, not "the last one wins". The
form is read the same way (`read_values`), with messages worded for the form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from riskcalc import Patient
from riskcalc.units import (
    ALIASES,
    NUMERIC_FIELDS,
    InputError,
    accepted_range,
    alternative_reading,
    plain,
    to_model_fields,
)
from ui.lib.vocabulary import Vocabulary, load_vocabulary

KNOWN_PARAMETERS = (*Patient.model_fields, *ALIASES)
REQUIRED = tuple(name for name, info in Patient.model_fields.items() if info.is_required())

# Parameters that are no part of the case: the app's own state (ui.lib.address) and the quiz's seed, read by
# the pages they belong to; and what e-mail, chat and social sites append to a link they pass on (tracking),
# which says nothing about the case and is ignored without a message.
PRESENT, COMPARE, SEED = "present", "compare", "seed"
APP_PARAMETERS = (PRESENT, COMPARE, SEED)
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl"})


def is_tracking(name: str) -> bool:
    """True for a parameter that sites add to links they pass on (utm_source, fbclid, ...)."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def _number(value: float) -> str:
    """Plain text that reads back as the same float ('12', '0.01', '0.00001'): never an exponent, which a
    percent field refuses (riskcalc.units)."""
    return plain(float(value))


def query_from_patient(patient: Patient) -> dict[str, str]:
    """The query parameters of a case: only the inputs that are given, in Patient field order."""
    query: dict[str, str] = {}
    for name, value in patient.model_dump(mode="json").items():
        if value is None or value == [] or value == Patient.model_fields[name].default:
            continue  # absent means "not given"; testicular_involvement is false unless stated (its default)
        if isinstance(value, list):
            query[name] = ",".join(sorted(value))
        elif isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            query[name] = _number(value)
        else:
            query[name] = str(value)
    return query


def link_from_patient(patient: Patient) -> str:
    """The relative link of a case, e.g. '?age_years=4&wbc_10e9_per_l=12' (commas kept readable)."""
    return "?" + urlencode(query_from_patient(patient), safe=",")


# ------------------------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Problem:
    """One value that cannot be used: the name it was given under, its Patient field and what is wrong."""

    name: str  # as given: a Patient field or an alternative name such as wbc_per_ul
    field: str  # the Patient field it is for
    given: str  # the value as given, as text
    reason: str  # a clause starting with the value: "60000 is above the accepted range (0 to 2000 x10⁹/L)"
    hint: tuple[str, Decimal] | None = None  # (alternative name, value in the field's unit) that would fit
    alternative: str | None = None  # for a power-of-ten percent: the fraction name to use instead


@dataclass(frozen=True)
class Reading:
    """What could be read from a link or the form."""

    patient: Patient | None  # the whole case; None unless every required field is usable
    fields: dict[str, Any]  # every value that could be read and is valid, by Patient field
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields not given or unusable


def _given(value: Any) -> str:
    if isinstance(value, float):
        return plain(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(item) for item in value)
    return str(value)


def _lower_first(label: str) -> str:
    """'White cell count at diagnosis' -> 'white cell count at diagnosis'; 'CNS status' stays."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def _range_text(name: str, words: Vocabulary) -> str:
    span = accepted_range(name)
    unit = words.fields[name].unit
    return f"{plain(span.low)} to {'' if span.high_included else 'under '}{plain(span.high)} {unit}".rstrip()


def _reason(
    item: Mapping[str, Any], name: str, given: str, words: Vocabulary
) -> tuple[str, tuple[str, Decimal] | None]:
    """A clause for one pydantic error, with a hint when the same number fits under an alternative name."""
    target = str(item["loc"][0])
    kind = str(item["type"])
    unit = words.fields[target].unit if target in words.fields else ""
    shown = (
        given
        if name == target
        else f"{given} {words.fields[target].units.get(name, name)} (= {_given(item['input'])} {unit})"
    )
    if kind in ("greater_than_equal", "greater_than") and target in NUMERIC_FIELDS:
        return f"{shown} is below the accepted range ({_range_text(target, words)})", None
    if kind in ("less_than", "less_than_equal") and target in NUMERIC_FIELDS:
        hint = alternative_reading(target, float(item["input"])) if name == target else None
        return f"{shown} is above the accepted range ({_range_text(target, words)})", hint
    if kind == "finite_number":
        return f"{shown} is not a finite number", None
    return f"'{given}' is not accepted: {item['msg']}", None


def read_values(raw: Mapping[str, Any], words: Vocabulary | None = None) -> Reading:
    """Read each value on its own (units, text, range, codes) and keep every value that is fine.

    `raw` maps Patient fields or alternative names to values (text or numbers); None or blank text means not
    given. Names that are no input at all must be removed by the caller. Each problem names the value as given.
    """
    words = words or load_vocabulary()
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}  # Patient field -> the name it was given under
    given: dict[str, str] = {}  # Patient field -> the value as given
    problems: list[Problem] = []
    for name, value in raw.items():
        target = ALIASES[name].field if name in ALIASES else name
        try:
            converted, _ = to_model_fields({name: value})
        except InputError as error:
            message = str(error).removeprefix(f"{error.field}: ")
            problems.append(Problem(name, target, _given(value), message, alternative=error.alternative))
            continue
        if target not in converted:
            continue  # not given (None or blank)
        if target in origin:
            label = _lower_first(words.label(target))
            problems.append(
                Problem(
                    name,
                    target,
                    _given(value),
                    f"gives the {label} a second time (already given as "
                    f"'{origin[target]}={given[target]}'); give it once",
                )
            )
            continue
        data[target], origin[target], given[target] = converted[target], name, _given(value)

    # Check the values against the model together (codes, ranges, combinations of genetics). A required field
    # that is missing is stood in for by the lowest value of its declared range, so that the other fields can
    # still be checked; a stand-in is never returned or shown.
    stand_ins = {name: float(accepted_range(name).low) for name in REQUIRED if name not in data}
    model: Patient | None = None
    for _ in range(len(data) + 1):
        try:
            model = Patient.model_validate({**stand_ins, **data})
            break
        except ValidationError as error:
            dropped = False
            for item in error.errors(include_url=False):
                target = str(item["loc"][0]) if item["loc"] else ""
                if target not in data:
                    continue
                reason, hint = _reason(item, origin[target], given[target], words)
                problems.append(Problem(origin[target], target, given[target], reason, hint))
                del data[target]
                stand_ins.update({target: float(accepted_range(target).low)} if target in REQUIRED else {})
                dropped = True
            if not dropped:
                break
    fields = {name: getattr(model, name) for name in data} if model is not None else {}
    missing = [name for name in REQUIRED if name not in fields]
    return Reading(model if model is not None and not missing else None, fields, problems, missing)


# ------------------------------------------------------------------------------------------------ links
@dataclass(frozen=True)
class LinkReading:
    reading: Reading
    messages: list[str]  # one per problem, worded for a link
    unknown: list[str]  # parameters that are no input at all (they do not block the result)

    @property
    def patient(self) -> Patient | None:
        return self.reading.patient

    @property
    def blocks(self) -> bool:
        """True when a value of the case could not be read: the page then shows no result for the link."""
        return bool(self.reading.problems or self.reading.missing)


def link_message(problem: Problem, words: Vocabulary) -> str:
    """'The link's white cell count at diagnosis ('wbc_10e9_per_l=60000'): 60000 is above … ; did you mean …'."""
    label = _lower_first(words.label(problem.field)) if problem.field in words.fields else problem.field
    text = f"The link's {label} ('{problem.name}={problem.given}'): {problem.reason}"
    if problem.hint:
        alias, value = problem.hint
        unit = words.fields[problem.field]
        text += (
            f"; did you mean {plain(value)} {unit.unit}? ({problem.given} {unit.units.get(alias, alias)}: "
            f"use {alias}={problem.given})"
        )
    return text + "."


def _missing_message(name: str, words: Vocabulary) -> str:
    names = " or ".join(f"'{other}'" for other in (name, *(a for a, alias in ALIASES.items() if alias.field == name)))
    return f"The link gives no {_lower_first(words.label(name))} ({names}): every case needs it."


def read_link(params: Mapping[str, str | Sequence[str]], words: Vocabulary | None = None) -> LinkReading:
    """Read a case from query parameters (a value, or every value of a repeated parameter)."""
    words = words or load_vocabulary()
    raw: dict[str, str] = {}
    early: list[Problem] = []  # repeated or empty parameters, with their messages
    early_messages: list[str] = []
    unknown: list[str] = []
    for name, values in params.items():
        listed = [values] if isinstance(values, str) else list(values)
        if name in APP_PARAMETERS or is_tracking(name):
            continue
        if name not in KNOWN_PARAMETERS:
            unknown.append(name)
            continue
        target = ALIASES[name].field if name in ALIASES else name
        label = _lower_first(words.label(target))
        if len(listed) > 1:
            values_text = ", ".join(repr(value) for value in listed)
            early.append(Problem(name, target, values_text, "given more than once"))
            early_messages.append(
                f"The link gives the {label} {len(listed)} times ('{name}' = {values_text}): "
                "give each parameter once. None of these values is used."
            )
        elif not listed or not listed[0].strip():
            early.append(Problem(name, target, "", "empty"))
            early_messages.append(
                f"The link's {label} ('{name}=') is empty: give a value, or leave the "
                "parameter out when the result is not known."
            )
        else:
            raw[name] = listed[0]
    reading = read_values(raw, words)
    reading = Reading(reading.patient, reading.fields, [*early, *reading.problems], reading.missing)
    messages = [
        f"The link holds a part that is no result of a case ('{name}'), so it was left out; a case's link "
        f"names its results as {', '.join(Patient.model_fields)}."
        for name in unknown
    ]
    messages += early_messages
    messages += [link_message(problem, words) for problem in reading.problems[len(early) :]]
    named = {problem.field for problem in reading.problems}
    if raw or early:
        messages += [_missing_message(name, words) for name in reading.missing if name not in named]
    return LinkReading(reading, messages, unknown)


def patient_from_query(params: Mapping[str, str | Sequence[str]]) -> tuple[Patient | None, list[str]]:
    """Read a case from query parameters; return it (or None) with one readable message per problem.

    Every problem is reported, not only the first: an unknown parameter, a value that is not a number or
    not a known code, a value out of range, a field given twice. The Patient is None when there are no
    parameters at all, or when age or white count is missing or unusable (no case can be assessed then).
    """
    link = read_link(params)
    return link.patient, link.messages
