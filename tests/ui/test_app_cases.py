"""AppTest of the teaching-cases page: the library shows each case's group, pins it for Compare and opens it
in the calculator in the same session; the quiz asks in a seeded order, hides the answer until the student
commits, gives feedback, and keeps the score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from riskcalc import RiskGroup, assess
from riskcalc.explain import headline
from tests.ui.apptest import new_app
from ui.lib import comparison
from ui.lib.address import encode_cases
from ui.lib.query import query_from_patient
from ui.lib.teaching import TeachingCase, quiz_order, teaching_cases

PAGE = str(Path(__file__).resolve().parents[2] / "ui" / "views" / "cases.py")
CASES = teaching_cases()
BY_ID = {case.id: case for case in CASES}


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, markdown or alert, in one string."""
    parts = [
        element.value
        for kind in ("markdown", "caption", "success", "error", "info", "warning", "header", "subheader", "title")
        for element in getattr(at, kind)
    ]
    return "\n".join(str(part) for part in parts)


@pytest.fixture()
def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def test_library_shows_every_case_with_its_group(page: AppTest) -> None:
    for case in CASES:
        page.selectbox(key="cases_pick").select(case.id).run()
        assert not page.exception, case.id
        shown = texts(page)
        assert headline(assess(case.patient)).text in shown, case.id
        assert case.vignette in shown and case.teaching_point in shown
    assert "Risk group: High" in shown


def test_library_headlines_a_provisional_case_by_its_range(page: AppTest) -> None:
    page.selectbox(key="cases_pick").select("awaiting-mrd-etv6").run()
    badge = next(m.value for m in page.markdown if "rc-badge" in m.value)
    assert "Provisional: Favorable or High — waiting for end-of-induction MRD" in badge
    assert "At best Favorable" in badge and 'class="rc-badge rc-provisional"' in badge
    assert "Risk group:" not in texts(page)


def test_library_shows_pictures_with_text_alternatives(page: AppTest) -> None:
    page.selectbox(key="cases_pick").select("classic-favorable").run()
    assert len(page.get("vega_lite_chart")) == 2
    captions = " ".join(caption.value for caption in page.caption)
    assert "The current case (age 4 y, WBC 12) lies in the favorable region" in captions
    assert "How each of the" in captions


def test_library_lists_titles_without_numbers(page: AppTest) -> None:
    # A quiz question is numbered by its place in a shuffled order: a library number would point at it.
    picker = page.selectbox(key="cases_pick")
    assert picker.options == [case.title for case in CASES]


# ---- Pin and open ---------------------------------------------------------------------------------------


def test_pin_adds_the_case_for_compare_and_says_so(page: AppTest) -> None:
    for number, case_id in enumerate(("classic-favorable", "older-adult-ph-positive"), start=1):
        page.selectbox(key="cases_pick").select(case_id).run()
        page.button(key=f"library_{case_id}_pin").click().run()
        assert not page.exception
        assert f"Pinned as case {number} of {comparison.PIN_LIMIT}." in texts(page)
    assert page.session_state[comparison.PINNED] == [
        BY_ID["classic-favorable"].patient,
        BY_ID["older-adult-ph-positive"].patient,
    ]
    page.button(key="library_older-adult-ph-positive_pin").click().run()
    assert "This case is already pinned (case 2)." in texts(page)
    assert len(page.session_state[comparison.PINNED]) == 2


def _app_on_cases(**params: str) -> AppTest:
    at = new_app()
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page("views/cases.py").run()
    assert not at.exception and at.title[0].value == "Teaching cases"
    return at


def test_open_in_the_calculator_keeps_the_session_and_shows_the_case() -> None:
    at = _app_on_cases()
    case = BY_ID["awaiting-mrd-etv6"]
    at.selectbox(key="cases_pick").select(case.id).run()
    at.button(key=f"library_{case.id}_pin").click().run()
    at.button(key=f"library_{case.id}_open").click().run()
    assert not at.exception
    assert at.title[0].value == "B-ALL risk group calculator"
    # the case, and beside it the app's own state: the pinned case goes along
    assert {name: value for name, value in at.query_params.items() if name != "compare"} == query_from_patient(
        case.patient
    )
    assert at.query_params["compare"] == encode_cases([case.patient])
    badge = next(m.value for m in at.markdown if "rc-badge" in m.value)
    assert "Provisional: Favorable or High — waiting for end-of-induction MRD" in badge
    assert (
        at.number_input[0].value == case.patient.age_years and at.number_input[1].value == case.patient.wbc_10e9_per_l
    )
    assert at.session_state[comparison.PINNED] == [case.patient]  # the same session: its pins are still there


