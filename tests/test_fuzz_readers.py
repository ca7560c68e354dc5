"""Hypothesis fuzzing of everything that reads outside text: the CSV and JSON Lines readers, whole batch runs
on random bytes, the text-to-Patient edge (riskcalc.units.patient_from), the app's link parser and the app's
upload reader. Strategies are explicit (no type inference).

Properties: the readers raise nothing but BatchFileError (the file as a whole is unusable); every data row
comes back, either assessed or with an error; patient_from raises only InputError; the link parser never raises.

Exponents go up to +-10^7 (past decimal's Emax of 999,999) and JSON integers up to 4,000 digits: both once
crashed the core (decimal.Overflow, OverflowError); see the regression tests in test_bad_input_everywhere.py.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from riskcalc.batch import BatchFileError, open_csv, read_jsonl, run_batch
from riskcalc.models import Patient
from riskcalc.units import ALIASES, InputError, patient_from
from tests.conftest import examples
from ui.lib.batchtable import assess_csv
from ui.lib.query import patient_from_query

MAX_EXPONENT = 10_000_000  # see the module docstring
FIELDS = [*Patient.model_fields, *ALIASES]
COLUMNS = [*FIELDS, "id", "name", "label", "comment", "case_id"]

# ------------------------------------------------------------------------------------------- strategies
number_text = st.one_of(
    st.integers(-10, 3000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.tuples(st.integers(-9, 9), st.integers(-MAX_EXPONENT, MAX_EXPONENT)).map(lambda t: f"{t[0]}e{t[1]}"),
    st.tuples(st.integers(1, 9), st.integers(-MAX_EXPONENT, MAX_EXPONENT)).map(lambda t: f"{t[0]}x10^{t[1]}"),
    st.integers(-MAX_EXPONENT, MAX_EXPONENT).map(lambda e: f"10^{e}"),
    st.sampled_from(["10^999999999", "1e9999999", "-1e-9999999", "9" * 400]),
    st.sampled_from(
        [
            "nan",
            "-inf",
            "Infinity",
            "sNaN",
            "1_000",
            "０",
            "1,5",
            ".",
            "-",
            "+",
            "e5",
            "10^",
            "0x1f",
            "١٢",
            "½",
            "4.5.6",
            "1e",
            "--1",
        ]
    ),
)
code_text = st.sampled_from(
    [
        "etv6_runx1",
        "high_hyperdiploidy",
        "bcr_abl1",
        "kmt2a_r",
        "hypodiploidy",
        "b_other",
        "iamp21",
        "ETV6_RUNX1",
        "etv6-runx1",
        "none",
        "",
    ]
)
genetics_text = st.lists(code_text, max_size=4).flatmap(
    lambda codes: st.sampled_from([",", ";", "+", " ", "|", ", "]).map(lambda sep: sep.join(codes))
)
nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("=+-@\t\r\n\",;\x00\ufeff\u2028 \\'{}[]aé"), max_size=20),
    st.sampled_from(
        [
            '=HYPERLINK("http://x")',
            "+cmd|' /C calc'!A0",
            "-1+2",
            "@SUM(A1)",
            "CNS1",
            "CNS3",
            "cns2",
            "yes",
            "no",
            "true",
            "0",
            "1",
            "maybe",
            "",
            " ",
        ]
    ),
)
cell_text = st.one_of(number_text, genetics_text, nasty_text)
column_name = st.one_of(st.sampled_from(COLUMNS), st.text(max_size=12))


@st.composite
def csv_documents(draw: st.DrawFn) -> str:
    """A CSV file: mostly known columns, rows of random cells, sometimes ragged, blank or quoted oddly."""
    header = draw(st.lists(st.one_of(st.sampled_from(COLUMNS), column_name), min_size=0, max_size=6))
    if draw(st.booleans()):
        header = list(dict.fromkeys(header))  # most files have no duplicated header
    rows = draw(st.lists(st.lists(cell_text, min_size=0, max_size=len(header) + 2), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # and sometimes plain garbage spliced in
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=20)) + text[cut:]
    return text


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**4000), 10**4000), st.floats(), cell_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
json_line = st.one_of(
    st.dictionaries(column_name, json_value, max_size=8).map(json.dumps),
    st.dictionaries(st.sampled_from(FIELDS), cell_text, max_size=8).map(json.dumps),
    json_value.map(json.dumps),
    st.text(max_size=40).map(lambda text: text.replace("\n", " ")),
    st.just(""),
)
jsonl_documents = st.lists(json_line, max_size=10).map(lambda lines: "\n".join(lines) + "\n")
raw_cases = st.dictionaries(
    column_name.filter(lambda name: name not in ("id", "name", "label", "comment", "case_id")),
    st.one_of(cell_text, st.none()),
    max_size=8,
)


def _data_rows(text: str) -> int:
    """How many data rows the CSV module itself sees after the header (blank rows carry no case)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return sum(1 for row in reader if row and any(cell.strip() for cell in row))


# ------------------------------------------------------------------------------------------------ readers
@settings(max_examples=examples(300))
@given(csv_documents())
def test_csv_reader_raises_only_batch_file_error(text: str) -> None:
    try:
        header, rows = open_csv(io.StringIO(text, newline=""))
    except BatchFileError as error:
        assert str(error)
        return
    seen = list(rows)
    assert len(seen) == _data_rows(text)
    for line, row, error in seen:
        assert isinstance(line, int) and line >= 2
        assert row is not None and set(row) <= set(header)
        assert error is None or error.startswith("row has")


