"""The lesson on disagreement: vignettes chosen so that the real schemes disagree, each disagreement explained.

The lessons are data written beside the rules (rules/<model>/teaching/protocol_lessons.yaml): an invented
vignette, its inputs, what every scheme gives (checked against classify_all by the tests, so the file cannot
drift from the rule folders), and one cited "why" for each contrast the lesson teaches. This module loads and
checks them; the Teaching cases page lays them out and quizzes on them ("which protocol calls this child high
risk?"). No Streamlit import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from riskcalc import Citation, Classification, EvidenceStatus, Patient, classify_all, get_rulebook, models
from riskcalc.explain import calls_high_risk
from riskcalc.rulebook import DEFAULT_MODEL, citation_of, rules_root

NOT_APPLICABLE, NOT_CLASSIFIED = "not_applicable", "not_classified"


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file and the lesson."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Why(_Strict):
    """Why two or more schemes answer this child differently, in our words, with sources and evidence."""

    schemes: list[str] = Field(min_length=2)
    text: str = Field(min_length=40)
    cite: list[str] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None

    @field_validator("text")
    @classmethod
    def _one_paragraph(cls, text: str) -> str:
        return " ".join(text.split())


class Lesson(_Strict):
    """One vignette of the lesson: the case, what every scheme gives, and why they disagree."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=5, max_length=80)
    vignette: str = Field(min_length=80)
    patient: Patient
    # Every model id: its tier id, or not_applicable / not_classified.
    expected: dict[str, str]
    why: list[Why] = Field(min_length=2)

    @field_validator("vignette")
    @classmethod
    def _one_paragraph(cls, text: str) -> str:
        return " ".join(text.split())


class LessonFile(_Strict):
    lessons: list[Lesson] = Field(min_length=8)


def lessons_path(model: str = DEFAULT_MODEL) -> Path:
    return rules_root() / model / "teaching" / "protocol_lessons.yaml"


def load_lessons(path: Path) -> tuple[Lesson, ...]:
    """Read and check one lesson file; raise LessonError naming the file and the lesson."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = LessonFile.model_validate(data)
    except (OSError, yaml.YAMLError) as error:
        raise LessonError(f"{path}: cannot read: {error}") from None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise LessonError(f"{path}: {'.'.join(str(part) for part in first['loc'])}: {first['msg']}") from None
    ids = [info.id for info in models()]
    references = get_rulebook().references
    seen: set[str] = set()
    for lesson in parsed.lessons:
        where = f"{path}: lesson {lesson.id!r}"
        if lesson.id in seen:
            raise LessonError(f"{where}: the id appears twice")
        seen.add(lesson.id)
        if sorted(lesson.expected) != sorted(ids):
            raise LessonError(f"{where}: 'expected' must name every scheme exactly once: {ids}")
        for why in lesson.why:
            unknown = [scheme for scheme in why.schemes if scheme not in ids]
            if unknown or len(set(why.schemes)) != len(why.schemes):
                raise LessonError(f"{where}: a 'why' names an unknown or repeated scheme: {why.schemes}")
            missing = [key for key in why.cite if key not in references]
            if missing:
                raise LessonError(f"{where}: unresolved citation key(s) {missing}")
            if why.evidence != EvidenceStatus.VERIFIED and not why.evidence_note:
                raise LessonError(f"{where}: evidence {why.evidence.value} needs an evidence_note")
    return tuple(parsed.lessons)


@lru_cache(maxsize=2)
def protocol_lessons(model: str = DEFAULT_MODEL) -> tuple[Lesson, ...]:
    return load_lessons(lessons_path(model))


def answer_of(result: Classification) -> str:
    """What a lesson's `expected` says of a result: the tier, or why there is none."""
    return result.tier if result.tier is not None else result.status.value


def problems(lesson: Lesson) -> list[str]:
    """Where the schemes' results differ from what the lesson says they are (one sentence each)."""
    found = []
    for result in classify_all(lesson.patient):
        got = answer_of(result)
        if result.provisional:
            found.append(f"{lesson.id}: {result.model_id} is provisional ({result.possible_tiers}); a lesson is final")
        elif got != lesson.expected[result.model_id]:
            found.append(
                f"{lesson.id}: {result.model_id} gives {got}, the lesson says {lesson.expected[result.model_id]}"
            )
    return found


def high_risk_schemes(results: list[Classification]) -> list[str]:
    """The real schemes that call the child high risk (the quiz's answer), in the schemes' order."""
    return [
        result.model_id for result in results if result.model_id != DEFAULT_MODEL and calls_high_risk(result) == "yes"
    ]


def citations(why: Why) -> list[Citation]:
    """The resolved sources of a 'why', as the findings carry theirs."""
    references = get_rulebook().references
    return [citation_of(key, references[key]) for key in why.cite]
