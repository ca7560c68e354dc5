"""Downloadable handouts of one assessment: Markdown, JSON and a printable PDF (fpdf2).

Pure functions of an Assessment (no Streamlit), so they are tested directly: AppTest cannot read a download
button's payload. Every handout carries the disclaimer, at the top and (PDF) in the footer of every page, and
is headlined as riskcalc.explain.headline says: a provisional case by its range, never by one group.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from riskcalc import Assessment, Finding, Note
from riskcalc.explain import headline
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.wording import (
    badge_text,
    context_line,
    evidence_markdown,
    finding_markdown,
    groups_text,
    inputs_table,
    missing_without_effect,
    note_markdown,
    pending_effects,
    pending_effects_markdown,
)

TITLE = "B-ALL risk group: teaching illustration"


def _words(words: Vocabulary | None) -> Vocabulary:
    return words or load_vocabulary()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(assessment: Assessment, words: Vocabulary | None = None) -> str:
    """A Markdown handout: group, context, inputs, pending results, cited findings, notes, disclaimer."""
    words = _words(words)
    lines = [
        f"# {TITLE}",
        "",
        f"> **{assessment.disclaimer}**",
        "",
        f"## {badge_text(assessment, words)}",
        "",
        *(f"**{line}**\n" for line in headline(assessment).lines[1:]),  # the floor: 'At best Favorable'
        context_line(assessment, words),
        "",
        "## Inputs",
        "",
        "| Input | Value |",
        "|---|---|",
        *(f"| {_cell(label)} | {_cell(value)} |" for label, value in inputs_table(assessment.patient, words)),
    ]
    if assessment.provisional:
        lines += [
            "",
            "## While results are pending",
            "",
            f"Possible groups once the results arrive: {groups_text(assessment.possible_groups)}.",
            "",
            f"Pending results that can change the group: {', '.join(words.label(f) for f in assessment.pending)}.",
            "",
            "What each pending result would do:",
            "",
            pending_effects_markdown(assessment, words),
        ]
    idle = missing_without_effect(assessment)
    if idle:
        lines += ["", f"Still missing, but cannot change the group: {', '.join(words.label(f) for f in idle)}."]
    lines += ["", "## Findings", "", *(f"- {finding_markdown(f, words)} `{f.rule_id}`" for f in assessment.findings)]
    if assessment.notes:
        lines += ["", "## Notes", "", *(f"- {note_markdown(note, words)}" for note in assessment.notes)]
    lines += [
        "",
        "---",
        "",
        f"Model {assessment.model_id} {assessment.model_version}. {assessment.disclaimer}",
        "",
    ]
    return "\n".join(lines)


def to_json(assessment: Assessment) -> str:
    """The whole Assessment (patient, group, findings with citations, disclaimer) as JSON."""
    return assessment.model_dump_json(indent=2)


# ---- PDF ----------------------------------------------------------------------------------------------

# Fonts with the characters the rule texts use (≥, µ, ⁹, ö, ▲): DejaVu ships with most Linux systems.
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))

# Used only without a Unicode font: the core PDF fonts know Latin-1 alone, so spell the rest out.
_LATIN1_SPELLING = {
    "≥": ">=",
    "≤": "<=",
    "→": "->",
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "▲": "(+)",
    "▼": "(-)",
    "●": "(=)",
    "■": "[=]",
    "·": "-",
    "≠": "!=",
}


def _unicode_font() -> tuple[Path, Path] | None:
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def latin1(text: str) -> str:
    """Text the core fonts can print: known symbols spelt out, accents kept where Latin-1 has them."""
    text = _SUPERSCRIPTS.sub(lambda match: "^" + match.group().translate(_PLAIN_DIGITS), text)
    spelt = "".join(_LATIN1_SPELLING.get(char, char) for char in text)
    out = []
    for char in spelt:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class _Handout(FPDF):
    def __init__(self, disclaimer: str) -> None:
        super().__init__(format="A4")
        self.disclaimer = disclaimer
        fonts = _unicode_font()
        if fonts:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self.family, self.unicode = "Body", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=24)

    def text(self, value: str) -> str:  # type: ignore[override]
        return value if self.unicode else latin1(value)

    def footer(self) -> None:
        # Every page repeats the disclaimer, so a single printed page is never without it.
        self.set_y(-20)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(80, 80, 80)
        self.multi_cell(
            0,
            3.4,
            self.text(f"{self.disclaimer}  Page {self.page_no()}"),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_text_color(0, 0, 0)

    def heading(self, value: str, size: float = 13) -> None:
        self.ln(2)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.55, self.text(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, value: str, size: float = 10, style: str = "", markdown: bool = False) -> None:
        self.set_font(self.family, style, size)
        self.multi_cell(
            0, size * 0.5, self.text(value), align="L", markdown=markdown, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(1)

    def sources(self, label: str, citations: list[tuple[str, str]]) -> None:
        """'Sources: A; B' with each label a clickable link to its DOI / PubMed page."""
        self.set_font(self.family, "", 8.5)
        self.set_text_color(60, 60, 60)
        self.write(4.2, self.text(label))
        for index, (name, url) in enumerate(citations):
            self.set_text_color(0, 70, 160)
            self.write(4.2, self.text(name), link=url)
            self.set_text_color(60, 60, 60)
            self.write(4.2, "; " if index < len(citations) - 1 else "")
        self.set_text_color(0, 0, 0)
        self.ln(6)


def _md(text: str) -> str:
    """Escape the few characters fpdf2's markdown would take as styling inside a clinical sentence."""
    return text.replace("**", "* *").replace("__", "_ _").replace("--", "-\u200b-")