@settings(max_examples=examples(300))
@given(jsonl_documents)
def test_jsonl_reader_raises_only_batch_file_error(text: str) -> None:
    lines = [line for line in io.StringIO(text) if line.strip()]  # the reader's own line splitting ("\n")
    try:
        seen = list(read_jsonl(io.StringIO(text)))
    except BatchFileError as error:
        assert not lines and "empty" in str(error)
        return
    assert len(seen) == len(lines)
    for _line, row, error in seen:
        assert (row is None) != (error is None) or (row is not None and error is None)
        assert isinstance(row, dict) or error


def _run(source_bytes: bytes, suffix: str, out_suffix: str) -> tuple[Any, list[Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{out_suffix}"
        source.write_bytes(source_bytes)
        try:
            summary = run_batch(source, target, progress=False)
        except BatchFileError as error:
            assert str(error)
            return None, []
        if out_suffix == ".csv":
            with target.open(encoding="utf-8", newline="") as stream:
                out = list(csv.DictReader(stream))
        else:
            out = [json.loads(line) for line in target.read_text(encoding="utf-8").split("\n") if line]
        return summary, out


@settings(max_examples=examples(60))
@given(csv_documents(), st.sampled_from([".csv", ".jsonl"]))
def test_batch_on_csv_keeps_every_row(text: str, out_suffix: str) -> None:
    summary, out = _run(text.encode("utf-8"), ".csv", out_suffix)
    if summary is None:
        return
    assert summary.rows == len(out) == _data_rows(text) == summary.assessed + summary.failed
    for record in out:
        if out_suffix == ".csv":
            assert bool(record["group"]) != bool(record["error"]), record
            assert not record["error"] or record["error"].startswith(f"line {record['line']}: ")
        else:
            assert (record["assessment"] is None) != (record["error"] is None), record


@settings(max_examples=examples(60))
@given(jsonl_documents, st.sampled_from([".csv", ".jsonl"]))
def test_batch_on_jsonl_keeps_every_row(text: str, out_suffix: str) -> None:
    summary, out = _run(text.encode("utf-8"), ".jsonl", out_suffix)
    if summary is None:
        return
    # run_batch opens the file with newline="", so "\r" ends a line too
    assert summary.rows == len(out) == len([line for line in io.StringIO(text, newline="") if line.strip()])
    for record in out:
        if out_suffix == ".csv":
            assert bool(record["group"]) != bool(record["error"]), record
        else:
            assert (record["assessment"] is None) != (record["error"] is None), record


@settings(max_examples=examples(150))
@given(
    st.one_of(
        st.binary(max_size=300),
        csv_documents().map(lambda t: t.encode("utf-16")),
        csv_documents().map(lambda t: t.encode("latin-1", errors="replace")),
    ),
    st.sampled_from([".csv", ".jsonl"]),
)
def test_batch_on_random_bytes_raises_only_batch_file_error(data: bytes, suffix: str) -> None:
    _run(data, suffix, ".csv")


# ------------------------------------------------------------------------------------ text -> Patient edge
@settings(max_examples=examples(500))
@given(raw_cases)
def test_patient_from_raises_only_input_error(raw: dict[str, Any]) -> None:
    try:
        patient = patient_from(raw)
    except InputError as error:
        assert str(error)
        return
    assert isinstance(patient, Patient)


@settings(max_examples=examples(300))
@given(st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=8))
def test_patient_from_json_values_raises_only_input_error(raw: dict[str, Any]) -> None:
    try:
        patient_from(raw)
    except InputError as error:
        assert str(error)


# -------------------------------------------------------------------------------------------------- the app
@settings(max_examples=examples(500))
@given(st.dictionaries(column_name, st.one_of(cell_text, st.text(max_size=20)), max_size=8))
def test_link_parser_never_raises(params: dict[str, str]) -> None:
    assert patient_from_query is not None
    patient, errors = patient_from_query(params)
    assert patient is None or isinstance(patient, Patient)
    assert all(isinstance(message, str) and message for message in errors)


@settings(max_examples=examples(150))
@given(st.one_of(csv_documents().map(lambda t: t.encode("utf-8")), st.binary(max_size=200)))
def test_upload_reader_raises_only_batch_file_error(data: bytes) -> None:
    assert assess_csv is not None
    try:
        table = assess_csv(data)
    except BatchFileError as error:
        assert str(error)
        return
    for row in table.rows:
        assert bool(row["group"]) != bool(row["error"]), row


@settings(max_examples=examples(300))
@given(st.dictionaries(column_name, st.lists(st.one_of(cell_text, st.text(max_size=20)), max_size=3), max_size=8))
def test_link_parser_with_repeated_parameters_never_raises_and_never_takes_a_repeated_value(
    params: dict[str, list[str]],
) -> None:
    """Every value of each parameter, as st.query_params.get_all gives them: a repeat is a named error."""
    assert patient_from_query is not None
    patient, errors = patient_from_query(params)
    assert patient is None or isinstance(patient, Patient)
    assert all(isinstance(message, str) and message for message in errors)
    for name, values in params.items():
        if len(values) > 1 and name in Patient.model_fields:
            assert any(f"'{name}'" in message and f"{len(values)} times" in message for message in errors)
            if name in ("age_years", "wbc_10e9_per_l"):
                assert patient is None
