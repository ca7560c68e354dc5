"""The words the app shows around the inputs, read from the model's teaching vocabulary file.

Field labels, units, help texts and CNS explanations live in
`rules/ball_illustrative/teaching/vocabulary.yaml` so that the Python code carries no clinical sentence; the
names of the genetic codes come from the rulebook itself (`get_rulebook().labels`). The file is checked
strictly when read, so a misspelt key or a unit riskcalc cannot convert fails loudly instead of silently
showing a wrong form.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from riskcalc import CNSStatus, Patient, get_rulebook
from riskcalc.rulebook import DEFAULT_MODEL, rules_root
from riskcalc.units import ALIASES

MRD_FIELDS = ("mrd_day8_pb_percent", "mrd_eoi_percent", "mrd_eoc_percent")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldWords(_Strict):
    """Label, help and the wording of every choice of one Patient field."""

    label: str
    short: str = Field(max_length=16, description="The label in a one-line summary of the case.")
    help: str
    unit: str = ""  # the short unit of the model field, shown next to values
    units: dict[str, str] = Field(default_factory=dict)
    pending: str | None = None  # genetics, CNS: the "not yet known" choice
    missing: str | None = None  # MRD: the "pending / not measured" choice
    known: str | None = None
    value: str | None = None
    choose: str | None = None
    choose_placeholder: str | None = None
    empty_known: str | None = None
    classes: dict[CNSStatus, str] = Field(default_factory=dict)


class GroupWords(_Strict):
    symbol: str
    describe: str


class CourseStep(_Strict):
    label: str
    short: str = Field(max_length=22, description="The step's name on the presentation stepper's button.")
    adds: list[str] = Field(min_length=1)


class Vocabulary(_Strict):
    fields: dict[str, FieldWords]
    directions: dict[Literal["favorable", "neutral", "unfavorable"], str]
    groups: dict[Literal["favorable", "standard", "high"], GroupWords]
    branches: dict[Literal["infant", "pediatric", "adult"], str]
    evidence: dict[Literal["V", "V-partial", "U"], str]
    course: list[CourseStep]
    genetics: dict[str, str] = Field(default_factory=dict, description="Filled from the rulebook, not the file.")

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        missing = [name for name in Patient.model_fields if name not in self.fields]
        unknown = [name for name in self.fields if name not in Patient.model_fields]
        if missing or unknown:
            raise ValueError(f"fields must be exactly the Patient fields (missing {missing}, unknown {unknown})")
        for name, words in self.fields.items():
            for unit in words.units:
                # A unit is handed to riskcalc.units under its key, so it must convert into this very field.
                if unit != name and (unit not in ALIASES or ALIASES[unit].field != name):
                    raise ValueError(f"{name}: unit {unit!r} is neither the field nor one of its alternatives")
        for name in MRD_FIELDS:
            if not (self.fields[name].missing and self.fields[name].known and self.fields[name].units):
                raise ValueError(f"{name}: needs 'missing', 'known' and 'units'")
        if set(self.fields["cns_status"].classes) != set(CNSStatus):
            raise ValueError("cns_status: every CNS class needs an explanation")
        steps = [field for step in self.course for field in step.adds]
        if sorted(steps) != sorted(Patient.model_fields):
            raise ValueError("course: the steps must add every Patient field exactly once")
        return self

    def label(self, field: str) -> str:
        return self.fields[field].label

    def genetic_label(self, code: str) -> str:
        return self.genetics.get(code, code)


def vocabulary_path(model: str = DEFAULT_MODEL) -> Path:
    return rules_root() / model / "teaching" / "vocabulary.yaml"


@lru_cache(maxsize=4)
def load_vocabulary(model: str = DEFAULT_MODEL) -> Vocabulary:
    """The checked vocabulary of a model, with the genetic labels of its rulebook (read once per process)."""
    data = yaml.safe_load(vocabulary_path(model).read_text(encoding="utf-8"))
    words = Vocabulary.model_validate(data)
    return words.model_copy(update={"genetics": dict(get_rulebook(model).labels)})
