"""The address keeps the screen: presentation mode and the pinned cases survive a reload or a shared link,
and the presentation stepper shows the group as the results arrive."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from riskcalc import Patient
from tests.strategies import patients
from tests.ui.apptest import new_app
from ui.lib.address import decode_cases, encode_cases

CLASS_CASE = {
    "age_years": "4",
    "wbc_10e9_per_l": "12",
    "genetics": "etv6_runx1",
    "cns_status": "CNS1",
    "mrd_eoi_percent": "0.05",
}
FAVORABLE = Patient(age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0)
HIGH = Patient(age_years=15, wbc_10e9_per_l=60, genetics=["bcr_abl1"], cns_status="CNS3")


def badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "rc-badge" in m.value]


def pin_button(at: AppTest):  # no return annotation: AppTest's Button type is internal
    return next(button for button in at.button if button.label == "Pin this case")


# ------------------------------------------------------------------------------------ presentation mode
def test_presentation_mode_was_off_after_a_reload() -> None:
    at = new_app(present="1", **CLASS_CASE)
    assert not at.exception
    assert at.toggle(key="presentation_mode").value is True
    assert at.query_params["present"] == "1"
    assert any(m.value.startswith("**Case:** Age 4 years") for m in at.markdown)  # the projected case line


def test_switching_presentation_mode_writes_and_removes_it_in_the_address() -> None:
    at = new_app(**CLASS_CASE)
    assert "present" not in at.query_params
    at.toggle(key="presentation_mode").set_value(True).run()
    assert at.query_params["present"] == "1"
    assert {name: at.query_params[name] for name in CLASS_CASE} == CLASS_CASE  # the case stays beside it
    at.toggle(key="presentation_mode").set_value(False).run()
    assert "present" not in at.query_params


def test_an_address_without_present_does_not_switch_presentation_mode_off() -> None:
    """Streamlit drops the query parameters when the sidebar changes pages: absence is no instruction."""
    at = new_app(present="1", **CLASS_CASE)
    at.query_params.clear()
    at.run()
    assert at.toggle(key="presentation_mode").value is True
    assert at.query_params["present"] == "1"


# ----------------------------------------------------------------------------------------- pinned cases
def test_pinned_cases_are_written_in_the_address() -> None:
    at = new_app(**{**CLASS_CASE, "mrd_eoi_percent": "0"})
    pin_button(at).click().run()
    assert at.query_params["compare"] == encode_cases([FAVORABLE])
    assert at.query_params["compare"] == (
        "age_years:4;wbc_10e9_per_l:12;genetics:etv6_runx1;cns_status:CNS1;mrd_eoi_percent:0"
    )


def test_compare_was_empty_after_a_reload() -> None:
    at = new_app(compare=encode_cases([FAVORABLE, HIGH]))
    at.switch_page("views/compare.py").run()
    assert not at.exception
    shown = badges(at)
    assert len(shown) == 2
    assert "Risk group: Favorable" in shown[0] and "Risk group: High" in shown[1]
    assert at.query_params["compare"] == encode_cases([FAVORABLE, HIGH])


def test_a_compare_link_with_an_unreadable_case_keeps_the_others_and_names_it() -> None:
    text = encode_cases([FAVORABLE]) + "|age_years:4;wbc_10e9_per_l:abc|" + encode_cases([HIGH])
    at = new_app(compare=text)
    at.switch_page("views/compare.py").run()
    assert len(badges(at)) == 2
    errors = [error.value for error in at.error]
    assert len(errors) == 1 and errors[0].startswith("Pinned case 2 of the link could not be read")
    assert "'wbc_10e9_per_l=abc'" in errors[0]


def test_a_compare_link_of_more_than_four_cases_keeps_four_and_says_so() -> None:
    cases = [Patient(age_years=age, wbc_10e9_per_l=12) for age in (2, 3, 4, 5, 6)]
    decoded = decode_cases(encode_cases(cases))
    assert decoded.patients == cases[:4]
    assert decoded.messages == [
        "The link pins 5 cases; the Compare page holds 4, so cases 5 to 5 were left out (compare)."
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(patients(), min_size=1, max_size=4, unique=True))
def test_pinned_cases_read_back_from_the_address_as_they_were(cases: list[Patient]) -> None:
    decoded = decode_cases(encode_cases(cases))
    assert decoded.messages == [] and decoded.patients == cases


# --------------------------------------------------------------------------------------------- stepper
STEPS = ["Diagnosis", "Genetics and CNS", "Day 8", "End of induction", "End of consolidation"]


@pytest.mark.parametrize(
    ("step", "shown"),
    [
        ("Diagnosis", "Provisional: Favorable, Standard or High — waiting for genetics, CNS status"),
        ("Genetics and CNS", "Provisional: Favorable or High — waiting for end-of-induction MRD"),
        ("Day 8", "Provisional: Favorable or High — waiting for end-of-induction MRD"),
        ("End of induction", "Risk group: High"),
        ("End of consolidation", "Risk group: High"),
    ],
)
def test_the_stepper_shows_the_group_with_the_results_known_at_each_step(step: str, shown: str) -> None:
    at = new_app(present="1", **CLASS_CASE)
    control = at.segmented_control(key="rc_step")
    assert control.options == STEPS and control.value == "End of consolidation"
    control.set_value(step).run()
    assert not at.exception
    assert [badge for badge in badges(at) if "rc-phone-bar" not in badge and shown in badge], badges(at)


def test_the_stepper_tells_what_the_step_changed() -> None:
    at = new_app(present="1", **CLASS_CASE)
    at.segmented_control(key="rc_step").set_value("End of induction").run()
    changed = [m.value for m in at.markdown if m.value.startswith("**What changed")]
    assert changed == ["**What changed: group Provisional: Favorable or High (at best Favorable) → High**"]


def test_editing_the_case_brings_the_stepper_back_to_the_whole_case() -> None:
    """An edited value must never sit hidden behind an earlier step."""
    at = new_app(**CLASS_CASE)
    at.segmented_control(key="rc_step").set_value("Diagnosis").run()
    at.text_input(key="in_mrd_eoi_percent").input("0").run()
    assert at.segmented_control(key="rc_step").value == "End of consolidation"
    assert any("Risk group: Favorable" in badge for badge in badges(at))
