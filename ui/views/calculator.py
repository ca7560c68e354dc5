"""Calculator page: enter a case, see its group explained with sources, and what each change does."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from riskcalc import Assessment, Patient, assess, models
from riskcalc.rulebook import DEFAULT_MODEL
from riskcalc.units import plain
from ui.lib import address, comparison, handouts, inputs, render, stepper
from ui.lib.qr import qr_svg
from ui.lib.query import APP_PARAMETERS, is_tracking, link_from_patient, query_from_patient, read_link
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.whatif import CourseStep, compare, course
from ui.lib.wording import badge_text, case_summary

try:  # the pictures are drawn by ui/lib/charts.py; the page still works without them
    from ui.lib import charts
except ImportError:  # pragma: no cover - only while charts.py is missing
    charts = None  # type: ignore[assignment]

LAST_LINK = "_calculator_last_link"  # the query parameters (every value of each) this page last wrote or read
CURRENT, PREVIOUS = "_calculator_current", "_calculator_previous"  # assessments, for "what changed"
LINK_HOLD = "_calculator_link_hold"  # (form values as read from a link with problems, its messages)
EXAMPLE = "_calculator_example"  # True while the form holds the untouched example case


def _link_params() -> dict[str, list[str]]:
    """The case's query parameters with every value of each: a repeated parameter must not pass unseen.
    The app's own parameters and what sites append to links (tracking) are no part of the case."""
    return {
        name: st.query_params.get_all(name)
        for name in st.query_params
        if name not in APP_PARAMETERS and not is_tracking(name)
    }


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
    a link that could not be read (its address stays as it was given). The app's own parameters
    (presentation mode, pinned cases) are kept beside the case."""
    query = query_from_patient(patient)
    if _link_params() != {name: [value] for name, value in query.items()}:
        st.query_params.from_dict(address.with_app_state(query, st.session_state))
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


def projecting() -> bool:
    return bool(st.session_state.get(address.PRESENTATION))


def share(link: str) -> None:
    """The case's full address, to paste into an e-mail or a chat, and its QR code on demand, for phones."""
    full = address.absolute(link)
    st.markdown(f"Link to this case: [{full}]({full})")
    st.code(full, language=None, wrap_lines=True)  # wrapped: a box that scrolls sideways traps the keyboard
    if address.only_this_computer(full):
        st.caption(
            "This address opens the case on this computer only. For students' phones, start the app on the "
            "room's network (see the README: serving a class) and open it by that address."
        )
    qr_button(link, key="qr_share")


def qr_button(link: str, *, key: str) -> None:
    """A button that shows the link as a large QR code. Drawn on demand: encoding a QR code takes about as
    long as assessing the case, and most changes of an input are not followed by a scan."""
    if st.button(
        "QR code for phones",
        key=key,
        icon=":material/qr_code_2:",
        help="Show this case's link as a large QR code, for students to open on their phones.",
    ):
        _phone_dialog(link)


@st.dialog("Open this case on your phone", width="large")
def _phone_dialog(link: str) -> None:
    full = address.absolute(link)
    st.image(qr_svg(full, scale=12), alt=f"QR code of the link {full}", width=460)
    st.markdown(f"**{full}**")
    if address.only_this_computer(full):
        st.caption("This address opens on this computer only; phones need the app served on the room's network.")


