"""Read rule files: the shape of every file in rules/, strict YAML, and errors that name the file and the rule.

This module only reads and validates the files one by one; `riskcalc.rulebook` compiles them and checks
them against each other. Extra keys are errors everywhere, so a typo cannot pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskcalc.models import Direction, EvidenceStatus, GeneticCode

# libyaml's parser where PyYAML was built with it (about 4 times faster on the rule files), the pure-Python one
# otherwise; both construct with SafeConstructor, so they accept the same documents.
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

RULES_DIR_ENV = "RISKCALC_RULES_DIR"
_RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
_NAME = r"^[a-z][a-z0-9_]*$"
_COLOUR = r"^#[0-9a-fA-F]{6}$"


class RulebookError(Exception):
    """A rule file that cannot be used; the message names the file and, where there is one, the rule."""

    def __init__(self, file: Path | str, message: str, rule_id: str | None = None) -> None:
        self.file = file if isinstance(file, str) else shown_path(file)
        self.rule_id = rule_id
        where = f"{self.file}: rule {rule_id!r}" if rule_id else self.file
        super().__init__(f"{where}: {message}")


def shown_path(file: Path, base: Path | None = None) -> str:
    """A file name as a reader would look for it, e.g. 'rules/ball_illustrative/adult.yaml': relative to
    `base` (the folder holding rules/) when it lies inside it, else to the working directory."""
    path = file.resolve()
    for folder in (base, Path.cwd()):
        if folder is None:
            continue
        try:
            return str(path.relative_to(folder))
        except ValueError:
            continue
    return str(path)


Shown = Callable[[Path], str]


# ---- the shape of the files ---------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EffectSpec(_Strict):
    """What a finding does besides explaining: raise grouping signals, set a named classification of the
    model (e.g. an intermediate group the model reports), or give the result a status other than classified."""

    signals: list[str] = Field(default_factory=list)
    classify: dict[str, str] = Field(default_factory=dict)
    status: str | None = Field(default=None, pattern=r"^(not_applicable|not_classified)$")


class StandingNoteSpec(_Strict):
    id: str = Field(pattern=_RULE_ID)
    text: str = Field(min_length=20)
    cite: list[str] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None


class NoteSpec(_Strict):
    id: str = Field(pattern=_RULE_ID)
    when: Any
    text: str = Field(min_length=20)
    cite: list[str] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None
    # A boundary two sources print with different operators: a short phrase the page shows on the result,
    # e.g. "at exactly 300 x10^9/L the sources differ" (the text says what each source reads).
    disputed: str | None = Field(default=None, min_length=10)


class FindingSpec(_Strict):
    id: str = Field(pattern=_RULE_ID)
    when: Any
    text: str = Field(min_length=20)
    cite: list[str] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None
    # A boundary two sources print with different operators: a short phrase the page shows on the result,
    # e.g. "at exactly 300 x10^9/L the sources differ" (the text says what each source reads).
    disputed: str | None = Field(default=None, min_length=10)
    factor: str = Field(min_length=1)
    effect: EffectSpec = EffectSpec()
    direction: Direction


class RuleFileSpec(_Strict):
    branch: str | None = None
    labels: dict[GeneticCode, str] = Field(default_factory=dict)
    rules: list[FindingSpec] = Field(default_factory=list)
    notes: list[NoteSpec] = Field(default_factory=list)


class PathSpec(_Strict):
    all: list[str] = Field(min_length=1)
    none: list[str] = Field(default_factory=list)


class TierRowSpec(_Strict):
    group: str
    if_any: list[str | PathSpec] | None = None


class BranchSpec(_Strict):
    id: str = Field(pattern=_NAME)
    rule: FindingSpec
    grouping: list[TierRowSpec] = Field(min_length=1)


class TierSpec(_Strict):
    """One tier of the model, lowest risk first; `ladder` groups tiers that may be compared with each other."""

    id: str = Field(pattern=_NAME)
    name: str = Field(min_length=1)
    colour: str = Field(pattern=_COLOUR)
    ladder: str | None = None
    # The tiers in which the scheme calls a child high risk (its high and very-high groups): what the Protocols
    # page and the quiz "which protocol calls this child high risk?" compare across schemes, whose tiers differ.
    high_risk: bool = False


class AgeRangeSpec(_Strict):
    start: float = Field(ge=0, alias="from")
    below: float = Field(le=120)


class PopulationSpec(_Strict):
    """Whom the model applies to: the ages its branches cover (outside them a status rule must say why)."""

    lineage: str = Field(min_length=1)
    age_years: AgeRangeSpec
    text: str = Field(min_length=10)


class PendingSpec(_Strict):
    """A pending input whose wait ends when another input gives the same result (the prednisone response,
    given as good/poor or as the day-8 blast count it is read from)."""

    values: list[Any] = Field(min_length=1)
    unless_given: list[str] = Field(min_length=1)


class AssumedSpec(_Strict):
    """An input the model reads but never waits for: when it is not given, the result says what is assumed."""

    field: str
    text: str = Field(min_length=10)


class ModelSpec(_Strict):
    id: str = Field(pattern=_NAME)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str
    short: str | None = Field(default=None, min_length=2, max_length=24)  # the name in a table column or a list
    era: str = Field(min_length=1)
    source: str = Field(min_length=1)
    population: PopulationSpec
    tiers: list[TierSpec] = Field(min_length=1)
    inputs: list[str] = Field(min_length=1)
    classifications: dict[str, list[str]] = Field(default_factory=dict)
    assumed_absent: list[AssumedSpec] = Field(default_factory=list)
    disclaimer: str = Field(min_length=20)
    factors: list[str] = Field(min_length=1)
    standing_notes: list[StandingNoteSpec] = Field(default_factory=list)
    branches: list[BranchSpec] = Field(min_length=1)
    pending: dict[str, list[Any] | PendingSpec]


class ReferenceSpec(_Strict):
    evidence_ref: str | None = None
    authors: str
    title: str
    journal: str
    year: int
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    url: str | None = None
    verified: EvidenceStatus
    unverified: str | None = None


# ---- reading ------------------------------------------------------------------------------------------------


def rules_root() -> Path:
    """Where the rule files are: RISKCALC_RULES_DIR when set (for rule authors), else the copy installed inside
    the package (a wheel carries rules/ as riskcalc/rules), else rules/ beside the package (a source checkout
    or an editable install, where the repository's rules/ is the one being edited)."""
    override = os.environ.get(RULES_DIR_ENV)
    return Path(override) if override else _packaged_rules()


@cache
def _packaged_rules() -> Path:
    """The rule files that came with the package (found once per process: classify_all asks on every call)."""
    installed = resources.files("riskcalc").joinpath("rules")
    # A wheel is unpacked on disk, so the resource is a real directory; a zipped install is not supported.
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "rules"


def model_ids(root: Path | None = None) -> list[str]:
    """Every model folder under the rules root (a folder holding a model.yaml), in name order."""
    return list(_model_ids_in(root or rules_root()))


@cache
def _model_ids_in(folder: Path) -> tuple[str, ...]:
    # Read once per folder and process, as each model's rules are (riskcalc.engine keeps one engine per model):
    # a scheme folder added while a server runs is taken up when it restarts.
    return tuple(sorted(path.parent.name for path in folder.glob("*/model.yaml")))


class _UniqueKeyLoader(_SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (plain YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark
                )
            keys.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def read_yaml(path: Path, shown: Shown) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_UniqueKeyLoader)  # safe: a SafeLoader subclass
    except FileNotFoundError:
        raise RulebookError(shown(path), "file not found") from None
    except yaml.YAMLError as error:
        raise RulebookError(shown(path), f"not valid YAML: {error}") from None


def validate(spec_type: type[BaseModel], data: Any, where: str, lists: dict[str, list[Any]] | None = None) -> Any:
    """Validate one file's data; the error names the first broken key and, inside a list of rules, the rule."""
    try:
        return spec_type.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = first["loc"]
        rule_id = None
        if lists and len(loc) >= 2 and loc[0] in lists and isinstance(loc[1], int):
            item = lists[str(loc[0])][loc[1]]
            rule_id = item.get("id") if isinstance(item, dict) else None
        place = ".".join(str(part) for part in loc)
        raise RulebookError(where, f"{place}: {first['msg']}", rule_id) from None


def load_references(path: Path, shown: Shown = shown_path) -> dict[str, ReferenceSpec]:
    where = shown(path)
    data = read_yaml(path, shown)
    if not isinstance(data, dict):
        raise RulebookError(where, "expected a mapping of reference keys to references")
    references: dict[str, ReferenceSpec] = {}
    for key, entry in data.items():
        try:
            reference = ReferenceSpec.model_validate(entry)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise RulebookError(
                where, f"reference {key!r}: {'.'.join(map(str, first['loc']))}: {first['msg']}"
            ) from None
        if not (reference.doi or reference.pmid or reference.url):
            raise RulebookError(where, f"reference {key!r} has no doi, pmid or url")
        references[str(key)] = reference
    return references


def read_rule_file(path: Path, shown: Shown) -> RuleFileSpec:
    where = shown(path)
    data = read_yaml(path, shown)
    if not isinstance(data, dict):
        raise RulebookError(where, "expected a mapping with 'rules' and/or 'notes'")
    lists = {key: value for key, value in data.items() if key in ("rules", "notes") and isinstance(value, list)}
    spec: RuleFileSpec = validate(RuleFileSpec, data, where, lists)
    return spec


def read_model_file(path: Path, shown: Shown) -> ModelSpec:
    spec: ModelSpec = validate(ModelSpec, read_yaml(path, shown), shown(path))
    return spec
