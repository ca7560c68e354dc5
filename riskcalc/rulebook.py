"""Read a model's rule files from rules/ and check them strictly before anything is evaluated.

Layout: ``rules/references.yaml`` (shared bibliography) and one folder per model, ``rules/<model id>/``,
holding ``model.yaml`` (id, version, branches with their grouping, pending representatives) and any number
of rule files (``*.yaml``). Any fault stops the load with a `RulebookError` naming the file and the rule.
No durable_rules import here: this module only reads and checks data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskcalc.conditions import AllOf, Condition, ConditionError, fields_of, parse_condition
from riskcalc.models import (
    Branch,
    Citation,
    Direction,
    EvidenceStatus,
    GeneticCode,
    NciRisk,
    Patient,
    RiskGroup,
)

DEFAULT_MODEL = "ball_illustrative"

# libyaml's parser where PyYAML was built with it (about 4 times faster on the rule files), the pure-Python one
# otherwise; both construct with SafeConstructor, so they accept the same documents.
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

RULES_DIR_ENV = "RISKCALC_RULES_DIR"
_RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"


class RulebookError(Exception):
    """A rule file that cannot be used; the message names the file and, where there is one, the rule."""

    def __init__(self, file: Path | str, message: str, rule_id: str | None = None) -> None:
        self.file = _shown(file)
        self.rule_id = rule_id
        where = f"{self.file}: rule {rule_id!r}" if rule_id else self.file
        super().__init__(f"{where}: {message}")


_display_base: list[Path] = []  # the folder holding rules/ while a rulebook loads


def _shown(file: Path | str) -> str:
    """A file name as a reader would look for it, e.g. 'rules/ball_illustrative/adult.yaml'."""
    path = Path(file).resolve()
    for base in (*_display_base, Path.cwd()):
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


# ---- the shape of the files (extra keys are errors, so typos cannot pass silently) ----------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EffectSpec(_Strict):
    nci_risk: NciRisk | None = None
    signals: list[str] = Field(default_factory=list)


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


class RuleSpec(NoteSpec):
    factor: str = Field(min_length=1)
    effect: EffectSpec = EffectSpec()
    direction: Direction


class RuleFileSpec(_Strict):
    branch: Branch | None = None
    labels: dict[GeneticCode, str] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    notes: list[NoteSpec] = Field(default_factory=list)


class PathSpec(_Strict):
    all: list[str] = Field(min_length=1)
    none: list[str] = Field(default_factory=list)


class TierSpec(_Strict):
    group: RiskGroup
    if_any: list[str | PathSpec] | None = None


class BranchSpec(_Strict):
    id: Branch
    rule: RuleSpec
    grouping: list[TierSpec] = Field(min_length=1)


class ModelSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str
    disclaimer: str = Field(min_length=20)
    factors: list[str] = Field(min_length=1)
    standing_notes: list[StandingNoteSpec] = Field(default_factory=list)
    branches: list[BranchSpec] = Field(min_length=1)
    pending: dict[str, list[Any]]


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


# ---- the checked, compiled rulebook -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule, ready to evaluate. `condition` already includes its branch's age condition."""

    id: str
    kind: str  # "finding" or "note"
    source: str
    condition: Condition
    own_condition: Condition
    text: str
    citations: tuple[Citation, ...]
    evidence: EvidenceStatus
    evidence_note: str | None = None
    factor: str = ""
    direction: Direction = Direction.NEUTRAL
    branch: Branch | None = None
    selects_branch: Branch | None = None
    nci_risk: NciRisk | None = None
    signals: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StandingNote:
    """A note that holds for every case of the model; never evaluated, always shown."""

    id: str
    text: str
    citations: tuple[Citation, ...]
    evidence: EvidenceStatus
    evidence_note: str | None = None


@dataclass(frozen=True)
class GroupingPath:
    """Signals that must all be raised, and signals none of which may be."""

    all: frozenset[str]
    none: frozenset[str] = frozenset()

    def matches(self, signals: frozenset[str]) -> bool:
        return self.all <= signals and not (self.none & signals)


