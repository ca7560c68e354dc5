"""The one headline of a result (riskcalc.explain.headline) and the page pieces built on it (spec 1.1 §6):
a provisional case is its range in neutral colours, only a final one is a single coloured group."""

from __future__ import annotations

import pytest

from riskcalc import Assessment, Patient, assess
from riskcalc.explain import Headline, headline, input_words
from ui.lib.course_rows import marker
from ui.lib.render import badge_class
from ui.lib.vocabulary import load_vocabulary
from ui.lib.whatif import compare
from ui.lib.wording import badge_text

AT_DIAGNOSIS = Patient(age_years=4, wbc_10e9_per_l=12)
AWAITING_MRD = Patient.model_validate(
    {"age_years": 3, "wbc_10e9_per_l": 5, "genetics": ["etv6_runx1"], "cns_status": "CNS1"}
)
FINAL_HIGH = Patient(age_years=12, wbc_10e9_per_l=3)


def test_the_pending_inputs_are_named_as_the_rule_files_name_their_factors() -> None:
    words = {field: input_words(field, "ball_illustrative") for field in ("genetics", "cns_status", "mrd_eoi_percent")}
    assert words == {"genetics": "genetics", "cns_status": "CNS status", "mrd_eoi_percent": "end-of-induction MRD"}
    assert input_words("no_such_field", "ball_illustrative") == "no_such_field"


@pytest.mark.parametrize(
    ("patient", "text", "lines", "line", "cell"),
    [
        (FINAL_HIGH, "Risk group: High", ["Risk group: High"], "Risk group: High", "High"),
        (
            AT_DIAGNOSIS,
            "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD",
            [
                "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD",
                "At best Favorable",
            ],
            "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD; "
            "at best Favorable",
            "Provisional: Favorable, Standard or High (at best Favorable)",
        ),
        (
            AWAITING_MRD,
            "Provisional: Favorable or High — waiting for end-of-induction MRD",
            ["Provisional: Favorable or High — waiting for end-of-induction MRD", "At best Favorable"],
            "Provisional: Favorable or High — waiting for end-of-induction MRD; at best Favorable",
            "Provisional: Favorable or High (at best Favorable)",
        ),
    ],
    ids=["final", "at-diagnosis", "awaiting-mrd"],
)
def test_headline_forms(patient: Patient, text: str, lines: list[str], line: str, cell: str) -> None:
    head = headline(assess(patient))
    assert (head.text, head.lines, head.line, head.cell) == (text, lines, line, cell)


def test_the_api_keeps_the_floor() -> None:
    result = assess(AT_DIAGNOSIS)
    assert result.group == "favorable" and result.provisional  # unchanged: programs rely on it
    assert headline(result) == Headline(
        provisional=True,
        groups="Favorable, Standard or High",
        waiting="genetics, CNS status and end-of-induction MRD",
        floor="at best Favorable",
    )


def test_badge_is_neutral_and_symbol_free_while_provisional() -> None:
    words = load_vocabulary()
    provisional, final = assess(AT_DIAGNOSIS), assess(FINAL_HIGH)
    assert badge_class(provisional) == "rc-provisional" and badge_class(final) == "rc-high"
    assert badge_text(final, words) == "▲ Risk group: High"
    assert badge_text(provisional, words) == headline(provisional).text
    assert not any(group.symbol in badge_text(provisional, words) for group in words.groups.values())


def _with(patient: Patient, **changes: float) -> Patient:
    return Patient.model_validate({**patient.model_dump(), **changes})  # validated, unlike model_copy


def _pair(before: Patient, after: Patient) -> tuple[Assessment, Assessment]:
    return assess(before), assess(after)


def test_what_changed_speaks_of_the_range_not_the_floor() -> None:
    before, after = _pair(AT_DIAGNOSIS, AWAITING_MRD)
    change = compare(before, after, load_vocabulary())
    # The floor stays Favorable, yet the result changed: two groups fewer are possible.
    assert (change.group_before, change.group_after) == (
        "Provisional: Favorable, Standard or High (at best Favorable)",
        "Provisional: Favorable or High (at best Favorable)",
    )
    assert change.group_changed


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (AT_DIAGNOSIS, AT_DIAGNOSIS, ""),
        (AT_DIAGNOSIS, AWAITING_MRD, "◆ fewer groups possible"),
        (AWAITING_MRD, _with(AWAITING_MRD, mrd_eoi_percent=0.5), "✓ now final"),
        (
            _with(AWAITING_MRD, mrd_eoi_percent=0.0),
            _with(AWAITING_MRD, mrd_eoi_percent=0.0, mrd_eoc_percent=1.0),
            "◆ group changed",
        ),
    ],
    ids=["same", "narrower", "final-within-range", "final-to-other-group"],
)
def test_course_markers(before: Patient, after: Patient, expected: str) -> None:
    assert marker(*_pair(before, after)) == expected
