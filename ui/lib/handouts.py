"""Downloadable handouts of one assessment: Markdown, JSON and a printable PDF (fpdf2).

Pure functions of an Assessment (no Streamlit), so they are tested directly: AppTest cannot read a download
button's payload. Every handout carries the disclaimer, at the top and (PDF) in the footer of every page, and
is headlined as riskcalc.explain.headline says: a provisional case by its range, never by one group. Every
finding and note ends with its evidence tag ([V], [V-partial] or [U]). Given the case's address (`link`),
the handout carries it, and the PDF its QR code too, so a printed page leads back to the case. The PDF also
prints the course of diagnosis and the calculator's two charts, and never leaves a heading at a page foot.
Both carry the case under every real scheme (the Protocols page's table) and why the schemes disagree.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from riskcalc import Assessment, Finding, Note, Patient
from riskcalc.explain import headline
from ui.lib import charts
from ui.lib.chart_images import SCALE, chart_png, png_size
from ui.lib.course_rows import HEADER, CourseRow, course_rows
from ui.lib.protocol_rows import HEADER as PROTOCOL_HEADER
from ui.lib.protocol_rows import compare_protocols
from ui.lib.qr import qr_png
from ui.lib.vocabulary import Vocabulary, load_vocabulary
from ui.lib.whatif import course
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
LINK_LINE = "Open this case in riskcalc"
PROTOCOLS_HEADING = "The same case under each protocol"
PROTOCOLS_NOTE = (
    "Each scheme's tiers are its own, so what is compared is whether each calls the child high risk. A boundary "
    "mark means the case sits on a cut-off two sources read differently; the Protocols page gives each "
    "scheme's cited reasons."
)
DISAGREE_HEADING = "Why they disagree"
EVIDENCE_KEY = (
    "Each finding and note ends with its evidence tag: [V] read in the cited source, [V-partial] partly "
    "confirmed there, [U] not yet confirmed."
)


def tag(item: Finding | Note) -> str:
    """'[V]', '[V-partial]' or '[U]': the item's evidence status as the model's files write it."""
    return f"[{item.evidence.value}]"


def _course(assessment: Assessment, words: Vocabulary) -> list[CourseRow]:
    return course_rows(course(assessment.patient, words), words)


def _words(words: Vocabulary | None) -> Vocabulary:
    return words or load_vocabulary()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(assessment: Assessment, words: Vocabulary | None = None, *, link: str | None = None) -> str:
    """A Markdown handout: group, context, the case's address, inputs, pending results, the course of
    diagnosis, cited findings and notes with their evidence tags, disclaimer."""
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
    ]
    if link:
        lines += ["", f"{LINK_LINE}: <{link}>"]
    lines += [
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
    lines += [
        "",
        "## Course of diagnosis",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(_cell(cell) for cell in row.cells) + " |" for row in _course(assessment, words)),
    ]
    lines += _protocols_markdown(assessment.patient)
    lines += [
        "",
        "## Findings",
        "",
        EVIDENCE_KEY,
        "",
        *(f"- {finding_markdown(f, words)} `{f.rule_id}` {tag(f)}" for f in assessment.findings),
    ]
    if assessment.notes:
        lines += ["", "## Notes", "", *(f"- {note_markdown(note, words)} {tag(note)}" for note in assessment.notes)]
    lines += [
        "",
        "---",
        "",
        f"Model {assessment.model_id} {assessment.model_version}. {assessment.disclaimer}",
        "",
    ]
    return "\n".join(lines)


def _protocols_markdown(patient: Patient) -> list[str]:
    """The case under every scheme (the Protocols page's table) and the pairs that disagree on high risk."""
    _, rows, pairs = compare_protocols(patient)
    lines = [
        "",
        f"## {PROTOCOLS_HEADING}",
        "",
        PROTOCOLS_NOTE,
        "",
        "| " + " | ".join(PROTOCOL_HEADER) + " |",
        "|" + "---|" * len(PROTOCOL_HEADER),
        *("| " + " | ".join(_cell(cell) for cell in row.cells) + " |" for row in rows),
    ]
    if pairs:
        lines += ["", f"### {DISAGREE_HEADING}", ""]
        for pair in pairs:
            sides = [
                side.text()
                + (f" ({'; '.join(f'[{c.label}]({c.url})' for c in side.citations)})" if side.citations else "")
                for side in (pair.first, pair.second)
            ]
            lines.append(f"- **{_cell(pair.title)}**: {sides[0]}; {sides[1]}.")
    return lines


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


CHART_FONT = "DejaVu Sans"  # the charts' text in the handout's own font, found by the renderer among the system's


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
    def __init__(self, disclaimer: str, breaks: frozenset[int] = frozenset()) -> None:
        super().__init__(format="A4")
        self.disclaimer = disclaimer
        self.breaks = breaks  # blocks (numbered in drawing order) to start on a new page
        self.split: set[int] = set()  # blocks this layout splits across a page foot
        self._blocks = 0
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

    @contextmanager
    def kept(self) -> Iterator[None]:
        """What is drawn inside stays on one page: a heading with the start of its section, a finding with its
        sources, a picture with its caption.

        A block this layout split across a page foot is recorded in `split`; `to_pdf` then lays the document
        out again starting those blocks on a new page (`breaks`), until no block is split. A block that starts
        at the top of a page and is still split is taller than a page and stays as it is.
        """
        index = self._blocks
        self._blocks += 1
        if index in self.breaks and not self.at_top():
            self.add_page()
        page, from_top = self.page, self.at_top()
        yield
        if self.page != page and not from_top:
            self.split.add(index)

    def at_top(self) -> bool:
        return self.get_y() <= self.t_margin + 0.5

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


def _link_block(pdf: _Handout, link: str) -> None:
    """The case's QR code, and its full address beside it as a link."""
    size = 32.0  # mm: about 0.6 mm a module for a link of 100 characters, which a phone reads off paper
    top, left = pdf.get_y() + 1, pdf.l_margin
    pdf.image(io.BytesIO(qr_png(link, scale=6)), x=left, y=top, w=size, h=size, alt_text=f"QR code of {link}")
    text_left = left + size + 4
    pdf.set_xy(text_left, top + 3)
    pdf.set_font(pdf.family, "B", 10)
    pdf.multi_cell(0, 5, pdf.text(f"{LINK_LINE}: scan the code, or type the address"), align="L")
    pdf.set_x(text_left)
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(0, 70, 160)
    pdf.multi_cell(0, 4.4, pdf.text(link), align="L", link=link, wrapmode=WrapMode.CHAR)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(left, max(pdf.get_y(), top + size) + 2)


def _table(pdf: _Handout, widths: tuple[int, ...], rows: Sequence[Sequence[str]], size: float = 9.5) -> None:
    pdf.set_font(pdf.family, "", size)
    pdf.set_fill_color(238, 238, 238)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.55, first_row_as_headings=True) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(pdf.text(cell))