def _sources_label(item: Finding | Note, words: Vocabulary) -> str:
    """'Evidence: evidence partly confirmed: <note>. Sources: ', or 'Sources: ' when the evidence is verified."""
    status = evidence_markdown(item, words).strip(" *()")
    return f"Evidence: {status}. Sources: " if status else "Sources: "


def to_pdf(assessment: Assessment, words: Vocabulary | None = None) -> bytes:
    """A printable A4 handout of the assessment (same content as the Markdown one)."""
    words = _words(words)
    pdf = _Handout(assessment.disclaimer)
    head = headline(assessment)
    # The result in the document properties too (the title a viewer shows in its window, and the subject):
    # plain text that indexers, screen readers and tests can read without rendering the (subset-font,
    # compressed) page content.
    pdf.set_title(f"{head.line} | {TITLE}")
    pdf.set_creator("riskcalc")
    pdf.set_subject(head.line)
    pdf.add_page()

    pdf.para(TITLE, size=10, style="B")
    pdf.set_fill_color(255, 244, 214)
    pdf.set_font(pdf.family, "B", 9.5)
    pdf.multi_cell(
        0,
        4.8,
        pdf.text(assessment.disclaimer),
        border=1,
        fill=True,
        align="L",
        padding=2,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    pdf.heading(badge_text(assessment, words), size=20)
    for floor in head.lines[1:]:
        pdf.para(floor, size=12, style="B")
    pdf.para(context_line(assessment, words), size=10.5)

    pdf.heading("Inputs")
    pdf.set_font(pdf.family, "", 9.5)
    pdf.set_fill_color(238, 238, 238)
    with pdf.table(col_widths=(45, 55), text_align="LEFT", line_height=5.2, first_row_as_headings=True) as table:
        header = table.row()
        header.cell(pdf.text("Input"))
        header.cell(pdf.text("Value"))
        for label, value in inputs_table(assessment.patient, words):
            row = table.row()
            row.cell(pdf.text(label))
            row.cell(pdf.text(value))

    if assessment.provisional:
        pdf.heading("While results are pending")
        pdf.para(f"Possible groups once the results arrive: {groups_text(assessment.possible_groups)}.")
        pdf.para(f"Pending results that can change the group: {', '.join(words.label(f) for f in assessment.pending)}.")
        for label, lines in pending_effects(assessment, words):
            pdf.para(f"•  {label}", size=9.5, style="B")
            pdf.set_font(pdf.family, "", 9.5)
            for line in lines:
                pdf.set_x(pdf.l_margin + 6)
                pdf.multi_cell(0, 4.8, pdf.text(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
    idle = missing_without_effect(assessment)
    if idle:
        pdf.para(f"Still missing, but cannot change the group: {', '.join(words.label(f) for f in idle)}.", size=9.5)

    pdf.heading("Findings")
    for finding in assessment.findings:
        direction = words.directions[finding.direction.value]
        pdf.para(
            f"**{_md(finding.factor[:1].upper() + finding.factor[1:])}**: {_md(direction)}  ({finding.rule_id})",
            size=10,
            markdown=True,
        )
        pdf.para(finding.text, size=9.5)
        pdf.sources(_sources_label(finding, words), [(citation.label, citation.url) for citation in finding.citations])

    if assessment.notes:
        pdf.heading("Notes")
        for note in assessment.notes:
            pdf.para(note.text, size=9.5)
            # A note's evidence tag as a finding's: a reader weighs both the same way.
            pdf.sources(_sources_label(note, words), [(citation.label, citation.url) for citation in note.citations])

    pdf.ln(2)
    pdf.para(f"Model {assessment.model_id} {assessment.model_version}. {head.line}.", size=8.5)
    return bytes(pdf.output())


__all__ = ["latin1", "to_json", "to_markdown", "to_pdf"]
