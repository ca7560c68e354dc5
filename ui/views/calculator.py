"""Calculator page: enter a case, see its group explained with sources, and what each change does."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from riskcalc import Assessment, Patient, assess
from riskcalc.units import plain
from ui.lib import comparison, handouts, inputs, render
from ui.lib.query import link_from_patient, query_from_patient, read_link
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.whatif import compare, course

try:  # the pictures are drawn by ui/lib/charts.py; the page still works without them
    from ui.lib import charts
except ImportError:  # pragma: no cover - only while charts.py is missing
    charts = None  # type: ignore[assignment]

LAST_LINK = "_calculator_last_link"  # the query parameters (every value of each) this page last wrote or read
CURRENT, PREVIOUS = "_calculator_current", "_calculator_previous"  # assessments, for "what changed"
LINK_HOLD = "_calculator_link_hold"  # (form values as read from a link with problems, its messages)
EXAMPLE = "_calculator_example"  # True while the form holds the untouched example case


def _link_params() -> dict[str, list[str]]:
    """The page's query parameters with every value of each: a repeated parameter must not pass unseen."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _form_values() -> dict[str, Any]:
    return {key: st.session_state.get(key) for key in inputs.ALL_KEYS}


def load_link(words: Vocabulary) -> list[str]:
    """Fill the form from the page's link when it holds a case this page did not write itself.

    Every value that could be read is put in the form; a value that could not be read leaves its box empty
    (or pending) and is named in the messages returned. While the form still holds exactly what such a link
    gave, the page shows no result for it (see `held`). Runs before the widgets are drawn (a widget's value
    cannot be set after it is drawn in a run).
    """
    params = _link_params()
    if not params or params == st.session_state.get(LAST_LINK):
        return []
    link = read_link(params, words)
    inputs.apply_fields(st.session_state, link.reading.fields)
    for problem in link.reading.problems:
        if problem.given:
            inputs.apply_refused_text(st.session_state, problem.field, problem.name, problem.given)
    st.session_state[LAST_LINK] = params
    st.session_state[EXAMPLE] = False
    if link.blocks:
        st.session_state[LINK_HOLD] = (_form_values(), link.messages)
    else:
        st.session_state.pop(LINK_HOLD, None)
    return link.messages


def held() -> list[str] | None:
    """The messages of a link with problems while the form is unchanged since it was read, else None."""
    hold: tuple[dict[str, Any], list[str]] | None = st.session_state.get(LINK_HOLD)
    if hold is None:
        return None
    if hold[0] != _form_values():
        st.session_state.pop(LINK_HOLD, None)  # the student has changed the form: their own values now
        return None
    return hold[1]


def _release_link() -> None:
    st.session_state.pop(LINK_HOLD, None)


def write_link(patient: Patient) -> str:
    """Keep the address bar on the case shown, so copying it shares the case; returns the relative link.

    Called only for a result on screen that the user entered or opened: never for the example case, nor for
    a link that could not be read (its address stays as it was given)."""
    query = query_from_patient(patient)
    if _link_params() != {name: [value] for name, value in query.items()}:
        st.query_params.from_dict(query)
    st.session_state[LAST_LINK] = {name: [value] for name, value in query.items()}
    return link_from_patient(patient)


def example_text(words: Vocabulary) -> str:
    """The label of the example case, from its own values."""
    case = inputs.DEFAULT_CASE
    age, wbc = words.fields["age_years"], words.fields["wbc_10e9_per_l"]
    return (
        f"**Example case**, not one you entered: {age.label.lower()} {plain(case.age_years)} {age.unit}, "
        f"{wbc.label.lower()} {plain(case.wbc_10e9_per_l)} {wbc.unit}, every other result still pending. "
        "Change the values to your own case to assess it."
    )


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
    st.button(
        "Pin this case",
        icon=":material/push_pin:",
        on_click=_pin,
        args=(assessment.patient,),
        help="Keep this case for the Compare page (up to four, in this browser session only).",
    )
    message = st.session_state.pop("_pin_message", None)
    if message:
        st.info(message)
    left, middle, right = st.columns(3)
    left.download_button(
        "Markdown handout",
        handouts.to_markdown(assessment, words),
        "riskcalc-case.md",
        "text/markdown",
        on_click="ignore",
    )
    middle.download_button(
        "JSON", handouts.to_json(assessment), "riskcalc-case.json", "application/json", on_click="ignore"
    )
    # The PDF takes a few hundred milliseconds (font embedding): build it only when asked for, so that
    # changing an input stays instant.
    right.download_button(
        "PDF handout",
        partial(handouts.to_pdf, assessment, words),
        "riskcalc-case.pdf",
        "application/pdf",
        on_click="ignore",
    )


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
    st.caption(
        "An illustration for teaching how cooperative groups combine age, white count, genetics, CNS "
        "status and MRD. Not a treatment protocol."
    )
    link_errors = load_link(words)
    if inputs.start_with_example(st.session_state):
        st.session_state[EXAMPLE] = True
    hold = held() if not link_errors else link_errors
    if hold and st.session_state.get(LINK_HOLD):
        st.error(
            "The link could not be read completely, so no result is shown for it. The form shows every "
            "value that could be read.\n\n" + "\n".join(f"- {message}" for message in hold)
        )
    elif link_errors:
        st.error(
            "The link has problems; the case was read without them.\n\n"
            + "\n".join(f"- {message}" for message in link_errors)
        )

    left, right = st.columns([5, 6], gap="large")
    with left:
        st.header("The case")
        label_slot = st.container()  # the example's label, above the values it describes (filled below)
        inputs.render_inputs(words)
    reading, empty = inputs.read_form(st.session_state, words)
    patient = reading.patient
    with right:
        for field in empty:
            st.info(f"{words.label(field)}: no result entered yet, so it is treated as still pending.")
        if reading.problems:
            st.error(
                "Please correct the input; no result is shown until every value can be used.\n\n"
                + "\n".join(f"- {inputs.form_message(problem, words)}" for problem in reading.problems)
            )
            return
        if patient is None:
            st.info(inputs.missing_prompt(reading.missing, words))
            return
        if held() is not None:
            st.info("Correct or complete the form: the result appears as soon as you change a value.")
            st.button(
                "Show the result for the values read",
                on_click=_release_link,
                help="Assess the case as the form shows it now, without the values the link got wrong.",
            )
            return
        example = bool(st.session_state.get(EXAMPLE)) and patient == inputs.DEFAULT_CASE
        st.session_state[EXAMPLE] = example
        if example:
            label_slot.info(example_text(words))
            st.caption("The result below is for the example case, not for a case you entered.")
        assessment = assess(patient)
        previous = remember(assessment)
        render.badge(assessment, words)
        render.disclaimer(assessment)
        render.changes(compare(previous, assessment, words) if previous else None)
        render.result(assessment, words)
    link = link_from_patient(patient) if example else write_link(patient)

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
