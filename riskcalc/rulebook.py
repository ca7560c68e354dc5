"""The checked rulebook of one model: its rule files compiled and checked against each other.

Layout: ``rules/references.yaml`` (shared bibliography) and one folder per model, ``rules/<model id>/``,
holding ``model.yaml`` (id, title, era, source, population, tiers, inputs, branches with their grouping,
pending representatives) and any number of rule files (``*.yaml``). `riskcalc.rulefiles` reads each file;
this module compiles the rules and checks what no single file can show. Any fault stops the load with a
`RulebookError` naming the file and the rule. No durable_rules import here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, cast

from pydantic import TypeAdapter, ValidationError

from riskcalc.conditions import AllOf, Condition, ConditionError, atoms, fields_of, parse_condition
from riskcalc.models import Citation, Direction, EvidenceStatus, Finding, GeneticCode, Note, Patient
from riskcalc.rulefiles import (
    RULES_DIR_ENV,
    FindingSpec,
    ModelSpec,
    NoteSpec,
    PendingSpec,
    ReferenceSpec,
    RulebookError,
    Shown,
    StandingNoteSpec,
    load_references,
    model_ids,
    read_model_file,
    read_rule_file,
    rules_root,
    shown_path,
)

__all__ = [
    "DEFAULT_MODEL",
    "RULES_DIR_ENV",
    "GroupingPath",
    "Rule",
    "Rulebook",
    "RulebookError",
    "StandingNote",
    "Tier",
    "TierInfo",
    "citation_of",
    "load_rulebook",
    "model_ids",
    "rules_root",
]

DEFAULT_MODEL = "ball_illustrative"


# ---- the checked, compiled rulebook -----------------------------------------------------------------------

# ---- the checked, compiled rulebook -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule, ready to evaluate. `condition` already includes its branch's condition. Each finding or note
    carries the output object built from it once, at load, and shared by every result that reports it."""

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
    branch: str | None = None
    selects_branch: str | None = None
    classifies: dict[str, str] = field(default_factory=dict, compare=False)
    status: str | None = None  # "not_applicable" / "not_classified": the result is not a tier
    signals: frozenset[str] = frozenset()
    finding: Finding | None = field(default=None, compare=False, repr=False)
    note: Note | None = field(default=None, compare=False, repr=False)

    @property
    def nci_risk(self) -> str | None:
        """The 'nci_risk' classification this rule sets: the illustrative model's `Assessment.nci_risk`."""
        return self.classifies.get("nci_risk")


@dataclass(frozen=True)
class StandingNote:
    """A note that holds for every case of the model; never evaluated, always shown."""

    id: str
    text: str
    citations: tuple[Citation, ...]
    evidence: EvidenceStatus
    evidence_note: str | None = None
    note: Note | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class GroupingPath:
    """Signals that must all be raised, and signals none of which may be."""

    all: frozenset[str]
    none: frozenset[str] = frozenset()

    def matches(self, signals: frozenset[str]) -> bool:
        return self.all <= signals and not (self.none & signals)


@dataclass(frozen=True)
class Tier:
    """One row of a branch's decision list: the tier it gives and the paths that lead to it."""

    group: str
    paths: tuple[GroupingPath, ...] | None  # None: the final "otherwise" row

    def matches(self, signals: frozenset[str]) -> bool:
        return self.paths is None or any(path.matches(signals) for path in self.paths)


@dataclass(frozen=True)
class TierInfo:
    """A tier as the model declares it: id, the source's name, a display colour and its ladder."""

    id: str
    name: str
    colour: str
    ladder: str | None = None
    high_risk: bool = False


