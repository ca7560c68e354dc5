"""The handouts as a reader gets them: the PDF rendered to pictures (pypdfium2) and read back, the Markdown as text.

The PDF carries the case's QR code (decoded here with zxing-cpp) and full address, the calculator's two charts,
the course of diagnosis, an evidence tag on every finding and note, and no page that ends with a heading.
"""

from __future__ import annotations

import re
from functools import cache

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp

from riskcalc import Assessment, Patient, assess
from ui.lib import charts, handouts, render
from ui.lib.chart_images import chart_png
from ui.lib.course_rows import course_rows
from ui.lib.teaching import teaching_cases
from ui.lib.vocabulary import load_vocabulary
from ui.lib.whatif import course
from ui.lib.wording import badge_text

WORDS = load_vocabulary()
LINK = (
    "http://192.0.2.10:8501/?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1"
    "&mrd_day8_pb_percent=0.005&mrd_eoi_percent=0"
)
FAVORABLE = Patient(
    age_years=4,
    wbc_10e9_per_l=12,
    genetics=["etv6_runx1"],
    cns_status="CNS1",
    mrd_day8_pb_percent=0.005,
    mrd_eoi_percent=0,
)
CASES = {case.id: case for case in teaching_cases()}
SECTION_HEADINGS = ("Inputs", "While results are pending", "Course of diagnosis", "Pictures", "Findings", "Notes")


@cache
def pdf_of(patient: Patient, link: str | None = LINK) -> bytes:
    return handouts.to_pdf(assess(patient), link=link)


def pages_text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    return [page.get_textpage().get_text_range() for page in document]


def flat(text: str) -> str:
    return " ".join(text.split())


def images_on(pdf: bytes) -> list[int]:
    """How many pictures each page holds."""
    document = pypdfium2.PdfDocument(pdf)
    return [len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))) for page in document]


def test_the_pdf_qr_code_decodes_to_the_case_address() -> None:
    page = pypdfium2.PdfDocument(pdf_of(FAVORABLE))[0]
    picture = page.render(scale=3).to_pil()  # 216 dpi, about what a phone camera sees of a printed page
    found = zxingcpp.read_barcodes(picture)
    assert [(code.format, code.text) for code in found] == [(zxingcpp.BarcodeFormat.QRCode, LINK)]
    first = flat(pages_text(pdf_of(FAVORABLE))[0])
    assert f"{handouts.LINK_LINE}: scan the code, or type the address" in first
    assert LINK in first.replace(" ", "")  # the address is printed whole (wrapped by character)


def test_the_pdf_links_the_printed_address_to_the_case() -> None:
    # A link annotation's target is plain text in the file (the page content itself is compressed).
    assert f"/URI ({LINK})".encode() in pdf_of(FAVORABLE)


def test_without_an_address_the_pdf_has_no_qr_code_and_no_link_line() -> None:
    pdf = pdf_of(FAVORABLE, link=None)
    assert handouts.LINK_LINE not in flat(" ".join(pages_text(pdf)))
    assert sum(images_on(pdf)) == 2  # the two charts only


def test_the_pdf_prints_both_charts_with_their_text_alternatives() -> None:
    pdf = pdf_of(FAVORABLE)
    assert sum(images_on(pdf)) == 3  # the QR code and the two charts
    text = flat(" ".join(pages_text(pdf)))
    assessment = assess(FAVORABLE)
    assert flat(charts.factor_push(assessment)[1]) in text
    assert flat(charts.age_wbc_map(FAVORABLE)[1]) in text


def test_the_pdf_prints_the_course_of_diagnosis() -> None:
    text = flat(" ".join(pages_text(pdf_of(FAVORABLE))))
    assert "Course of diagnosis" in text
    for row in course_rows(course(FAVORABLE, WORDS), WORDS):
        assert flat(row.step) in text and flat(row.possible) in text
    assert "✓ now final" in text and "◆ fewer groups possible" in text


def test_every_finding_and_note_in_the_pdf_ends_with_its_evidence_tag() -> None:
    assessment = assess(FAVORABLE)
    text = flat(" ".join(pages_text(pdf_of(FAVORABLE))))
    for item in [*assessment.findings, *assessment.notes]:
        assert f"{flat(item.text)} [{item.evidence.value}]" in text, item.rule_id
    assert handouts.EVIDENCE_KEY in text


