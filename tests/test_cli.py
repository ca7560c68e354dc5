"""The riskcalc command line: assess, batch (bad rows kept, good rows never lost), schema, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from riskcalc import get_rulebook
from riskcalc.batch import RESULT_COLUMNS
from riskcalc.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_ROWS_FAILED, main

DISCLAIMER = get_rulebook().disclaimer
PROVISIONAL = "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD"

FAVORABLE_FLAGS = [
    "--age-years",
    "4",
    "--wbc-10e9-per-l",
    "12",
    "--genetics",
    "etv6_runx1",
    "--cns-status",
    "CNS1",
    "--mrd-eoi-percent",
    "0",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _unwrapped(text: str) -> str:
    return " ".join(text.split())


def test_assess_prints_a_readable_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", *FAVORABLE_FLAGS)
    assert code == EXIT_OK
    assert out.splitlines()[0] == "Risk group: Favorable"
    assert "Branch: pediatric, NCI/Rome standard risk" in out
    assert "[gen.etv6_runx1]" in out and "https://doi.org/" in out
    assert "Educational illustration only" in out


def test_assess_shows_a_provisional_case_as_its_range(capsys: pytest.CaptureFixture[str]) -> None:
    # spec 1.1 section 6: a provisional case is headlined by its range, the floor said as "at best".
    code, out, _ = run(capsys, "assess", "--age-years", "4", "--wbc-10e9-per-l", "12")
    lines = out.splitlines()
    assert code == EXIT_OK
    assert lines[:2] == [PROVISIONAL, "At best Favorable"]
    assert "Risk group:" not in out and "(provisional)" not in out


def test_assess_prints_the_disclaimer_once_before_the_findings(capsys: pytest.CaptureFixture[str]) -> None:
    # spec 1.1 section 7: the disclaimer, with its B-ALL-only scope, is read before any finding.
    code, out, _ = run(capsys, "assess", *FAVORABLE_FLAGS)
    flat = _unwrapped(out)
    assert code == EXIT_OK and "B-ALL) only" in DISCLAIMER
    assert flat.count(DISCLAIMER) == 1
    assert flat.index(DISCLAIMER) < flat.index("Findings:") < flat.index("Model: ")
    assert flat.startswith(f"Risk group: Favorable {DISCLAIMER} Branch: ")


def test_assess_text_tags_notes_with_their_evidence_like_findings(capsys: pytest.CaptureFixture[str]) -> None:
    # The standing note is partly verified: it carries the tag a finding of that status carries.
    code, out, _ = run(capsys, "assess", *FAVORABLE_FLAGS)
    notes = out.split("\nNotes:\n", 1)[1]
    assert code == EXIT_OK
    assert "- [note.groups_are_relative] [evidence: V-partial]" in notes.splitlines()
    assert "- [note.mrd_units]" in notes.splitlines()  # a verified note has no tag, as a verified finding


def test_assess_json_is_the_full_assessment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", *FAVORABLE_FLAGS, "--json")
    data = json.loads(out)
    assert code == EXIT_OK
    assert data["group"] == "favorable" and data["possible_groups"] == ["favorable"]
    assert data["fired_rules"] == [
        "branch.pediatric",
        "gen.etv6_runx1",
        "note.mrd_units",
        "ped.nci_standard",
        "ped.cns1",
        "ped.mrd_eoi_negative",
    ]
    assert all(finding["citations"] for finding in data["findings"])


def test_friendly_units_land_exactly_on_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    # 120 months = 10 years (NCI high), 50,000/uL = 50 x10^9/L, 1e-4 = 0.01 % (MRD positive).
    code, out, _ = run(
        capsys,
        "assess",
        "--age-months",
        "119",
        "--wbc-per-ul",
        "50000",
        "--mrd-eoi-fraction",
        "1e-4",
        "--genetics",
        "b_other",
        "--cns-status",
        "CNS1",
        "--json",
    )
    data = json.loads(out)
    assert code == EXIT_OK
    assert data["patient"]["wbc_10e9_per_l"] == 50.0 and data["patient"]["mrd_eoi_percent"] == 0.01
    assert "ped.nci_high_wbc" in data["fired_rules"] and "ped.mrd_eoi_positive" in data["fired_rules"]
    code, out, _ = run(
        capsys,
        "assess",
        "--age-months",
        "120",
        "--wbc-per-ul",
        "49999",
        "--mrd-eoi-fraction",
        "10^-5",
        "--genetics",
        "b_other",
        "--cns-status",
        "CNS1",
        "--json",
    )
    data = json.loads(out)
    assert data["patient"]["age_years"] == 10.0 and data["patient"]["mrd_eoi_percent"] == 0.001
    assert "ped.nci_high_age" in data["fired_rules"] and "ped.mrd_eoi_negative" in data["fired_rules"]


def test_assess_reads_a_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age_years": 12, "wbc_10e9_per_l": 3}), encoding="utf-8")
    code, out, _ = run(capsys, "assess", "--input", str(case), "--json")
    assert code == EXIT_OK and json.loads(out)["group"] == "high"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--age-years", "4", "--wbc-10e9-per-l", "3000"],
            "wbc_10e9_per_l: Input should be less than or equal to 2000",
        ),
        (["--age-years", "nan", "--wbc-10e9-per-l", "3"], "age_years: 'nan' is not a finite number"),
        (["--wbc-10e9-per-l", "3"], "age_years: Field required"),
        (["--age-years", "4", "--wbc-per-ul", "3000", "--wbc-10e9-per-l", "3"], "gives wbc_10e9_per_l a second time"),
        (
            ["--age-years", "4", "--wbc-10e9-per-l", "3", "--cns-status", "CNS4"],
            "cns_status: Input should be 'CNS1', 'CNS2' or 'CNS3'",
        ),
        (
            ["--age-months", "1440", "--wbc-10e9-per-l", "3"],
            "age_years (from age_months): Input should be less than 120",
        ),
    ],
)
def test_assess_rejects_bad_input_naming_the_field(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "assess", *argv)
    assert code == EXIT_BAD_INPUT and out == ""
    assert message in err


def test_schema_documents_units_and_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == EXIT_OK
    assert schema["properties"]["age_years"]["exclusiveMaximum"] == 120
    assert schema["properties"]["wbc_10e9_per_l"]["unit"] == "10^9/L"
    assert schema["x-friendly-units"]["wbc_per_ul"]["field"] == "wbc_10e9_per_l"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_batch_csv_keeps_every_row_and_fails_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(
        tmp_path / "in.csv",
        "id,age_years,wbc_per_ul,genetics,cns_status,mrd_eoi_fraction\n"
        "a,4,12000,etv6_runx1,CNS1,0\n"
        "b,-1,12000,,,\n"
        "\n"
        "c,30,=1+1,,,\n"
        "d,4,12000,,,\n"
        "e,4,12000,b_other;kmt2a_r,,\n"
        "f,0.3,400000,kmt2a_r,CNS3,10^-3\n",
    )
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "batch", str(source), "-o", str(target), "--no-progress")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert code == EXIT_ROWS_FAILED
    assert "6 rows: 3 assessed, 3 failed" in err
    assert [row["id"] for row in rows] == ["a", "b", "c", "d", "e", "f"]
    assert [row["group"] for row in rows] == ["favorable", "", "", "favorable", "", "high"]
    assert [row["result"] for row in rows] == [
        "Risk group: Favorable",
        "",
        "",
        f"{PROVISIONAL}; at best Favorable",
        "",
        "Risk group: High",
    ]
    assert all(row["disclaimer"] == DISCLAIMER for row in rows)  # the failed rows too
    assert rows[1]["error"] == "line 3: age_years: Input should be greater than or equal to 0"
    assert rows[2]["wbc_per_ul"] == "'=1+1"  # a spreadsheet must not run it as a formula
    assert rows[2]["error"] == "line 5: wbc_per_ul: '=1+1' is not a number"
    assert rows[3]["pending"] == "genetics,cns_status,mrd_eoi_percent" and rows[3]["provisional"] == "true"
    assert rows[4]["error"].startswith("line 7: genetics: 'b_other' means none of the listed findings")


def test_batch_jsonl_to_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(
        tmp_path / "in.jsonl",
        '{"age_years": 4, "wbc_10e9_per_l": 12}\n\n'
        '{"age_years": 4, "wbc_10e9_per_l": "x"}\nnot json\n[1]\n{"age_years": 40, "wbc_10e9_per_l": 40}\n',
    )
    target = tmp_path / "out.jsonl"
    code, _, _ = run(capsys, "batch", str(source), "-o", str(target), "--no-progress")
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert code == EXIT_ROWS_FAILED
    assert [record["line"] for record in records] == [1, 3, 4, 5, 6]
    assert records[0]["assessment"]["group"] == "favorable"
    assert records[0]["result"] == f"{PROVISIONAL}; at best Favorable"
    assert all(record["disclaimer"] == DISCLAIMER for record in records)
    assert records[1]["error"] == "line 3: wbc_10e9_per_l: 'x' is not a number"
    assert records[2]["error"].startswith("line 4: not valid JSON")
    assert records[3]["error"] == "line 5: a line must be a JSON object"
    assert records[4]["assessment"]["group"] == "high"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "the file is empty"),
        ("dup.csv", "age_years,age_years\n4,5\n", "column 'age_years' appears twice"),
        ("unknown.csv", "age,wbc\n4,5\n", "unknown column(s) 'age', 'wbc'"),
        ("empty.jsonl", "\n\n", "the file is empty"),
    ],
)
def test_batch_rejects_unusable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, message: str
) -> None:
    code, _, err = run(capsys, "batch", str(_write(tmp_path / name, content)), "-o", str(tmp_path / "out.csv"))
    assert code == EXIT_BAD_INPUT and message in err


def test_batch_rejects_a_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "latin1.csv"
    source.write_bytes("age_years,wbc_10e9_per_l,comment\n4,5,caf\xe9\n".encode("latin-1"))
    code, _, err = run(capsys, "batch", str(source), "-o", str(tmp_path / "out.csv"))
    assert code == EXIT_BAD_INPUT and "not UTF-8 text" in err


def test_batch_csv_columns_are_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "in.csv", "id,age_years,wbc_10e9_per_l\na,4,12\n")
    code, _, _ = run(capsys, "batch", str(source), "-o", str(tmp_path / "out.csv"), "--no-progress")
    header = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0]
    assert code == EXIT_OK
    assert header.split(",") == [
        "line",
        "id",
        "age_years",
        "wbc_10e9_per_l",
        "result",
        "group",
        "provisional",
        "possible_groups",
        "pending",
        "branch",
        "nci_risk",
        "fired_rules",
        "model_version",
        "disclaimer",
        "error",
    ]
    assert header.split(",")[-len(RESULT_COLUMNS) :] == list(RESULT_COLUMNS)


def test_batch_ignores_a_name_column_reports_it_once_and_never_echoes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(
        tmp_path / "in.csv", "id,name,age_years,wbc_10e9_per_l\na,Jane Roe,4,12\nb,John Roe,-1,3\nc,,12,3\n"
    )
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "batch", str(source), "-o", str(target), "--no-progress")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert code == EXIT_ROWS_FAILED  # row b is bad; a and c are kept
    assert [row["id"] for row in rows] == ["a", "b", "c"] and [row["group"] for row in rows] == [
        "favorable",
        "",
        "high",
    ]
    assert all("name" not in row for row in rows)
    assert "Roe" not in target.read_text(encoding="utf-8")
    assert err.count("column 'name' ignored") == 1
    assert err.splitlines()[0] == (
        "riskcalc: column 'name' ignored: it is not read and not copied to the output, "
        "because results carry no identifying data (use 'id' for a study number)"
    )


def test_batch_jsonl_drops_a_name_key_from_the_echoed_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(
        tmp_path / "in.jsonl",
        '{"id": "a", "name": "Jane Roe", "age_years": 4, "wbc_10e9_per_l": 12}\n{"name": "John Roe", "age_years": 4}\n',
    )
    target = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "batch", str(source), "-o", str(target), "--no-progress")
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert code == EXIT_ROWS_FAILED
    assert records[0]["input"] == {"id": "a", "age_years": 4, "wbc_10e9_per_l": 12}
    assert records[1]["input"] == {"age_years": 4} and "wbc_10e9_per_l" in records[1]["error"]
    assert "Roe" not in target.read_text(encoding="utf-8") and err.count("column 'name' ignored") == 1


def test_batch_all_good_rows_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "in.csv", "age_years,wbc_10e9_per_l\n4,12\n12,3\n")
    code, _, _ = run(capsys, "batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--no-progress")
    assert code == EXIT_OK


@pytest.mark.parametrize("command", [[], ["assess"], ["batch"], ["schema"]])
def test_every_help_page_prints(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main([*command, "--help"])
    assert ended.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ")
    if command == ["assess"]:  # the MRD fields' help keeps its percent signs
        assert "--mrd-eoi-percent" in out and "0.01 % = 10^-4" in out
