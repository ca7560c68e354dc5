"""Bad input everywhere: one table of malformed values sent through every entrance, plus malformed files.

Entrances: the API edge (riskcalc.units.patient_from, which the command line, batch files and the app use),
typed `Patient`/`assess`/`what_if`, `riskcalc assess` (in process through riskcalc.cli.main, and the real
console script .venv/bin/riskcalc in a subprocess), `riskcalc batch` (CSV and JSON Lines) and the app's
shareable-link parser (ui.lib.query.patient_from_query). Each bad value must give a clear error that names
the field (as the user gave it) or the row; a batch keeps every good row; the exit codes of riskcalc/cli.py
hold: 0 success, 1 batch done with failed rows, 2 unusable input, 3 rule files or engine failed.

The regression tests at the end were found here as core bugs and fixed; each BUG_ text says what happened.
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from riskcalc import EngineError, Patient, assess, what_if
from riskcalc.cli import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_ROWS_FAILED, main
from riskcalc.units import InputError, patient_from
from ui.lib.query import patient_from_query

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = ROOT / ".venv" / "bin" / "riskcalc"
BASE = {"age_years": "4", "wbc_10e9_per_l": "12"}
DROP = object()


@dataclass(frozen=True)
class Bad:
    """A case given as text (as on the command line, in a file or in a link) with one malformed value."""

    id: str
    changes: dict[str, Any]
    field: str  # the name the error must mention (as given by the user)
    fragment: str  # the words of the error
    csv_row: bool = True  # False when CSV can only report it for the whole file (an unknown column)
    flags_ok: bool = True  # False when argv cannot carry the value (a NUL byte) in a subprocess

    def raw(self) -> dict[str, Any]:
        data = {**BASE, **self.changes}
        return {name: value for name, value in data.items() if value is not DROP}


NOT_A_NUMBER = "is not a number"
CASES: list[Bad] = [
    Bad("age-text", {"age_years": "abc"}, "age_years", "'abc' is not a number"),
    Bad("age-negative", {"age_years": "-1"}, "age_years", "greater than or equal to 0"),
    Bad("age-120", {"age_years": "120"}, "age_years", "less than 120"),
    Bad("age-nan", {"age_years": "nan"}, "age_years", "not a finite number"),
    Bad("age-inf", {"age_years": "inf"}, "age_years", "not a finite number"),
    Bad("age-snan", {"age_years": "sNaN"}, "age_years", "not a finite number"),
    Bad("age-1e309", {"age_years": "1e309"}, "age_years", "finite number"),
    Bad("age-10^400", {"age_years": "10^400"}, "age_years", "finite number"),
    Bad("age-two-dots", {"age_years": "4.5.6"}, "age_years", NOT_A_NUMBER),
    Bad("age-percent-sign", {"age_years": "4%"}, "age_years", NOT_A_NUMBER),
    Bad("age-nul-byte", {"age_years": "4\x00"}, "age_years", NOT_A_NUMBER, flags_ok=False),
    Bad("age-blank", {"age_years": "  "}, "age_years", "Field required"),
    Bad("wbc-missing", {"wbc_10e9_per_l": DROP}, "wbc_10e9_per_l", "Field required"),
    Bad(
        "wbc-formula-hyperlink",
        {"wbc_10e9_per_l": '=HYPERLINK("http://evil.example","x")'},
        "wbc_10e9_per_l",
        NOT_A_NUMBER,
    ),
    Bad("wbc-formula-plus-cmd", {"wbc_10e9_per_l": "+cmd|' /C calc'!A0"}, "wbc_10e9_per_l", NOT_A_NUMBER),
    Bad("wbc-formula-minus", {"wbc_10e9_per_l": "-1+2"}, "wbc_10e9_per_l", NOT_A_NUMBER),
    Bad("wbc-formula-at-sum", {"wbc_10e9_per_l": "@SUM(A1:A2)"}, "wbc_10e9_per_l", NOT_A_NUMBER),
    Bad("wbc-above-2000", {"wbc_10e9_per_l": "2000.5"}, "wbc_10e9_per_l", "less than or equal to 2000"),
    Bad("wbc-thousands-comma", {"wbc_10e9_per_l": "12,000"}, "wbc_10e9_per_l", NOT_A_NUMBER),
    Bad("wbc-with-unit", {"wbc_10e9_per_l": "12 x10^9/L"}, "wbc_10e9_per_l", NOT_A_NUMBER),
    Bad("wbc-5000-digits", {"wbc_10e9_per_l": "9" * 5000}, "wbc_10e9_per_l", "finite number"),
    Bad("wbc-per-ul-text", {"wbc_10e9_per_l": DROP, "wbc_per_ul": "lots"}, "wbc_per_ul", "'lots' is not a number"),
    Bad("wbc-given-twice", {"wbc_per_ul": "12000"}, "wbc_per_ul", "gives wbc_10e9_per_l a second time"),
    Bad("age-months-1440", {"age_years": DROP, "age_months": "1440"}, "age_months", "less than 120"),
    Bad("genetics-unknown-code", {"genetics": "etv6-runx1"}, "genetics", "Input should be 'high_hyperdiploidy'"),
    Bad("genetics-b-other-and-code", {"genetics": "b_other;kmt2a_r"}, "genetics", "'b_other' means none"),
    Bad("cns-4", {"cns_status": "CNS4"}, "cns_status", "Input should be 'CNS1', 'CNS2' or 'CNS3'"),
    Bad("testis-maybe", {"testicular_involvement": "maybe"}, "testicular_involvement", "is not true/false"),
    Bad("mrd-eoi-101", {"mrd_eoi_percent": "101"}, "mrd_eoi_percent", "less than or equal to 100"),
    Bad("mrd-eoi-negative", {"mrd_eoi_percent": "-0.01"}, "mrd_eoi_percent", "greater than or equal to 0"),
    Bad("mrd-eoi-percent-sign", {"mrd_eoi_percent": "0.01%"}, "mrd_eoi_percent", NOT_A_NUMBER),
    # A power of ten in a percent field is how a fraction is written: refused with the conversion, never read
    # as 0.0001 % (the fraction names keep accepting it).
    Bad(
        "mrd-eoi-percent-1e-4",
        {"mrd_eoi_percent": "1e-4"},
        "mrd_eoi_percent",
        "1e-4 looks like a fraction (1 in 10 000 cells = 0.01 %); enter percent, e.g. 0.01, or use mrd_eoi_fraction=1e-4",
    ),
    Bad(
        "mrd-eoi-percent-10^-4",
        {"mrd_eoi_percent": "10^-4"},
        "mrd_eoi_percent",
        "10^-4 looks like a fraction (1 in 10 000 cells = 0.01 %); enter percent, e.g. 0.01, or use mrd_eoi_fraction=10^-4",
    ),
    Bad(
        "mrd-day8-percent-2x10^-3",
        {"mrd_day8_pb_percent": "2x10^-3"},
        "mrd_day8_pb_percent",
        "2x10^-3 looks like a fraction (1 in 500 cells = 0.2 %)",
    ),
    Bad(
        "mrd-eoc-percent-1E1",
        {"mrd_eoc_percent": "1E1"},
        "mrd_eoc_percent",
        "1E1 is written as a power of ten, which is how fractions are written; enter percent as a plain number, e.g. 10",
    ),
    Bad(
        "wbc-comma-decimal",
        {"wbc_10e9_per_l": "12,5"},
        "wbc_10e9_per_l",
        "'12,5' is not a number: write decimals with a point (12.5) and no thousands separator",
    ),
    Bad("mrd-eoi-fraction-2", {"mrd_eoi_fraction": "2"}, "mrd_eoi_fraction", "less than or equal to 100"),
    Bad("mrd-eoi-fraction-bare-power", {"mrd_eoi_fraction": "10^"}, "mrd_eoi_fraction", NOT_A_NUMBER),
    Bad("mrd-day8-hex", {"mrd_day8_pb_percent": "0x10"}, "mrd_day8_pb_percent", NOT_A_NUMBER),
    Bad("mrd-eoc-formula", {"mrd_eoc_percent": "=1/0"}, "mrd_eoc_percent", NOT_A_NUMBER),
    Bad("unknown-field", {"weight": "20"}, "weight", "unknown field", csv_row=False),
]
IDS = [case.id for case in CASES]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 30 and len(set(IDS)) == len(IDS)


# ---------------------------------------------------------------------------------------------- API edge
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_edge_names_the_field(case: Bad) -> None:
    with pytest.raises(InputError) as info:
        patient_from(case.raw())
    message = str(info.value)
    assert case.field in message and case.fragment in message, message
    assert info.value.field.split(".")[0] == case.field  # 'genetics.0' names the first bad code


# ---------------------------------------------------------------------------------- typed API: Patient etc.
GOOD = Patient(age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0)
TYPED: list[tuple[str, dict[str, Any], str, str]] = [
    ("age-int-10^400", {"age_years": 10**400}, "age_years", "valid number"),
    ("age-string", {"age_years": "4"}, "age_years", "valid number"),
    ("age-list", {"age_years": [4]}, "age_years", "valid number"),
    ("wbc-none", {"wbc_10e9_per_l": None}, "wbc_10e9_per_l", "valid number"),
    ("wbc-inf", {"wbc_10e9_per_l": float("inf")}, "wbc_10e9_per_l", "finite number"),
    ("genetics-string", {"genetics": "etv6_runx1"}, "genetics", "valid frozenset"),
    ("genetics-int-code", {"genetics": ["etv6_runx1", 5]}, "genetics", "Input should be"),
    ("genetics-dict", {"genetics": {"etv6_runx1": True}}, "genetics", "valid frozenset"),
    ("cns-list", {"cns_status": ["CNS1"]}, "cns_status", "Input should be 'CNS1'"),
    ("testis-yes-string", {"testicular_involvement": "yes"}, "testicular_involvement", "valid boolean"),
    ("testis-1", {"testicular_involvement": 1}, "testicular_involvement", "valid boolean"),
    ("mrd-string", {"mrd_eoi_percent": "0.01"}, "mrd_eoi_percent", "valid number"),
    ("extra-field", {"sex": "m"}, "sex", "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("data", "name", "fragment"), [t[1:] for t in TYPED], ids=[t[0] for t in TYPED])
def test_patient_and_what_if_name_the_field(data: dict[str, Any], name: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        Patient(**{"age_years": 4.0, "wbc_10e9_per_l": 12.0, **data})
    assert any(str(e["loc"][0]) == name and fragment in e["msg"] for e in info.value.errors()), info.value
    with pytest.raises(ValidationError) as info:
        what_if(GOOD, **data)
    assert any(str(e["loc"][0]) == name and fragment in e["msg"] for e in info.value.errors()), info.value


@pytest.mark.parametrize(
    "text",
    [
        '{"age_years": 1e400, "wbc_10e9_per_l": 5}',
        '{"age_years": NaN, "wbc_10e9_per_l": 5}',
        '{"age_years": 4, "wbc_10e9_per_l": 5',
        "[]",
        '"4"',
        "",
    ],
)
def test_patient_from_bad_json(text: str) -> None:
    with pytest.raises(ValidationError):
        Patient.model_validate_json(text)


@pytest.mark.parametrize("thing", ["age 4", {"age_years": 4, "wbc_10e9_per_l": 12}, None, 4, [GOOD]])
def test_assess_takes_only_a_patient(thing: Any) -> None:
    with pytest.raises(TypeError, match="assess\\(\\) takes a Patient"):
        assess(thing)


# ---------------------------------------------------------------------------------------- riskcalc assess
def _flags(raw: dict[str, Any]) -> list[str]:
    return [f"--{name.replace('_', '-')}={value}" for name, value in raw.items()]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_assess_exit_2_names_the_field(case: Bad, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["assess", *_flags(case.raw())])
    except SystemExit as exit_:  # argparse itself refuses an unknown flag
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT and out == ""
    assert case.field.replace("_", "-") in err or case.field in err, err
    if case.csv_row:  # argparse words unknown flags itself
        assert err.startswith("riskcalc: invalid input: ") and case.fragment in err, err


def test_cli_assess_input_document_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for text, fragment in [
        ("{", "--input: not valid JSON"),
        ("[1, 2]", "--input: must be a JSON object"),
        ('{"age_years": 4, "wbc_10e9_per_l": 1e400}', "wbc_10e9_per_l: Input should be a finite number"),
        ('{"age_years": 4, "wbc_10e9_per_l": 12, "x": 1}', "x: unknown field"),
    ]:
        case = tmp_path / "case.json"
        case.write_text(text, encoding="utf-8")
        code = main(["assess", "--input", str(case)])
        out, err = capsys.readouterr()
        assert code == EXIT_BAD_INPUT and out == "" and fragment in err, err
    code = main(["assess", "--input", str(tmp_path / "missing.json")])
    assert code == EXIT_BAD_INPUT and "No such file" in capsys.readouterr().err


@pytest.mark.parametrize("case", [c for c in CASES if c.flags_ok][::6], ids=lambda c: c.id)
def test_console_script_exit_2(case: Bad) -> None:
    done = subprocess.run([str(CONSOLE), "assess", *_flags(case.raw())], capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_BAD_INPUT and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert case.field.replace("_", "-") in done.stderr or case.field in done.stderr
    assert case.fragment in done.stderr or not case.csv_row  # argparse words an unknown flag itself


def test_console_script_exit_codes_0_1_2(tmp_path: Path) -> None:
    ok = subprocess.run([str(CONSOLE), "assess", *_flags(BASE)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == EXIT_OK and ok.stdout.startswith(
        "Provisional: Favorable, Standard or High — waiting for genetics"
    )
    source = tmp_path / "in.csv"
    source.write_text("age_years,wbc_10e9_per_l\n4,12\nabc,12\n5,13\n", encoding="utf-8")
    some = subprocess.run(
        [str(CONSOLE), "batch", str(source), "-o", str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert some.returncode == EXIT_ROWS_FAILED and "3 rows: 2 assessed, 1 failed" in some.stderr
    unusable = subprocess.run(
        [str(CONSOLE), "batch", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unusable.returncode == EXIT_BAD_INPUT and "cannot open" in unusable.stderr
    usage = subprocess.run([str(CONSOLE), "bogus"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == EXIT_BAD_INPUT and "invalid choice" in usage.stderr


def test_engine_failure_is_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskcalc.engine import RuleEngine

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise EngineError("injected: durable_rules failed")

    monkeypatch.setattr(RuleEngine, "evaluate", broken)
    assert main(["assess", *_flags(BASE)]) == EXIT_INTERNAL
    assert "injected" in capsys.readouterr().err
    source = tmp_path / "in.csv"
    source.write_text("age_years,wbc_10e9_per_l\n4,12\n", encoding="utf-8")
    assert main(["batch", str(source), "-o", str(tmp_path / "out.csv")]) == EXIT_INTERNAL
    assert "injected" in capsys.readouterr().err


def test_engine_refusing_a_chunk_costs_no_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault tied to a chunk as a whole (such as a refused session) is retried one row at a time."""
    from riskcalc.api import get_engine
    from riskcalc.engine import RuleEngine

    get_engine()  # built (and self-checked) before the fault is injected
    evaluate = RuleEngine.evaluate
    refused: list[int] = []

    def refuse_chunks(self: Any, facts: Any, probes: Any = ()) -> Any:
        if len(facts) > 1:
            refused.append(len(facts))
            raise EngineError("injected: session refused")
        return evaluate(self, facts, probes)

    monkeypatch.setattr(RuleEngine, "evaluate", refuse_chunks)
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("age_years,wbc_10e9_per_l\n4,12\nabc,12\n12,13\n40,3\n", encoding="utf-8")
    assert main(["batch", str(source), "-o", str(target), "--no-progress"]) == EXIT_ROWS_FAILED
    assert refused == [3]
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["line"], row["group"]) for row in rows] == [
        ("2", "favorable"),
        ("3", ""),
        ("4", "high"),
        ("5", "high"),
    ]
    assert "age_years" in rows[1]["error"]


