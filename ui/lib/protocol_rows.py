"""The case under every scheme, as rows and disagreements: one implementation for the Protocols page and the
handouts (Markdown and PDF).

Tiers of two schemes are never the same tier, so what is compared across schemes is the one question every
scheme answers: does it call the child high risk (a tier its model.yaml marks `high_risk`)? Where two schemes
answer it differently, each side is explained by the findings that pushed it, with their sources. No Streamlit
import: the handouts use it outside the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskcalc import Citation, Classification, Direction, Finding, Patient, classify_all, models
from riskcalc.explain import calls_high_risk, classification_cell, join_words
from riskcalc.rulebook import DEFAULT_MODEL

HIGH_WORDS = {"yes": "Yes", "no": "No", "possibly": "Possibly (results pending)", "n/a": "—"}
DISPUTED = "⚖"
HEADER = ("Scheme", "Result", "Calls it high risk", "Boundary")


@dataclass(frozen=True)
class ProtocolRow:
    """One scheme's answer for the case, in words."""

    model_id: str
    scheme: str  # the scheme's short name
    result: str  # the tier, the range while provisional, or not applicable / not classified with the reason
    high: str  # Yes / No / Possibly / —
    boundary: str  # "⚖ at exactly 300 x10^9/L the sources differ", or ""

    @property
    def cells(self) -> tuple[str, str, str, str]:
        return (self.scheme, self.result, self.high, self.boundary)


@dataclass(frozen=True)
class Side:
    """What decided one scheme's answer: its cell, the factors of the findings that pushed it, their sources."""

    scheme: str
    result: str
    factors: list[str]
    citations: list[Citation]

    def text(self) -> str:
        if not self.factors:
            return f"{self.scheme}: {self.result}, with nothing in this case pushing it higher"
        return f"{self.scheme}: {self.result}, decided by the {join_words(self.factors, 'and')}"


@dataclass(frozen=True)
class Disagreement:
    """A pair of schemes of which one calls the child high risk and the other does not."""

    first: Side
    second: Side

    @property
    def title(self) -> str:
        return f"{self.first.scheme} ≠ {self.second.scheme}"


def shorts() -> dict[str, str]:
    return {info.id: info.short for info in models()}


def rows(results: list[Classification], names: dict[str, str]) -> list[ProtocolRow]:
    return [
        ProtocolRow(
            model_id=result.model_id,
            scheme=names[result.model_id],
            result=classification_cell(result),
            high=HIGH_WORDS[calls_high_risk(result)],
            boundary=f"{DISPUTED} {'; '.join(result.disputed)}" if result.disputed else "",
        )
        for result in results
    ]


def deciding(result: Classification) -> list[Finding]:
    """The findings that pushed the scheme's answer: towards high risk when it calls the child high risk,
    towards lower risk otherwise (the branch and population findings say only where the scheme applies)."""
    wanted = Direction.UNFAVORABLE if calls_high_risk(result) == "yes" else Direction.FAVORABLE
    return [finding for finding in result.findings if finding.direction == wanted]


def _side(result: Classification, names: dict[str, str]) -> Side:
    findings = deciding(result)
    citations: dict[str, Citation] = {}
    for finding in findings:
        citations.update({citation.key: citation for citation in finding.citations})
    return Side(
        scheme=names[result.model_id],
        result=classification_cell(result),
        factors=sorted({finding.factor for finding in findings}),
        citations=sorted(citations.values(), key=lambda citation: citation.label),
    )


def disagreements(results: list[Classification], names: dict[str, str]) -> list[Disagreement]:
    """Every pair of real schemes where one calls the child high risk and the other does not, in the schemes'
    order (the teaching model is riskcalc's own illustration, not a protocol that could disagree)."""
    real = [result for result in results if result.model_id != DEFAULT_MODEL]
    answers = {result.model_id: calls_high_risk(result) for result in real}
    return [
        Disagreement(_side(first, names), _side(second, names))
        for index, first in enumerate(real)
        for second in real[index + 1 :]
        if {answers[first.model_id], answers[second.model_id]} == {"yes", "no"}
    ]


def compare_protocols(patient: Patient) -> tuple[list[Classification], list[ProtocolRow], list[Disagreement]]:
    """The case under every scheme: the results, their rows, and the pairs that disagree on high risk."""
    results = classify_all(patient)
    names = shorts()
    return results, rows(results, names), disagreements(results, names)
