"""Calculator page: enter a case, see its group explained with sources, and what each change does."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from riskcalc import Assessment, Patient, assess
from ui.lib import comparison, handouts, inputs, render
from ui.lib.query import link_from_patient, patient_from_query, query_from_patient
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.whatif import compare, course

try:  # the pictures are drawn by ui/lib/charts.py; the page still works without them
    from ui.lib import charts
except ImportError:  # pragma: no cover - only while charts.py is missing
    charts = None  # type: ignore[assignment]

LAST_LINK = "_calculator_last_link"  # the query parameters this page last wrote or read
CURRENT, PREVIOUS = "_calculator_current", "_calculator_previous"  # assessments, for "what changed"


def load_link() -> list[str]:
    """Fill the form from the page's link when it holds a case this page did not write itself.

    Runs before the widgets are drawn (a widget's value cannot be set after it is drawn in a run).
    """
    params = st.query_params.to_dict()
    if not params or params == st.session_state.get(LAST_LINK):
        return []
    patient, errors = patient_from_query(params)
    if patient is not None:
        inputs.apply_patient(st.session_state, patient)
    st.session_state[LAST_LINK] = params
    return errors


def write_link(patient: Patient) -> str:
    """Keep the address bar on the case shown, so copying it shares the case; returns the relative link."""
    query = query_from_patient(patient)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[LAST_LINK] = query
    return link_from_patient(patient)


def remember(assessment: Assessment) -> Assessment | None:
    """Track the previous assessment of a different case, for 'what changed' (session memory only)."""
    current: Assessment | None = st.session_state.get(CURRENT)
    if current is None or current.patient != assessment.patient:
        st.session_state[PREVIOUS] = current
        st.session_state[CURRENT] = assessment
    previous: Assessment | None = st.session_state.get(PREVIOUS)
    return previous


def _pin(patient: Patient) -> None:
    st.session_state["_pin_message"] = comparison.pin(st.session_state, patient)


def actions(assessment: Assessment, link: str, words: Vocabulary) -> None:
    """Share, pin and download the case on screen."""
    st.header("Share, pin, download")
    st.markdown(f"Link to this case: [{link}]({link})")
    st.code(link, language=None)
    st.button("Pin this case", icon=":material/push_pin:", on_click=_pin, args=(assessment.patient,),
              help="Keep this case for the Compare page (up to four, in this browser session only).")
    message = st.session_state.pop("_pin_message", None)
    if message:
        st.info(message)
    left, middle, right = st.columns(3)
    left.download_button("Markdown handout", handouts.to_markdown(assessment, words), "riskcalc-case.md",
                         "text/markdown", on_click="ignore")
    middle.download_button("JSON", handouts.to_json(assessment), "riskcalc-case.json", "application/json",
                           on_click="ignore")
    # The PDF takes a few hundred milliseconds (font embedding): build it only when asked for, so that
    # changing an input stays instant.
    right.download_button("PDF handout", partial(handouts.to_pdf, assessment, words), "riskcalc-case.pdf",
                          "application/pdf", on_click="ignore")


def pictures(patient: Patient, assessment: Assessment) -> None:
    st.header("Pictures")
    if charts is None:
        st.info("The pictures are not available in this installation.")
        return
    drawings: list[tuple[str, Any]] = [
        ("Age and white count map", lambda: charts.age_wbc_map(patient)),
        ("How each factor pushed the result", lambda: charts.factor_push(assessment)),
    ]
    for title, draw in drawings:
        chart, text = draw()  # each chart carries its own title
        st.altair_chart(chart, width="stretch", alt=text)
        with st.expander(f"{title}: text description"):
            st.markdown(text)


def page() -> None:
    words = load_vocabulary()
    # app.py does this on every run in the browser; AppTest reruns a page without app.py whenever a pages/
    # folder sits beside it (Streamlit's multipage v1 path), so the page makes sure itself (idempotent).
    inputs.keep_across_pages(st.session_state)
    st.title("B-ALL risk group calculator")
    st.caption("An illustration for teaching how cooperative groups combine age, white count, genetics, CNS "
               "status and MRD. Not a treatment protocol.")
    link_errors = load_link()
    if link_errors:
        st.error("The link has problems; the form shows what could be read.\n\n"
                 + "\n".join(f"- {message}" for message in link_errors))

    left, right = st.columns([5, 6], gap="large")
    with left:
        st.header("The case")
        inputs.render_inputs(words)
    patient, errors, empty = inputs.patient_from_state(st.session_state)
    with right:
        for field in empty:
            st.info(f"{words.label(field)}: no result entered yet, so it is treated as still pending.")
        if patient is None:
            st.error("Please correct the input: " + "; ".join(errors))
            return
        assessment = assess(patient)
        previous = remember(assessment)
        render.badge(assessment, words)
        render.disclaimer(assessment)
        render.changes(compare(previous, assessment, words) if previous else None)
        render.result(assessment, words)
    link = write_link(patient)

    st.divider()
    st.header("Course of diagnosis: the group as results arrive")
    st.caption("Each step is assessed with only the results known by then; later results are treated as pending.")
    render.course(course(patient, words), words)
    st.divider()
    pictures(patient, assessment)
    st.divider()
    actions(assessment, link, words)
    render.disclaimer(assessment)


page()
