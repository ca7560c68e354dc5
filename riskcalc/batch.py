"""Assess a file of cases row by row (CSV or JSON Lines), keeping every row in the output.

Rows stream through one at a time, so memory does not grow with the file. A bad row gets an ``error`` naming
the field and the rule it broke; the good rows around it are always written. Column names are Patient fields or
their friendly alternatives (see riskcalc.units); a few pass-through columns (``id``, ``label``, ...) are copied.

Every output row carries ``result`` (the headline of riskcalc.explain: a provisional case is its range, never
one group) and the model's ``disclaimer``. ``group`` is the API's floor, the lowest group still possible; it is
final only where ``provisional`` is false. A ``name`` column (or JSON key) is accepted but ignored: it is never
read, never copied to the output, and reported once (`BatchSummary.ignored`), so no export echoes a patient's
name and a file that has one still gives all its rows.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from riskcalc.api import assess, assess_many, classify, classify_many, get_rulebook
from riskcalc.engine import EngineError
from riskcalc.explain import classification_cell, headline
from riskcalc.models import Assessment, Classification, Patient
from riskcalc.units import ALIASES, InputError, patient_from

PASS_THROUGH = ("id", "case_id", "label", "comment")
# Columns that could only carry identifying data: accepted, so old files still run, but dropped unread.
IGNORED = ("name",)
RESULT_COLUMNS = (
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
)
# With --model or --all-models: these columns once per scheme, named '<model id>_<column>', then these two.
SCHEME_COLUMNS = ("result", "status", "tier", "possible_tiers", "pending", "fired_rules", "model_version")
SCHEME_SHARED = ("disclaimer", "error")
CHUNK = 1000  # rows per engine evaluation: memory stays flat, firings are shared across the chunk
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class BatchFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header); no row was assessed."""


@dataclass
class BatchSummary:
    rows: int = 0
    assessed: int = 0
    failed: int = 0
    ignored: list[str] = field(default_factory=list)  # IGNORED columns found in the file, each named once

    def note_ignored(self, names: Iterable[str]) -> None:
        self.ignored += [name for name in names if name not in self.ignored]


def ignored_message(names: Sequence[str]) -> str:
    """The one warning for a file with identifying columns, e.g. for stderr or the upload page."""
    listed = ", ".join(repr(name) for name in names)
    return (
        f"column {listed} ignored: it is not read and not copied to the output, because results "
        "carry no identifying data (use 'id' for a study number)"
    )


def without_ignored(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name not in IGNORED}


def file_format(path: Path, override: str | None = None) -> str:
    if override:
        return override
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".jsonlines"):
        return "jsonl"
    raise BatchFileError(f"{path}: cannot tell the format from the extension {suffix!r}; use --format csv|jsonl")


def known_columns() -> set[str]:
    return {*Patient.model_fields, *ALIASES, *PASS_THROUGH, *IGNORED}


def _check_header(header: list[str]) -> None:
    if not header or all(not name.strip() for name in header):
        raise BatchFileError("the CSV file has no header row")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise BatchFileError(f"column {name!r} appears twice in the header")
        seen.add(name)
    unknown = [name for name in header if name not in known_columns()]
    if unknown:
        raise BatchFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known_columns()))}"
        )


def open_csv(lines: Iterable[str]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any] | None, str | None]]]:
    """Read and check the header; return it with an iterator of (line number, row, error) per data row."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise BatchFileError("the file is empty") from None
    except csv.Error as error:
        raise BatchFileError(f"cannot read the header: {error}") from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    _check_header(header)

    def rows() -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # e.g. a NUL byte or a cell beyond the size limit: that row only
                yield reader.line_num, None, f"cannot read the row: {error}"
                continue
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines carry no case
            if len(row) != len(header):
                yield reader.line_num, dict(zip(header, row)), f"row has {len(row)} cells, the header has {len(header)}"
            else:
                yield reader.line_num, dict(zip(header, row)), None

    return header, rows()


def decoded_lines(stream: BinaryIO, name: str) -> Iterator[str]:
    """UTF-8 text lines of a binary stream (a leading BOM dropped); a line that is not UTF-8 stops the file
    with an error naming that line, because the whole file was then saved in another encoding."""
    number = 0
    for raw in stream:
        if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
            if "\x00" in text and number == 0:
                raise UnicodeDecodeError("utf-8", raw, 0, 1, "binary data")
        except UnicodeDecodeError:
            raise BatchFileError(f"{name}: line {number + 1}: not UTF-8 text; save the file as UTF-8") from None
        # Universal newlines, as text mode would give: a lone carriage return also ends a line.
        for line in _LONE_CR.split(text):
            number += 1
            yield line


def read_jsonl(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    any_line = False
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        any_line = True
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield line_number, None, f"not valid JSON: {error.msg}"
            continue
        except (ValueError, RecursionError) as error:  # e.g. an integer of over 4300 digits, deep nesting
            yield line_number, None, f"not valid JSON: {type(error).__name__}: {str(error)[:120]}"
            continue
        if not isinstance(row, dict):
            yield line_number, None, "a line must be a JSON object"
            continue
        yield line_number, row, None
    if not any_line:
        raise BatchFileError("the file is empty")


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (a leading ' keeps it text)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


def result_fields(assessment: Assessment | None, error: str | None) -> dict[str, Any]:
    """The result columns of one row; a failed row keeps the disclaimer too, as every row does."""
    if assessment is None:
        return {
            **{column: "" for column in RESULT_COLUMNS},
            "disclaimer": get_rulebook().disclaimer,
            "error": error or "",
        }
    return {
        "result": headline(assessment).line,
        "group": assessment.group.value,
        "provisional": str(assessment.provisional).lower(),
        "possible_groups": ",".join(group.value for group in assessment.possible_groups),
        "pending": ",".join(assessment.pending),
        "branch": assessment.branch.value,
        "nci_risk": assessment.nci_risk.value if assessment.nci_risk else "",
        "fired_rules": ",".join(assessment.fired_rules),
        "model_version": f"{assessment.model_id} {assessment.model_version}",
        "disclaimer": assessment.disclaimer,
        "error": "",
    }


def patient_row(row: dict[str, Any] | None, read_error: str | None) -> tuple[Patient | None, str | None]:
    """The row's Patient, or the error that names its field (pass-through columns are ignored)."""
    if read_error:
        return None, read_error
    assert row is not None
    fields = {name: value for name, value in row.items() if name not in PASS_THROUGH and name not in IGNORED}
    try:
        return patient_from(fields), None
    except InputError as error:
        return None, str(error)