# ------------------------------------------------------------------------------ riskcalc batch: the table
def _good_row(index: int) -> dict[str, str]:
    return {"id": f"good{index}", "age_years": str(2 + index % 7), "wbc_10e9_per_l": "12"}


def _check_batch_output(rows: list[dict[str, Any]], bad: list[Bad], error_of: Any, group_of: Any, line_of: Any) -> None:
    """Good rows and bad rows alternate: every row is there, in order; each bad one names its line and field."""
    assert len(rows) == 2 * len(bad) + 1
    for index, row in enumerate(rows):
        if index % 2 == 0:
            assert group_of(row) and not error_of(row), row
        else:
            case = bad[index // 2]
            error = error_of(row)
            assert error.startswith(f"line {line_of(row)}: "), error
            assert case.field in error and case.fragment in error, (case.id, error)


def test_batch_csv_keeps_every_good_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = [case for case in CASES if case.csv_row]
    columns = ["id", *dict.fromkeys(name for case in [Bad("base", {}, "", ""), *bad] for name in case.raw())]
    records: list[dict[str, Any]] = [_good_row(0)]
    for index, case in enumerate(bad, start=1):
        records += [{"id": case.id, **case.raw()}, _good_row(index)]
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(records)
    target = tmp_path / "out.csv"
    code = main(["batch", str(source), "-o", str(target), "--no-progress"])
    err = capsys.readouterr().err
    assert code == EXIT_ROWS_FAILED
    assert f"{len(records)} rows: {len(bad) + 1} assessed, {len(bad)} failed" in err
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    _check_batch_output(rows, bad, lambda r: r["error"], lambda r: r["group"], lambda r: r["line"])
    assert [row["id"] for row in rows] == [record["id"] for record in records]


def test_batch_jsonl_keeps_every_good_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records: list[dict[str, Any]] = [_good_row(0)]
    for index, case in enumerate(CASES, start=1):
        records += [{"id": case.id, **case.raw()}, _good_row(index)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    code = main(["batch", str(source), "-o", str(target), "--no-progress"])
    assert code == EXIT_ROWS_FAILED
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    _check_batch_output(
        out, CASES, lambda r: r["error"], lambda r: r["assessment"] and r["assessment"]["group"], lambda r: r["line"]
    )
    assert [record["input"]["id"] for record in out] == [record["id"] for record in records]
    capsys.readouterr()


# ----------------------------------------------------------------------------- riskcalc batch: the files
CSV_HEAD = "id,age_years,wbc_10e9_per_l\n"
FILES: list[tuple[str, str, bytes, int, str]] = [
    # (id, file name, content, exit code, words that must appear on stderr)
    ("empty-csv", "in.csv", b"", EXIT_BAD_INPUT, "the file is empty"),
    ("empty-jsonl", "in.jsonl", b"", EXIT_BAD_INPUT, "the file is empty"),
    ("blank-lines-jsonl", "in.jsonl", b"\n \n\t\n", EXIT_BAD_INPUT, "the file is empty"),
    ("blank-header", "in.csv", b"\n4,12\n", EXIT_BAD_INPUT, "no header row"),
    ("wrong-columns", "in.csv", b"age,wbc\n4,12\n", EXIT_BAD_INPUT, "unknown column(s) 'age', 'wbc'"),
    ("empty-column-name", "in.csv", b"age_years,,wbc_10e9_per_l\n4,,12\n", EXIT_BAD_INPUT, "unknown column(s) ''"),
    (
        "duplicated-header",
        "in.csv",
        b"age_years,wbc_10e9_per_l,age_years\n4,12,5\n",
        EXIT_BAD_INPUT,
        "column 'age_years' appears twice",
    ),
    ("header-with-formula", "in.csv", b"=cmd,age_years\n1,4\n", EXIT_BAD_INPUT, "unknown column(s) '=cmd'"),
    ("latin-1", "in.csv", (CSV_HEAD + "a,4,12\n").encode() + b"b,4,12\xe9\n", EXIT_BAD_INPUT, "not UTF-8 text"),
    ("utf-16-bom", "in.csv", (CSV_HEAD + "a,4,12\n").encode("utf-16"), EXIT_BAD_INPUT, "not UTF-8 text"),
    (
        "utf-32",
        "in.jsonl",
        b'{"age_years": 4, "wbc_10e9_per_l": 12}\n'.decode().encode("utf-32"),
        EXIT_BAD_INPUT,
        "not UTF-8 text",
    ),
    ("binary", "in.csv", bytes(range(256)) * 4, EXIT_BAD_INPUT, "not UTF-8 text"),
    ("unknown-extension", "in.txt", CSV_HEAD.encode(), EXIT_BAD_INPUT, "cannot tell the format"),
    ("utf-8-bom-is-fine", "in.csv", b"\xef\xbb\xbf" + (CSV_HEAD + "a,4,12\n").encode(), EXIT_OK, "1 rows: 1 assessed"),
    ("crlf-is-fine", "in.csv", (CSV_HEAD + "a,4,12\n").replace("\n", "\r\n").encode(), EXIT_OK, "1 rows: 1 assessed"),
]


@pytest.mark.parametrize(("name", "content", "code", "words"), [f[1:] for f in FILES], ids=[f[0] for f in FILES])
def test_batch_unusable_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, code: int, words: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    assert main(["batch", str(source), "-o", str(tmp_path / "out.csv"), "--no-progress"]) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err, err


ROW_FILES: list[tuple[str, str, list[str], list[str | None]]] = [
    # (id, text after the header id,age_years,wbc_10e9_per_l, ids kept in order, error words per row or None)
    ("blank-lines", "a,4,12\n\n,,\n  \nb,5,13\n", ["a", "b"], [None, None]),
    ("ragged-short", "a,4,12\nb,4\nc,5,13\n", ["a", "b", "c"], [None, "row has 2 cells, the header has 3", None]),
    ("ragged-long", "a,4,12\nb,4,12,9\nc,5,13\n", ["a", "b", "c"], [None, "row has 4 cells, the header has 3", None]),
    ("nul-byte", "a,4,12\nb,4\x00,12\nc,5,13\n", ["a", "b", "c"], [None, "age_years: '4\\x00' is not a number", None]),
    ("quoted-newline", 'a,4,12\n"b\nx",4,12\nc,5,13\n', ["a", "b\nx", "c"], [None, None, None]),
    ("unclosed-quote", 'a,4,12\nb,"4,12\nc,5,13\n', ["a", "b"], [None, "row has 2 cells"]),
    ("long-line-100k", "a,4,12\n" + "b" * 100_000 + ",4,12\nc,5,13\n", ["a", "b" * 100_000, "c"], [None, None, None]),
    (
        "huge-numbers",
        "a,4,12\nb,1e309,12\nc,10^400,12\nd,5,13\n",
        ["a", "b", "c", "d"],
        [None, "age_years: Input should be a finite number", "age_years: Input should be a finite number", None],
    ),
    (
        "formulas",
        'a,4,12\n=HYPERLINK("x"),4,12\n+cmd,4,@SUM(A1)\n-1+2,-1+2,12\n',
        ["a", '\'=HYPERLINK("x")', "'+cmd", "'-1+2"],
        [None, None, "wbc_10e9_per_l: '@SUM(A1)' is not a number", "age_years: '-1+2' is not a number"],
    ),
]


@pytest.mark.parametrize(("text", "ids", "errors"), [f[1:] for f in ROW_FILES], ids=[f[0] for f in ROW_FILES])
def test_batch_rows_kept_with_their_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, ids: list[str], errors: list[str | None]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CSV_HEAD + text, encoding="utf-8", newline="")
    target = tmp_path / "out.csv"
    code = main(["batch", str(source), "-o", str(target), "--no-progress"])
    capsys.readouterr()
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == ids
    for row, words in zip(rows, errors):
        if words is None:
            assert row["group"] and not row["error"], row
        else:
            assert row["error"].startswith(f"line {row['line']}: ") and words in row["error"], row
    assert code == (EXIT_ROWS_FAILED if any(errors) else EXIT_OK)


JSONL_ROWS: list[tuple[str, str, str]] = [
    # (id, one line, error words)
    ("not-json", "age_years=4", "not valid JSON"),
    ("array", "[4, 12]", "a line must be a JSON object"),
    ("null", "null", "a line must be a JSON object"),
    ("string", '"age 4"', "a line must be a JSON object"),
    ("truncated", '{"age_years": 4, "wbc_10e9_per_l"', "not valid JSON"),
    ("number-1e400", '{"age_years": 1e400, "wbc_10e9_per_l": 12}', "age_years: Input should be a finite number"),
    ("nan-literal", '{"age_years": NaN, "wbc_10e9_per_l": 12}', "age_years: Input should be a finite number"),
    ("bool-age", '{"age_years": true, "wbc_10e9_per_l": 12}', "age_years: True is not a number"),
    ("list-age", '{"age_years": [4], "wbc_10e9_per_l": 12}', "age_years: [4] is not a number"),
    ("genetics-number", '{"age_years": 4, "wbc_10e9_per_l": 12, "genetics": 5}', "genetics: 5 is not a list of codes"),
    ("cns-number", '{"age_years": 4, "wbc_10e9_per_l": 12, "cns_status": 1}', "cns_status: Input should be"),
    (
        "testis-2",
        '{"age_years": 4, "wbc_10e9_per_l": 12, "testicular_involvement": 2}',
        "testicular_involvement: 2 is not",
    ),
    ("empty-key", '{"": 1, "age_years": 4, "wbc_10e9_per_l": 12}', ": unknown field"),
    (
        "duplicate-key-last-wins-then-bad",
        '{"age_years": 4, "age_years": -4, "wbc_10e9_per_l": 12}',
        "age_years: Input should be greater than or equal to 0",
    ),
]


def test_batch_jsonl_bad_lines_keep_the_good_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = '{"age_years": 4, "wbc_10e9_per_l": 12}'
    lines = [good]
    for _, line, _ in JSONL_ROWS:
        lines += [line, "", good]  # a blank line after each bad one is skipped, the line numbers still count it
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "-o", str(target), "--no-progress"]) == EXIT_ROWS_FAILED
    capsys.readouterr()
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(out) == 1 + 2 * len(JSONL_ROWS)
    assert all(record["assessment"]["group"] == "favorable" for record in out[::2])
    for (name, _, words), record in zip(JSONL_ROWS, out[1::2]):
        assert record["assessment"] is None
        assert record["error"].startswith(f"line {record['line']}: ") and words in record["error"], (name, record)
    assert [record["line"] for record in out] == [1] + [
        n for i in range(len(JSONL_ROWS)) for n in (2 + 3 * i, 4 + 3 * i)
    ]


