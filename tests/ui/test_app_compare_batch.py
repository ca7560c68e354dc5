"""The Compare and Batch pages through AppTest, and the batch table builder directly."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from riskcalc import Patient, assess, get_rulebook
from riskcalc.batch import RESULT_COLUMNS, BatchFileError
from tests.ui.apptest import new_app
from ui.lib import batchtable
from ui.lib.comparison import DIFFERS, PIN_LIMIT, comparison_rows, pin
from ui.lib.vocabulary import load_vocabulary

PROVISIONAL = "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD"


def pin_button(at: AppTest):  # no return annotation: AppTest's Button type is internal
    return next(button for button in at.button if button.label == "Pin this case")


# ---- Compare ---------------------------------------------------------------------------------------------


def test_compare_without_pins_explains_how_to_pin() -> None:
    at = new_app()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert any("No case pinned yet" in info.value for info in at.info)


def test_pin_two_cases_and_compare_them_side_by_side() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12", genetics="etv6_runx1", cns_status="CNS1", mrd_eoi_percent="0")
    pin_button(at).click().run()
    at.text_input(key="in_mrd_eoi_percent").input("0.05").run()
    pin_button(at).click().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    badges = [m.value for m in at.markdown if "rc-badge" in m.value]
    assert len(badges) == 2
    assert "Risk group: Favorable" in badges[0] and "Risk group: High" in badges[1]
    # final results: each badge in its group's colours
    assert 'class="rc-badge rc-favorable"' in badges[0] and 'class="rc-badge rc-high"' in badges[1]
    by_item = at.table[0].value
    assert by_item.loc["Risk group", "Differs"] == DIFFERS
    assert by_item.loc["End-of-induction marrow MRD", "Differs"] == DIFFERS
    assert (
        by_item.loc["End-of-induction marrow MRD", "Case 1"],
        by_item.loc["End-of-induction marrow MRD", "Case 2"],
    ) == ("0 %", "0.05 %")
    assert by_item.loc["Age at diagnosis", "Differs"] == ""
    rule = "End-of-induction MRD: ▲ pushes towards a higher-risk group (ped.mrd_eoi_positive)"
    assert (by_item.loc[rule, "Case 1"], by_item.loc[rule, "Case 2"], by_item.loc[rule, "Differs"]) == (
        "—",
        "applies",
        DIFFERS,
    )
    notes = [item for item in by_item.index if item.startswith("Note: ")]
    assert notes and all(item.endswith(")") and "(note." in item for item in notes)


def test_only_differences_and_remove() -> None:
    at = new_app(age_years="4", wbc_10e9_per_l="12")
    pin_button(at).click().run()
    at.number_input(key="in_age").set_value(12.0).run()
    pin_button(at).click().run()
    at.switch_page("views/compare.py").run()
    badges = [m.value for m in at.markdown if "rc-badge" in m.value]
    # The 4-year-old is provisional: its badge is its range in neutral colours, the 12-year-old's is High.
    assert 'class="rc-badge rc-provisional"' in badges[0] and "background:#e8edf3" in badges[0]
    assert PROVISIONAL in badges[0] and "At best Favorable" in badges[0] and "Risk group:" not in badges[0]
    assert 'class="rc-badge rc-high"' in badges[1] and "▲ Risk group: High" in badges[1]
    assert (
        at.table[0].value.loc["Risk group", "Case 1"] == "Provisional: Favorable, Standard or High (at best Favorable)"
    )
    at.toggle(key="compare_only_differences").set_value(True).run()
    assert set(at.table[0].value["Differs"]) == {DIFFERS}
    at.button(key="unpin_0").click().run()
    assert len(at.session_state["pinned_cases"]) == 1
    assert len([m for m in at.markdown if "rc-badge" in m.value]) == 1


def test_pin_limit() -> None:
    session: dict[str, object] = {}
    for age in range(1, PIN_LIMIT + 1):
        assert "Pinned as case" in pin(session, Patient(age_years=float(age), wbc_10e9_per_l=12))
    assert "Already" in pin(session, Patient(age_years=9.0, wbc_10e9_per_l=12))
    assert len(session["pinned_cases"]) == PIN_LIMIT


def test_comparison_rows_mark_differences_in_words() -> None:
    words = load_vocabulary()
    rows = comparison_rows(
        [assess(Patient(age_years=4, wbc_10e9_per_l=12)), assess(Patient(age_years=4, wbc_10e9_per_l=60))], words
    )
    by_item = {row["Item"]: row for row in rows}
    assert by_item["White cell count at diagnosis"]["Differs"] == DIFFERS
    assert by_item["NCI/Rome group"]["Case 1"] == "standard" and by_item["NCI/Rome group"]["Case 2"] == "high"
    assert by_item["Branch"]["Differs"] == ""
    # a provisional case is its range, never its floor alone
    assert (by_item["Risk group"]["Case 1"], by_item["Risk group"]["Case 2"]) == (
        "Provisional: Favorable, Standard or High (at best Favorable)",
        "High",
    )


# ---- Batch -------------------------------------------------------------------------------------------------

CSV = (
    "id,age_years,wbc_10e9_per_l,genetics,cns_status,mrd_eoi_percent,comment\n"
    "a,4,12,etv6_runx1,CNS1,0,fine\n"
    'b,abc,12,,,,=HYPERLINK("x")\n'
    "c,14,80,bcr_abl1,CNS2,0.05,\n"
    "d,4,12,,,,\n"
)


def test_batch_table_keeps_good_rows_and_reports_bad_ones() -> None:
    table = batchtable.assess_csv(CSV.encode())
    assert [row["id"] for row in table.rows] == ["a", "b", "c", "d"]
    assert [row["group"] for row in table.rows] == ["favorable", "", "high", "favorable"]
    assert [row["result"] for row in table.rows] == [
        "Risk group: Favorable",
        "",
        "Risk group: High",
        f"{PROVISIONAL}; at best Favorable",
    ]
    assert all(row["disclaimer"] == get_rulebook().disclaimer for row in table.rows)  # the bad row too
    assert table.rows[3]["provisional"] == "true"
    assert len(table.errors) == 1 and table.errors[0].startswith("line 3: age_years")
    assert table.rows[1]["comment"].startswith("'=")  # a formula is neutralised
    out = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert out[0]["line"] == "2" and out[2]["fired_rules"].startswith("branch.pediatric")
    assert list(out[0]) == [
        "line",
        "id",
        "age_years",
        "wbc_10e9_per_l",
        "genetics",
        "cns_status",
        "mrd_eoi_percent",
        "comment",
        *RESULT_COLUMNS,
    ]
    assert all(row["disclaimer"] == get_rulebook().disclaimer for row in out)


def test_batch_table_drops_a_name_column_unread() -> None:
    table = batchtable.assess_csv(b"id,name,age_years,wbc_10e9_per_l\na,Jane Roe,4,12\nb,John Roe,x,3\n")
    assert table.ignored == ["name"]
    assert "name" not in table.columns and all("name" not in row for row in table.rows)
    assert "Roe" not in table.to_csv()
    assert [row["group"] for row in table.rows] == ["favorable", ""] and len(table.errors) == 1


def test_batch_table_with_bom_and_friendly_units() -> None:
    data = "\ufeffage_months,wbc_per_ul,mrd_eoi_fraction\n30,12000,1e-4\n".encode()
    table = batchtable.assess_csv(data)
    assert table.rows[0]["group"] == "high" and not table.errors


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"age_years,shoe_size\n4,12\n", "shoe_size"), (b"\xff\xfe\x00a", "UTF-8")],
)
def test_an_unusable_file_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(BatchFileError, match=message):
        batchtable.assess_csv(data)


def test_row_limit_reports_the_rest() -> None:
    data = ("age_years,wbc_10e9_per_l\n" + "4,12\n" * 5).encode()
    table = batchtable.assess_csv(data, limit=3)
    assert len(table.rows) == 3 and table.skipped == 2


def test_batch_page_upload_shows_results_and_errors() -> None:
    at = new_app()
    at.switch_page("views/batch.py").run()
    assert not at.exception
    at.file_uploader(key="batch_upload").upload("cases.csv", CSV.encode(), "text/csv").run()
    assert not at.exception
    assert any("4 rows: 3 assessed, 1 with errors" in w.value for w in at.warning)
    frame: pd.DataFrame = at.dataframe[0].value
    assert list(frame["group"]) == ["favorable", "", "high", "favorable"]
    # The outcome first, before the inputs: the headline, as a provisional row has no single group.
    assert list(frame.columns[:3]) == ["line", "result", "error"]
    assert frame["result"][3] == f"{PROVISIONAL}; at best Favorable"
    assert frame["error"][1].startswith("line 3: age_years")
    assert any("line 3: age_years" in m.value for m in at.markdown)
    assert [b.label for b in at.download_button][-1] == "Download results (CSV)"


def test_batch_page_reports_an_ignored_name_column_once() -> None:
    at = new_app()
    at.switch_page("views/batch.py").run()
    data = b"id,name,age_years,wbc_10e9_per_l\na,Jane Roe,4,12\nb,John Roe,12,3\n"
    at.file_uploader(key="batch_upload").upload("cases.csv", data, "text/csv").run()
    assert not at.exception
    ignored = [w.value for w in at.warning if "ignored" in w.value]
    assert ignored == [
        "Column 'name' ignored: it is not read and not copied to the output, because results carry "
        "no identifying data (use 'id' for a study number)."
    ]
    frame: pd.DataFrame = at.dataframe[0].value
    assert "name" not in frame.columns and "Roe" not in frame.to_csv()


def test_batch_page_refuses_an_unusable_file_clearly() -> None:
    at = new_app()
    at.switch_page("views/batch.py").run()
    at.file_uploader(key="batch_upload").upload("cases.csv", b"age_years,shoe_size\n4,12\n", "text/csv").run()
    assert not at.exception
    assert any("shoe_size" in error.value for error in at.error)


def test_edit_in_calculator_loads_the_pinned_case() -> None:
    at = new_app(age_years="14", wbc_10e9_per_l="80")
    pin_button(at).click().run()
    at.number_input(key="in_age").set_value(4.0)
    at.number_input(key="in_wbc").set_value(12.0).run()
    at.switch_page("views/compare.py").run()
    at.button(key="open_0").click().run()
    assert not at.exception
    assert at.number_input(key="in_age").value == 14.0 and at.number_input(key="in_wbc").value == 80.0
    assert any("Risk group: High" in m.value for m in at.markdown if "rc-badge" in m.value)