def assess_row(row: dict[str, Any] | None, read_error: str | None) -> tuple[Assessment | None, str | None]:
    patient, error = patient_row(row, read_error)
    return (assess(patient), None) if patient is not None else (None, error)


def assess_rows(parsed: list[tuple[Patient | None, str | None]]) -> list[tuple[Assessment | None, str | None]]:
    """Assess a chunk of parsed rows in one engine evaluation, keeping each row's place and error.

    If the engine refuses the chunk, each row is assessed alone, so a fault tied to the chunk as a whole
    costs no row; a row the engine refuses even alone raises EngineError, which stops the batch."""
    patients = [patient for patient, _ in parsed if patient is not None]
    try:
        done = assess_many(patients)
    except EngineError:
        done = [assess(patient) for patient in patients]
    assessments = iter(done)
    return [(next(assessments), None) if patient is not None else (None, error) for patient, error in parsed]


Classified = dict[str, Classification]


def classify_rows(
    parsed: list[tuple[Patient | None, str | None]], schemes: Sequence[str]
) -> list[tuple[Classified | None, str | None]]:
    """Classify a chunk of parsed rows under each scheme, one engine evaluation per scheme, keeping each row's
    place and error; if the engine refuses a chunk, its rows are classified one by one (as assess_rows)."""
    patients = [patient for patient, _ in parsed if patient is not None]
    per_scheme: dict[str, list[Classification]] = {}
    for scheme in schemes:
        try:
            per_scheme[scheme] = classify_many(patients, model=scheme)
        except EngineError:
            per_scheme[scheme] = [classify(patient, model=scheme) for patient in patients]
    results: list[tuple[Classified | None, str | None]] = []
    index = 0
    for patient, error in parsed:
        if patient is None:
            results.append((None, error))
            continue
        results.append(({scheme: per_scheme[scheme][index] for scheme in schemes}, None))
        index += 1
    return results


def scheme_fields(schemes: Sequence[str], results: Classified | None, error: str | None) -> dict[str, Any]:
    """The result columns of one row under several schemes; a failed row keeps every scheme's disclaimer."""
    cells: dict[str, Any] = {}
    for scheme in schemes:
        result = results[scheme] if results else None
        cells.update(
            {
                f"{scheme}_result": classification_cell(result) if result else "",
                f"{scheme}_status": result.status.value if result else "",
                f"{scheme}_tier": (result.tier or "") if result else "",
                f"{scheme}_possible_tiers": ",".join(result.possible_tiers) if result else "",
                f"{scheme}_pending": ",".join(result.pending) if result else "",
                f"{scheme}_fired_rules": ",".join(result.fired_rules) if result else "",
                f"{scheme}_model_version": f"{scheme} {result.model_version}" if result else "",
            }
        )
    cells["disclaimer"] = " | ".join(dict.fromkeys(get_rulebook(scheme).disclaimer for scheme in schemes))
    cells["error"] = error or ""
    return cells


