"""What changed between two assessments, and the group as results arrive (the "course of diagnosis").

Both are computed with the public API only: the course re-assesses the patient restricted to the inputs
known at each step, so the pending logic of riskcalc decides what each step can still become.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskcalc import Assessment, Patient, assess
from riskcalc.explain import headline
from ui.lib.vocabulary import Vocabulary
from ui.lib.wording import format_value


@dataclass(frozen=True)
class Change:
    """The difference between a previous and the current assessment, in readable pieces."""

    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    group_before: str = ""
    group_after: str = ""
    rules_added: list[str] = field(default_factory=list)
    rules_removed: list[str] = field(default_factory=list)

    @property
    def group_changed(self) -> bool:
        return self.group_before != self.group_after


def _group_words(assessment: Assessment) -> str:
    """'High', or 'Provisional: Favorable, Standard or High (at best Favorable)': never the floor alone, so a
    narrower range counts as a change too."""
    return headline(assessment).cell


def _rule_words(assessment: Assessment, rule_id: str) -> str:
    """'ped.nci_high_wbc (white cell count)': the id students can look up in rules.md, and its factor."""
    factor = next((finding.factor for finding in assessment.findings if finding.rule_id == rule_id), "note")
    return f"{rule_id} ({factor})"


def compare(before: Assessment, after: Assessment, words: Vocabulary) -> Change:
    inputs = [
        (
            words.label(name),
            format_value(name, getattr(before.patient, name), words),
            format_value(name, getattr(after.patient, name), words),
        )
        for name in Patient.model_fields
        if getattr(before.patient, name) != getattr(after.patient, name)
    ]
    return Change(
        inputs=inputs,
        group_before=_group_words(before),
        group_after=_group_words(after),
        rules_added=[_rule_words(after, rule) for rule in after.fired_rules if rule not in before.fired_rules],
        rules_removed=[_rule_words(before, rule) for rule in before.fired_rules if rule not in after.fired_rules],
    )


@dataclass(frozen=True)
class CourseStep:
    label: str
    short: str  # the step's name on the presentation stepper
    known: list[str]  # every field known at this step
    assessment: Assessment


def course(patient: Patient, words: Vocabulary) -> list[CourseStep]:
    """The case as its results arrive: one assessment per step of the vocabulary's course."""
    blank = Patient(age_years=patient.age_years, wbc_10e9_per_l=patient.wbc_10e9_per_l).model_dump()
    known: list[str] = []
    steps: list[CourseStep] = []
    for step in words.course:
        known = [*known, *step.adds]
        data = {**blank, **{name: getattr(patient, name) for name in known}}
        steps.append(CourseStep(step.label, step.short, known, assess(Patient.model_validate(data))))
    return steps
