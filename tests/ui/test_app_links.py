"""The Calculator never shows a result for a case the user did not enter (AppTest).

Links the page cannot fully read, the landing page's example, powers of ten in a percent box, values shown
rounded across a cut-off and values the form refuses. The headline of a result is another engineer's wording
(render.badge), so "no result" is checked as: no group badge, no "Risk group" and no "Provisional" anywhere.
"""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest import new_app

WBC_60000 = (
    "The link's white cell count at diagnosis ('wbc_10e9_per_l=60000'): 60000 is above the accepted range "
    "(0 to 2000 x10⁹/L); did you mean 60 x10⁹/L? (60000 cells per µL: use wbc_per_ul=60000)."
)
NO_WBC = "The link gives no white cell count at diagnosis ('wbc_10e9_per_l' or 'wbc_per_ul'): every case needs it."
NO_AGE = "The link gives no age at diagnosis ('age_years' or 'age_months'): every case needs it."
LINK_HELD = (
    "The link could not be read completely, so no result is shown for it. The form shows every value "
    "that could be read."
)
ENTER_AGE = "Enter the age at diagnosis to see a result."
ENTER_WBC = "Enter the white cell count at diagnosis to see a result."
ENTER_BOTH = "Enter the age at diagnosis and the white cell count at diagnosis to see a result."
EXAMPLE = (
    "**Example case**, not one you entered: age at diagnosis 4 years, white cell count at diagnosis "
    "12 x10⁹/L, every other result still pending. Change the values to your own case to assess it."
)


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [w.value for w in at.warning] + [s.value for s in at.subheader]
    return "\n".join(parts)


def badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "rc-badge" in m.value]


def assert_no_result(at: AppTest) -> None:
    assert not at.exception
    assert badges(at) == []
    page = text(at)
    assert "Risk group" not in page and "Provisional" not in page and "provisional" not in page
    assert not (at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))  # no pictures of a case


def form(at: AppTest) -> dict[str, Any]:
    return {
        "age": at.number_input(key="in_age").value,
        "wbc": at.number_input(key="in_wbc").value,
        "genetics": at.session_state["in_genetics"] if at.radio(key="in_genetics_state").value == "known" else None,
        "cns": at.radio(key="in_cns").value,
    }


def link_errors(at: AppTest) -> list[str]:
    """The list items of the link banner."""
    banner = next(error.value for error in at.error if error.value.startswith(LINK_HELD))
    return [line.removeprefix("- ") for line in banner.split("\n\n", 1)[1].splitlines()]


def query(at: AppTest) -> dict[str, Any]:
    return dict(at.query_params)


# ------------------------------------------------------------------------------ 1. links age/white count
def test_regression_wbc_given_per_ul_showed_the_default_4_year_olds_favorable_for_a_12_year_old() -> None:
    at = new_app(age_years="12", wbc_10e9_per_l="60000")
    assert_no_result(at)
    assert form(at) == {"age": 12.0, "wbc": None, "genetics": None, "cns": "pending"}
    assert link_errors(at) == [WBC_60000]
    assert [info.value for info in at.info] == [ENTER_WBC]
    assert query(at) == {"age_years": "12", "wbc_10e9_per_l": "60000"}  # the address bar keeps the link as given


