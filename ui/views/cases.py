"""Teaching cases: a library of worked cases, and a quiz in which the student commits to a group first.

The cases are data (rules/<model>/teaching/cases.yaml, loaded and checked by ui.lib.teaching); this page only
lays them out. Every group shown is computed by riskcalc's assess(), never read from the case file, so the
page cannot disagree with the model (the file's expected groups are checked against assess() in the tests).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import streamlit as st

from riskcalc import Assessment, RiskGroup, assess
from riskcalc.explain import headline
from ui.lib import charts, render
from ui.lib.query import link_from_patient
from ui.lib.teaching import TeachingCase, teaching_cases
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.wording import groups_text, inputs_table

LIBRARY, QUIZ = "Case library", "Quiz"
MODE = "cases_mode"
PICK = "cases_pick"
QUIZ_INDEX = "quiz_index"
QUIZ_RECORD = "quiz_record"  # case id -> {"tries": [answer, ...], "solved": bool, "revealed": bool}
QUIZ_SCORE = "quiz_score"  # {"answered": n, "first_try": n}: a case counts once, on its first committed answer


def answer_key(case_id: str) -> str:
    return f"quiz_answer_{case_id}"


# Every answer a student can give: the set of groups still possible, as group values joined by commas in
# rank order ('high', 'favorable,high', 'favorable,standard,high'). A final case's answer is one group; a
# provisional case's is its range, so the honest answer to a case with results pending is on offer (spec 1.1
# section 6: no single group for a provisional case), and offering every set for every case gives nothing away.
ANSWERS = [
    ",".join(group.value for group in chosen)
    for size in range(1, len(RiskGroup) + 1)
    for chosen in combinations(RiskGroup, size)
]


def answer_of(assessment: Assessment) -> str:
    """The right answer: the groups still possible (possible_groups is lowest first, as ANSWERS are)."""
    return ",".join(group.value for group in assessment.possible_groups)


def answer_words(answer: str) -> str:
    """'Favorable, Standard or High'."""
    return groups_text([RiskGroup(value) for value in answer.split(",")])


# ---- shared pieces --------------------------------------------------------------------------------------


def show_vignette(case: TeachingCase, words: Vocabulary, *, title: str) -> None:
    """The case as a student meets it: vignette and inputs, nothing about the answer."""
    st.header(title)  # h2 under the page's h1, so the headings keep their order for screen readers
    st.markdown(case.vignette)
    rows = ["| Input | Value |", "|---|---|"]
    rows += [f"| {label} | {value.replace('|', '/')} |" for label, value in inputs_table(case.patient, words)]
    st.markdown("\n".join(rows))


def show_answer(case: TeachingCase, assessment: Assessment, words: Vocabulary, *, key: str) -> None:
    """The model's answer with its explanation: group, teaching point, pictures, findings, notes."""
    render.badge(assessment, words)
    st.info(f"**Teaching point.** {case.teaching_point}", icon=":material/lightbulb:")
    st.markdown(f"[Open this case in the calculator](./{link_from_patient(case.patient)})")
    pictures(assessment, key=key)
    render.result(assessment, words)
    render.disclaimer(assessment)


def pictures(assessment: Assessment, *, key: str) -> None:
    """The two charts, each with its text alternative given to screen readers and shown as a caption."""
    push, push_text = charts.factor_push(assessment)
    area, area_text = charts.age_wbc_map(assessment.patient)
    # One under the other at their natural size: side by side, the map was squeezed until its labels overlapped.
    for chart, text, name in ((push, push_text, "push"), (area, area_text, "map")):
        st.altair_chart(chart, alt=text, key=f"{key}_{name}", width="content")
        st.caption(text)


# ---- the library ------------------------------------------------------------------------------------------


def library(cases: tuple[TeachingCase, ...], words: Vocabulary) -> None:
    numbers = {case.id: index + 1 for index, case in enumerate(cases)}
    by_id = {case.id: case for case in cases}
    pick = st.selectbox(
        "Choose a case",
        list(by_id),
        format_func=lambda case_id: f"{numbers[case_id]}. {by_id[case_id].title}",
        key=PICK,
        help="Each case is an invented vignette; the assessment below is computed by the model.",
    )
    case = by_id[pick]
    show_vignette(case, words, title=case.title)
    show_answer(case, assess(case.patient), words, key=f"library_{case.id}")


# ---- the quiz ---------------------------------------------------------------------------------------------


def _record(case_id: str) -> dict[str, Any]:
    records: dict[str, dict[str, Any]] = st.session_state.setdefault(QUIZ_RECORD, {})
    return records.setdefault(case_id, {"tries": [], "solved": False, "revealed": False})