# ------------------------------------------------------------- regressions: core bugs found here, now fixed
BUG_DECIMAL_OVERFLOW = (
    "riskcalc.units: '10^999999999' (parse_decimal: Decimal(10) ** exponent) and an alias value such as "
    "wbc_per_ul='1e9999999' (Decimal * factor) raise decimal.Overflow, which is not an InputError: `riskcalc "
    "assess` crashes with a traceback (exit 1), a batch aborts and loses every later row, the app's link parser "
    "raises. Fix: in parse_decimal catch decimal.DecimalException (ArithmeticError) with InvalidOperation, and "
    "wrap the alias conversion in to_model_fields in try/except ArithmeticError -> InputError(name, 'is out of range')."
)
BUG_HUGE_INT = (
    "riskcalc.units.to_model_fields: float(number) of a JSON integer beyond 1.8e308 (e.g. 10**400) raises "
    "OverflowError, not InputError: the batch aborts with a traceback (exit 1), later rows are lost; same for "
    "`riskcalc assess --input`. Fix: in _number, return Decimal(value) for an int (float(Decimal) gives inf, "
    "which Patient rejects as 'not a finite number'), or catch OverflowError -> InputError."
)
BUG_JSON_VALUEERROR = (
    "riskcalc.batch.read_jsonl catches only json.JSONDecodeError; an integer of more than 4300 digits raises "
    "ValueError and a deeply nested line raises RecursionError, aborting the batch with a traceback (exit 1). "
    "Fix: catch (ValueError, RecursionError) there and yield the row error 'not valid JSON: ...'."
)
BUG_CSV_FIELD_LIMIT = (
    "riskcalc.batch.open_csv: a cell longer than csv.field_size_limit() (131,072 characters) raises _csv.Error "
    "out of the row loop: traceback, exit 1, every later row lost. The reader can continue after the error. "
    "Fix: in rows(), call next(reader) inside try/except csv.Error and yield (reader.line_num, None, "
    "f'cannot read the row: {error}'), then go on."
)
BUG_HEADER_ONLY = (
    "A CSV file with a header and no data rows (or only blank rows) exits 0 with an empty output, while an empty "
    "JSON Lines file exits 2 ('the file is empty'); the README counts an empty file as unusable (2). Fix: in "
    "run_batch, raise BatchFileError('no rows after the header') when summary.rows == 0."
)
BUG_MID_FILE_ENCODING = (
    "A bad UTF-8 byte in the middle of a file aborts the batch with 'not UTF-8 text (byte N)', where N is an "
    "offset in the decoder's buffer, not in the file, and no line is named; the rows before it are left in a "
    "partial output file despite exit 2. Fix: count lines (e.g. read bytes and decode line by line) so the error "
    "names the line ('line 2002: not UTF-8 text'), and remove the output file (or write to a temporary file "
    "and rename on success) whenever BatchFileError is raised."
)
BUG_INPUT_ENCODING = (
    "`riskcalc assess --input FILE` with a non-UTF-8 file raises UnicodeDecodeError (a ValueError, not OSError): "
    "traceback, exit 1. Fix: in cli._case_from catch UnicodeDecodeError -> InputError('--input', 'not UTF-8 text')."
)
BUG_OUTPUT_PATH = (
    "`riskcalc batch in.csv -o /missing/dir/out.csv` raises FileNotFoundError from target.open(): traceback, "
    "exit 1 (which means 'some rows failed'). Fix: in run_batch, open the target in try/except OSError -> "
    "BatchFileError(f'{target}: cannot write: {error.strerror}') (exit 2)."
)