@pytest.mark.parametrize(
    ("params", "expected", "errors", "prompt"),
    [
        (
            {"age_years": "15", "genetics": "bcr_abl1", "cns_status": "CNS3"},
            {"age": 15.0, "wbc": None, "genetics": ["bcr_abl1"], "cns": "CNS3"},
            [NO_WBC],
            ENTER_WBC,
        ),
        (
            {"genetics": "bcr_abl1"},
            {"age": None, "wbc": None, "genetics": ["bcr_abl1"], "cns": "pending"},
            [NO_AGE, NO_WBC],
            ENTER_BOTH,
        ),
        (
            {"age_years": "abc", "wbc_10e9_per_l": "12", "genetics": "bcr_abl1"},
            {"age": None, "wbc": 12.0, "genetics": ["bcr_abl1"], "cns": "pending"},
            ["The link's age at diagnosis ('age_years=abc'): 'abc' is not a number."],
            ENTER_AGE,
        ),
    ],
    ids=["no-wbc", "only-genetics", "age-abc"],
)
def test_a_link_without_a_usable_age_or_count_keeps_every_readable_value_and_shows_no_group(
    params: dict[str, str], expected: dict[str, Any], errors: list[str], prompt: str
) -> None:
    at = new_app(**params)
    assert_no_result(at)
    assert form(at) == expected
    assert link_errors(at) == errors
    assert [info.value for info in at.info] == [prompt]
    assert query(at) == params


def test_entering_the_missing_value_shows_the_result_and_then_the_link_follows() -> None:
    at = new_app(age_years="12", wbc_10e9_per_l="60000")
    at.number_input(key="in_wbc").set_value(60.0).run()
    assert not at.exception and len(badges(at)) == 1
    assert not at.error  # the form now holds the student's own values: the link's banner is gone
    assert query(at) == {"age_years": "12", "wbc_10e9_per_l": "60"}


# ------------------------------------------------------------------------- 2. named errors, with hints
@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"age_years": "-4", "wbc_10e9_per_l": "12"},
            "The link's age at diagnosis ('age_years=-4'): -4 is below the accepted range (0 to under 120 years).",
        ),
        (
            {"age_years": "4", "wbc_10e9_per_l": "nan"},
            "The link's white cell count at diagnosis ('wbc_10e9_per_l=nan'): 'nan' is not a finite number.",
        ),
        (
            {"age_years": "inf", "wbc_10e9_per_l": "12"},
            "The link's age at diagnosis ('age_years=inf'): 'inf' is not a finite number.",
        ),
        (
            {"age_years": "4", "wbc_10e9_per_l": "12,5"},
            (
                "The link's white cell count at diagnosis ('wbc_10e9_per_l=12,5'): '12,5' is not a number: write decimals "
                "with a point (12.5) and no thousands separator."
            ),
        ),
        (
            {"age_years": "", "wbc_10e9_per_l": "12"},
            (
                "The link's age at diagnosis ('age_years=') is empty: give a value, or leave the parameter out when the "
                "result is not known."
            ),
        ),
        (
            {"age_months": "1440", "wbc_10e9_per_l": "12"},
            (
                "The link's age at diagnosis ('age_months=1440'): 1440 months (= 120 years) is above the accepted range "
                "(0 to under 120 years)."
            ),
        ),
    ],
    ids=["negative", "nan", "inf", "comma-decimal", "empty", "months-out-of-range"],
)
def test_an_unusable_age_or_count_is_a_named_error_and_no_result(params: dict[str, str], message: str) -> None:
    at = new_app(**params)
    assert_no_result(at)
    assert link_errors(at) == [message]
    assert query(at) == params


# ------------------------------------------------------------------------------------ 3. given twice
def test_regression_a_parameter_given_twice_silently_used_the_last_value() -> None:
    at = new_app(age_years=["4", "12"], wbc_10e9_per_l="12")  # type: ignore[arg-type]
    assert_no_result(at)
    assert link_errors(at) == [
        (
            "The link gives the age at diagnosis 2 times ('age_years' = '4', '12'): give each "
            "parameter once. None of these values is used."
        )
    ]
    assert form(at)["age"] is None and form(at)["wbc"] == 12.0
    assert query(at) == {"age_years": ["4", "12"], "wbc_10e9_per_l": "12"}