def _picture(pdf: _Handout, png: bytes, caption: str) -> None:
    """A chart at its own size (never wider than the text), with its text alternative under it."""
    width_px, height_px = png_size(png)
    natural = width_px / SCALE * 25.4 / 96  # mm at the browser's 96 pixels an inch
    width = min(pdf.epw, natural)
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=width * height_px / width_px, alt_text=caption)
    pdf.ln(1)
    pdf.para(caption, size=8.5)
    pdf.ln(2)


def _finding_block(pdf: _Handout, finding: Finding, words: Vocabulary) -> None:
    direction = words.directions[finding.direction.value]
    pdf.para(
        f"**{_md(finding.factor[:1].upper() + finding.factor[1:])}**: {_md(direction)}  ({finding.rule_id})",
        size=10,
        markdown=True,
    )
    pdf.para(f"{finding.text} {tag(finding)}", size=9.5)
    pdf.sources(_sources_label(finding, words), [(citation.label, citation.url) for citation in finding.citations])


def _note_block(pdf: _Handout, note: Note, words: Vocabulary) -> None:
    pdf.para(f"{note.text} {tag(note)}", size=9.5)
    # A note's evidence tag as a finding's: a reader weighs both the same way.
    pdf.sources(_sources_label(note, words), [(citation.label, citation.url) for citation in note.citations])


_Picture = tuple[bytes, str]  # a chart as PNG, and its text alternative


