"""An uploaded CSV of cases, assessed row by row with the command line's batch functions.

The same reading, checks and output columns as `riskcalc batch` (riskcalc.batch), so a file gives the same
table on the page as on the command line: every input row is kept, a bad row gets an `error` naming its line
and the field, cells a spreadsheet would run as formulas are neutralised, every row carries the headline
(`result`) and the `disclaimer`, and a `name` column is dropped unread and reported once (`ignored`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from riskcalc import Patient
from riskcalc.batch import (
    IGNORED,
    RESULT_COLUMNS,
    assess_row,
    decoded_lines,
    open_csv,
    result_fields,
    safe_cell,
    without_ignored,
)

# A 2 MB upload can hold tens of thousands of rows; beyond this many the page would keep a lecture waiting,
# so the rest are reported, not assessed (the command line has no such limit).
ROW_LIMIT = 5000


@dataclass
class BatchTable:
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one message per bad row, naming its line
    skipped: int = 0  # rows beyond ROW_LIMIT
    ignored: list[str] = field(default_factory=list)  # identifying columns dropped unread (riskcalc.batch.IGNORED)

    @property
    def assessed(self) -> int:
        return len(self.rows) - len(self.errors)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def assess_csv(data: bytes, limit: int = ROW_LIMIT) -> BatchTable:
    """Assess every row of a CSV upload; raise BatchFileError when the file as a whole is unusable."""
    # The command line's reader: the same line-numbered encoding errors and universal newlines.
    header, rows = open_csv(decoded_lines(io.BytesIO(data), "the uploaded file"))
    table = BatchTable(
        columns=["line", *(name for name in header if name not in IGNORED), *RESULT_COLUMNS],
        ignored=[name for name in header if name in IGNORED],
    )
    for line, raw, read_error in rows:
        if len(table.rows) >= limit:
            table.skipped += 1
            continue
        row = without_ignored(raw) if raw is not None else None  # never read, never shown, never downloaded
        assessment, error = assess_row(row, read_error)
        cells: dict[str, Any] = {name: safe_cell(value) for name, value in (row or {}).items()}
        cells.update(result_fields(assessment, f"line {line}: {error}" if error else None))
        cells["error"] = safe_cell(cells["error"])
        if assessment is None:
            table.errors.append(cells["error"])
        table.rows.append({"line": line, **cells})
    return table


def template_csv() -> str:
    """An empty file with every column the batch understands, to fill in a spreadsheet."""
    return ",".join(["id", *Patient.model_fields]) + "\n"