# ------------------------------------------------------------------------------------- 4. landing page
def test_the_landing_page_labels_its_example_and_keeps_it_out_of_the_address_bar() -> None:
    at = new_app()
    assert not at.exception and len(badges(at)) == 1
    assert [info.value for info in at.info] == [EXAMPLE]
    assert "The result below is for the example case, not for a case you entered." in [c.value for c in at.caption]
    assert query(at) == {}  # the example is nobody's case: not put in the address bar
    at.number_input(key="in_age").set_value(6.0).run()
    assert EXAMPLE not in text(at)
    assert query(at) == {"age_years": "6", "wbc_10e9_per_l": "12"}


def test_an_opened_link_of_the_same_values_is_not_called_an_example() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    assert EXAMPLE not in text(at) and len(badges(at)) == 1


# ------------------------------------------------------------------------------- 5. powers of ten in %
MRD_1E4 = (
    "End-of-induction MRD value: 1e-4 looks like a fraction (1 in 10 000 cells = 0.01 %); enter percent, "
    "e.g. 0.01, or choose the unit “fraction”."
)


def favorable_so_far(at: AppTest) -> AppTest:
    at.radio(key="in_genetics_state").set_value("known")
    at.radio(key="in_mrd_eoi_percent_state").set_value("known")
    at.run()
    at.multiselect(key="in_genetics").set_value(["etv6_runx1"])
    at.radio(key="in_cns").set_value("CNS1")
    return at.run()


def test_regression_1e_4_typed_in_the_percent_box_was_read_as_0_0001_percent() -> None:
    at = favorable_so_far(new_app(age_years="4", wbc_10e9_per_l="12"))
    at.text_input(key="in_mrd_eoi_percent").input("1e-4").run()
    assert_no_result(at)
    assert [error.value for error in at.error] == [
        "Please correct the input; no result is shown until every value can be used.\n\n- " + MRD_1E4
    ]
    # Choosing the fraction unit keeps the text as typed, which then means what was meant: 0.01 %.
    at.radio(key="in_mrd_eoi_percent_unit").set_value("mrd_eoi_fraction").run()
    assert at.text_input(key="in_mrd_eoi_percent").value == "1e-4"
    assert not at.error and len(badges(at)) == 1
    assert query(at)["mrd_eoi_percent"] == "0.01"


@pytest.mark.parametrize("typed", ["10^-4", "1E-4", "2x10^-3"])
def test_every_power_of_ten_in_a_percent_box_is_refused(typed: str) -> None:
    at = favorable_so_far(new_app(age_years="4", wbc_10e9_per_l="12"))
    at.text_input(key="in_mrd_eoi_percent").input(typed).run()
    assert_no_result(at)
    assert "looks like a fraction" in at.error[0].value and "choose the unit “fraction”" in at.error[0].value


def test_a_link_with_a_power_of_ten_in_a_percent_field_is_refused_and_the_fraction_name_accepted() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", mrd_eoi_percent="1e-4")
    assert_no_result(at)
    assert link_errors(at) == [
        (
            "The link's end-of-induction marrow MRD ('mrd_eoi_percent=1e-4'): 1e-4 looks like a fraction (1 in 10 000 "
            "cells = 0.01 %); enter percent, e.g. 0.01, or use mrd_eoi_fraction=1e-4."
        )
    ]
    assert at.text_input(key="in_mrd_eoi_percent").value == "1e-4"  # shown as given, beside its error
    fraction = new_app(age_years="4", wbc_10e9_per_l="12", mrd_eoi_fraction="1e-4")
    assert not fraction.error and len(badges(fraction)) == 1
    assert query(fraction) == {"age_years": "4", "wbc_10e9_per_l": "12", "mrd_eoi_percent": "0.01"}


def test_a_small_percent_is_written_into_the_link_without_an_exponent() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", mrd_eoi_percent="0.00001")
    assert not at.error and len(badges(at)) == 1
    assert query(at)["mrd_eoi_percent"] == "0.00001"  # repr() would give 1e-05, which a percent field refuses


