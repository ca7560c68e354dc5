"""Plain-text explanation of an Assessment, for the terminal and for handouts, and the one headline of a result.

Layout words only ("Risk group:", "Provisional:", "waiting for"); every clinical sentence comes from the rule
files through the Assessment, and the inputs are named as the rule files name them (`input_words`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from riskcalc.api import get_rulebook
from riskcalc.conditions import fields_of
from riskcalc.models import (
    Assessment,
    Citation,
    Classification,
    ClassificationStatus,
    Direction,
    EvidenceStatus,
    Finding,
    Note,
    RiskGroup,
)

_ARROW = {Direction.UNFAVORABLE: "[+] raises", Direction.FAVORABLE: "[-] lowers", Direction.NEUTRAL: "[=] neutral"}


def join_words(words: Sequence[str], last: str) -> str:
    """'A', 'A or B', 'A, B or C' (last='or'); 'A, B and C' (last='and')."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def group_word(group: RiskGroup | str) -> str:
    """'Favorable', 'Standard', 'High'."""
    return str(getattr(group, "value", group)).capitalize()


@lru_cache(maxsize=8)
def _factor_of_field(model_id: str) -> dict[str, str]:
    """Each Patient field and the factor the rule files give the findings that read that field alone.

    model.yaml declares the factors ("genetics", "CNS status", "end-of-induction MRD"); the findings say
    which field each reads. Deriving the word from them names every input once, in the rule files, rather
    than again in Python. A field read under two factors, or by no single-field finding, has no word."""
    seen: dict[str, set[str]] = {}
    for rule in get_rulebook(model_id).rules:
        fields = fields_of(rule.own_condition)
        if rule.kind == "finding" and rule.factor and len(fields) == 1:
            seen.setdefault(next(iter(fields)), set()).add(rule.factor)
    return {field: next(iter(factors)) for field, factors in seen.items() if len(factors) == 1}


def input_words(field: str, model_id: str) -> str:
    """An input as the rule files name it ('end-of-induction MRD'); the field name if they do not."""
    return _factor_of_field(model_id).get(field, field)


@dataclass(frozen=True)
class Headline:
    """How a result is headlined on every output (spec 1.1 section 6).

    A final result is its group. A provisional one is its range and what it waits for, never a single group:
    the floor (`Assessment.group`) is said only as "at best ...", which a reader cannot take for the answer.
    """

    provisional: bool
    groups: str  # 'High' or 'Favorable, Standard or High'
    waiting: str = ""  # 'genetics, CNS status and end-of-induction MRD'
    floor: str = ""  # 'at best Favorable' (provisional only)

    @property
    def text(self) -> str:
        """'Risk group: High' or 'Provisional: Favorable, Standard or High — waiting for genetics, ...'."""
        if not self.provisional:
            return f"Risk group: {self.groups}"
        waiting = f" — waiting for {self.waiting}" if self.waiting else ""
        return f"Provisional: {self.groups}{waiting}"

    @property
    def lines(self) -> list[str]:
        """The headline and, while provisional, the floor on a second short line ('At best Favorable')."""
        return [self.text, self.floor[:1].upper() + self.floor[1:]] if self.floor else [self.text]

    @property
    def line(self) -> str:
        """Everything on one line, for a CSV cell, a document subject or a quiz answer."""
        return f"{self.text}; {self.floor}" if self.floor else self.text

    @property
    def cell(self) -> str:
        """The short form for a table whose column already says 'group': 'High', or
        'Provisional: Favorable, Standard or High (at best Favorable)'."""
        return f"Provisional: {self.groups} ({self.floor})" if self.provisional else self.groups


def headline(assessment: Assessment) -> Headline:
    """The one headline of an assessment, used by every output (command line, pages, handouts, exports)."""
    if not assessment.provisional:
        return Headline(provisional=False, groups=group_word(assessment.group))
    return Headline(
        provisional=True,
        groups=join_words([group_word(group) for group in assessment.possible_groups], "or"),
        waiting=join_words([input_words(field, assessment.model_id) for field in assessment.pending], "and"),
        floor=f"at best {group_word(assessment.group)}",
    )


def _cite(citations: Sequence[Citation]) -> str:
    return "; ".join(f"{citation.label} <{citation.url}>" for citation in citations)


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def _evidence(status: EvidenceStatus) -> str:
    return "" if status == EvidenceStatus.VERIFIED else f" [evidence: {status.value}]"


