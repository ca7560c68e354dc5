"""The Calculator page through Streamlit's AppTest: inputs → group, findings, pending list, links.

AppTest caveats (engine-notes §3.3): run() after every change; out-of-range values set on a number_input
revert silently, so bounds are tested in pydantic and in tests/ui/test_query_and_handouts.py.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest import new_app
from ui.lib.inputs import PROTOCOL_MEASURES
from ui.lib.vocabulary import PROTOCOL_FIELDS


def badge(at: AppTest) -> str:
    shown = [m.value for m in at.markdown if "rc-badge" in m.value]
    assert len(shown) == 1, shown
    return shown[0]


def text(at: AppTest) -> str:
    """Everything the page wrote as Markdown, captions, alerts and tables, for content checks."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(parts)


def test_opens_with_a_provisional_case_and_its_pending_results() -> None:
    at = new_app()
    assert not at.exception
    # spec 1.1 §6: a provisional result is headlined by its range, with the floor below it
    assert (
        "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD"
        in badge(at)
        and "At best Favorable" in badge(at)
    )
    page = text(at)
    assert "Possible groups once the results arrive: **Favorable, Standard or High**" in page
    for label in (
        "Genetic findings in the leukemic blasts",
        "CNS status at diagnosis (spinal fluid)",
        "End-of-induction marrow MRD",
    ):
        assert f"**{label}**" in page
    assert "if 1 % → High" in page
    assert "Educational illustration only" in page  # the disclaimer
    assert "ped.nci_standard" in page


def test_every_input_has_a_visible_label_and_help() -> None:
    at = new_app()
    labelled = [*at.number_input, *at.radio, *at.multiselect, *at.checkbox, *at.text_input]
    # age and white count; the three MRD values, then the number boxes of "Results some protocols use" (modal
    # number, DNA index, day-8 blast count, day-15 MRD, end-of-induction blasts)
    assert len(at.number_input) == 2 and len(at.text_input) == 3 + 5
    for widget in labelled:
        assert widget.label
    # one widget per input, keyed by its field; a measured result (day-15 MRD) by its "measured or not" choice
    keys = {f"in_{field}_state" if field in PROTOCOL_MEASURES else f"in_{field}" for field in PROTOCOL_FIELDS}
    protocol = [widget for widget in labelled if widget.key in keys]
    assert len(protocol) == len(PROTOCOL_FIELDS)
    for widget in protocol:  # each names the schemes that read it, from their model.yaml
        assert "Read by:" in widget.help, widget.label
    assert "Read by: Interfant-06." in at.radio(key="in_prednisone_response").help
    assert "Read by: BFM (PDQ), DCOG ALL-10." in at.text_input(key="in_modal_chromosome_number").help
    assert all(
        widget.help
        for widget in [
            *at.number_input,
            at.checkbox(key="in_testis"),
            at.radio(key="in_cns"),
            at.radio(key="in_genetics_state"),
        ]
    )


def complete_favorable(at: AppTest) -> AppTest:
    # A result's value can be entered only once it is marked available (the widget is disabled before),
    # as in the browser; hence a run between the two.
    at.radio(key="in_genetics_state").set_value("known")
    at.radio(key="in_mrd_eoi_percent_state").set_value("known")
    at.run()
    at.multiselect(key="in_genetics").set_value(["etv6_runx1"])
    at.radio(key="in_cns").set_value("CNS1")
    at.text_input(key="in_mrd_eoi_percent").input("0")
    return at.run()


def test_entering_results_makes_the_group_final_and_explains_it() -> None:
    at = complete_favorable(new_app())
    assert not at.exception
    assert "Risk group: Favorable" in badge(at) and "rovisional" not in badge(at)
    page = text(at)
    assert "**Provisional: results are pending**" not in page  # earlier steps of the course table still were
    for rule in ("gen.etv6_runx1", "ped.cns1", "ped.nci_standard"):
        assert rule in page
    assert "ETV6::RUNX1" in page and "https://doi.org/" in page  # the finding and its citation link
    assert "pushes towards a lower-risk group" in page  # direction in words


def test_each_change_reassesses_and_says_what_changed() -> None:
    at = complete_favorable(new_app())
    at.text_input(key="in_mrd_eoi_percent").input("0.05").run()
    assert "Risk group: High" in badge(at)
    page = text(at)
    assert "What changed: group Favorable → High" in page
    assert "Input **End-of-induction marrow MRD**: 0 % → 0.05 %" in page
    assert "rule now applies: `ped.mrd_eoi_positive (end-of-induction MRD)`" in page
    assert "rule no longer applies: `ped.mrd_eoi_negative (end-of-induction MRD)`" in page
    at.number_input(key="in_wbc").set_value(60.0).run()
    assert "What changed: group unchanged (High)" in text(at)


def test_pending_is_not_negative() -> None:
    at = new_app()
    at.radio(key="in_genetics_state").set_value("known").run()
    at.multiselect(key="in_genetics").set_value(["b_other"]).run()
    page = text(at)
    assert "Genetic findings in the leukemic blasts" not in page.split("Pending results that can change")[1][:200]
    # tested negative: favorable is out of reach
    assert "Provisional: Standard or High — waiting for CNS status and end-of-induction MRD" in badge(at)
    # A result marked available but left empty stays pending, and the page says so.
    at.radio(key="in_mrd_eoi_percent_state").set_value("known").run()
    assert any("no result entered yet" in info.value for info in at.info)


