"""The course of diagnosis as table rows: one per step, in words, for every output that prints it.

Pure text (no Streamlit), so the handouts print the same rows the calculator page shows: the results added
at each step, the group as the headline says it (a provisional result by its range), the groups still
possible, and a marker where the result moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskcalc import Assessment
from riskcalc.explain import headline
from ui.lib.vocabulary import Vocabulary
from ui.lib.whatif import CourseStep
from ui.lib.wording import format_value, groups_text

HEADER = ("Step", "Results known", "Group", "Still possible", "Change")


@dataclass(frozen=True)
class CourseRow:
    step: str
    added: str  # the results this step adds, 'Genetic findings…: ETV6::RUNX1 fusion; CNS status…: CNS1'
    group: str
    possible: str
    change: str  # '', '◆ group changed', '◆ fewer groups possible' or '✓ now final'

    @property
    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.step, self.added, self.group, self.possible, self.change)


def marker(previous: Assessment, current: Assessment) -> str:
    """How the result moved from one step to the next. A provisional result is its range, so a step that
    only narrows the range, or settles on a group the range held, does not 'change' the group."""
    if current.possible_groups == previous.possible_groups:
        return ""
    if set(current.possible_groups) <= set(previous.possible_groups):
        return "✓ now final" if not current.provisional else "◆ fewer groups possible"
    return "◆ group changed"


def course_rows(steps: list[CourseStep], words: Vocabulary) -> list[CourseRow]:
    rows: list[CourseRow] = []
    previous: Assessment | None = None
    known: set[str] = set()
    for step in steps:
        current = step.assessment
        added = [name for name in step.known if name not in known]
        rows.append(
            CourseRow(
                step=step.label,
                added="; ".join(
                    f"{words.label(name)}: {format_value(name, getattr(current.patient, name), words)}"
                    for name in added
                ),
                group=headline(current).cell,
                possible=groups_text(current.possible_groups),
                change="" if previous is None else marker(previous, current),
            )
        )
        previous, known = current, set(step.known)
    return rows
