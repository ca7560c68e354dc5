"""Teaching cases: a library of worked cases, and a quiz in which the student commits to a group first.

The cases are data (rules/<model>/teaching/cases.yaml, loaded and checked by ui.lib.teaching); this page only
lays them out. Every group shown is computed by riskcalc's assess(), never read from the case file, so the
page cannot disagree with the model (the file's expected groups are checked against assess() in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import streamlit as st

from riskcalc import Assessment, Patient, RiskGroup, assess, classify_all, get_rulebook, models
from riskcalc.explain import headline, join_words
from riskcalc.rulebook import DEFAULT_MODEL
from ui.lib import charts, comparison, render
from ui.lib.lessons import Lesson, high_risk_schemes, protocol_lessons
from ui.lib.lessons import citations as lesson_citations
from ui.lib.protocol_rows import HEADER as PROTOCOL_HEADER
from ui.lib.protocol_rows import rows, shorts
from ui.lib.query import KNOWN_PARAMETERS, query_from_patient
from ui.lib.teaching import SeedError, TeachingCase, new_seed, quiz_order, read_seed, teaching_cases
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.wording import groups_text, inputs_table

LIBRARY, QUIZ = "Case library", "Quiz"
LESSONS, PROTOCOL_QUIZ = "Protocols disagree", "Protocol quiz"
LESSON_PICK = "lesson_pick"
MODE = "cases_mode"
KEPT_MODE = "_cases_mode_kept"  # the mode, kept while another page is shown (Streamlit drops the widget's own)
PICK = "cases_pick"
PIN_MESSAGE = "_cases_pin_message"  # (where the Pin button was pressed, what pin() said)
CALCULATOR = "views/calculator.py"  # as st.navigation knows it: relative to ui/app.py
PROTOCOLS = "views/protocols.py"
SEED = "seed"  # the query parameter of the quiz's order
QUIZ_SEED = "quiz_seed"


def answer_key(number: int) -> str:
    """The answer widget of question `number`: keyed by its place in the quiz, not by the case's id, which the
    page would otherwise carry (as a CSS class) and which names some answers ('awaiting-mrd-etv6')."""
    return f"quiz_answer_{number}"


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


def show_vignette(case: TeachingCase | Lesson, words: Vocabulary, *, title: str) -> None:
    """The case as a student meets it: vignette and inputs (a lesson's also those only some protocols read),
    nothing about the answer."""
    st.header(title)  # h2 under the page's h1, so the headings keep their order for screen readers
    st.markdown(case.vignette)
    rows = ["| Input | Value |", "|---|---|"]
    rows += [f"| {label} | {value.replace('|', '/')} |" for label, value in inputs_table(case.patient, words)]
    st.markdown("\n".join(rows))


def show_answer(case: TeachingCase, assessment: Assessment, words: Vocabulary, *, key: str) -> None:
    """The model's answer with its explanation: group, teaching point, pictures, findings, notes."""
    render.badge(assessment, words)
    st.info(f"**Teaching point.** {case.teaching_point}", icon=":material/lightbulb:")
    case_actions(case.patient, key=key)
    pictures(assessment, key=key)
    render.result(assessment, words)
    render.disclaimer(assessment)


def _pin(where: str, patient: Patient) -> None:
    st.session_state[PIN_MESSAGE] = (where, comparison.pin(st.session_state, patient))


def app_parameters() -> dict[str, list[str]]:
    """The address's parameters that belong to the whole app (the pinned cases, presentation mode), which a
    case opened in the calculator keeps: every one but the case's own fields and this page's quiz order."""
    return {name: st.query_params.get_all(name) for name in st.query_params if name not in (*KNOWN_PARAMETERS, SEED)}


def case_actions(patient: Patient, *, key: str) -> None:
    """Pin the case for Compare, or open it in the calculator in this tab (this session, its pins and mode)."""
    with st.container(horizontal=True):  # natural widths, wrapping on a phone
        st.button(
            "Pin for Compare",
            key=f"{key}_pin",
            icon=":material/push_pin:",
            on_click=_pin,
            args=(key, patient),
            help=f"Add this case to the Compare page (up to {comparison.PIN_LIMIT} cases side by side).",
        )
        if st.button("Open this case in the calculator", key=f"{key}_open", icon=":material/calculate:"):
            # The same tab, so the session goes along: a new tab would be a new session without the pins.
            st.switch_page(CALCULATOR, query_params={**app_parameters(), **query_from_patient(patient)})
    message = st.session_state.get(PIN_MESSAGE)
    if message is not None and message[0] == key:
        st.info(message[1], icon=":material/push_pin:")


def pictures(assessment: Assessment, *, key: str) -> None:
    """The two charts, each with its text alternative given to screen readers and shown as a caption."""
    push, push_text = charts.factor_push(assessment)
    area, area_text = charts.age_wbc_map(assessment.patient)
    # One under the other, each as wide as the column and never wider: at their natural width (560 px) the
    # map made the whole page scroll sideways on a phone.
    for chart, text, name in ((push, push_text, "push"), (area, area_text, "map")):
        st.altair_chart(chart, alt=text, key=f"{key}_{name}", width="stretch")
        st.caption(text)


# ---- the library ------------------------------------------------------------------------------------------


def pick_by_title(items: dict[str, Any], label: str, key: str, help_text: str) -> Any:
    """A picker listing items by title only, no numbers: a quiz question's number must not point to an entry."""
    chosen = st.selectbox(label, list(items), format_func=lambda item_id: items[item_id].title, key=key, help=help_text)
    return items[chosen]


def library(cases: tuple[TeachingCase, ...], words: Vocabulary) -> None:
    case = pick_by_title(
        {case.id: case for case in cases},
        "Choose a case",
        PICK,
        "Each case is an invented vignette; the assessment below is computed by the model.",
    )
    show_vignette(case, words, title=case.title)
    show_answer(case, assess(case.patient), words, key=f"library_{case.id}")


# ---- the quiz ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """One quiz's state in the session, under keys named by its prefix: each question's tries, whether it was
    solved or shown, the score (a question counts once, at its first committed answer) and the position."""

    prefix: str

    @property
    def record_key(self) -> str:
        return f"{self.prefix}_record"  # question id -> {"tries": [answer, ...], "solved": bool, "revealed": bool}

    @property
    def score_key(self) -> str:
        return f"{self.prefix}_score"  # {"answered": n, "first_try": n}

    @property
    def index_key(self) -> str:
        return f"{self.prefix}_index"  # position in the seeded order

    def record(self, question_id: str) -> dict[str, Any]:
        records: dict[str, dict[str, Any]] = st.session_state.setdefault(self.record_key, {})
        return records.setdefault(question_id, {"tries": [], "solved": False, "revealed": False})

    def score(self) -> dict[str, int]:
        score: dict[str, int] = st.session_state.setdefault(self.score_key, {"answered": 0, "first_try": 0})
        return score

    def check(self, question_id: str, choice: Any, correct: Any) -> None:
        """Count a committed answer (a callback: it runs before the rerun, so the score drawn is current)."""
        record = self.record(question_id)
        if choice is None or record["solved"] or record["revealed"]:
            return
        record["tries"].append(choice)
        if len(record["tries"]) == 1:
            score = self.score()
            score["answered"] += 1
            score["first_try"] += int(choice == correct)
        record["solved"] = choice == correct

    def reveal(self, question_id: str) -> None:
        record = self.record(question_id)
        if not record["tries"] and not record["solved"]:
            self.score()["answered"] += 1  # giving up counts as answered, not as right
        record["revealed"] = True

    def move(self, step: int, count: int) -> None:
        st.session_state[self.index_key] = (st.session_state.get(self.index_key, 0) + step) % count


GROUPS_QUIZ = Tally("quiz")  # which groups are still possible?
PROTOCOL_TALLY = Tally("pquiz")  # which protocols call this child high risk?


def _check(case_id: str, number: int, correct: str) -> None:
    GROUPS_QUIZ.check(case_id, st.session_state.get(answer_key(number)), correct)


def _clear_answers() -> None:
    for key in [key for key in st.session_state if str(key).startswith("quiz_answer_")]:
        del st.session_state[key]


def _restart() -> None:
    """Clear the score and every answer; the order stays (it is the class's, from the link)."""
    for key in (GROUPS_QUIZ.record_key, GROUPS_QUIZ.score_key, GROUPS_QUIZ.index_key):
        st.session_state.pop(key, None)
    _clear_answers()


def quiz_seed() -> tuple[int, str | None]:
    """The session's quiz order, and a message when the link's order could not be used.

    A usable `?seed=` in the address is the order (the same for every student who opens that link); without
    one, the session draws its own once. Either way the address then carries it, so it can be shared and a
    reload keeps the order. A seed that cannot be read is named, and a new order drawn and shown.
    """
    problem: str | None = None
    if SEED in st.query_params:
        try:
            given = read_seed(st.query_params.get_all(SEED))
        except SeedError as error:
            given = new_seed()
            problem = f"{error} A new order was drawn instead: number {given}."
        if given != st.session_state.get(QUIZ_SEED):
            # Another order renumbers the questions: an answer on screen would now sit under another case.
            st.session_state[QUIZ_SEED] = given
            st.session_state[GROUPS_QUIZ.index_key] = 0
            _clear_answers()
    seed: int = st.session_state.setdefault(QUIZ_SEED, new_seed())
    if st.query_params.get_all(SEED) != [str(seed)]:
        st.query_params[SEED] = str(seed)
    return seed, problem


def share_line(seed: int) -> str:
    """Where the class finds this order: the page's full address with its seed (relative when unknown)."""
    page = st.context.url
    link = f"{page}?{SEED}={seed}" if page else f"?{SEED}={seed}"
    return (
        f"Question order number **{seed}**. Everyone who opens {link} gets these questions in this order; "
        "without a number in the link, each session gets an order of its own."
    )


# Streamlit greys a disabled radio (its question and options) far below the 4.5:1 contrast that text needs;
# once answered, the question stays as readable as before (the buttons still show it is closed).
_READABLE_ANSWERED = (
    "<style>.st-key-quiz_question [data-testid='stWidgetLabel'] *, .st-key-quiz_question label * "
    "{ color: #31333f !important; opacity: 1 !important; }</style>"
)


def quiz(cases: tuple[TeachingCase, ...], words: Vocabulary) -> None:
    seed, problem = quiz_seed()
    order = quiz_order(cases, seed)
    index = st.session_state.setdefault(GROUPS_QUIZ.index_key, 0) % len(order)
    number = index + 1
    case = order[index]
    assessment = assess(case.patient)
    correct = answer_of(assessment)
    record = GROUPS_QUIZ.record(case.id)
    score = GROUPS_QUIZ.score()
    done = record["solved"] or record["revealed"]

    if problem:
        st.warning(problem, icon=":material/shuffle:")
    st.markdown(
        f"**Score: {score['first_try']} of {score['answered']} right at the first try** ({len(order)} questions in all)."
    )
    st.caption(share_line(seed))
    # Numbered by its place in this order, without its title (several titles would give the answer away),
    # so a question cannot be looked up in the library by its number or name.
    show_vignette(case, words, title=f"Question {number} of {len(order)}")
    key = answer_key(number)
    if key not in st.session_state and record["tries"]:
        st.session_state[key] = record["tries"][-1]  # back on an answered question: the student's answer shows
    st.markdown(_READABLE_ANSWERED, unsafe_allow_html=True)
    with st.container(key="quiz_question"):
        choice = st.radio(
            "Your answer: which groups are still possible for this case?",
            ANSWERS,
            format_func=answer_words,
            index=None,
            horizontal=True,
            key=key,
            disabled=done,
            help="When every result that can change the group is in, one group is possible: choose it. While "
            "results are pending, choose every group the case can still reach once they arrive.",
        )
    with st.container(horizontal=True):  # buttons at their natural width, wrapping on narrow screens
        # Enabled once a group is chosen (choosing reruns the page), so an empty answer cannot be checked.
        st.button(
            "Check my answer",
            key=f"quiz_check_{number}",
            type="primary",
            disabled=done or choice is None,
            on_click=_check,
            args=(case.id, number, correct),
        )
        st.button(
            "Show the answer", key=f"quiz_reveal_{number}", disabled=done, on_click=GROUPS_QUIZ.reveal, args=(case.id,)
        )
        st.button("Previous question", key="quiz_previous", on_click=GROUPS_QUIZ.move, args=(-1, len(order)))
        st.button("Next question", key="quiz_next", on_click=GROUPS_QUIZ.move, args=(1, len(order)))
        st.button("Start over", key="quiz_restart", on_click=_restart, help="Clear the score and every answer.")

    _feedback(record, assessment)
    if done:
        st.caption(f"In the case library this is “{case.title}”.")
        show_answer(case, assessment, words, key=f"quiz_{number}")


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


# ---- the lesson on disagreement ----------------------------------------------------------------------------


def show_lesson_answer(lesson: Lesson, *, key: str) -> None:
    """The case under every scheme, and the lesson's cited reasons for each disagreement."""
    results = classify_all(lesson.patient)
    names = shorts()
    st.table([dict(zip(PROTOCOL_HEADER, row.cells)) for row in rows(results, names)])
    st.subheader("Why they disagree")
    for why in lesson.why:
        schemes = join_words([names[scheme] for scheme in why.schemes], "and")
        tag = f" **[{why.evidence.value}]**" + (f" {why.evidence_note}" if why.evidence_note else "")
        sources = "; ".join(f"[{citation.label}]({citation.url})" for citation in lesson_citations(why))
        st.markdown(f"- **{schemes}**: {why.text}{tag} Sources: {sources}")
    with st.container(horizontal=True):
        if st.button("Open on the Protocols page", key=f"{key}_protocols", icon=":material/rule:"):
            st.switch_page(PROTOCOLS, query_params={**app_parameters(), **query_from_patient(lesson.patient)})
    case_actions(lesson.patient, key=key)
    st.caption(get_rulebook().disclaimer)


def lesson_library(lessons: tuple[Lesson, ...], words: Vocabulary) -> None:
    lesson = pick_by_title(
        {lesson.id: lesson for lesson in lessons},
        "Choose a lesson",
        LESSON_PICK,
        "Invented vignettes chosen so that the protocols disagree; every result is computed by the schemes.",
    )
    show_vignette(lesson, words, title=lesson.title)
    show_lesson_answer(lesson, key=f"lesson_{lesson.id}")


def high_risk_meaning() -> str:
    """What counts as calling a child high risk, scheme by scheme: the tiers each model.yaml marks high_risk."""
    tiers = [
        f"{info.short}: {join_words([tier.name for tier in info.tier_details if tier.high_risk], 'or')}"
        for info in models()
        if info.id != DEFAULT_MODEL
    ]
    return (
        "Calling a child high risk means these groups: " + "; ".join(tiers) + ". A protocol that does not apply to "
        "this child, or does not classify it, does not call it high risk."
    )


def pquiz_key(number: int) -> str:
    return f"pquiz_answer_{number}"


def _pquiz_check(lesson_id: str, number: int, correct: list[str]) -> None:
    """The schemes chosen, in any order (none chosen is an answer too)."""
    PROTOCOL_TALLY.check(lesson_id, sorted(st.session_state.get(pquiz_key(number)) or []), sorted(correct))


def protocol_quiz(lessons: tuple[Lesson, ...], words: Vocabulary) -> None:
    """Which protocols call this child high risk? The student chooses every one (or none) before the answer."""
    seed, problem = quiz_seed()
    order = quiz_order(lessons, seed)
    index = st.session_state.setdefault(PROTOCOL_TALLY.index_key, 0) % len(order)
    number, lesson = index + 1, order[index]
    results = classify_all(lesson.patient)
    correct = high_risk_schemes(results)
    names = shorts()
    record, score = PROTOCOL_TALLY.record(lesson.id), PROTOCOL_TALLY.score()
    done = record["solved"] or record["revealed"]
    if problem:
        st.warning(problem, icon=":material/shuffle:")
    st.markdown(
        f"**Score: {score['first_try']} of {score['answered']} right at the first try** ({len(order)} questions in all)."
    )
    st.caption(share_line(seed))
    show_vignette(lesson, words, title=f"Question {number} of {len(order)}")
    key = pquiz_key(number)
    if key not in st.session_state and record["tries"]:
        st.session_state[key] = record["tries"][-1]
    real = [info.id for info in models() if info.id != DEFAULT_MODEL]
    st.multiselect(
        "Which protocols call this child high risk? Choose every one (choosing none is an answer too).",
        real,
        format_func=names.__getitem__,
        key=key,
        disabled=done,
        help=high_risk_meaning(),
    )
    with st.container(horizontal=True):
        st.button(
            "Check my answer",
            key=f"pquiz_check_{number}",
            type="primary",
            disabled=done,
            on_click=_pquiz_check,
            args=(lesson.id, number, correct),
        )
        st.button(
            "Show the answer",
            key=f"pquiz_reveal_{number}",
            disabled=done,
            on_click=PROTOCOL_TALLY.reveal,
            args=(lesson.id,),
        )
        st.button("Previous question", key="pquiz_previous", on_click=PROTOCOL_TALLY.move, args=(-1, len(order)))
        st.button("Next question", key="pquiz_next", on_click=PROTOCOL_TALLY.move, args=(1, len(order)))
    said = join_words([names[scheme] for scheme in correct], "and") or "none of them"
    if record["solved"]:
        first = " at the first try" if len(record["tries"]) == 1 else f" after {len(record['tries'])} tries"
        st.success(f"Correct{first}: {said}.", icon=":material/check_circle:")
    elif record["revealed"]:
        st.info(f"The answer: {said}.", icon=":material/visibility:")
    elif record["tries"]:
        st.error(
            "Not quite. Look again at what each protocol reads (age, white count, genetics, CNS, MRD and when), "
            "then try again or show the answer.",
            icon=":material/close:",
        )
    if done:
        st.caption(f"In the lessons this is “{lesson.title}”.")
        show_lesson_answer(lesson, key=f"pquiz_{number}")


# ---- page -------------------------------------------------------------------------------------------------


def main() -> None:
    words = load_vocabulary()
    cases = teaching_cases()
    st.title("Teaching cases")
    st.caption(
        "Worked cases with invented vignettes. In the library each case shows its assessment at once; in the "
        "quiz you commit to an answer (the groups still possible) before the answer and its explanation appear. "
        "Protocols disagree shows cases that the real protocols classify differently, and why; the protocol quiz "
        "asks which protocols call the child high risk."
    )
    if MODE not in st.session_state:
        # A link with a quiz order opens the quiz; otherwise the mode last used in this session, or the library.
        st.session_state[MODE] = QUIZ if SEED in st.query_params else st.session_state.get(KEPT_MODE, LIBRARY)
    mode = st.radio("Mode", [LIBRARY, QUIZ, LESSONS, PROTOCOL_QUIZ], horizontal=True, key=MODE)
    st.session_state[KEPT_MODE] = mode
    if mode == QUIZ:
        quiz(cases, words)
    elif mode == PROTOCOL_QUIZ:
        protocol_quiz(protocol_lessons(), words)
    else:
        if SEED in st.query_params:
            del st.query_params[SEED]  # the address carries an order only while a quiz is shown
        if mode == LESSONS:
            lesson_library(protocol_lessons(), words)
        else:
            library(cases, words)


main()
