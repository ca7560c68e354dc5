"""Drawing an assessment on a page: the group badge, the cited explanation, what changed, the course.

Thin Streamlit wrappers over the wording in ui.lib.wording; what a function shows is decided there, how it
looks here. Colour is never the only signal: the badge carries a symbol and the group in words, changes are
marked with text ("changed", "+", "−").
"""

from __future__ import annotations

from html import escape

import streamlit as st

from riskcalc import Assessment
from riskcalc.explain import headline
from ui.lib.course_rows import HEADER, course_rows
from ui.lib.vocabulary import Vocabulary
from ui.lib.whatif import Change, CourseStep
from ui.lib.wording import (
    badge_text,
    context_line,
    finding_markdown,
    groups_text,
    missing_without_effect,
    note_markdown,
    pending_effects_markdown,
    scenario_rows,
)

# Light backgrounds with dark text of the same hue: contrast above 7:1, readable when projected.
_BADGE_STYLE = {
    "favorable": ("#e3f4e8", "#14532d"),
    "standard": ("#fff3cd", "#5c4300"),
    "high": ("#fde2e4", "#7f1020"),
    # A provisional result has no group yet, so it gets none of the groups' colours (spec 1.1 section 6):
    # a neutral blue-grey, also above 7:1.
    "provisional": ("#e8edf3", "#1f2f45"),
}


def badge_class(assessment: Assessment) -> str:
    """'rc-high' for a final result, 'rc-provisional' (neutral colours) while more than one group is possible."""
    return "rc-provisional" if assessment.provisional else f"rc-{assessment.group.value}"


def badge(assessment: Assessment, words: Vocabulary, *, size: str = "2.1rem") -> None:
    """The result as a large badge, announced to screen readers: a final group coloured, with its symbol and
    what it means; a provisional range in neutral colours, with the floor said as 'At best …' beneath."""
    style = badge_class(assessment).removeprefix("rc-")
    background, ink = _BADGE_STYLE[style]
    line = headline(assessment)
    describe = line.lines[1] if line.provisional else words.groups[assessment.group.value].describe
    # A range and what it waits for is four times as long as one group: drawn at the group's size it fills
    # the column on a laptop and the screen on a phone, pushing the findings out of sight.
    if line.provisional:
        size = f"calc({size} * 0.62)"
    st.markdown(
        f'<div class="rc-badge {badge_class(assessment)}" role="status" aria-live="polite" '
        f'style="background:{background};color:{ink};border:3px solid {ink};border-radius:0.6rem;'
        f'padding:0.6rem 1rem;margin-bottom:0.5rem">'
        f'<div style="font-size:{size};font-weight:700;line-height:1.2">{escape(badge_text(assessment, words))}</div>'
        f'<div style="font-size:0.95rem">{escape(describe)}</div></div>',
        unsafe_allow_html=True,
    )


def disclaimer(assessment: Assessment) -> None:
    st.warning(assessment.disclaimer, icon=":material/school:")


def result(assessment: Assessment, words: Vocabulary) -> None:
    """Context, pending results, findings and notes of one assessment (the badge is drawn separately)."""
    st.markdown(f"**{context_line(assessment, words)}**")
    if assessment.provisional:
        pending(assessment, words)
    idle = missing_without_effect(assessment)
    if idle:
        st.caption(f"Still missing, but cannot change the group: {', '.join(words.label(f) for f in idle)}.")
    st.subheader("Why: the findings")
    for finding in assessment.findings:
        st.markdown(f"- {finding_markdown(finding, words)} `{finding.rule_id}`")
    if assessment.notes:
        st.subheader("Notes")
        for note in assessment.notes:
            st.markdown(f"- {note_markdown(note, words)}")


def pending(assessment: Assessment, words: Vocabulary) -> None:
    """What is still pending, which groups remain possible, and what each pending result would do."""
    with st.container(border=True):
        st.markdown("**Provisional: results are pending**")
        st.markdown(f"Possible groups once the results arrive: **{groups_text(assessment.possible_groups)}**")
        st.markdown(
            "Pending results that can change the group: "
            + ", ".join(f"**{words.label(field)}**" for field in assessment.pending)
        )
        st.markdown("What each pending result would do:\n\n" + pending_effects_markdown(assessment, words))
        with st.expander(f"All {len(assessment.scenarios)} combinations of the pending results"):
            st.table(scenario_rows(assessment, words))


def changes(change: Change | None, *, brief: bool = False) -> None:
    """What changed since the previous assessment, in words; brief: the group and the inputs only."""
    if change is None:
        st.caption("Change any input: the result updates at once, and what changed is shown here.")
        return
    with st.container(border=True):
        if change.group_changed:
            st.markdown(f"**What changed: group {change.group_before} → {change.group_after}**")
        else:
            st.markdown(f"**What changed: group unchanged ({change.group_after})**")
        lines = [f"- Input **{label}**: {before} → {after}" for label, before, after in change.inputs]
        if brief:
            if lines:
                st.markdown("\n".join(lines))
            return
        lines += [f"- \\+ rule now applies: `{rule}`" for rule in change.rules_added]
        lines += [f"- − rule no longer applies: `{rule}`" for rule in change.rules_removed]
        if not change.rules_added and not change.rules_removed:
            lines.append("- The same rules apply as before.")
        st.markdown("\n".join(lines))


def course(steps: list[CourseStep], words: Vocabulary) -> None:
    """The group as the results arrive, one row per step, with a text marker where the group changes (the
    same rows as the handouts print, ui.lib.course_rows)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in course_rows(steps, words):
        lines.append(
            f"| {row.step} | {row.added.replace('|', '/')} | **{row.group}** | {row.possible} | {row.change} |"
        )
    st.markdown("\n".join(lines))