def to_pdf(assessment: Assessment, words: Vocabulary | None = None, *, link: str | None = None) -> bytes:
    """A printable A4 handout of the assessment: the Markdown one's content, with the case's QR code and the
    calculator's two charts, and no heading left at the foot of a page."""
    words = _words(words)
    push, push_text = charts.factor_push(assessment)
    area, area_text = charts.age_wbc_map(assessment.patient)
    font = CHART_FONT if _unicode_font() else None
    pictures = [
        (chart_png(push, font=font), push_text),
        (chart_png(area, font=font), area_text),
    ]  # once for all layouts
    breaks: frozenset[int] = frozenset()
    while True:
        pdf = _layout(assessment, words, link, pictures, breaks)
        if not pdf.split:
            return bytes(pdf.output())
        breaks |= pdf.split  # grows with every layout, so this ends (at most once per block)


def _protocols_pdf(pdf: _Handout, patient: Patient) -> None:
    _, rows, pairs = compare_protocols(patient)
    with pdf.kept():  # nine rows: kept whole with its heading
        pdf.heading(PROTOCOLS_HEADING)
        pdf.para(PROTOCOLS_NOTE, size=9)
        _table(pdf, (30, 90, 25, 35), [PROTOCOL_HEADER, *(row.cells for row in rows)], size=8)
    for index, pair in enumerate(pairs):
        with pdf.kept():
            if index == 0:
                pdf.heading(DISAGREE_HEADING, size=11)
            pdf.para(f"•  {pair.title}", size=9.5, style="B")
            for side in (pair.first, pair.second):
                pdf.para(side.text() + ".", size=9)
                if side.citations:
                    pdf.sources("Sources", [(citation.label, citation.url) for citation in side.citations])


def _layout(
    assessment: Assessment, words: Vocabulary, link: str | None, pictures: list[_Picture], breaks: frozenset[int]
) -> _Handout:
    pdf = _Handout(assessment.disclaimer, breaks)
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
    if link:
        with pdf.kept():
            _link_block(pdf, link)

    with pdf.kept():  # a short table: kept whole with its heading
        pdf.heading("Inputs")
        _table(pdf, (45, 55), [("Input", "Value"), *inputs_table(assessment.patient, words)])

    if assessment.provisional:
        with pdf.kept():
            pdf.heading("While results are pending")
            pdf.para(f"Possible groups once the results arrive: {groups_text(assessment.possible_groups)}.")
        pdf.para(f"Pending results that can change the group: {', '.join(words.label(f) for f in assessment.pending)}.")
        for label, lines in pending_effects(assessment, words):
            with pdf.kept():
                pdf.para(f"•  {label}", size=9.5, style="B")
                pdf.set_font(pdf.family, "", 9.5)
                for line in lines:
                    pdf.set_x(pdf.l_margin + 6)
                    pdf.multi_cell(0, 4.8, pdf.text(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1)
    idle = missing_without_effect(assessment)
    if idle:
        pdf.para(f"Still missing, but cannot change the group: {', '.join(words.label(f) for f in idle)}.", size=9.5)

    with pdf.kept():  # five rows: kept whole with its heading
        pdf.heading("Course of diagnosis")
        pdf.para("The group as the results arrive, each step adding the results it names.", size=9)
        _table(pdf, (26, 52, 48, 30, 24), [HEADER, *(row.cells for row in _course(assessment, words))], size=8.5)

    for index, (png, caption) in enumerate(pictures):
        with pdf.kept():
            if index == 0:
                pdf.heading("Pictures")
            _picture(pdf, png, caption)

    _protocols_pdf(pdf, assessment.patient)

    for index, finding in enumerate(assessment.findings):
        with pdf.kept():
            if index == 0:
                pdf.heading("Findings")
                pdf.para(EVIDENCE_KEY, size=8.5)
            _finding_block(pdf, finding, words)

    for index, note in enumerate(assessment.notes):
        with pdf.kept():
            if index == 0:
                pdf.heading("Notes")
            _note_block(pdf, note, words)

    pdf.ln(2)
    pdf.para(f"Model {assessment.model_id} {assessment.model_version}. {head.line}.", size=8.5)
    return pdf


__all__ = ["latin1", "to_json", "to_markdown", "to_pdf"]
