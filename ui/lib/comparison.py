"""Pinned cases and their side-by-side comparison (the Compare page).

Pinned cases live only in this browser session's memory (st.session_state), never on disk or in a log.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from riskcalc import Assessment, Patient
from riskcalc.explain import headline
from ui.lib.vocabulary import Vocabulary
from ui.lib.wording import first_upper, format_value, groups_text

PINNED = "pinned_cases"
PIN_LIMIT = 4
DIFFERS = "≠\u00a0differs"  # a no-break space: the marker never wraps inside its narrow column


def pinned(session: MutableMapping[Any, Any]) -> list[Patient]:
    return list(session.get(PINNED, []))


def pin(session: MutableMapping[Any, Any], patient: Patient) -> str:
    """Add a case to the pinned ones; returns a message saying what happened."""
    cases = pinned(session)
    if patient in cases:
        return f"This case is already pinned (case {cases.index(patient) + 1})."
    if len(cases) >= PIN_LIMIT:
        return f"Already {PIN_LIMIT} cases pinned: remove one on the Compare page first."
    session[PINNED] = [*cases, patient]
    return f"Pinned as case {len(cases) + 1} of {PIN_LIMIT}. Open the Compare page to see it side by side."


def unpin(session: MutableMapping[Any, Any], index: int) -> None:
    cases = pinned(session)
    if 0 <= index < len(cases):
        del cases[index]
    session[PINNED] = cases


def comparison_rows(assessments: Sequence[Assessment], words: Vocabulary) -> list[dict[str, str]]:
    """One row per input and per outcome, one column per case, and a text marker where the cases differ."""
    names = [f"Case {index + 1}" for index in range(len(assessments))]
    rows: list[dict[str, str]] = []

    def add(section: str, label: str, values: list[str]) -> None:
        differs = len(set(values)) > 1
        # "Differs" comes right after the item, so it is read before the values (screen readers, narrow screens).
        rows.append(
            {"Section": section, "Item": label, "Differs": DIFFERS if differs else "", **dict(zip(names, values))}
        )

    for field in Patient.model_fields:
        add("Input", words.label(field), [format_value(field, getattr(a.patient, field), words) for a in assessments])
    add("Outcome", "Risk group", [headline(a).cell for a in assessments])
    add("Outcome", "Possible groups", [groups_text(a.possible_groups) for a in assessments])
    add("Outcome", "Branch", [words.branches[a.branch.value] for a in assessments])
    add("Outcome", "NCI/Rome group", [a.nci_risk.value if a.nci_risk else "—" for a in assessments])
    add("Outcome", "Pending", [", ".join(words.label(f) for f in a.pending) or "none" for a in assessments])
    every_rule = list(dict.fromkeys(rule for a in assessments for rule in a.fired_rules))
    titles = _rule_titles(assessments, words)
    for rule in every_rule:
        add("Rule", titles.get(rule, rule), ["applies" if rule in a.fired_rules else "—" for a in assessments])
    return rows


_NOTE_GIST = 60  # characters of a note's text shown as its title


def _rule_titles(assessments: Sequence[Assessment], words: Vocabulary) -> dict[str, str]:
    """A rule in words for a teacher, with its id for looking it up in docs/rules.md: 'Age: pushes ... (id)'."""
    titles: dict[str, str] = {}
    for assessment in assessments:
        for finding in assessment.findings:
            direction = words.directions[finding.direction.value]
            titles[finding.rule_id] = f"{first_upper(finding.factor)}: {direction} ({finding.rule_id})"
        for note in assessment.notes:
            gist = note.text if len(note.text) <= _NOTE_GIST else note.text[:_NOTE_GIST].rsplit(" ", 1)[0] + " …"
            titles.setdefault(note.rule_id, f"Note: {gist} ({note.rule_id})")
    return titles