def to_text(assessment: Assessment) -> str:
    """The headline, then the disclaimer (read before any finding), then the inputs, findings and notes."""
    lines = [*headline(assessment).lines, _wrap(assessment.disclaimer, ""), ""]
    branch = assessment.branch.value
    nci = f", NCI/Rome {assessment.nci_risk.value} risk" if assessment.nci_risk else ""
    lines.append(f"Branch: {branch}{nci}")
    shown = assessment.patient.model_dump(mode="json")
    inputs = ", ".join(
        f"{name}={'+'.join(value) if isinstance(value, list) else value}"
        if value not in (None, [])
        else f"{name}=not given"
        for name, value in shown.items()
    )
    lines.append(_wrap(f"Inputs: {inputs}", ""))
    if assessment.provisional:
        possible = ", ".join(group.value for group in assessment.possible_groups)
        lines.append(f"Possible groups once results arrive: {possible}")
        lines.append(f"Pending: {', '.join(assessment.pending)}")
        lines.append("What the pending results would do:")
        for scenario in assessment.scenarios:
            fills = ", ".join(
                f"{name}={'+'.join(value) if isinstance(value, list) else value}"
                for name, value in scenario.fills.items()
            )
            lines.append(f"  {fills} -> {scenario.group.value}")
    lines.append("")
    lines.append("Findings:")
    for finding in assessment.findings:
        lines.append(
            f"- {finding.factor} ({_ARROW[finding.direction]}){_evidence(finding.evidence)} [{finding.rule_id}]"
        )
        lines.append(_wrap(finding.text, "    "))
        lines.append(_wrap(f"Sources: {_cite(finding.citations)}", "    "))
    if assessment.notes:
        lines.append("")
        lines.append("Notes:")
        for note in assessment.notes:
            # The same layout as a finding: its id and evidence tag first, then the sentence and its sources.
            lines.append(f"- [{note.rule_id}]{_evidence(note.evidence)}")
            lines.append(_wrap(note.text, "    "))
            lines.append(_wrap(f"Sources: {_cite(note.citations)}", "    "))
    lines.append("")
    lines.append(f"Model: {assessment.model_id} {assessment.model_version}")
    return "\n".join(lines)


# ---- a scheme's classification (riskcalc.classify) ------------------------------------------------------


def tier_names(result: Classification) -> list[str]:
    """The possible tiers in the source's words, one entry per ladder when they span two ('A or B')."""
    book = get_rulebook(result.model_id)
    by_ladder: dict[str | None, list[str]] = {}
    for tier in result.possible_tiers:
        info = book.tier(tier)
        by_ladder.setdefault(info.ladder, []).append(info.name)
    if len(by_ladder) == 1:
        return [join_words(next(iter(by_ladder.values())), "or")]
    return [f"{join_words(names, 'or')} ({ladder} ladder)" for ladder, names in by_ladder.items()]


def classification_cell(result: Classification) -> str:
    """One line for a table cell: 'High risk', 'Provisional: A or B (waiting for ...)', 'Not applicable (why)'.

    A provisional result is its range, never one tier; a result without a tier says why."""
    if result.status == ClassificationStatus.NOT_APPLICABLE:
        return f"Not applicable ({result.reason})"
    if result.status == ClassificationStatus.NOT_CLASSIFIED:
        return f"Not classified ({result.reason})"
    names = tier_names(result)
    if not result.provisional:
        return names[0]
    waiting = join_words([input_words(field, result.model_id) for field in result.pending], "and")
    return f"Provisional: {' | '.join(names)} (waiting for {waiting})"


def calls_high_risk(result: Classification) -> str:
    """Whether the scheme calls the child high risk (a tier its model.yaml marks `high_risk`), in one word:
    'yes', 'no', 'possibly' while the pending results can still decide it, or 'n/a' without a tier."""
    if result.status != ClassificationStatus.CLASSIFIED:
        return "n/a"
    book = get_rulebook(result.model_id)
    high = {book.tier(tier).high_risk for tier in result.possible_tiers}
    return "possibly" if len(high) > 1 else ("yes" if high == {True} else "no")


def disputed_mark(result: Classification) -> str:
    """'Disputed boundary: at exactly 300 x10^9/L the sources differ' when the case sits on a cut-off that two
    sources read differently (the finding or note says what each reads); '' otherwise."""
    return f"Disputed boundary: {'; '.join(result.disputed)}" if result.disputed else ""


def _explained(item: Finding | Note, head: str) -> list[str]:
    lines = [head, _wrap(item.text, "    ")]
    if item.evidence_note:  # what exactly is unconfirmed travels with the sentence
        lines.append(_wrap(f"Evidence {item.evidence.value}: {item.evidence_note}", "    "))
    lines.append(_wrap(f"Sources: {_cite(item.citations)}", "    "))
    return lines


def classification_text(result: Classification) -> str:
    """A scheme's result for the terminal: title, the cell, the disclaimer, then findings, flags and notes."""
    lines = [f"{result.model_title} [{result.model_id}]", classification_cell(result)]
    lines += [_wrap(result.disclaimer, ""), ""]
    if result.classifications:
        lines.append("Also: " + ", ".join(f"{name} = {value}" for name, value in result.classifications.items()))
    if result.disputed:
        lines.append(disputed_mark(result))
    if result.pending:
        lines.append(f"Pending: {', '.join(result.pending)}")
    for text in result.assumed:
        lines.append(f"Assumed: {text}")
    lines.append("")
    lines.append("Findings:")
    for finding in result.findings:
        head = f"- {finding.factor} ({_ARROW[finding.direction]}){_evidence(finding.evidence)} [{finding.rule_id}]"
        lines += _explained(finding, head)
    if result.notes:
        lines += ["", "Notes:"]
        for note in result.notes:
            lines += _explained(note, f"- [{note.rule_id}]{_evidence(note.evidence)}")
    lines += ["", f"Model: {result.model_id} {result.model_version}"]
    return "\n".join(lines)
