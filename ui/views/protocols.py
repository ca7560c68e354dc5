"""Protocols page: the current case under every scheme side by side, each cell expandable to its cited reasons.

The case comes from the page's query parameters, read exactly as the calculator reads a link. Each cell is the
scheme's tier name, its range while provisional, or "not applicable"/"not classified" with the reason; where
two schemes give different answers, one line says what each reads that the other does not, with the sources.
"""

from __future__ import annotations

import streamlit as st

from riskcalc import Classification, ClassificationStatus, Finding, ModelInfo, Note, classify_all, models
from riskcalc.explain import classification_cell, input_words, join_words
from ui.lib.query import read_link

_EVIDENCE = {"V": "read in a stored source", "V-partial": "partly confirmed", "U": "not confirmed: riskcalc's decision"}


def answer(result: Classification) -> str:
    """What the scheme says, in the source's own words (tier ids of two schemes are never the same tier)."""
    if result.status != ClassificationStatus.CLASSIFIED:
        return result.status.value
    return classification_cell(result)


def why_they_differ(first: ModelInfo, second: ModelInfo) -> str:
    """One line per pair whose answers differ: what each scheme reads that the other does not, and its source."""

    def reads(info: ModelInfo, other: ModelInfo) -> str:
        extra = [input_words(name, info.id) for name in info.inputs if name not in other.inputs]
        return f"{info.title} also reads {join_words(extra, 'and')}" if extra else f"{info.title} reads no more"

    return (
        f"{reads(first, second)} ({first.source}); {reads(second, first)} ({second.source}). "
        f"Their populations: {first.population} / {second.population}"
    )


def _reason_lines(item: Finding | Note) -> str:
    tag = f" **[{item.evidence.value}: {_EVIDENCE[item.evidence.value]}]**"
    note = f" {item.evidence_note}" if item.evidence_note else ""
    sources = "; ".join(f"[{citation.label}]({citation.url})" for citation in item.citations)
    return f"{item.text}{tag}{note} Sources: {sources}"


def page() -> None:
    st.title("Protocols side by side")
    st.caption(
        "The same case under each scheme riskcalc holds, for teaching: the answer depends on the protocol. "
        "Never a treatment recommendation."
    )
    link = read_link(st.query_params.to_dict())
    if link.patient is None or link.blocks:
        st.info("Open this page with a case in its link (the Calculator's link), e.g. ?age_years=4&wbc_10e9_per_l=10.")
        for message in link.messages:
            st.warning(message)
        return
    results = classify_all(link.patient)
    infos = {info.id: info for info in models()}
    answers = {result.model_id: answer(result) for result in results}
    differs = len(set(answers.values())) > 1
    st.table(
        [
            {
                "Scheme": result.model_title,
                "Result": classification_cell(result),
                "Differs": "≠ differs"
                if differs and list(answers.values()).count(answers[result.model_id]) == 1
                else "",
            }
            for result in results
        ]
    )
    for result in results:
        with st.expander(f"{result.model_title}: {classification_cell(result)}"):
            for text in result.assumed:
                st.markdown(f"- Assumed: {text}")
            for finding in result.findings:
                st.markdown(f"- **{finding.factor}**: {_reason_lines(finding)}")
            for note in result.notes:
                st.markdown(f"- Note: {_reason_lines(note)}")
            st.caption(result.disclaimer)
    pairs = [
        (first, second)
        for index, first in enumerate(results)
        for second in results[index + 1 :]
        if answers[first.model_id] != answers[second.model_id]
    ]
    if pairs:
        st.subheader("Why they disagree")
        for first, second in pairs:
            st.markdown(
                f"- **{first.model_title} ≠ {second.model_title}**: "
                f"{why_they_differ(infos[first.model_id], infos[second.model_id])}"
            )


page()