@pytest.mark.parametrize(
    "raw",
    [{"age_years": "10^999999999", "wbc_10e9_per_l": "5"}, {"age_years": "4", "wbc_per_ul": "1e9999999"}],
    ids=["power", "alias"],
)
def test_decimal_overflow_is_an_input_error(raw: dict[str, str]) -> None:
    with pytest.raises(InputError):
        patient_from(raw)


def test_decimal_overflow_in_batch_keeps_later_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CSV_HEAD + "a,4,12\nb,10^999999999,12\nc,5,13\n", encoding="utf-8")
    code = main(["batch", str(source), "-o", str(tmp_path / "out.csv"), "--no-progress"])
    assert code == EXIT_ROWS_FAILED


def test_huge_json_integer_is_a_row_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"age_years": 4, "wbc_10e9_per_l": 12}\n{"age_years": 1'
        + "0" * 400
        + ', "wbc_10e9_per_l": 12}\n{"age_years": 5, "wbc_10e9_per_l": 12}\n',
        encoding="utf-8",
    )
    assert main(["batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--no-progress"]) == EXIT_ROWS_FAILED


def test_huge_json_integer_in_assess_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"age_years": 4, "wbc_10e9_per_l": 1' + "0" * 400 + "}", encoding="utf-8")
    assert main(["assess", "--input", str(case)]) == EXIT_BAD_INPUT