@dataclass(frozen=True)
class Tier:
    group: RiskGroup
    paths: tuple[GroupingPath, ...] | None  # None: the final "otherwise" tier

    def matches(self, signals: frozenset[str]) -> bool:
        return self.paths is None or any(path.matches(signals) for path in self.paths)


_MEMO_LIMIT = 4_096


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    """Store in a memo that never outgrows _MEMO_LIMIT entries: it starts afresh when full, so a long batch
    (over 100,000 rows: 12,000 distinct sets of fired rules) keeps its memory flat."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value


@dataclass(frozen=True)
class Rulebook:
    model_id: str
    version: str
    title: str
    disclaimer: str
    rules: tuple[Rule, ...]
    grouping: dict[Branch, tuple[Tier, ...]]
    pending: dict[str, tuple[Any, ...]]
    references: dict[str, ReferenceSpec]
    labels: dict[str, str]
    factors: tuple[str, ...]
    standing_notes: tuple[StandingNote, ...] = ()
    files: tuple[str, ...] = field(default=())
    # Derived in __post_init__ from the fields above: lookups by rule id, and whether pending inputs separate.
    _by_id: dict[str, Rule] = field(init=False, repr=False, compare=False, default_factory=dict)
    _position: dict[str, int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _pending_separable: bool = field(init=False, repr=False, compare=False, default=False)
    # Memos of signals() and decide(): the same few thousand sets of fired rules recur across patients.
    _signals_of: dict[frozenset[str], frozenset[str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _decisions: dict[tuple[Branch, frozenset[str]], RiskGroup] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def decide(self, branch: Branch, signals: frozenset[str]) -> RiskGroup:
        """The group the branch's decision list gives these signals (memoised)."""
        group = self._decisions.get((branch, signals))
        if group is None:
            group = self._walk(branch, signals)
            _remember(self._decisions, (branch, signals), group)
        return group

    def _walk(self, branch: Branch, signals: frozenset[str]) -> RiskGroup:
        """Walk the branch's decision list: the first tier whose paths match gives the group."""
        for tier in self.grouping[branch]:
            if tier.matches(signals):
                return tier.group
        raise AssertionError("a checked grouping always ends with an 'otherwise' tier")

    def signals(self, fired: frozenset[str]) -> frozenset[str]:
        """The signals raised by a set of fired rules."""
        raised = self._signals_of.get(fired)
        if raised is None:
            raised = frozenset().union(*(self._by_id[rule_id].signals for rule_id in fired))
            _remember(self._signals_of, fired, raised)
        return raised

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {rule.id: rule for rule in self.rules})
        object.__setattr__(self, "_position", {rule.id: index for index, rule in enumerate(self.rules)})
        names = set(self.pending)
        separable = all(len(fields_of(rule.condition) & names) <= 1 for rule in self.rules if rule.signals)
        object.__setattr__(self, "_pending_separable", separable)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    @property
    def pending_separable(self) -> bool:
        """True when no signal-raising rule reads two pending inputs together, so that the signals of a
        filling are the union of what each filled input raises on its own."""
        return self._pending_separable

    def ordered_findings(self, rules: list[Rule]) -> list[Rule]:
        """Findings in reading order: the branch first, then by factor as model.yaml lists them."""
        findings = [rule for rule in rules if rule.kind == "finding"]
        position = self._position
        return sorted(
            findings,
            key=lambda rule: (rule.selects_branch is None, self.factors.index(rule.factor), position[rule.id]),
        )