def _score() -> dict[str, int]:
    score: dict[str, int] = st.session_state.setdefault(QUIZ_SCORE, {"answered": 0, "first_try": 0})
    return score


def _check(case_id: str, correct: str) -> None:
    """Callback of "Check my answer": runs before the rerun, so the score drawn above is already current."""
    choice = st.session_state.get(answer_key(case_id))
    record = _record(case_id)
    if choice is None or record["solved"] or record["revealed"]:
        return
    record["tries"].append(choice)
    if len(record["tries"]) == 1:
        score = _score()
        score["answered"] += 1
        score["first_try"] += int(choice == correct)
    record["solved"] = choice == correct


def _reveal(case_id: str) -> None:
    record = _record(case_id)
    if not record["tries"] and not record["solved"]:
        _score()["answered"] += 1  # giving up counts as answered, not as right
    record["revealed"] = True


def _move(step: int, count: int) -> None:
    st.session_state[QUIZ_INDEX] = (st.session_state.get(QUIZ_INDEX, 0) + step) % count


def _restart() -> None:
    for key in (QUIZ_RECORD, QUIZ_SCORE, QUIZ_INDEX):
        st.session_state.pop(key, None)
    for key in [key for key in st.session_state if str(key).startswith("quiz_answer_")]:
        del st.session_state[key]


def quiz(cases: tuple[TeachingCase, ...], words: Vocabulary) -> None:
    index = st.session_state.setdefault(QUIZ_INDEX, 0) % len(cases)
    case = cases[index]
    assessment = assess(case.patient)
    correct = answer_of(assessment)
    record = _record(case.id)
    score = _score()

    st.markdown(
        f"**Score: {score['first_try']} of {score['answered']} right at the first try** ({len(cases)} cases in all)."
    )
    # The title is left out: several titles would give the answer away.
    show_vignette(case, words, title=f"Case {index + 1} of {len(cases)}")
    choice = st.radio(
        "Your answer: which groups are still possible for this case?",
        ANSWERS,
        format_func=answer_words,
        index=None,
        horizontal=True,
        key=answer_key(case.id),
        disabled=record["solved"] or record["revealed"],
        help="When every result that can change the group is in, one group is possible: choose it. While "
        "results are pending, choose every group the case can still reach once they arrive.",
    )
    done = record["solved"] or record["revealed"]
    with st.container(horizontal=True):  # buttons at their natural width, wrapping on narrow screens
        # Enabled once a group is chosen (choosing reruns the page), so an empty answer cannot be checked.
        st.button(
            "Check my answer",
            key=f"quiz_check_{case.id}",
            type="primary",
            disabled=done or choice is None,
            on_click=_check,
            args=(case.id, correct),
        )
        st.button("Show the answer", key=f"quiz_reveal_{case.id}", disabled=done, on_click=_reveal, args=(case.id,))
        st.button("Previous case", key="quiz_previous", on_click=_move, args=(-1, len(cases)))
        st.button("Next case", key="quiz_next", on_click=_move, args=(1, len(cases)))
        st.button("Start over", key="quiz_restart", on_click=_restart, help="Clear the score and every answer.")

    _feedback(record, assessment)
    if done:
        show_answer(case, assessment, words, key=f"quiz_{case.id}")


def _feedback(record: dict[str, Any], assessment: Assessment) -> None:
    """What the student is told after committing, the answer as the headline says it (a provisional case by its
    range); the explanation itself is drawn only once solved or shown."""
    tries = record["tries"]
    answer = headline(assessment).line
    if record["solved"]:
        first = " at the first try" if len(tries) == 1 else f" after {len(tries)} tries"
        st.success(f"Correct{first}. {answer}.", icon=":material/check_circle:")
    elif record["revealed"]:
        st.info(f"The answer. {answer}.", icon=":material/visibility:")
    elif tries:
        st.error(
            f"Not quite: “{answer_words(tries[-1])}” is not the model's answer for this case. "
            "Look again at each input against the criteria, and at which results are still pending, then try "
            "again or show the answer.",
            icon=":material/close:",
        )


# ---- page -------------------------------------------------------------------------------------------------


def main() -> None:
    words = load_vocabulary()
    cases = teaching_cases()
    st.title("Teaching cases")
    st.caption(
        "Worked cases with invented vignettes. In the library each case shows its assessment at once; in the "
        "quiz you commit to an answer (the groups still possible) before the answer and its explanation appear."
    )
    mode = st.radio("Mode", [LIBRARY, QUIZ], horizontal=True, key=MODE)
    if mode == QUIZ:
        quiz(cases, words)
    else:
        library(cases, words)


main()
