"""Plain-text and Markdown wording of inputs and results, shared by the pages and the handouts.

Only layout words are written here; every clinical word comes from the Assessment (rule files) or from the
teaching vocabulary. No Streamlit import, so the handout builders and tests can use it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskcalc import Assessment, Citation, Finding, Note, Patient, RiskGroup
from riskcalc.explain import group_word, headline, join_words
from ui.lib.vocabulary import MAIN_FIELDS, Vocabulary


def number(value: float) -> str:
    """'12', '2.5', '0.01' (no float noise, no trailing '.0')."""
    return f"{value:.10g}"


def format_value(field: str, value: Any, words: Vocabulary) -> str:
    """One input as a reader would say it; missing results say how they are missing."""
    entry = words.fields[field]
    if field == "genetics":
        codes = sorted(value or [])
        return " + ".join(words.genetic_label(str(code)) for code in codes) if codes else (entry.pending or "pending")
    if field == "cns_status":
        return str(getattr(value, "value", value)) if value else (entry.pending or "not known")
    if value is None:
        return entry.missing or entry.pending or "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    code = getattr(value, "value", None)  # a coded input (steroids, KMT2A partner, prednisone response)
    if code is not None:
        return entry.choices.get(str(code), str(code))
    return f"{number(value)} {entry.unit}".strip()


def inputs_table(patient: Patient, words: Vocabulary) -> list[tuple[str, str]]:
    """(label, value) for every input the teaching model reads, and each input only some protocols read when
    it is given, in Patient field order."""
    return [
        (words.label(field), format_value(field, getattr(patient, field), words))
        for field in Patient.model_fields
        if field in MAIN_FIELDS or getattr(patient, field) is not None
    ]


def group_name(group: RiskGroup | str) -> str:
    return group_word(group)


def groups_text(groups: Sequence[RiskGroup]) -> str:
    return join_words([group_name(group) for group in groups], "or")


def case_summary(patient: Patient, words: Vocabulary) -> str:
    """The results given, on one line, for the projected result: 'Age 4 years · White count 12 x10⁹/L · ...'.
    Results not given are left out: the badge says which of them the group still waits for."""
    given = [name for name, value in patient if value is not None and value is not False and value != frozenset()]
    return " · ".join(
        f"{words.fields[name].short} {format_value(name, getattr(patient, name), words)}" for name in given
    )


def badge_text(assessment: Assessment, words: Vocabulary) -> str:
    """'▲ Risk group: High': a final group has its symbol as well as the words, never colour alone.

    A provisional result is its range, 'Provisional: Favorable, Standard or High — waiting for ...', with no
    group's symbol: a symbol of the floor would headline one group after all (spec 1.1 section 6)."""
    line = headline(assessment)
    return line.text if line.provisional else f"{words.groups[assessment.group.value].symbol} {line.text}"


def context_line(assessment: Assessment, words: Vocabulary) -> str:
    nci = f" · NCI/Rome group: {assessment.nci_risk.value}" if assessment.nci_risk else ""
    return f"Branch: {words.branches[assessment.branch.value]}{nci}"


def citations_markdown(citations: Sequence[Citation]) -> str:
    """Markdown links, '[Smith M, J Clin Oncol 1996](https://doi.org/...)'."""
    return "; ".join(f"[{_escape(citation.label)}]({citation.url})" for citation in citations)


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def evidence_markdown(item: Finding | Note, words: Vocabulary) -> str:
    status = words.evidence[item.evidence.value]
    if not status:
        return ""
    note = f": {item.evidence_note}" if item.evidence_note else ""
    return f" *({status}{note})*"


def finding_markdown(finding: Finding, words: Vocabulary) -> str:
    """A finding as one readable Markdown paragraph: factor, direction in words, sentence, sources."""
    return (
        f"**{first_upper(finding.factor)}** — {words.directions[finding.direction.value]}. {finding.text} "
        f"Sources: {citations_markdown(finding.citations)}{evidence_markdown(finding, words)}"
    )


def note_markdown(note: Note, words: Vocabulary) -> str:
    return f"{note.text} Sources: {citations_markdown(note.citations)}{evidence_markdown(note, words)}"


def pending_effects(assessment: Assessment, words: Vocabulary) -> list[tuple[str, list[str]]]:
    """What each pending result would do, read from the scenarios, per pending field:
    ('End-of-induction marrow MRD', ['if 0 % → Favorable, Standard or High (…)', 'if 1 % → High']).

    A representative result that leads to several groups depends on the other pending results, and the
    sentence says so rather than picking one.
    """
    effects: list[tuple[str, list[str]]] = []
    for field in assessment.pending:
        outcomes: dict[str, set[RiskGroup]] = {}
        for scenario in assessment.scenarios:
            value = format_value(field, scenario.fills[field], words)
            outcomes.setdefault(value, set()).add(scenario.group)
        lines = []
        for value, groups in outcomes.items():
            ordered = sorted(groups, key=lambda group: group.rank)
            tail = " (depending on the other pending results)" if len(ordered) > 1 else ""
            lines.append(f"if {value} → {groups_text(ordered)}{tail}")
        effects.append((words.label(field), lines))
    return effects


def pending_effects_markdown(assessment: Assessment, words: Vocabulary) -> str:
    """The pending effects as a nested Markdown list."""
    return "\n".join(
        f"- {label}\n" + "\n".join(f"    - {line}" for line in lines)
        for label, lines in pending_effects(assessment, words)
    )


def scenario_rows(assessment: Assessment, words: Vocabulary) -> list[dict[str, str]]:
    """Every filling of the pending results and its group, as table rows labelled for people."""
    return [
        {
            **{words.label(name): format_value(name, value, words) for name, value in scenario.fills.items()},
            "Group": group_name(scenario.group),
        }
        for scenario in assessment.scenarios
    ]


def missing_without_effect(assessment: Assessment) -> list[str]:
    """Results still missing that cannot change the group (filled in the scenarios, yet not pending)."""
    filled = {name for scenario in assessment.scenarios for name in scenario.fills}
    return [name for name in filled if name not in assessment.pending]


def first_upper(text: str) -> str:
    """'CNS status' stays 'CNS status', 'age' becomes 'Age' (str.capitalize would lower the rest)."""
    return text[:1].upper() + text[1:]