def rules_root() -> Path:
    """Where the rule files are: RISKCALC_RULES_DIR when set (for rule authors), else the copy installed inside
    the package (a wheel carries rules/ as riskcalc/rules), else rules/ beside the package (a source checkout
    or an editable install, where the repository's rules/ is the one being edited)."""
    override = os.environ.get(RULES_DIR_ENV)
    if override:
        return Path(override)
    installed = resources.files("riskcalc").joinpath("rules")
    # A wheel is unpacked on disk, so the resource is a real directory; a zipped install is not supported.
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "rules"


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


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_UniqueKeyLoader)  # safe: a SafeLoader subclass
    except FileNotFoundError:
        raise RulebookError(path, "file not found") from None
    except yaml.YAMLError as error:
        raise RulebookError(path, f"not valid YAML: {error}") from None


def _validate(spec_type: type[BaseModel], data: Any, path: Path, raw_rules: dict[str, list[Any]] | None = None) -> Any:
    try:
        return spec_type.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = first["loc"]
        rule_id = None
        if raw_rules and len(loc) >= 2 and loc[0] in raw_rules and isinstance(loc[1], int):
            item = raw_rules[str(loc[0])][loc[1]]
            rule_id = item.get("id") if isinstance(item, dict) else None
        where = ".".join(str(part) for part in loc)
        raise RulebookError(path, f"{where}: {first['msg']}", rule_id) from None


def _citation(key: str, ref: ReferenceSpec) -> Citation:
    if ref.doi:
        url = f"https://doi.org/{ref.doi}"
    elif ref.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"
    else:
        url = ref.url or ""
    first_author = ref.authors.split(",")[0].strip()
    return Citation(key=key, label=f"{first_author}, {ref.journal} {ref.year}", url=url, verified=ref.verified)


def load_references(path: Path) -> dict[str, ReferenceSpec]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RulebookError(path, "expected a mapping of reference keys to references")
    references: dict[str, ReferenceSpec] = {}
    for key, entry in data.items():
        try:
            reference = ReferenceSpec.model_validate(entry)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise RulebookError(
                path, f"reference {key!r}: {'.'.join(map(str, first['loc']))}: {first['msg']}"
            ) from None
        if not (reference.doi or reference.pmid or reference.url):
            raise RulebookError(path, f"reference {key!r} has no doi, pmid or url")
        references[str(key)] = reference
    return references


class _Compiler:
    """Turns validated file specs into `Rule`s, checking what pydantic alone cannot."""

    def __init__(
        self, references: dict[str, ReferenceSpec], branch_conditions: dict[Branch, Condition], factors: set[str]
    ) -> None:
        self.references = references
        self.factors = factors
        self.branch_conditions = branch_conditions
        self.seen: dict[str, str] = {}
        self.rules: list[Rule] = []

    def _check_common(self, spec: StandingNoteSpec | NoteSpec, source: str) -> None:
        if spec.id in self.seen:
            raise RulebookError(source, f"duplicate rule id (first defined in {self.seen[spec.id]})", spec.id)
        self.seen[spec.id] = source
        if spec.evidence != EvidenceStatus.VERIFIED and not spec.evidence_note:
            raise RulebookError(
                source, f"evidence {spec.evidence.value} needs an evidence_note saying what is unconfirmed", spec.id
            )
        if len(set(spec.cite)) != len(spec.cite):
            raise RulebookError(source, "a citation key is repeated", spec.id)
        missing = [key for key in spec.cite if key not in self.references]
        if missing:
            raise RulebookError(source, f"unresolved citation key(s): {', '.join(missing)}", spec.id)

    def standing(self, spec: StandingNoteSpec, source: str) -> StandingNote:
        self._check_common(spec, source)
        return StandingNote(
            id=spec.id,
            text=" ".join(spec.text.split()),
            citations=tuple(_citation(key, self.references[key]) for key in spec.cite),
            evidence=spec.evidence,
            evidence_note=" ".join(spec.evidence_note.split()) if spec.evidence_note else None,
        )

    def add(self, spec: NoteSpec, source: str, branch: Branch | None, selects_branch: Branch | None = None) -> None:
        self._check_common(spec, source)
        try:
            own = parse_condition(spec.when)
        except ConditionError as error:
            raise RulebookError(source, f"malformed condition: {error}", spec.id) from None
        is_finding = isinstance(spec, RuleSpec)
        if isinstance(spec, RuleSpec) and spec.factor not in self.factors:
            raise RulebookError(source, f"factor {spec.factor!r} is not listed under 'factors' in model.yaml", spec.id)
        self.rules.append(
            Rule(
                id=spec.id,
                kind="finding" if is_finding else "note",
                source=source,
                condition=AllOf((self.branch_conditions[branch], own)) if branch else own,
                own_condition=own,
                text=" ".join(spec.text.split()),
                citations=tuple(_citation(key, self.references[key]) for key in spec.cite),
                evidence=spec.evidence,
                evidence_note=" ".join(spec.evidence_note.split()) if spec.evidence_note else None,
                branch=branch,
                factor=spec.factor if isinstance(spec, RuleSpec) else "",
                direction=spec.direction if isinstance(spec, RuleSpec) else Direction.NEUTRAL,
                selects_branch=selects_branch,
                nci_risk=spec.effect.nci_risk if isinstance(spec, RuleSpec) else None,
                signals=frozenset(spec.effect.signals) if isinstance(spec, RuleSpec) else frozenset(),
            )
        )