@pytest.mark.parametrize(
    "line",
    [
        '{"age_years": 1' + "0" * 5000 + ', "wbc_10e9_per_l": 12}',
        '{"id": ' + "[" * 100_000 + "]" * 100_000 + ', "age_years": 4, "wbc_10e9_per_l": 12}',
    ],
    ids=["5000-digit-integer", "nested-100000-deep"],
)
def test_unparseable_json_line_is_a_row_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"age_years": 4, "wbc_10e9_per_l": 12}\n' + line + '\n{"age_years": 5, "wbc_10e9_per_l": 12}\n',
        encoding="utf-8",
    )
    assert main(["batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--no-progress"]) == EXIT_ROWS_FAILED


def test_cell_beyond_csv_field_limit_is_a_row_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CSV_HEAD + "a,4,12\nb,4," + "9" * 200_000 + "\nc,5,13\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    assert main(["batch", str(source), "-o", str(target), "--no-progress"]) == EXIT_ROWS_FAILED
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [row["group"] != "" for row in rows] == [True, False, True]


@pytest.mark.parametrize("text", [CSV_HEAD, CSV_HEAD + "\n\n,,\n"], ids=["header-only", "header-and-blank-rows"])
def test_header_only_csv_is_unusable(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    assert main(["batch", str(source), "-o", str(tmp_path / "out.csv"), "--no-progress"]) == EXIT_BAD_INPUT


def test_bad_byte_mid_file_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    good = "".join(f"r{i},4,12\n" for i in range(2_000))  # beyond the decoder's first 8 KB chunk
    source.write_bytes((CSV_HEAD + good).encode() + b"bad,4,12\xe9\n" + b"last,5,13\n")
    target = tmp_path / "out.csv"
    assert main(["batch", str(source), "-o", str(target), "--no-progress"]) == EXIT_BAD_INPUT
    assert "line 2002" in capsys.readouterr().err
    assert not target.exists() or target.read_text(encoding="utf-8") == ""


def test_assess_input_not_utf8_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "case.json"
    case.write_bytes(b'{"age_years": 4, "wbc_10e9_per_l": 12, "comment": "caf\xe9"}')
    assert main(["assess", "--input", str(case)]) == EXIT_BAD_INPUT


def test_unwritable_output_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text(CSV_HEAD + "a,4,12\n", encoding="utf-8")
    assert main(["batch", str(source), "-o", str(tmp_path / "missing" / "out.csv"), "--no-progress"]) == EXIT_BAD_INPUT


# ------------------------------------------------------------------------------- the app: links and upload


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_link_parameters_name_the_parameter(case: Bad) -> None:
    assert patient_from_query is not None
    params = {name: value for name, value in case.raw().items()}
    patient, errors = patient_from_query(params)
    text = " ".join(errors)
    assert errors and case.field in text, (case.id, errors)
    if case.field in ("age_years", "wbc_10e9_per_l", "age_months", "wbc_per_ul") and case.id != "wbc-given-twice":
        assert patient is None  # no case can be assessed without a usable age and white count
    elif patient is not None:
        assert assess(patient).group  # what could be read is still a valid case


# Codes are read in any letter case wherever text is read (people type ETV6_RUNX1, cns1, aff1 as they see them).
SPELLED_OTHERWISE = {
    "cns_status": "cns1",
    "genetics": "KMT2A_R",
    "kmt2a_partner": "aff1",
    "steroid_pretreatment": "NONE",
}
SPELLED = {
    "cns_status": "CNS1",
    "genetics": frozenset({"kmt2a_r"}),
    "kmt2a_partner": "AFF1",
    "steroid_pretreatment": "none",
}


def test_every_reader_reads_a_code_in_another_letter_case(capsys: pytest.CaptureFixture[str]) -> None:
    raw = {"age_years": "4", "wbc_10e9_per_l": "12", **SPELLED_OTHERWISE}
    from_link, errors = patient_from_query(raw)
    assert errors == []
    for patient in (patient_from(raw), from_link):
        assert {name: getattr(patient, name) for name in SPELLED} == SPELLED
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in raw.items()]
    assert main(["assess", *flags, "--json"]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)["patient"]
    assert (printed["cns_status"], printed["kmt2a_partner"], printed["genetics"]) == ("CNS1", "AFF1", ["kmt2a_r"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"": ""},
        {"utm_source": "mail"},
        {"age_years": ""},
        {"age_years": "4", "wbc_10e9_per_l": "12", "genetics": ",,,;"},
        {"age_years": "4", "wbc_10e9_per_l": "12", "cns_status": "<script>"},
    ],
    ids=["none", "empty-name", "tracking", "blank-age", "separators-only", "script"],
)
def test_odd_links_never_raise(params: dict[str, str]) -> None:
    assert patient_from_query is not None
    patient, errors = patient_from_query(params)
    assert patient is None or isinstance(patient, Patient)
    assert isinstance(errors, list)