def actions(assessment: Assessment, link: str, words: Vocabulary) -> None:
    """Share, pin and download the case on screen."""
    st.header("Share, pin, download")
    share(link)
    st.button(
        "Pin this case",
        icon=":material/push_pin:",
        on_click=_pin,
        args=(assessment.patient,),
        help="Keep this case for the Compare page (up to four; kept in this session and in the page's address).",
    )
    message = st.session_state.pop("_pin_message", None)
    if message:
        st.info(message)
    left, middle, right = st.columns(3)
    full = address.absolute(link)  # the handouts carry the address and its QR code, to come back to the case
    left.download_button(
        "Markdown handout",
        partial(handouts.to_markdown, assessment, words, link=full),
        "riskcalc-case.md",
        "text/markdown",
        on_click="ignore",
    )
    middle.download_button(
        "JSON", partial(handouts.to_json, assessment), "riskcalc-case.json", "application/json", on_click="ignore"
    )
    # The PDF takes a few hundred milliseconds (font embedding): build it only when asked for, so that
    # changing an input stays instant.
    right.download_button(
        "PDF handout",
        partial(handouts.to_pdf, assessment, words, link=full),
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
        if projecting():
            chart = charts.for_projector(chart)
        st.altair_chart(chart, width="stretch", alt=text)
        with st.expander(f"{title}: text description"):
            st.markdown(text)


def result_head(
    assessment: Assessment,
    steps: list[CourseStep],
    previous: Assessment | None,
    words: Vocabulary,
    link: str,
    controls: DeltaGenerator | None,
) -> stepper.Choice:
    """What the class watches: the group, the case on one line, what just changed, and the stepper.

    Kept in view while the form scrolls (ui/assets/layout.css); on a phone a one-line copy of the group stays
    at the top of the screen instead. Projected, the stepper and the QR code button sit in `controls`, one
    row above the form and the result, so that the result column fits a 720-pixel-high screen whole.
    Returns the step shown."""
    result_slot = st.container()
    if controls is None:
        controls = st.container()
    with controls:  # drawn apart from the result, but chosen first: the result shown depends on it
        if projecting():
            steps_column, qr_column = st.columns([3, 1], vertical_alignment="bottom")
            with steps_column:
                choice = stepper.choose(steps, patient=assessment.patient, compact=True)
            with qr_column:
                qr_button(link, key="qr_head")
        else:
            choice = stepper.choose(steps, patient=assessment.patient)
    shown = steps[choice.index].assessment if not choice.is_last(steps) else assessment
    with result_slot:
        render.badge(shown, words)
        if not choice.is_last(steps):
            st.caption(
                f"**{steps[choice.index].label}**: only the results known by then; later results are treated "
                "as pending. The last step is the whole case."
            )
        if projecting():
            st.markdown(f"**Case:** {case_summary(shown.patient, words)}")
        brief = projecting()  # projected: the group and the inputs that moved; the rules are in the findings
        if choice.moved and choice.index > 0:
            render.changes(compare(steps[choice.index - 1].assessment, shown, words), brief=brief)
        elif not choice.moved:
            render.changes(compare(previous, assessment, words) if previous else None, brief=brief)
    return choice


def phone_bar(assessment: Assessment, words: Vocabulary) -> None:
    """The group in one line at the top of a phone's screen (hidden on wider screens, ui/assets/layout.css)."""
    st.markdown(
        f'<div aria-hidden="true" class="rc-phone-bar {render.badge_class(assessment)}">'
        f"{escape(badge_text(assessment, words))} · <a href='#why-the-findings' tabindex='-1'>why</a></div>",
        unsafe_allow_html=True,
    )


def result_column(
    words: Vocabulary, label_slot: DeltaGenerator, bar: DeltaGenerator, controls: DeltaGenerator | None
) -> tuple[Assessment, list[CourseStep], str] | None:
    """The result beside the form, or what keeps it from being shown; returns the case shown, if any."""
    reading, empty = inputs.read_form(st.session_state, words)
    patient = reading.patient
    for field in empty:
        st.info(f"{words.label(field)}: no result entered yet, so it is treated as still pending.")
    if reading.problems:
        st.error(
            "Please correct the input; no result is shown until every value can be used.\n\n"
            + "\n".join(f"- {inputs.form_message(problem, words)}" for problem in reading.problems)
        )
        return None
    if patient is None:
        st.info(inputs.missing_prompt(reading.missing, words))
        return None
    if held() is not None:
        st.info("Correct or complete the form: the result appears as soon as you change a value.")
        st.button(
            "Show the result for the values read",
            on_click=_release_link,
            help="Assess the case as the form shows it now, without the values the link got wrong.",
        )
        return None
    example = bool(st.session_state.get(EXAMPLE)) and patient == inputs.DEFAULT_CASE
    st.session_state[EXAMPLE] = example
    if example:
        label_slot.info(example_text(words))
    assessment = assess(patient)
    previous = remember(assessment)
    steps = course(patient, words)
    link = link_from_patient(patient) if example else write_link(patient)
    with st.container(key="rc_result_head"):
        if example:
            st.caption("The result below is for the example case, not for a case you entered.")
        choice = result_head(assessment, steps, previous, words, link, controls)
    with bar:
        phone_bar(steps[choice.index].assessment, words)
    render.disclaimer(assessment)
    render.result(assessment, words)
    return assessment, steps, link


@st.cache_data(show_spinner=False)
def readers() -> dict[str, list[str]]:
    """For each input, the real schemes that read it, by their short names (the teaching model reads the form's
    first part): the form names them under each input only some protocols use."""
    found: dict[str, list[str]] = {}
    for info in models():
        if info.id != DEFAULT_MODEL:
            for name in info.inputs:
                found.setdefault(name, []).append(info.short)
    return found


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
    # The phone's result bar, above the form (filled once the result is known). Its own keyed container, a
    # direct child of the page, so that it can stick to the top of the screen over the whole page.
    bar = st.container(key="rc_phone_bar")
    controls = st.container() if projecting() else None  # the stepper's row, projected

    left, right = st.columns([5, 6], gap="large")
    with left:
        st.header("The case")
        label_slot = st.container()  # the example's label, above the values it describes (filled below)
        form_slot = st.container()
    # The result is worked out and sent before the form is drawn: the widgets' values are already in the
    # session when a run starts, and the browser shows each part as it arrives, so the group a class is
    # watching changes without waiting for the twenty-odd widgets of the form to be drawn again.
    inputs.fill_defaults(st.session_state)
    with right:
        shown = result_column(words, label_slot, bar, controls)
    with form_slot:
        inputs.render_inputs(words)
        inputs.render_protocol_inputs(words, readers())
    if shown is None:
        return
    assessment, steps, link = shown

    st.divider()
    st.header("Course of diagnosis: the group as results arrive")
    st.caption("Each step is assessed with only the results known by then; later results are treated as pending.")
    render.course(steps, words)
    st.divider()
    pictures(assessment.patient, assessment)
    st.divider()
    actions(assessment, link, words)
    render.disclaimer(assessment)


page()