def _compile_grouping(model: ModelSpec, path: Path) -> dict[Branch, tuple[Tier, ...]]:
    grouping: dict[Branch, tuple[Tier, ...]] = {}
    for branch in model.branches:
        tiers: list[Tier] = []
        for index, tier in enumerate(branch.grouping):
            last = index == len(branch.grouping) - 1
            if last != (tier.if_any is None):
                raise RulebookError(
                    path,
                    f"branch {branch.id.value}: only the last tier, and always the last, is 'otherwise' (no if_any)",
                )
            paths = None
            if tier.if_any is not None:
                paths = tuple(
                    GroupingPath(frozenset([item]))
                    if isinstance(item, str)
                    else GroupingPath(frozenset(item.all), frozenset(item.none))
                    for item in tier.if_any
                )
            tiers.append(Tier(tier.group, paths))
        grouping[branch.id] = tuple(tiers)
    return grouping


def _used_signals(tiers: tuple[Tier, ...]) -> set[str]:
    return {signal for tier in tiers for path in tier.paths or () for signal in path.all | path.none}


def _check_signals(rules: list[Rule], grouping: dict[Branch, tuple[Tier, ...]], path: Path) -> None:
    raised = {signal: rule for rule in rules for signal in rule.signals}
    used = set().union(*(_used_signals(tiers) for tiers in grouping.values()))
    for signal in sorted(used - raised.keys()):
        raise RulebookError(path, f"the grouping uses signal {signal!r}, which no rule raises")
    for signal in sorted(raised.keys() - used):
        rule = raised[signal]
        raise RulebookError(rule.source, f"raises signal {signal!r}, which no grouping uses", rule.id)
    for branch, tiers in grouping.items():
        for tier in tiers:
            for grouping_path in tier.paths or ():
                both = sorted(grouping_path.all & grouping_path.none)
                if both:
                    raise RulebookError(path, f"branch {branch.value}: a path both requires and excludes {both}")
    for rule in rules:  # a rule confined to one branch must raise only what that branch's grouping reads
        if rule.branch is not None:
            unused = rule.signals - _used_signals(grouping[rule.branch])
            if unused:
                raise RulebookError(
                    rule.source,
                    f"raises {sorted(unused)}, which the {rule.branch.value} grouping does not use",
                    rule.id,
                )