def test_link_with_overflowing_power_of_ten() -> None:
    assert patient_from_query is not None
    patient, errors = patient_from_query({"age_years": "10^999999999", "wbc_10e9_per_l": "5"})
    assert patient is None and errors


# ------------------------------------------------------------------- powers of ten in percent fields (units)
@pytest.mark.parametrize(
    ("name", "text", "percent"),
    [
        ("mrd_eoi_fraction", "1e-4", 0.01),
        ("mrd_eoi_fraction", "10^-4", 0.01),
        ("mrd_day8_pb_fraction", "2x10^-3", 0.2),
        ("mrd_eoi_percent", "0.01", 0.01),
        ("mrd_eoi_percent", "0.0001", 0.0001),
    ],
)
def test_fractions_keep_accepting_powers_of_ten_and_plain_percent_stays_percent(
    name: str, text: str, percent: float
) -> None:
    patient = patient_from({**BASE, name: text})
    target = name.replace("_fraction", "_percent")
    assert getattr(patient, target) == percent


def test_a_number_not_text_in_a_percent_field_is_taken_as_it_is() -> None:
    # JSON numbers carry no notation: 1e-4 and 0.0001 are the same float, so nothing can be questioned.
    assert patient_from({**BASE, "mrd_eoi_percent": 1e-4}).mrd_eoi_percent == 0.0001