def test_markdown_handout_has_the_address_the_course_and_the_tags() -> None:
    assessment = assess(FAVORABLE)
    text = handouts.to_markdown(assessment, WORDS, link=LINK)
    assert f"\n{handouts.LINK_LINE}: <{LINK}>\n" in text
    assert "\n## Course of diagnosis\n\n| Step | Results known | Group | Still possible | Change |\n" in text
    for row in course_rows(course(FAVORABLE, WORDS), WORDS):
        assert "| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells) + " |" in text
    for finding in assessment.findings:
        assert re.search(
            rf"- .*{re.escape(finding.text)}.* `{re.escape(finding.rule_id)}` \[{finding.evidence.value}\]", text
        )
    for note in assessment.notes:
        assert re.search(rf"- {re.escape(note.text)}.* \[{re.escape(note.evidence.value)}\]\n", text)
    assert handouts.LINK_LINE not in handouts.to_markdown(assessment, WORDS)  # no address given, none printed


def test_course_rows_are_the_rows_the_calculator_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handouts print the course table the calculator page draws (render.course), row for row."""
    drawn: list[str] = []
    monkeypatch.setattr(render.st, "markdown", lambda body, *args, **kwargs: drawn.append(body))
    for patient in (FAVORABLE, CASES["awaiting-mrd-etv6"].patient, CASES["hyperdiploid-cns2"].patient):
        steps = course(patient, WORDS)
        drawn.clear()
        render.course(steps, WORDS)
        shown = [line.split(" | ") for line in drawn[0].splitlines()[2:]]
        rows = course_rows(steps, WORDS)
        assert [[cell.strip("|* ") for cell in line] for line in shown] == [
            [cell.replace("|", "/") for cell in row.cells] for row in rows
        ]


# ---- no heading at a page foot ---------------------------------------------------------------------------


def body_lines(page_text: str, disclaimer: str) -> list[str]:
    """The page's lines above its footer (the footer repeats the disclaimer, the last text of every page)."""
    footer = page_text.rfind(disclaimer[:40])
    return [line.strip() for line in page_text[:footer].splitlines() if line.strip()]


def is_heading(line: str, assessment: Assessment) -> bool:
    if line in SECTION_HEADINGS or line == badge_text(assessment, WORDS):
        return True
    # a finding's own heading: 'Age: ● neutral for the grouping (branch.pediatric)'
    return any(line.endswith(f"({finding.rule_id})") for finding in assessment.findings) or line.startswith("•")


@pytest.mark.parametrize(
    "patient",
    [
        FAVORABLE,
        Patient(age_years=4, wbc_10e9_per_l=12),
        *(
            CASES[name].patient
            for name in ("awaiting-mrd-etv6", "infant-highest-risk", "adult-persistent-mrd", "hyperdiploid-cns2")
        ),
    ],
    ids=["favorable", "provisional", "awaiting-mrd", "infant", "adult", "cns2"],
)
def test_regression_no_page_of_the_pdf_ends_with_a_heading(patient: Patient) -> None:
    # The handout of the trial left "End-of-induction MRD" at the foot of page 1, its text on page 2.
    assessment = assess(patient)
    pages = pages_text(pdf_of(patient))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        lines = body_lines(text, assessment.disclaimer)
        assert lines, f"page {number} is empty"
        assert not is_heading(lines[-1], assessment), f"page {number} ends with the heading {lines[-1]!r}"


def test_a_block_that_would_cross_the_page_foot_starts_the_next_page() -> None:
    pdf = handouts._Handout("Disclaimer.")
    pdf.add_page()
    pdf.set_y(pdf.page_break_trigger - 8)
    with pdf.kept():
        pdf.heading("Findings")
        pdf.para("A sentence long enough to need its own line, under the heading it belongs to. " * 2)
    assert pdf.split == {0}  # this layout split it: heading on page 1, text on page 2

    again = handouts._Handout("Disclaimer.", breaks=frozenset({0}))
    again.add_page()
    again.set_y(again.page_break_trigger - 8)
    with again.kept():
        assert again.page == 2 and again.at_top()  # the block starts the next page
        again.heading("Findings")
        again.para("A sentence long enough to need its own line, under the heading it belongs to. " * 2)
    assert again.split == set() and again.page == 2


def test_a_block_taller_than_a_page_is_left_to_run_on() -> None:
    pdf = handouts._Handout("Disclaimer.")
    pdf.add_page()
    with pdf.kept():
        for _ in range(80):
            pdf.para("One of many lines.")
    assert pdf.page > 1 and pdf.split == set()  # started at the top: no later layout could keep it whole


def test_chart_pictures_never_load_anything_from_another_host() -> None:
    with pytest.raises(ValueError, match="External data url not allowed"):
        chart_png({"data": {"url": "https://example.com/data.json"}, "mark": "point"})