def _check_pending(model: ModelSpec, path: Path) -> dict[str, tuple[Any, ...]]:
    base = {"age_years": 5.0, "wbc_10e9_per_l": 5.0}
    pending: dict[str, tuple[Any, ...]] = {}
    for name, representatives in model.pending.items():
        if name not in Patient.model_fields:
            raise RulebookError(path, f"pending: unknown Patient field {name!r}")
        default = Patient.model_fields[name].default
        if default is not None and default != frozenset():
            raise RulebookError(
                path, f"pending: {name!r} always has a value (default {default!r}), so it is never pending"
            )
        if not representatives:
            raise RulebookError(path, f"pending: {name!r} needs at least one representative value")
        for value in representatives:
            try:
                Patient.model_validate({**base, name: value})
            except ValidationError as error:
                raise RulebookError(
                    path, f"pending: {name} = {value!r} is not a valid value: {error.errors()[0]['msg']}"
                ) from None
        pending[name] = tuple(tuple(value) if isinstance(value, list) else value for value in representatives)
    return pending


def load_rulebook(model_id: str = DEFAULT_MODEL, root: Path | None = None) -> Rulebook:
    """Load and check one model's rule files; raise RulebookError on the first fault."""
    root = (root or rules_root()).resolve()
    _display_base[:] = [root.parent]
    try:
        return _load(model_id, root)
    finally:
        _display_base.clear()


def _load(model_id: str, root: Path) -> Rulebook:
    references = load_references(root / "references.yaml")
    model_dir = root / model_id
    model_path = model_dir / "model.yaml"
    model: ModelSpec = _validate(ModelSpec, _read_yaml(model_path), model_path)
    if model.id != model_id:
        raise RulebookError(model_path, f"id {model.id!r} does not match its folder {model_id!r}")

    branch_conditions: dict[Branch, Condition] = {}
    for branch in model.branches:
        try:
            branch_conditions[branch.id] = parse_condition(branch.rule.when)
        except ConditionError as error:
            raise RulebookError(model_path, f"malformed condition: {error}", branch.rule.id) from None
        if fields_of(branch_conditions[branch.id]) != {"age_years"}:
            raise RulebookError(model_path, "a branch is chosen by age_years alone", branch.rule.id)

    compiler = _Compiler(references, branch_conditions, set(model.factors))
    standing = tuple(compiler.standing(note, _shown(model_path)) for note in model.standing_notes)
    for branch in model.branches:
        compiler.add(branch.rule, _shown(model_path), None, selects_branch=branch.id)

    stray = sorted(path.name for path in model_dir.iterdir() if path.suffix in (".yml", ".YAML", ".YML"))
    if stray:
        raise RulebookError(model_dir, f"rule files must end in .yaml; found {', '.join(stray)}")
    labels: dict[str, str] = {}
    files = [model_path]
    for path in sorted(model_dir.glob("*.yaml")):
        if path == model_path:
            continue
        files.append(path)
        data = _read_yaml(path)
        if not isinstance(data, dict):
            raise RulebookError(path, "expected a mapping with 'rules' and/or 'notes'")
        spec: RuleFileSpec = _validate(
            RuleFileSpec, data, path, {k: v for k, v in data.items() if k in ("rules", "notes") and isinstance(v, list)}
        )
        if spec.branch is not None and spec.branch not in branch_conditions:
            raise RulebookError(path, f"branch {spec.branch.value!r} is not declared in model.yaml")
        for rule_spec in spec.rules:
            compiler.add(rule_spec, _shown(path), spec.branch)
        for note_spec in spec.notes:
            compiler.add(note_spec, _shown(path), spec.branch)
        labels.update({code.value: label for code, label in spec.labels.items()})

    missing_labels = [code.value for code in GeneticCode if code.value not in labels]
    if missing_labels:
        raise RulebookError(model_dir, f"no label for genetic code(s): {', '.join(missing_labels)}")
    grouping = _compile_grouping(model, model_path)
    _check_signals(compiler.rules, grouping, model_path)
    return Rulebook(
        model_id=model.id,
        version=model.version,
        title=model.title,
        disclaimer=" ".join(model.disclaimer.split()),
        rules=tuple(compiler.rules),
        grouping=grouping,
        pending=_check_pending(model, model_path),
        references=references,
        labels=labels,
        factors=tuple(model.factors),
        standing_notes=standing,
        files=tuple(_shown(path) for path in files),
    )