def test_regression_mrd_1e_4_in_the_percent_field_was_read_as_0_0001_percent() -> None:
    """BUG_M1: '1e-4' typed as percent was read as 0.0001 % (MRD-negative, Favorable); meant 0.01 % (High)."""
    with pytest.raises(InputError) as info:
        patient_from({**BASE, "genetics": "etv6_runx1", "cns_status": "CNS1", "mrd_eoi_percent": "1e-4"})
    assert str(info.value) == (
        "mrd_eoi_percent: 1e-4 looks like a fraction (1 in 10 000 cells = 0.01 %); enter "
        "percent, e.g. 0.01, or use mrd_eoi_fraction=1e-4"
    )
    assert info.value.alternative == "mrd_eoi_fraction"


def test_accepted_ranges_are_the_models_declarations() -> None:
    from riskcalc.units import accepted_range, alternative_reading

    age, wbc = accepted_range("age_years"), accepted_range("wbc_10e9_per_l")
    schema = Patient.model_json_schema()["properties"]
    assert (age.low, age.high, age.high_included) == (
        schema["age_years"]["minimum"],
        schema["age_years"]["exclusiveMaximum"],
        False,
    )
    assert (wbc.low, wbc.high, wbc.high_included) == (
        schema["wbc_10e9_per_l"]["minimum"],
        schema["wbc_10e9_per_l"]["maximum"],
        True,
    )
    assert alternative_reading("wbc_10e9_per_l", 60000.0) == ("wbc_per_ul", 60)
    assert alternative_reading("wbc_10e9_per_l", 12.0) is None  # in range: nothing to suggest
    assert alternative_reading("wbc_10e9_per_l", 5_000_000.0) is None  # 5000 x10^9/L even per µL: no fix
    assert alternative_reading("mrd_eoi_percent", 150.0) is None  # as a fraction it would be even larger


@pytest.mark.parametrize("text", ["10^999999999", "1e999999999", "-1e999999999"])
def test_a_chromosome_count_written_as_a_huge_power_of_ten_took_minutes_to_read(text: str) -> None:
    """Regression: making 1e999999999 a whole number (to_integral_value) ran for minutes, which hung the link
    fuzzer; such a count is now refused, by name, before it is made whole."""
    with pytest.raises(InputError, match="modal_chromosome_number: .* is out of any valid range"):
        patient_from({"age_years": "4", "wbc_10e9_per_l": "5", "modal_chromosome_number": text})