class _Progress:
    """A one-line progress counter on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO, total: int | None, enabled: bool) -> None:
        self.stream, self.total, self.enabled = stream, total, enabled
        self.last = 0.0

    def update(self, summary: BatchSummary, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        share = f" {100 * summary.rows / self.total:5.1f}%" if self.total else ""
        self.stream.write(f"\r{summary.rows} rows{share}  ok {summary.assessed}  errors {summary.failed}")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as stream:
            return max(sum(1 for _ in stream) - 1, 1)
    except OSError:
        return None


def run_batch(
    source: Path,
    target: Path,
    fmt_in: str | None = None,
    fmt_out: str | None = None,
    progress: bool | None = None,
    schemes: Sequence[str] = (),
) -> BatchSummary:
    """Assess every row of `source` into `target` (with `schemes`: classify it under each of them instead);
    raise BatchFileError if the file as a whole is unusable."""
    fmt_in = file_format(source, fmt_in)
    fmt_out = file_format(target, fmt_out) if fmt_out or target.suffix else fmt_in
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(sys.stderr, _count_lines(source) if show else None, show)
    summary = BatchSummary()
    try:
        stream = source.open("rb")
    except OSError as open_error:
        raise BatchFileError(f"{source}: cannot open: {open_error.strerror}") from None
    # Write beside the target and rename at the end, so a file-level failure never leaves a partial output.
    partial = target.with_name(f".{target.name}.partial")
    try:
        out = partial.open("w", encoding="utf-8", newline="")
    except OSError as write_error:
        stream.close()
        raise BatchFileError(f"{target}: cannot write: {write_error.strerror}") from None
    try:
        with stream, out:
            lines = decoded_lines(stream, str(source))
            if fmt_in == "csv":
                columns, rows = open_csv(lines)
                summary.note_ignored(name for name in columns if name in IGNORED)
                columns = [name for name in columns if name not in IGNORED]
            else:
                columns, rows = [*Patient.model_fields, *ALIASES, *PASS_THROUGH], read_jsonl(lines)
            writer = _Writer(out, fmt_out, columns, tuple(schemes))
            chunk: list[tuple[int, dict[str, Any], tuple[Patient | None, str | None]]] = []

            def flush() -> None:
                # Rows are assessed CHUNK at a time (far fewer rule firings) and written in their order.
                parsed = [parsed for _, _, parsed in chunk]
                done: Sequence[tuple[Assessment | Classified | None, str | None]] = (
                    classify_rows(parsed, schemes) if schemes else assess_rows(parsed)
                )
                for (line, row, _), (assessment, row_error) in zip(chunk, done):
                    summary.rows += 1
                    if assessment is None:
                        summary.failed += 1
                        row_error = f"line {line}: {row_error}"
                    else:
                        summary.assessed += 1
                    writer.write(line, row, assessment, row_error)
                chunk.clear()
                bar.update(summary)

            for line, row, read_error in rows:
                if row is not None:  # dropped before anything reads or writes the row
                    summary.note_ignored(name for name in row if name in IGNORED)
                    row = without_ignored(row)
                chunk.append((line, row or {}, patient_row(row, read_error)))
                if len(chunk) >= CHUNK:
                    flush()
            flush()
            if summary.rows == 0:
                raise BatchFileError(f"{source}: no rows after the header")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    bar.update(summary, final=True)
    return summary


class _Writer:
    """Writes one output record per input row, in the output format."""

    def __init__(self, out: TextIO, fmt: str, input_columns: list[str], schemes: tuple[str, ...] = ()) -> None:
        self.out, self.fmt, self.schemes = out, fmt, schemes
        self.result_columns: tuple[str, ...] = (
            (*(f"{scheme}_{column}" for scheme in schemes for column in SCHEME_COLUMNS), *SCHEME_SHARED)
            if schemes
            else RESULT_COLUMNS
        )
        if fmt == "csv":
            self.csv = csv.DictWriter(
                out, fieldnames=["line", *input_columns, *self.result_columns], restval="", extrasaction="ignore"
            )
            self.csv.writeheader()

    def write(
        self, line: int, row: dict[str, Any], assessment: Assessment | Classified | None, error: str | None
    ) -> None:
        if isinstance(assessment, dict) or (assessment is None and self.schemes):
            self._write_schemes(line, row, assessment, error)
            return
        if self.fmt == "jsonl":
            record = {
                "line": line,
                "input": row,
                "result": headline(assessment).line if assessment else None,
                "assessment": assessment.model_dump(mode="json") if assessment else None,
                "disclaimer": assessment.disclaimer if assessment else get_rulebook().disclaimer,
                "error": error,
            }
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        cells: dict[str, Any] = {
            name: safe_cell(_flat(value)) for name, value in row.items() if name not in RESULT_COLUMNS
        }
        cells.update(result_fields(assessment, error))
        cells["error"] = safe_cell(cells["error"])
        self.csv.writerow({"line": line, **cells})

    def _write_schemes(self, line: int, row: dict[str, Any], results: Classified | None, error: str | None) -> None:
        if self.fmt == "jsonl":
            record = {
                "line": line,
                "input": row,
                "results": {scheme: classification_cell(result) for scheme, result in results.items()}
                if results
                else None,
                "classifications": {scheme: result.model_dump(mode="json") for scheme, result in results.items()}
                if results
                else None,
                "disclaimer": scheme_fields(self.schemes, None, None)["disclaimer"],
                "error": error,
            }
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        cells: dict[str, Any] = {
            name: safe_cell(_flat(value)) for name, value in row.items() if name not in self.result_columns
        }
        cells.update(scheme_fields(self.schemes, results, error))
        cells["error"] = safe_cell(cells["error"])
        self.csv.writerow({"line": line, **cells})


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value