def test_open_in_the_calculator_keeps_the_apps_own_parameters(page: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    # The address's app-wide parameters (pinned cases, presentation mode) go along; this page's quiz order does not.
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(streamlit, "switch_page", lambda target, *, query_params: calls.append((target, query_params)))
    case = BY_ID["older-adult-ph-positive"]
    page.query_params["compare"] = "kept"
    page.query_params["seed"] = "12"
    page.selectbox(key="cases_pick").select(case.id).run()
    page.button(key=f"library_{case.id}_open").click().run()
    assert calls == [("views/calculator.py", {"compare": ["kept"], **query_from_patient(case.patient)})]


# ---- the quiz -------------------------------------------------------------------------------------------


def to_quiz(at: AppTest, seed: int | None = 4821) -> AppTest:
    if seed is not None:
        at.query_params["seed"] = str(seed)
    at.radio(key="cases_mode").set_value("Quiz").run()
    assert not at.exception
    return at


def quiz_page(seed: int | None = 4821) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if seed is not None:
        at.query_params["seed"] = str(seed)
    at.run()
    assert not at.exception
    return at


def shown_case(at: AppTest) -> TeachingCase:
    """The case of the question on screen, found by its vignette (the page names it nowhere else)."""
    shown = texts(at)
    (case,) = [case for case in CASES if case.vignette in shown]
    return case


def test_a_seed_in_the_link_opens_the_quiz_in_that_order() -> None:
    at = quiz_page(seed=4821)
    assert at.radio(key="cases_mode").value == "Quiz"
    order = quiz_order(CASES, 4821)
    for number, case in enumerate(order[:4], start=1):
        assert f"Question {number} of {len(CASES)}" in texts(at)
        assert shown_case(at) == case
        at.button(key="quiz_next").click().run()
    assert at.query_params["seed"] == "4821"


def test_the_same_seed_gives_every_student_the_same_order() -> None:
    first, second = quiz_page(seed=77), quiz_page(seed=77)
    for _ in range(5):
        assert shown_case(first) == shown_case(second)
        first.button(key="quiz_next").click().run()
        second.button(key="quiz_next").click().run()


def test_the_order_is_shuffled_and_differs_between_seeds() -> None:
    library = [case.id for case in CASES]
    orders = {seed: [case.id for case in quiz_order(CASES, seed)] for seed in (1, 2, 4821)}
    assert all(sorted(order) == sorted(library) for order in orders.values())  # every case, once
    assert all(order != library for order in orders.values())
    assert len({tuple(order) for order in orders.values()}) == 3
    assert orders[4821][:3] == ["mef2d-fifteen", "infant-young-kmt2a", "induction-failure-range"]  # pinned: stable


def test_without_a_seed_the_session_draws_one_shows_it_and_puts_it_in_the_address(page: AppTest) -> None:
    at = to_quiz(page, seed=None)
    seed = at.session_state["quiz_seed"]
    assert 1 <= seed <= 999_999
    assert at.query_params["seed"] == str(seed)
    assert f"Question order number **{seed}**. Everyone who opens ?seed={seed} gets these questions" in texts(at)
    assert shown_case(at) == quiz_order(CASES, seed)[0]
    at.radio(key="cases_mode").set_value("Case library").run()
    assert "seed" not in at.query_params  # the address carries an order only while the quiz is shown


@pytest.mark.parametrize("given", ["abc", "0", "1000000", "4.5", "-3"])
def test_an_unusable_seed_is_named_and_a_new_order_drawn(given: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["seed"] = given
    at.run()
    seed = at.session_state["quiz_seed"]
    assert at.warning[0].value == (
        f"The quiz order in the link (seed={given}) is not a whole number from 1 to 999,999. "
        f"A new order was drawn instead: number {seed}."
    )
    assert at.query_params["seed"] == str(seed)
    assert shown_case(at) == quiz_order(CASES, seed)[0]


def test_quiz_hides_the_answer_until_the_student_commits() -> None:
    at = quiz_page()
    case = shown_case(at)
    shown = texts(at)
    assert "Risk group:" not in shown and "Provisional:" not in shown
    assert case.teaching_point not in shown
    assert not any(other.title in shown for other in CASES)  # no title, so nothing to look up
    assert not at.get("vega_lite_chart")
    assert at.button(key="quiz_check_1").disabled  # nothing chosen yet
    # No widget of the question is keyed by the case's id, which the page would carry as a CSS class.
    assert not any(case.id in str(widget.key) for widget in [*at.radio, *at.button])


def _go_to(at: AppTest, case_id: str) -> int:
    """Move the quiz to the question of this case; returns its number."""
    while shown_case(at).id != case_id:
        at.button(key="quiz_next").click().run()
    return int(at.session_state["quiz_index"]) + 1


def _final(seed: int = 4821) -> tuple[AppTest, TeachingCase]:
    at = quiz_page(seed)
    case = shown_case(at)
    assert not case.expected_provisional  # question 1 of order 4821 is final: its one group is the whole answer
    return at, case


def test_quiz_wrong_then_right() -> None:
    at, case = _final()
    right = case.expected_group.value
    wrong = next(group.value for group in RiskGroup if group.value != right)
    at.radio(key="quiz_answer_1").set_value(wrong).run()
    at.button(key="quiz_check_1").click().run()
    assert "Not quite" in at.error[0].value and wrong.capitalize() in at.error[0].value
    assert "Risk group:" not in texts(at)  # still hidden after a wrong answer
    assert "Score: 0 of 1 right at the first try" in texts(at)

    at.radio(key="quiz_answer_1").set_value(right).run()
    at.button(key="quiz_check_1").click().run()
    assert not at.error
    assert at.success[0].value.startswith("Correct after 2 tries")
    shown = texts(at)
    assert headline(assess(case.patient)).text in shown and case.teaching_point in shown
    assert f"In the case library this is “{case.title}”." in shown  # named only once answered
    assert "Score: 0 of 1 right at the first try" in shown  # only the first try counts
    assert at.radio(key="quiz_answer_1").disabled


def test_quiz_offers_every_set_of_groups_in_words() -> None:
    radio = quiz_page().radio(key="quiz_answer_1")
    assert radio.label == "Your answer: which groups are still possible for this case?"
    assert radio.options == [
        "Favorable",
        "Standard",
        "High",
        "Favorable or Standard",
        "Favorable or High",
        "Standard or High",
        "Favorable, Standard or High",
    ]


@pytest.mark.parametrize("case", [case for case in CASES if case.expected_provisional], ids=lambda case: case.id)
def test_a_provisional_case_is_answered_by_its_whole_range(case: TeachingCase) -> None:
    """spec 1.1 section 6: a provisional result is its range; the floor alone is never the answer."""
    at = quiz_page()
    number = _go_to(at, case.id)
    assessment = assess(case.patient)
    assert len(assessment.possible_groups) > 1
    floor = assessment.possible_groups[0].value
    at.radio(key=f"quiz_answer_{number}").set_value(floor).run()
    at.button(key=f"quiz_check_{number}").click().run()
    assert at.error[0].value.startswith(f"Not quite: “{floor.capitalize()}” is not the model's answer for this case.")
    assert "Provisional:" not in texts(at)
    whole = ",".join(group.value for group in assessment.possible_groups)
    at.radio(key=f"quiz_answer_{number}").set_value(whole).run()
    at.button(key=f"quiz_check_{number}").click().run()
    assert not at.error
    assert at.success[0].value == f"Correct after 2 tries. {headline(assessment).line}."


def test_quiz_reveal_of_a_provisional_case_shows_its_range() -> None:
    at = quiz_page()
    number = _go_to(at, "awaiting-mrd-etv6")
    at.button(key=f"quiz_reveal_{number}").click().run()
    assert at.info[0].value == (
        "The answer. Provisional: Favorable or High — waiting for end-of-induction MRD; at best Favorable."
    )


def test_quiz_score_counts_first_tries_and_moves_on() -> None:
    at = quiz_page()
    order = quiz_order(CASES, 4821)
    for number, case in enumerate(order[:2], start=1):
        assert f"Question {number} of {len(CASES)}" in texts(at)
        assert not case.expected_provisional
        at.radio(key=f"quiz_answer_{number}").set_value(case.expected_group.value).run()
        at.button(key=f"quiz_check_{number}").click().run()
        assert at.success[0].value.startswith("Correct at the first try")
        at.button(key="quiz_next").click().run()
    assert "Score: 2 of 2 right at the first try" in texts(at)
    at.button(key="quiz_reveal_3").click().run()
    assert at.info[0].value.startswith("The answer")
    assert "Score: 2 of 3 right at the first try" in texts(at)
    at.button(key="quiz_previous").click().run()
    assert at.radio(key="quiz_answer_2").value == order[1].expected_group.value  # the answer given stays shown
    at.button(key="quiz_restart").click().run()
    assert "Score: 0 of 0 right at the first try" in texts(at) and f"Question 1 of {len(CASES)}" in texts(at)
    assert shown_case(at) == order[0]  # starting over keeps the class's order


def test_quiz_score_and_mode_survive_a_visit_to_another_page() -> None:
    at = _app_on_cases(seed="4821")
    first = quiz_order(CASES, 4821)[0]
    at.radio(key="quiz_answer_1").set_value(first.expected_group.value).run()
    at.button(key="quiz_check_1").click().run()
    at.switch_page("views/calculator.py").run()
    assert at.title[0].value == "B-ALL risk group calculator"
    at.switch_page("views/cases.py").run()
    assert not at.exception
    assert at.radio(key="cases_mode").value == "Quiz"
    assert "Score: 1 of 1 right at the first try" in texts(at)
    assert at.success[0].value.startswith("Correct at the first try")
