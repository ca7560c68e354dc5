"""Compare page: up to four pinned cases side by side, with their differences marked in words."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]  # pandas-stubs is not installed
import streamlit as st

from riskcalc import Patient, assess
from ui.lib import address, comparison, inputs, render
from ui.lib.query import link_from_patient
from ui.lib.vocabulary import load_vocabulary

_HIGHLIGHT = "background-color: #fff3cd; font-weight: 600"  # an extra cue; the "≠ differs" text is the signal


def _open(patient: Patient) -> None:
    """Load a pinned case into the calculator's form (its widgets are kept across pages)."""
    inputs.apply_patient(st.session_state, patient)
    st.session_state["_open_calculator"] = True


def _style(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    def row_style(row: pd.Series) -> list[str]:
        marked = row["Differs"] == comparison.DIFFERS
        return [_HIGHLIGHT if marked and column != "Section" else "" for column in row.index]

    return frame.style.apply(row_style, axis=1)


def page() -> None:
    words = load_vocabulary()
    st.title("Compare cases")
    if st.session_state.pop("_open_calculator", False):
        st.switch_page("views/calculator.py")
    for message in address.compare_problems(st.session_state):
        st.error(message)
    cases = comparison.pinned(st.session_state)
    if not cases:
        st.info(
            "No case pinned yet. On the Calculator or the Teaching cases page, press **Pin** on a case "
            f"(up to {comparison.PIN_LIMIT})."
        )
        return
    assessments = [assess(patient) for patient in cases]
    st.caption(
        f"{len(cases)} of {comparison.PIN_LIMIT} cases pinned, kept in this browser session and in the page's "
        "address: a reload or the copied address shows the same comparison. Rows where the cases differ are "
        "marked “≠ differs”."
    )

    columns = st.columns(len(assessments))
    for index, (column, assessment) in enumerate(zip(columns, assessments)):
        with column:
            st.markdown(f"## Case {index + 1}")
            render.badge(assessment, words, size="1.35rem")
            # The app's root: the link opens the case in the Calculator, not this page with parameters.
            link = address.absolute(link_from_patient(assessment.patient))
            st.markdown(f"[Link to case {index + 1}]({link if link.startswith('http') else './' + link})")
            left, right = st.columns(2)
            left.button("Edit in calculator", key=f"open_{index}", on_click=_open, args=(assessment.patient,))
            right.button("Remove", key=f"unpin_{index}", on_click=comparison.unpin, args=(st.session_state, index))

    rows = comparison.comparison_rows(assessments, words)
    only_differences = st.toggle("Show only the rows that differ", key="compare_only_differences")
    if only_differences:
        rows = [row for row in rows if row["Differs"]]
    frame = pd.DataFrame(rows)
    if frame.empty:
        st.success("The pinned cases are identical in every input and outcome.")
    else:
        # A static table: every cell wraps, so long genetic names are read whole, and it prints.
        st.table(_style(frame.set_index("Item")))
    render.disclaimer(assessments[0])


page()