def test_units_convert_exactly() -> None:
    at = new_app()
    at.radio(key="in_age_unit").set_value("age_months").run()
    assert at.number_input(key="in_age").value == pytest.approx(48.0)
    at.number_input(key="in_age").set_value(6.0).run()  # six months: the infant branch
    assert "Risk group: High" in badge(at) and "infant" in text(at)
    at.radio(key="in_wbc_unit").set_value("wbc_per_ul").run()
    assert at.number_input(key="in_wbc").value == pytest.approx(12000.0)
    at.radio(key="in_mrd_eoi_percent_state").set_value("known").run()
    at.radio(key="in_mrd_eoi_percent_unit").set_value("mrd_eoi_fraction").run()
    at.text_input(key="in_mrd_eoi_percent").input("10^-4").run()
    assert at.query_params["mrd_eoi_percent"] in ("0.01", ["0.01"])  # the link keeps the model's unit
    at.radio(key="in_mrd_eoi_percent_unit").set_value("mrd_eoi_percent").run()
    assert at.text_input(key="in_mrd_eoi_percent").value == "0.01"


def test_a_bad_mrd_value_is_an_error_naming_the_field_not_a_traceback() -> None:
    at = new_app()
    at.radio(key="in_mrd_eoc_percent_state").set_value("known").run()
    at.text_input(key="in_mrd_eoc_percent").input("lots").run()
    assert not at.exception
    # named in words, as the form labels it (not by its code name), and no result beside it
    assert [error.value for error in at.error] == [
        (
            "Please correct the input; no result is shown until every value can be used.\n\n"
            "- End-of-consolidation MRD value: 'lots' is not a number."
        )
    ]
    assert not [m for m in at.markdown if "rc-badge" in m.value]


def test_the_issue_link_shows_that_case() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="etv6_runx1", cns_status="CNS1", mrd_eoi_percent="0")
    assert not at.exception and not at.error
    assert "Risk group: Favorable" in badge(at) and "rovisional" not in badge(at)
    assert at.multiselect(key="in_genetics").value == ["etv6_runx1"]
    assert at.radio(key="in_cns").value == "CNS1"
    assert "?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0" in text(at)


def test_the_page_link_follows_the_inputs() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    at.number_input(key="in_age").set_value(12.0).run()
    value = at.query_params["age_years"]
    assert value in ("12", ["12"])
    assert "Risk group: High" in badge(at)


@pytest.mark.parametrize("name", ["age_years", "cns_status", "wbc_10e9_per_l", "nonsense"])
def test_a_bad_link_parameter_shows_an_error_naming_it(name: str) -> None:
    params = {"age_years": "4", "wbc_10e9_per_l": "12", name: "CNS9" if name != "age_years" else "old"}
    at = new_app(**params)
    assert not at.exception
    assert at.error and any(f"'{name}" in error.value for error in at.error)


def test_course_of_diagnosis_assesses_each_step_with_what_was_known() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="etv6_runx1", cns_status="CNS1", mrd_eoi_percent="0.5")
    table = next(m.value for m in at.markdown if m.value.startswith("| Step |"))
    rows = table.splitlines()[2:]
    assert len(rows) == 5
    assert "At diagnosis" in rows[0] and "**Provisional: Favorable, Standard or High (at best Favorable)**" in rows[0]
    # a provisional range "Favorable or High" that becomes High is made final, not changed (spec 1.1 §6)
    assert "At the end of induction" in rows[3] and "**High**" in rows[3] and "✓ now final" in rows[3]
    assert "group changed" not in rows[3]
    assert "**High**" in rows[4]


def test_pictures_have_charts_and_text_alternatives() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) == 2
    assert [e.label for e in at.expander if "text description" in e.label]


def test_pin_keeps_the_case_in_the_session_and_the_address_only() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    pin = next(index for index, button in enumerate(at.button) if button.label == "Pin this case")
    at.button[pin].click().run()
    assert any("Pinned as case 1" in info.value for info in at.info)
    assert len(at.session_state["pinned_cases"]) == 1
    assert at.query_params["compare"] == "age_years:4;wbc_10e9_per_l:12"
    at.button[pin].click().run()
    assert any("already pinned" in info.value for info in at.info)


def test_marking_genetics_pending_keeps_the_choice_but_ignores_it() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="bcr_abl1")
    assert "Risk group: High" in badge(at)
    at.radio(key="in_genetics_state").set_value("pending").run()
    assert not at.multiselect  # no findings list while results are pending
    assert (
        "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD"
        in badge(at)
    )
    assert "genetics" not in at.query_params
    at.radio(key="in_genetics_state").set_value("known").run()
    assert at.multiselect(key="in_genetics").value == ["bcr_abl1"]


def test_course_marks_a_group_that_only_becomes_final() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="etv6_runx1", cns_status="CNS1", mrd_eoi_percent="0")
    table = next(m.value for m in at.markdown if m.value.startswith("| Step |"))
    rows = table.splitlines()[2:]
    assert "**Provisional: Favorable, Standard or High (at best Favorable)**" in rows[0]
    final = next(row for row in rows if "At the end of induction" in row)
    assert "**Favorable**" in final and "now final" in final and "group changed" not in final
    assert not any("group changed" in row for row in rows)
