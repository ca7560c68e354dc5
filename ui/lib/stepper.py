"""The "results arrive" stepper: the case at diagnosis, day 8, end of induction, end of consolidation.

A lecturer clicks through the steps and the class watches the group change as each result arrives. Each
step is the case assessed with only the results known by then (ui.lib.whatif.course); the last step is the
whole case. When the case itself changes (an input is edited), the stepper goes back to the whole case, so
that an edited value is never hidden behind an earlier step.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from riskcalc import Patient
from ui.lib.whatif import CourseStep

STEP = "rc_step"  # the stepper's widget key
_FOR = "_rc_step_for"  # the case the stepper's choice belongs to
_MOVED = "_rc_step_moved"  # True in the run right after the lecturer clicked a step


@dataclass(frozen=True)
class Choice:
    index: int  # the step shown: 0 (at diagnosis) to len(steps) - 1 (the whole case)
    moved: bool  # the lecturer has just clicked a step: "what changed" then tells what that step did

    def is_last(self, steps: list[CourseStep]) -> bool:
        return self.index == len(steps) - 1


def _moved() -> None:
    st.session_state[_MOVED] = True


def choose(
    steps: list[CourseStep], patient: Patient, session: MutableMapping[Any, Any] | None = None, *, compact: bool = False
) -> Choice:
    """Draw the stepper and return the step chosen (the whole case unless the lecturer clicked another).
    Compact (projected): the label is kept for screen readers but not shown, to save a line of the screen."""
    session = st.session_state if session is None else session
    names = [step.short for step in steps]
    if session.get(_FOR) != patient or session.get(STEP) not in names:
        session[STEP] = names[-1]
        session[_FOR] = patient
    chosen = st.segmented_control(
        "Results known so far",
        names,
        key=STEP,
        required=True,  # clicking the step shown again keeps it, instead of clearing the choice
        on_change=_moved,
        help="Each step shows the group with only the results known by then; the last step is the whole case.",
        label_visibility="collapsed" if compact else "visible",
        wrap=True,  # in a column Streamlit would otherwise keep one row and scroll it sideways, out of sight
    )
    return Choice(names.index(chosen or names[-1]), bool(session.pop(_MOVED, False)))
