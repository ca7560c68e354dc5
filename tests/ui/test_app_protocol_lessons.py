"""The protocols in the app beyond the Protocols page (AppTest and the handout builders): the form's section of
inputs only some schemes read, the lesson on disagreement and its quiz, and the handouts' side-by-side table."""

from __future__ import annotations

import io

import pypdfium2
from streamlit.testing.v1 import AppTest

from riskcalc import ClassificationStatus, Patient, assess, classify_all, models
from tests.side_by_side import PATIENT_Z
from tests.ui.apptest import APP, new_app
from ui.lib.handouts import to_markdown, to_pdf
from ui.lib.lessons import high_risk_schemes, lessons_path, load_lessons, problems, protocol_lessons
from ui.views.cases import LESSONS, MODE, PROTOCOL_QUIZ, pquiz_key


def test_a_link_fills_the_section_and_the_section_writes_the_link() -> None:
    at = new_app(**PATIENT_Z)
    assert not at.exception
    section = next(expander for expander in at.expander if expander.label == "Results some protocols use")
    assert section.proto.expanded  # opened by itself: the link gives some of its inputs
    assert at.radio(key="in_kmt2a_partner").value == "AFF1"
    assert at.radio(key="in_prednisone_response").value == "poor"
    assert at.radio(key="in_down_syndrome").value == "no"
    at.radio(key="in_prednisone_response").set_value("good").run()
    at.text_input(key="in_modal_chromosome_number").input("46").run()
    assert at.query_params["prednisone_response"] == "good"
    assert at.query_params["modal_chromosome_number"] == "46"
    assert at.query_params["down_syndrome"] == "false"  # an explicit "no" is kept: "not given" differs


def test_a_contradiction_in_the_section_is_named_and_shows_no_result() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="b_other")
    at.text_input(key="in_modal_chromosome_number").input("40").run()
    errors = " ".join(error.value for error in at.error)
    assert "40 chromosomes is hypodiploidy (under 44), but genetics does not include hypodiploidy" in errors


def test_the_lessons_are_at_least_eight_and_every_answer_is_the_schemes() -> None:
    lessons = load_lessons(lessons_path())
    assert len(lessons) >= 8
    assert {"patient-x", "patient-y", "patient-z"} <= {lesson.id for lesson in lessons}
    assert [problem for lesson in lessons for problem in problems(lesson)] == []


def test_every_scheme_that_classifies_a_lesson_is_explained_in_a_why() -> None:
    for lesson in protocol_lessons():
        named = {scheme for why in lesson.why for scheme in why.schemes}
        classified = {
            result.model_id
            for result in classify_all(lesson.patient)
            if result.status == ClassificationStatus.CLASSIFIED
        }
        assert classified <= named, (lesson.id, classified - named)


def _cases_page(mode: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.query_params.clear()
    at.query_params["seed"] = "4821"
    at = at.switch_page("views/cases.py").run()
    at.radio(key=MODE).set_value(mode).run()
    return at


def test_protocols_disagree_shows_the_table_and_the_lessons_reasons() -> None:
    at = _cases_page(LESSONS)
    assert not at.exception
    lesson = next(lesson for lesson in protocol_lessons() if lesson.id == at.selectbox(key="lesson_pick").value)
    rows = at.table[0].value
    assert len(rows) == len(models())
    text = " ".join(block.value for block in at.markdown)
    for why in lesson.why:
        assert why.text in text
    assert "Why they disagree" in [header.value for header in at.subheader]


def test_the_protocol_quiz_asks_which_protocols_call_the_child_high_risk() -> None:
    at = _cases_page(PROTOCOL_QUIZ)
    assert not at.exception
    question = at.multiselect(key=pquiz_key(1))
    assert question.label.startswith("Which protocols call this child high risk?")
    # the question shows no answer before one is committed: no table, no reasons
    assert not at.table
    shown = " ".join(block.value for block in at.markdown)
    lesson = next(lesson for lesson in protocol_lessons() if lesson.vignette in shown)
    correct = high_risk_schemes(classify_all(lesson.patient))
    question.set_value(correct).run()
    at.button(key="pquiz_check_1").click().run()
    assert at.success and at.success[0].value.startswith("Correct at the first try")
    assert "Score: 1 of 1 right at the first try" in " ".join(block.value for block in at.markdown)
    assert len(at.table[0].value) == len(models())  # the answer's table, once answered


def test_the_handouts_carry_the_case_under_every_protocol() -> None:
    patient = Patient(age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS2", mrd_eoi_percent=0.02)
    assessment = assess(patient)
    markdown = to_markdown(assessment)
    section = markdown[markdown.index("## The same case under each protocol") :]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Scheme")]
    assert len(rows[: len(models())]) == len(models())
    assert rows[0].startswith("| Teaching model |")
    assert "| NCI/Rome | Standard risk | No |" in section
    assert "### Why they disagree" in section
    pdf = pypdfium2.PdfDocument(io.BytesIO(to_pdf(assessment)))
    text = " ".join(" ".join(pdf[index].get_textpage().get_text_range().split()) for index in range(len(pdf)))
    assert "The same case under each protocol" in text
    assert "Calls it high risk" in text and "Why they disagree" in text
    for scheme in ("Teaching model", "NCI/Rome", "COG AALL08B1", "Interfant-06", "St Jude XVI", "DCOG ALL-10"):
        assert scheme in text, scheme
