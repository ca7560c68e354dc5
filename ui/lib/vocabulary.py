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
from riskcalc.units import ALIASES, CODE_FIELDS

MRD_FIELDS = ("mrd_day8_pb_percent", "mrd_eoi_percent", "mrd_eoc_percent")
# The inputs the teaching model reads, which every form, table and handout shows; every other Patient field is
# read only by some of the real schemes and is shown where it is given (the form: "Results some protocols use").
MAIN_FIELDS = ("age_years", "wbc_10e9_per_l", "genetics", "cns_status", "testicular_involvement", *MRD_FIELDS)
PROTOCOL_FIELDS = tuple(name for name in Patient.model_fields if name not in MAIN_FIELDS)


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
    choices: dict[str, str] = Field(default_factory=dict)  # a coded input's choices in words, by code


class GroupWords(_Strict):
    symbol: str
    describe: str


class CourseStep(_Strict):
    label: str
    short: str = Field(max_length=22, description="The step's name on the presentation stepper's button.")
    adds: list[str] = Field(min_length=1)


class ProtocolSection(_Strict):
    """The words of the form's section of inputs that only some of the real schemes read."""

    title: str
    caption: str
    read_by: str  # followed by the names of the schemes that read the input
    no_reader: str
    yes: str
    no: str
    empty: str  # the placeholder of an empty number box


class Vocabulary(_Strict):
    fields: dict[str, FieldWords]
    directions: dict[Literal["favorable", "neutral", "unfavorable"], str]
    groups: dict[Literal["favorable", "standard", "high"], GroupWords]
    branches: dict[Literal["infant", "pediatric", "adult"], str]
    evidence: dict[Literal["V", "V-partial", "U"], str]
    course: list[CourseStep]
    protocol_section: ProtocolSection
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
        for name, codes in CODE_FIELDS.items():
            if name not in ("genetics", "cns_status") and set(self.fields[name].choices) != set(codes):
                raise ValueError(f"{name}: 'choices' must word exactly its codes {list(codes)}")
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