# ------------------------------------------------------------------------------ 6. no rounding on screen
@pytest.mark.parametrize(("age", "branch"), [("17.999", "pediatric"), ("9.999", "pediatric")])
def test_regression_age_17_999_was_shown_as_18_00_while_the_pediatric_branch_applied(age: str, branch: str) -> None:
    at = new_app(age_years=age, wbc_10e9_per_l="12")
    box = at.number_input(key="in_age")
    assert box.value == float(age)
    # %g is the browser's shortest exact form (sprintf.js); the Chromium test checks the text on screen.
    assert box.proto.format == "%g" and at.number_input(key="in_wbc").proto.format == "%g"
    assert branch in text(at)


# --------------------------------------------------------------------------------- 7. refused values
def test_regression_a_negative_age_left_the_previous_result_on_screen() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    assert len(badges(at)) == 1
    box = at.number_input(key="in_age")
    assert box.min is None and box.max is None  # a bound would make the browser refuse -2 silently
    box.set_value(-2.0).run()
    assert at.number_input(key="in_age").value == -2.0  # kept in the box, beside its error
    assert_no_result(at)
    assert [error.value for error in at.error] == [
        (
            "Please correct the input; no result is shown until every value can be used.\n\n"
            "- Age at diagnosis: -2 is below the accepted range (0 to under 120 years)."
        )
    ]
    assert query(at) == {"age_years": "4", "wbc_10e9_per_l": "12"}  # not rewritten to a case not shown
    at.number_input(key="in_age").set_value(5.0).run()
    assert not at.error and len(badges(at)) == 1


def test_a_white_count_per_ul_typed_in_the_10e9_box_gets_the_unit_to_choose() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    at.number_input(key="in_wbc").set_value(60000.0).run()
    assert_no_result(at)
    assert at.error[0].value.endswith(
        "- White cell count at diagnosis: 60000 is above the accepted range (0 to 2000 x10⁹/L); did you mean "
        "60 x10⁹/L? (60000 cells per µL: choose the unit “cells per µL”)."
    )


def test_clearing_the_age_asks_for_it() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    at.number_input(key="in_age").set_value(None).run()
    assert_no_result(at)
    assert [info.value for info in at.info] == [ENTER_AGE]


# ------------------------------------------------------------------- other fields a link gets wrong
def test_a_link_with_a_bad_code_shows_no_result_until_the_form_is_changed_or_the_values_accepted() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="ETV6RUNX1")
    assert_no_result(at)
    assert len(link_errors(at)) == 1 and "'genetics=ETV6RUNX1'" in link_errors(at)[0]
    assert form(at) == {"age": 4.0, "wbc": 12.0, "genetics": None, "cns": "pending"}
    at.button[0].click().run()  # "Show the result for the values read"
    assert not at.exception and len(badges(at)) == 1 and not at.error
    assert query(at) == {"age_years": "4", "wbc_10e9_per_l": "12"}


def test_codes_in_another_letter_case_were_refused() -> None:
    """ETV6_RUNX1 and cns1 are how people type the codes; they read as etv6_runx1 and CNS1."""
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="ETV6_RUNX1", cns_status="cns1")
    assert not at.error and len(badges(at)) == 1
    assert form(at) == {"age": 4.0, "wbc": 12.0, "genetics": ["etv6_runx1"], "cns": "CNS1"}
    assert query(at) == {"age_years": "4", "wbc_10e9_per_l": "12", "genetics": "etv6_runx1", "cns_status": "CNS1"}


@pytest.mark.parametrize("name", ["utm_source", "utm_campaign", "fbclid", "gclid"])
def test_tracking_parameters_raised_a_red_banner(name: str) -> None:
    """What mail and social sites append to a link is ignored quietly: no banner, the case as given."""
    at = new_app(age_years="4", wbc_10e9_per_l="12", **{name: "abc123"})
    assert len(badges(at)) == 1 and not at.error


def test_an_unknown_extra_parameter_is_named_but_does_not_hold_back_the_result() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", colour="red")
    assert len(badges(at)) == 1
    assert [error.value for error in at.error if "('colour')" in error.value]
