"""Plain-text explanation of an Assessment, for the terminal and for handouts.

Layout words only ("Risk group:", "Pending:"); every clinical sentence comes from the rule files through the
Assessment.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from riskcalc.models import Assessment, Citation, Direction

_ARROW = {Direction.UNFAVORABLE: "[+] raises", Direction.FAVORABLE: "[-] lowers", Direction.NEUTRAL: "[=] neutral"}


def group_line(assessment: Assessment) -> str:
    """'Risk group: Favorable', with '(provisional)' while results that could change it are pending."""
    line = f"Risk group: {assessment.group.value.capitalize()}"
    return f"{line} (provisional)" if assessment.provisional else line


def _cite(citations: Sequence[Citation]) -> str:
    return "; ".join(f"{citation.label} <{citation.url}>" for citation in citations)


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def to_text(assessment: Assessment) -> str:
    lines = [group_line(assessment)]
    branch = assessment.branch.value
    nci = f", NCI/Rome {assessment.nci_risk.value} risk" if assessment.nci_risk else ""
    lines.append(f"Branch: {branch}{nci}")
    shown = assessment.patient.model_dump(mode="json")
    inputs = ", ".join(
        f"{name}={'+'.join(value) if isinstance(value, list) else value}" if value not in (None, []) else f"{name}=not given"
        for name, value in shown.items()
    )
    lines.append(_wrap(f"Inputs: {inputs}", ""))
    if assessment.provisional:
        possible = ", ".join(group.value for group in assessment.possible_groups)
        lines.append(f"Possible groups once results arrive: {possible}")
        lines.append(f"Pending: {', '.join(assessment.pending)}")
        lines.append("What the pending results would do:")
        for scenario in assessment.scenarios:
            fills = ", ".join(
                f"{name}={'+'.join(value) if isinstance(value, list) else value}" for name, value in scenario.fills.items()
            )
            lines.append(f"  {fills} -> {scenario.group.value}")
    lines.append("")
    lines.append("Findings:")
    for finding in assessment.findings:
        status = "" if finding.evidence == "V" else f" [evidence: {finding.evidence.value}]"
        lines.append(f"- {finding.factor} ({_ARROW[finding.direction]}){status} [{finding.rule_id}]")
        lines.append(_wrap(finding.text, "    "))
        lines.append(_wrap(f"Sources: {_cite(finding.citations)}", "    "))
    if assessment.notes:
        lines.append("")
        lines.append("Notes:")
        for note in assessment.notes:
            lines.append(textwrap.fill(note.text, width=100, initial_indent="- ", subsequent_indent="  "))
            lines.append(_wrap(f"Sources: {_cite(note.citations)}", "    "))
    lines.append("")
    lines.append(f"Model: {assessment.model_id} {assessment.model_version}")
    lines.append(_wrap(assessment.disclaimer, ""))
    return "\n".join(lines)
