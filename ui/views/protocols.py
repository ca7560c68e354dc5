"""Protocols page: the current case under every scheme side by side, each cell expandable to its cited reasons.

The case comes from the page's query parameters, read exactly as the calculator reads a link. The rows and the
disagreements come from ui.lib.protocol_rows, shared with the handouts: each cell is the scheme's tier, its
range while provisional, or "not applicable"/"not classified" with the reason; what is compared across schemes
is whether each calls the child high risk; a case on a boundary that two sources read differently is marked.
"""

from __future__ import annotations

import streamlit as st

from riskcalc import ClassificationStatus, Finding, Note
from riskcalc.explain import classification_cell, disputed_mark
from riskcalc.rulebook import DEFAULT_MODEL
from ui.lib.protocol_rows import DISPUTED, Side, compare_protocols
from ui.lib.query import read_link

_EVIDENCE = {"V": "read in a stored source", "V-partial": "partly confirmed", "U": "not confirmed: riskcalc's decision"}


def _reason_lines(item: Finding | Note) -> str:
    tag = f" **[{item.evidence.value}: {_EVIDENCE[item.evidence.value]}]**"
    note = f" {item.evidence_note}" if item.evidence_note else ""
    sources = "; ".join(f"[{citation.label}]({citation.url})" for citation in item.citations)
    return f"{item.text}{tag}{note} Sources: {sources}"


def _side(side: Side) -> str:
    sources = "; ".join(f"[{citation.label}]({citation.url})" for citation in side.citations)
    return f"{side.text()}" + (f" ({sources})" if sources else "")


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
    results, rows, pairs = compare_protocols(link.patient)
    st.table([dict(zip(("Scheme", "Result", "Calls it high risk", "Boundary"), row.cells)) for row in rows])
    st.caption(
        f"{DISPUTED} marks a case that sits on a cut-off two sources read differently; its reasons say what each "
        "reads. Each scheme's tiers are its own: compare what they call high risk, not the tier names."
    )
    for result in results:
        with st.expander(f"{result.model_title}: {classification_cell(result)}"):
            if result.disputed:
                st.markdown(f"**{DISPUTED} {disputed_mark(result)}**")
            for text in result.assumed:
                st.markdown(f"- Assumed: {text}")
            for finding in result.findings:
                st.markdown(f"- **{finding.factor}**: {_reason_lines(finding)}")
            for note in result.notes:
                st.markdown(f"- Note: {_reason_lines(note)}")
            st.caption(result.disclaimer)
    if pairs:
        st.subheader("Why they disagree")
        st.caption("Each pair where one scheme calls the child high risk and the other does not.")
        st.markdown("\n".join(f"- **{pair.title}**: {_side(pair.first)}; {_side(pair.second)}." for pair in pairs))
    elif all(
        result.status != ClassificationStatus.CLASSIFIED for result in results if result.model_id != DEFAULT_MODEL
    ):
        st.info("No real scheme classifies this case; each says why in its row.")


page()
