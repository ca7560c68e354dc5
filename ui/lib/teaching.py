"""The worked teaching cases: load them from rules/<model>/teaching/cases.yaml and check them strictly.

The cases are data written beside the rules (a clinician reviews them with the rules, not in Python). A case
file is refused when a key is unknown or missing, an input is invalid, or two cases share an id; `problems()`
also compares each case's expected group with what `assess()` returns, and `unfired_rules()` lists rules no
case exercises. The tests require both to be empty, so the library cannot drift from the rulebook.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from riskcalc import Assessment, Patient, RiskGroup, assess, get_rulebook
from riskcalc.rulebook import rules_root

DEFAULT_MODEL = "ball_illustrative"

# A quiz's order is named by a whole number short enough to read out in a lecture hall or type on a phone.
SEED_LIMIT = 999_999


class TeachingCaseError(ValueError):
    """A case file that cannot be used; the message names the file and the case."""


class TeachingCase(BaseModel):
    """One worked case: an invented vignette, its inputs, the expected answer and what it teaches."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=5, max_length=80)
    vignette: str = Field(min_length=80)
    patient: Patient
    expected_group: RiskGroup
    expected_provisional: bool = False
    teaching_point: str = Field(min_length=40)

    @field_validator("vignette", "teaching_point")
    @classmethod
    def _one_paragraph(cls, text: str) -> str:
        # YAML folded text keeps stray double spaces; the page shows one paragraph.
        return " ".join(text.split())


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[TeachingCase] = Field(min_length=1)


def cases_path(model: str = DEFAULT_MODEL) -> Path:
    return rules_root() / model / "teaching" / "cases.yaml"


def load_cases(path: Path) -> tuple[TeachingCase, ...]:
    """Read and validate one case file; raise TeachingCaseError naming the file and the case."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TeachingCaseError(f"{path}: cannot read: {error}") from None
    try:
        parsed = CaseFile.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = first["loc"]
        where = ".".join(str(part) for part in loc)
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int) and isinstance(data, dict):
            raw = data["cases"][loc[1]]
            case_id = raw.get("id") if isinstance(raw, dict) else None
            where = f"case {case_id!r}: {where}"
        raise TeachingCaseError(f"{path}: {where}: {first['msg']}") from None
    seen: set[str] = set()
    for case in parsed.cases:
        if case.id in seen:
            raise TeachingCaseError(f"{path}: case id {case.id!r} appears twice")
        seen.add(case.id)
    return tuple(parsed.cases)


@lru_cache(maxsize=4)
def teaching_cases(model: str = DEFAULT_MODEL) -> tuple[TeachingCase, ...]:
    """The model's cases, loaded once per process."""
    return load_cases(cases_path(model))


def assessment_of(case: TeachingCase, model: str = DEFAULT_MODEL) -> Assessment:
    return assess(case.patient, model=model)


def problems(cases: tuple[TeachingCase, ...], model: str = DEFAULT_MODEL) -> list[str]:
    """Cases whose expected answer differs from the model's: one sentence per disagreement."""
    found = []
    for case in cases:
        result = assess(case.patient, model=model)
        if result.group != case.expected_group:
            found.append(f"{case.id}: expected {case.expected_group.value}, the model gives {result.group.value}")
        if result.provisional != case.expected_provisional:
            found.append(
                f"{case.id}: expected provisional={case.expected_provisional}, the model gives {result.provisional}"
            )
    return found


def unfired_rules(cases: tuple[TeachingCase, ...], model: str = DEFAULT_MODEL) -> list[str]:
    """Rule and note ids of the rulebook that no case fires, in rulebook order."""
    fired = {rule_id for case in cases for rule_id in assess(case.patient, model=model).fired_rules}
    return [rule.id for rule in get_rulebook(model).rules if rule.id not in fired]


# ---- the quiz's order ---------------------------------------------------------------------------------


class SeedError(ValueError):
    """A quiz order in a link that cannot be used; the message names the parameter and its value."""


def read_seed(values: list[str], *, name: str = "seed") -> int:
    """The quiz order a link gives: one whole number from 1 to SEED_LIMIT, else SeedError saying why."""
    if len(values) != 1:
        raise SeedError(f"The link gives the quiz order {len(values)} times ({name}): give it once.")
    text = values[0].strip()
    shown = text if len(text) <= 20 else text[:20] + "…"
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= SEED_LIMIT:
        raise SeedError(f"The quiz order in the link ({name}={shown}) is not a whole number from 1 to {SEED_LIMIT:,}.")
    return int(text)


def new_seed() -> int:
    """A fresh quiz order for a session without one in its link."""
    return 1 + secrets.randbelow(SEED_LIMIT)


class _Named(Protocol):
    @property
    def id(self) -> str: ...


Question = TypeVar("Question", bound=_Named)


def quiz_order(cases: tuple[Question, ...], seed: int) -> tuple[Question, ...]:
    """The cases in the order a seed gives: sorted by a hash of (seed, case id).

    A hash rather than random.shuffle, whose algorithm Python does not promise to keep: the same seed gives
    the same order on every machine and Python version, so a class sharing a link sees the same questions
    in the same order, and a case added to the file takes its place without reordering the others.
    """

    def rank(case: Question) -> bytes:
        return hashlib.sha256(f"{seed}:{case.id}".encode()).digest()

    return tuple(sorted(cases, key=rank))