@dataclass(frozen=True)
class Assumed:
    """An input read but never waited for, and what the model assumes when it is not given."""

    field: str
    text: str


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
    grouping: dict[str, tuple[Tier, ...]]
    pending: dict[str, tuple[Any, ...]]
    references: dict[str, ReferenceSpec]
    labels: dict[str, str]
    factors: tuple[str, ...]
    standing_notes: tuple[StandingNote, ...] = ()
    files: tuple[str, ...] = field(default=())
    era: str = ""
    source: str = ""
    lineage: str = ""
    population_text: str = ""
    age_from: float = 0.0
    age_below: float = 120.0
    tiers: tuple[TierInfo, ...] = ()
    inputs: tuple[str, ...] = ()
    assumed_absent: tuple[Assumed, ...] = ()
    short: str = ""  # the scheme's name where a title is too long (a table column, a list of schemes)
    # A pending input is not waited for when one of these inputs is given (it gives the same result).
    pending_unless: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Derived in __post_init__ from the fields above: lookups by rule id, and whether pending inputs separate.
    _by_id: dict[str, Rule] = field(init=False, repr=False, compare=False, default_factory=dict)
    _position: dict[str, int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _tier_rank: dict[str, int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _pending_groups: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False, default=())
    # Memos of signals() and decide(): the same few thousand sets of fired rules recur across patients.
    _signals_of: dict[frozenset[str], frozenset[str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _decisions: dict[tuple[str, frozenset[str]], str] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # Memo of the tiers of every filling of a provisional case (riskcalc.api), bounded like the two above.
    outcomes: dict[Any, tuple[list[str], list[str], list[str]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def remember_outcome(self, key: Any, outcome: tuple[list[str], list[str], list[str]]) -> None:
        _remember(self.outcomes, key, outcome)

    def decide(self, branch: str, signals: frozenset[str]) -> str:
        """The tier the branch's decision list gives these signals (memoised)."""
        group = self._decisions.get((branch, signals))
        if group is None:
            group = self._walk(branch, signals)
            _remember(self._decisions, (branch, signals), group)
        return group

    def _walk(self, branch: str, signals: frozenset[str]) -> str:
        """Walk the branch's decision list: the first row whose paths match gives the tier."""
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
        object.__setattr__(self, "_tier_rank", {tier.id: index for index, tier in enumerate(self.tiers)})
        object.__setattr__(self, "_pending_groups", self._group_pending())

    def _group_pending(self) -> tuple[tuple[str, ...], ...]:
        """The pending inputs in groups that no signal-raising rule reads across: two inputs share a group when
        one rule reads both (or each shares one with a third), each input alone otherwise. In pending order."""
        group_of = {name: {name} for name in self.pending}
        for rule in self.rules:
            if not rule.signals:
                continue
            read = [name for name in self.pending if name in fields_of(rule.condition)]
            if len(read) > 1:
                merged = set().union(*(group_of[name] for name in read))
                for name in merged:
                    group_of[name] = merged
        groups: list[tuple[str, ...]] = []
        for name in self.pending:
            group = tuple(member for member in self.pending if member in group_of[name])
            if group not in groups:
                groups.append(group)
        return tuple(groups)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def tier_rank(self, tier: str) -> int:
        """A tier's place in the model's list (lowest risk first)."""
        return self._tier_rank[tier]

    def tier(self, tier: str) -> TierInfo:
        return self.tiers[self._tier_rank[tier]]

    @property
    def pending_groups(self) -> tuple[tuple[str, ...], ...]:
        """The pending inputs grouped so that no signal-raising rule reads two groups together: the signals of a
        filling are then the union of what each group's part of it raises on its own."""
        return self._pending_groups

    def ordered_findings(self, rules: list[Rule]) -> list[Rule]:
        """Findings in reading order: the branch first, then by factor as model.yaml lists them."""
        findings = [rule for rule in rules if rule.kind == "finding"]
        position = self._position
        return sorted(
            findings,
            key=lambda rule: (rule.selects_branch is None, self.factors.index(rule.factor), position[rule.id]),
        )


def citation_of(key: str, ref: ReferenceSpec) -> Citation:
    """A reference as a reader finds it: a short label and its DOI, PubMed or source address."""
    if ref.doi:
        url = f"https://doi.org/{ref.doi}"
    elif ref.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"
    else:
        url = ref.url or ""
    first_author = ref.authors.split(",")[0].strip()
    return Citation(key=key, label=f"{first_author}, {ref.journal} {ref.year}", url=url, verified=ref.verified)


def _words(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


class _Compiler:
    """Turns validated file specs into `Rule`s, checking what pydantic alone cannot."""

    def __init__(
        self,
        references: dict[str, ReferenceSpec],
        branch_conditions: dict[str, Condition],
        model: ModelSpec,
    ) -> None:
        self.references = references
        self.factors = set(model.factors)
        self.classifications = model.classifications
        self.branch_conditions = branch_conditions
        self.seen: dict[str, str] = {}
        self.rules: list[Rule] = []

    def _check_common(self, spec: StandingNoteSpec | NoteSpec | FindingSpec, source: str) -> None:
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

    def _citations(self, keys: list[str]) -> tuple[Citation, ...]:
        return tuple(citation_of(key, self.references[key]) for key in keys)

    def standing(self, spec: StandingNoteSpec, source: str) -> StandingNote:
        self._check_common(spec, source)
        text, citations, note_text = _words(spec.text) or "", self._citations(spec.cite), _words(spec.evidence_note)
        note = Note(rule_id=spec.id, text=text, citations=citations, evidence=spec.evidence, evidence_note=note_text)
        return StandingNote(spec.id, text, citations, spec.evidence, note_text, note)

    def _check_classifies(self, spec: FindingSpec, source: str) -> None:
        for name, value in spec.effect.classify.items():
            allowed = self.classifications.get(name)
            if allowed is None:
                raise RulebookError(
                    source, f"classification {name!r} is not declared under 'classifications' in model.yaml", spec.id
                )
            if value not in allowed:
                raise RulebookError(source, f"{name} = {value!r} is not one of {allowed}", spec.id)
        if spec.effect.status and spec.effect.signals:
            raise RulebookError(source, "a rule that sets a status raises no signals", spec.id)

    def add(
        self, spec: NoteSpec | FindingSpec, source: str, branch: str | None, selects_branch: str | None = None
    ) -> None:
        self._check_common(spec, source)
        try:
            own = parse_condition(spec.when)
        except ConditionError as error:
            raise RulebookError(source, f"malformed condition: {error}", spec.id) from None
        text, citations, evidence_note = _words(spec.text) or "", self._citations(spec.cite), _words(spec.evidence_note)
        condition = AllOf((self.branch_conditions[branch], own)) if branch else own
        if isinstance(spec, FindingSpec):
            if spec.factor not in self.factors:
                raise RulebookError(
                    source, f"factor {spec.factor!r} is not listed under 'factors' in model.yaml", spec.id
                )
            self._check_classifies(spec, source)
            finding = Finding(
                rule_id=spec.id,
                factor=spec.factor,
                direction=spec.direction,
                text=text,
                citations=citations,
                evidence=spec.evidence,
                evidence_note=evidence_note,
                disputed=_words(spec.disputed),
            )
            rule = Rule(
                id=spec.id,
                kind="finding",
                source=source,
                condition=condition,
                own_condition=own,
                text=text,
                citations=citations,
                evidence=spec.evidence,
                evidence_note=evidence_note,
                factor=spec.factor,
                direction=spec.direction,
                branch=branch,
                selects_branch=selects_branch,
                classifies=dict(spec.effect.classify),
                status=spec.effect.status,
                signals=frozenset(spec.effect.signals),
                finding=finding,
            )
        else:
            note = Note(
                rule_id=spec.id,
                text=text,
                citations=citations,
                evidence=spec.evidence,
                evidence_note=evidence_note,
                disputed=_words(spec.disputed),
            )
            rule = Rule(
                id=spec.id,
                kind="note",
                source=source,
                condition=condition,
                own_condition=own,
                text=text,
                citations=citations,
                evidence=spec.evidence,
                evidence_note=evidence_note,
                branch=branch,
                note=note,
            )
        self.rules.append(rule)


def _compile_grouping(model: ModelSpec, where: str) -> dict[str, tuple[Tier, ...]]:
    tier_ids = {tier.id for tier in model.tiers}
    grouping: dict[str, tuple[Tier, ...]] = {}
    for branch in model.branches:
        tiers: list[Tier] = []
        for index, tier in enumerate(branch.grouping):
            last = index == len(branch.grouping) - 1
            if last != (tier.if_any is None):
                raise RulebookError(
                    where,
                    f"branch {branch.id}: only the last tier, and always the last, is 'otherwise' (no if_any)",
                )
            if tier.group not in tier_ids:
                raise RulebookError(where, f"branch {branch.id}: {tier.group!r} is not one of the model's tiers")
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


def _check_signals(rules: list[Rule], grouping: dict[str, tuple[Tier, ...]], where: str) -> None:
    raised = {signal: rule for rule in rules for signal in rule.signals}
    used = set().union(*(_used_signals(tiers) for tiers in grouping.values()))
    for signal in sorted(used - raised.keys()):
        raise RulebookError(where, f"the grouping uses signal {signal!r}, which no rule raises")
    for signal in sorted(raised.keys() - used):
        rule = raised[signal]
        raise RulebookError(rule.source, f"raises signal {signal!r}, which no grouping uses", rule.id)
    for branch, tiers in grouping.items():
        for tier in tiers:
            for grouping_path in tier.paths or ():
                both = sorted(grouping_path.all & grouping_path.none)
                if both:
                    raise RulebookError(where, f"branch {branch}: a path both requires and excludes {both}")
    for rule in rules:  # a rule confined to one branch must raise only what that branch's grouping reads
        if rule.branch is not None:
            unused = rule.signals - _used_signals(grouping[rule.branch])
            if unused:
                raise RulebookError(
                    rule.source,
                    f"raises {sorted(unused)}, which the {rule.branch} grouping does not use",
                    rule.id,
                )


def _check_pending(model: ModelSpec, where: str) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[str, ...]]]:
    """The representatives of each pending input, each a valid value of its field on its own (checks of one
    field against another, such as a KMT2A partner needing kmt2a_r, are the rules' to respect); and, for an
    input whose wait another input can end, those inputs."""
    pending: dict[str, tuple[Any, ...]] = {}
    unless: dict[str, tuple[str, ...]] = {}
    for name, entry in model.pending.items():
        if name not in Patient.model_fields:
            raise RulebookError(where, f"pending: unknown Patient field {name!r}")
        default = Patient.model_fields[name].default
        if default is not None and default != frozenset():
            raise RulebookError(
                where, f"pending: {name!r} always has a value (default {default!r}), so it is never pending"
            )
        representatives = entry.values if isinstance(entry, PendingSpec) else entry
        if not representatives:
            raise RulebookError(where, f"pending: {name!r} needs at least one representative value")
        info = Patient.model_fields[name]
        # The field's own type and constraints, without Patient's checks of one field against another.
        field_type: TypeAdapter[Any] = TypeAdapter(cast(Any, Annotated[info.annotation, info]))
        for value in representatives:
            try:
                field_type.validate_python(value)
            except ValidationError as error:
                raise RulebookError(
                    where, f"pending: {name} = {value!r} is not a valid value: {error.errors()[0]['msg']}"
                ) from None
        if isinstance(entry, PendingSpec):
            strangers = [other for other in entry.unless_given if other not in Patient.model_fields or other == name]
            if strangers:
                raise RulebookError(where, f"pending: {name}: unless_given names no other Patient field: {strangers}")
            unless[name] = tuple(entry.unless_given)
        pending[name] = tuple(tuple(value) if isinstance(value, list) else value for value in representatives)
    return pending, unless


def _check_inputs(model: ModelSpec, rules: list[Rule], where: str) -> None:
    """The declared inputs are Patient fields, and exactly the fields the rules, the pending list and the
    assumptions read: a scheme says what it reads, and reads nothing it does not say."""
    unknown = [name for name in model.inputs if name not in Patient.model_fields]
    if unknown:
        raise RulebookError(where, f"inputs: unknown Patient field(s) {unknown}")
    read = set().union(*(fields_of(rule.condition) for rule in rules)) | set(model.pending)
    read |= {
        other for entry in model.pending.values() if isinstance(entry, PendingSpec) for other in entry.unless_given
    }
    read |= {item.field for item in model.assumed_absent}
    undeclared = sorted(read - set(model.inputs))
    if undeclared:
        raise RulebookError(where, f"inputs: the rules read {undeclared}, which 'inputs' does not list")
    unread = sorted(set(model.inputs) - read)
    if unread:
        raise RulebookError(where, f"inputs: {unread} listed but never read by a rule")


def _check_labels(labels: dict[str, str], rules: list[Rule], pending: dict[str, tuple[Any, ...]], where: str) -> None:
    """Every genetic code a model reads (in a rule or a pending representative) has a display label."""
    read = {str(atom.value) for rule in rules for atom in atoms(rule.condition) if atom.field == "genetics"}
    read |= {code for value in pending.get("genetics", ()) for code in value}
    missing = [code.value for code in GeneticCode if code.value in read and code.value not in labels]
    if missing:
        raise RulebookError(where, f"no label for genetic code(s): {', '.join(missing)}")


def _model_fields(model: ModelSpec, where: str) -> None:
    if len({tier.id for tier in model.tiers}) != len(model.tiers):
        raise RulebookError(where, "tiers: a tier id is listed twice")
    span = model.population.age_years
    if not span.start < span.below:
        raise RulebookError(where, "population: age_years 'from' must be below 'below'")


def load_rulebook(model_id: str = DEFAULT_MODEL, root: Path | None = None) -> Rulebook:
    """Load and check one model's rule files; raise RulebookError on the first fault."""
    root = (root or rules_root()).resolve()
    base = root.parent

    def shown(path: Path) -> str:
        return shown_path(path, base)

    return _load(model_id, root, shown)


def _load(model_id: str, root: Path, shown: Shown) -> Rulebook:
    references = load_references(root / "references.yaml", shown)
    model_dir = root / model_id
    model_path = model_dir / "model.yaml"
    where = shown(model_path)
    model = read_model_file(model_path, shown)
    if model.id != model_id:
        raise RulebookError(where, f"id {model.id!r} does not match its folder {model_id!r}")
    _model_fields(model, where)

    branch_conditions: dict[str, Condition] = {}
    for branch in model.branches:
        try:
            branch_conditions[branch.id] = parse_condition(branch.rule.when)
        except ConditionError as error:
            raise RulebookError(where, f"malformed condition: {error}", branch.rule.id) from None
        if fields_of(branch_conditions[branch.id]) != {"age_years"}:
            raise RulebookError(where, "a branch is chosen by age_years alone", branch.rule.id)

    compiler = _Compiler(references, branch_conditions, model)
    standing = tuple(compiler.standing(note, where) for note in model.standing_notes)
    for branch in model.branches:
        compiler.add(branch.rule, where, None, selects_branch=branch.id)

    stray = sorted(path.name for path in model_dir.iterdir() if path.suffix in (".yml", ".YAML", ".YML"))
    if stray:
        raise RulebookError(shown(model_dir), f"rule files must end in .yaml; found {', '.join(stray)}")
    labels: dict[str, str] = {}
    files = [model_path]
    for path in sorted(model_dir.glob("*.yaml")):
        if path == model_path:
            continue
        files.append(path)
        spec = read_rule_file(path, shown)
        if spec.branch is not None and spec.branch not in branch_conditions:
            raise RulebookError(shown(path), f"branch {spec.branch!r} is not declared in model.yaml")
        for rule_spec in spec.rules:
            compiler.add(rule_spec, shown(path), spec.branch)
        for note_spec in spec.notes:
            compiler.add(note_spec, shown(path), spec.branch)
        labels.update({code.value: label for code, label in spec.labels.items()})

    pending, pending_unless = _check_pending(model, where)
    _check_labels(labels, compiler.rules, pending, shown(model_dir))
    grouping = _compile_grouping(model, where)
    _check_signals(compiler.rules, grouping, where)
    _check_inputs(model, compiler.rules, where)
    return Rulebook(
        model_id=model.id,
        version=model.version,
        title=model.title,
        short=model.short or model.title,
        disclaimer=" ".join(model.disclaimer.split()),
        rules=tuple(compiler.rules),
        grouping=grouping,
        pending=pending,
        pending_unless=pending_unless,
        references=references,
        labels=labels,
        factors=tuple(model.factors),
        standing_notes=standing,
        files=tuple(shown(path) for path in files),
        era=model.era,
        source=" ".join(model.source.split()),
        lineage=model.population.lineage,
        population_text=" ".join(model.population.text.split()),
        age_from=model.population.age_years.start,
        age_below=model.population.age_years.below,
        tiers=tuple(TierInfo(tier.id, tier.name, tier.colour, tier.ladder, tier.high_risk) for tier in model.tiers),
        inputs=tuple(model.inputs),
        assumed_absent=tuple(Assumed(item.field, " ".join(item.text.split())) for item in model.assumed_absent),
    )
