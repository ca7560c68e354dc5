"""Shareable links (ui.lib.query) and the handout builders (ui.lib.handouts), tested directly.

AppTest cannot read a download button's payload, so the Markdown, JSON and PDF builders are tested here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given

from riskcalc import Assessment, Patient, assess
from tests import scheme_strategies, strategies
from ui.lib import handouts
from ui.lib.query import link_from_patient, patient_from_query, query_from_patient

LINK = {
    "age_years": "4",
    "wbc_10e9_per_l": "12",
    "genetics": "etv6_runx1",
    "cns_status": "CNS1",
    "mrd_eoi_percent": "0",
}


def test_the_issue_link_reads_as_its_case() -> None:
    patient, errors = patient_from_query(LINK)
    assert errors == []
    assert patient == Patient(
        age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0
    )
    assert query_from_patient(patient) == LINK


def test_link_text_is_relative_and_readable() -> None:
    patient = Patient(age_years=2.5, wbc_10e9_per_l=12, genetics=["kmt2a_r", "dux4_r"], testicular_involvement=True)
    assert link_from_patient(patient) == (
        "?age_years=2.5&wbc_10e9_per_l=12&genetics=dux4_r,kmt2a_r&testicular_involvement=true"
    )


@given(strategies.patients())
def test_every_patient_round_trips_through_its_link(patient: Patient) -> None:
    again, errors = patient_from_query(query_from_patient(patient))
    assert errors == []
    assert again == patient


@given(scheme_strategies.patients(complete=False))
def test_every_input_only_some_schemes_read_round_trips_through_the_link(patient: Patient) -> None:
    again, errors = patient_from_query(query_from_patient(patient))
    assert errors == []
    assert again == patient


def test_codes_are_read_in_any_letter_case_and_counts_only_when_whole() -> None:
    patient, errors = patient_from_query(
        {
            "age_years": "0.3",
            "wbc_10e9_per_l": "350",
            "genetics": "KMT2A_R",
            "kmt2a_partner": "aff1",
            "prednisone_response": "POOR",
            "down_syndrome": "no",
        }
    )
    assert errors == []
    assert (patient.kmt2a_partner, patient.prednisone_response, patient.down_syndrome) == ("AFF1", "poor", False)
    _, errors = patient_from_query(
        {"age_years": "4", "wbc_10e9_per_l": "5", "genetics": "hypodiploidy", "modal_chromosome_number": "40.5"}
    )
    assert errors == [
        "The link's modal chromosome number (karyotype) ('modal_chromosome_number=40.5'): 40.5 is not a whole number."
    ]


def test_friendly_units_are_accepted_exactly() -> None:
    patient, errors = patient_from_query({"age_months": "30", "wbc_per_ul": "12000", "mrd_eoi_fraction": "10^-4"})
    assert errors == []
    assert (patient.age_years, patient.wbc_10e9_per_l, patient.mrd_eoi_percent) == (2.5, 12.0, 0.01)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"age_years": "abc", "wbc_10e9_per_l": "12"}, "age_years"),
        ({"age_years": "4", "wbc_10e9_per_l": "12", "cns_status": "CNS9"}, "cns_status"),
        ({"age_years": "4", "wbc_10e9_per_l": "12", "mrd_eoi_percent": "120"}, "mrd_eoi_percent"),
        ({"age_years": "4", "wbc_10e9_per_l": "12", "genetics": "b_other,etv6_runx1"}, "genetics"),
        ({"age_years": "4", "wbc_10e9_per_l": "nan"}, "wbc_10e9_per_l"),
        ({"age_years": "4", "wbc_10e9_per_l": "12", "colour": "blue"}, "colour"),
        ({"wbc_10e9_per_l": "12"}, "age_years"),
    ],
)
def test_a_bad_parameter_is_named(params: dict[str, str], named: str) -> None:
    _, errors = patient_from_query(params)
    assert errors and any(f"'{named}" in message for message in errors)


def test_every_bad_parameter_is_reported_and_the_good_ones_kept() -> None:
    patient, errors = patient_from_query(
        {"age_years": "4", "wbc_10e9_per_l": "12", "cns_status": "CNS9", "genetics": "nonsense", "extra": "1"}
    )
    assert patient == Patient(age_years=4, wbc_10e9_per_l=12)
    assert len(errors) == 3 and all(any(name in e for e in errors) for name in ("cns_status", "genetics", "extra"))


def test_no_parameters_means_no_case() -> None:
    assert patient_from_query({}) == (None, [])


# ---- handouts -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provisional() -> Assessment:
    return assess(Patient(age_years=4, wbc_10e9_per_l=12))


@pytest.fixture(scope="module")
def high() -> Assessment:
    return assess(
        Patient(
            age_years=14,
            wbc_10e9_per_l=80,
            genetics=["bcr_abl1", "ikzf1plus"],
            cns_status="CNS2",
            mrd_day8_pb_percent=2,
            mrd_eoi_percent=0.05,
        )
    )


def test_markdown_handout_has_group_findings_sources_and_disclaimer(high: Assessment) -> None:
    text = handouts.to_markdown(high)
    assert "Risk group: High" in text and "(provisional)" not in text
    assert high.disclaimer in text
    for finding in high.findings:
        assert finding.text in text and finding.rule_id in text
        assert all(f"]({citation.url})" in text for citation in finding.citations)
    assert "| Age at diagnosis | 14 years |" in text


PROVISIONAL = "Provisional: Favorable, Standard or High — waiting for genetics, CNS status and end-of-induction MRD"


def test_markdown_handout_of_a_provisional_case_lists_what_is_pending(provisional: Assessment) -> None:
    text = handouts.to_markdown(provisional)
    # spec 1.1 section 6: the range is the heading, the floor said only as "at best"
    assert f"\n## {PROVISIONAL}\n\n**At best Favorable**\n" in text
    assert "Risk group:" not in text and "(provisional)" not in text
    assert "Favorable, Standard or High" in text
    relative = next(note for note in provisional.notes if note.rule_id == "note.groups_are_relative")
    assert f"*(evidence partly confirmed: {relative.evidence_note})*" in text  # notes carry their evidence tag
    assert "End-of-induction marrow MRD" in text and "if 1 % → High" in text


def test_json_handout_is_the_assessment(high: Assessment) -> None:
    data = json.loads(handouts.to_json(high))
    assert Assessment.model_validate(data) == high
    assert data["disclaimer"] == high.disclaimer


def _pdf_info(pdf: bytes, key: str) -> str:
    """A document property as text: fpdf2 writes it as a literal, or as UTF-16 hex when it is not Latin-1."""
    match = re.search(rb"/" + key.encode() + rb" (<feff[0-9a-f]*>|\((?:[^()\\]|\\.)*\))", pdf)
    assert match, key
    value = match.group(1)
    if value.startswith(b"<"):
        return bytes.fromhex(value[1:-1].decode()).decode("utf-16")
    return value[1:-1].decode("latin-1")


def _pdf_text(pdf: bytes, tmp_path: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_handout(high: Assessment, tmp_path: Path) -> None:
    pdf = handouts.to_pdf(high)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert b"Risk group: High" in pdf  # document subject, readable without rendering
    assert _pdf_info(pdf, "Subject") == "Risk group: High"
    assert _pdf_info(pdf, "Title") == f"Risk group: High | {handouts.TITLE}"
    text = _pdf_text(pdf, tmp_path)
    if text is not None:  # poppler-utils installed: check the printed page itself
        flat = " ".join(text.split())
        assert "Risk group: High" in flat
        assert "Educational illustration only" in flat
        assert "x10⁹/L" in flat  # non-Latin-1 characters survive with the Unicode font


def test_pdf_handout_of_a_provisional_case_is_titled_by_its_range(provisional: Assessment, tmp_path: Path) -> None:
    pdf = handouts.to_pdf(provisional)
    assert _pdf_info(pdf, "Title") == f"{PROVISIONAL}; at best Favorable | {handouts.TITLE}"
    assert _pdf_info(pdf, "Subject") == f"{PROVISIONAL}; at best Favorable"
    assert b"Risk group: Favorable" not in pdf
    text = _pdf_text(pdf, tmp_path)
    if text is not None:
        flat = " ".join(text.split())
        assert PROVISIONAL in flat and "At best Favorable" in flat and "Risk group:" not in flat


def test_pdf_labels_each_note_with_its_evidence_like_a_finding(
    provisional: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Drawn text is compressed in the file, so record the labels the handout hands to its sources() writer.
    # The PDF is laid out until no heading is left at a page foot: read the labels of the last layout.
    calls: list[tuple[handouts._Handout, str]] = []  # holding each layout, so no two share an identity

    def record(self: handouts._Handout, label: str, citations: list[tuple[str, str]]) -> None:
        calls.append((self, label))
        original(self, label, citations)

    original = handouts._Handout.sources
    monkeypatch.setattr(handouts._Handout, "sources", record)
    handouts.to_pdf(provisional)
    last = [label for layout, label in calls if layout is calls[-1][0]]
    notes = last[len(provisional.findings) :]
    assert len(notes) == len(provisional.notes)
    by_id = dict(zip([note.rule_id for note in provisional.notes], notes))
    assert (
        by_id["note.groups_are_relative"]
        == "Evidence: evidence partly confirmed: "
        + (next(n.evidence_note for n in provisional.notes if n.rule_id == "note.groups_are_relative") or "")
        + ". Sources: "
    )
    assert all(label == "Sources: " for note, label in zip(provisional.notes, notes) if note.evidence == "V")


def test_pdf_handout_without_a_unicode_font_spells_symbols_out(
    monkeypatch: pytest.MonkeyPatch, provisional: Assessment, tmp_path: Path
) -> None:
    monkeypatch.setattr(handouts, "_unicode_font", lambda: None)
    pdf = handouts.to_pdf(provisional)
    assert pdf.startswith(b"%PDF") and _pdf_info(pdf, "Subject") == f"{PROVISIONAL}; at best Favorable"
    assert handouts.latin1("≥ 0.01 % → 10⁻⁴, x10⁹/L, µL, Gökbuget ▲") == ">= 0.01 % -> 10^-4, x10^9/L, µL, Gökbuget (+)"
    text = _pdf_text(pdf, tmp_path)
    if text is not None:
        assert handouts.latin1(PROVISIONAL) in " ".join(text.split())
