"""Write docs/rules/<model>.md for every model in rules/: every rule, its condition, effect, evidence, sources.

    .venv/bin/python scripts/render_rules_doc.py          # rewrite every page under docs/rules/
    .venv/bin/python scripts/render_rules_doc.py --check  # exit 1 if a page is stale, missing or left over

A test runs the check, so no page can drift from rules/.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from riskcalc.conditions import describe  # noqa: E402
from riskcalc.rulebook import Rule, Rulebook, load_rulebook, model_ids  # noqa: E402

TARGET_DIR = ROOT / "docs" / "rules"


def _effect(rule: Rule) -> str:
    parts = []
    if rule.selects_branch:
        parts.append(f"branch = {rule.selects_branch}")
    parts.extend(f"{name} = {value}" for name, value in rule.classifies.items())
    if rule.status:
        parts.append(f"result **{rule.status.replace('_', ' ')}**")
    parts.extend(f"signal `{signal}`" for signal in sorted(rule.signals))
    return ", ".join(parts) or "explanation only"


def _disputed(rule: Rule) -> str | None:
    shown = rule.finding or rule.note
    return shown.disputed if shown else None


def _rule_block(rule: Rule) -> list[str]:
    lines = [f"#### `{rule.id}`", ""]
    if rule.kind == "finding":
        lines.append(f"- **Factor:** {rule.factor}; **direction:** {rule.direction.value}; **effect:** {_effect(rule)}")
    else:
        lines.append("- **Note** (never changes the group)")
    lines.append(
        f"- **When:** `{describe(rule.own_condition)}`" + (f" (in the {rule.branch} branch)" if rule.branch else "")
    )
    lines.append(f"- **Evidence:** {rule.evidence.value}" + (f" — {rule.evidence_note}" if rule.evidence_note else ""))
    if _disputed(rule):
        lines.append(f"- **Disputed boundary:** {_disputed(rule)}")
    lines.append("- **Sources:** " + "; ".join(f"[{c.label}]({c.url})" for c in rule.citations))
    lines.append(f"- **File:** `{rule.source}`")
    lines.extend(["", f"> {rule.text}", ""])
    return lines


def _grouping(rulebook: Rulebook) -> list[str]:
    lines = ["## Grouping (first matching tier wins)", ""]
    for branch, tiers in rulebook.grouping.items():
        lines.append(f"**{branch}**")
        lines.append("")
        for tier in tiers:
            if tier.paths is None:
                lines.append(f"- otherwise **{tier.group}**")
                continue
            paths = []
            for path in tier.paths:
                text = " and ".join(f"`{signal}`" for signal in sorted(path.all))
                if path.none:
                    text += " and none of " + ", ".join(f"`{signal}`" for signal in sorted(path.none))
                paths.append(text)
            lines.append(f"- **{tier.group}** if any of: " + "; ".join(paths))
        lines.append("")
    return lines


def render(rulebook: Rulebook) -> str:
    lines = [
        f"# Rules of {rulebook.title}",
        "",
        f"Model `{rulebook.model_id}` version {rulebook.version}. Generated from `rules/` by "
        "`scripts/render_rules_doc.py`; do not edit by hand. How to read a rule: `rules/README.md`.",
        "",
        f"> {rulebook.disclaimer}",
        "",
        f"Era: {rulebook.era}. Source: {rulebook.source}",
        "",
        f"Population: {rulebook.population_text} ({rulebook.lineage}, ages {rulebook.age_from:g} to below "
        f"{rulebook.age_below:g} years).",
        "",
        "Tiers, lowest risk first: "
        + "; ".join(
            f"`{tier.id}` {tier.name}"
            + (f" ({tier.ladder} ladder)" if tier.ladder else "")
            + (" [calls the child high risk]" if tier.high_risk else "")
            for tier in rulebook.tiers
        )
        + ".",
        "",
        "Inputs read: " + ", ".join(f"`{name}`" for name in rulebook.inputs) + ".",
        "",
        f"{sum(r.kind == 'finding' for r in rulebook.rules)} findings and {sum(r.kind == 'note' for r in rulebook.rules)} notes; "
        "evidence status V = read in a stored source, V-partial = partly confirmed, U = not yet confirmed.",
        "",
    ]
    lines += _grouping(rulebook)
    pending = ", ".join(
        f"`{name}` → " + ", ".join(f"`{'+'.join(v) if isinstance(v, tuple) else v}`" for v in values)
        for name, values in rulebook.pending.items()
    )
    lines += ["## Pending results", "", f"Representatives used to find the possible groups: {pending or 'none'}.", ""]
    for name, others in rulebook.pending_unless.items():
        lines += [f"`{name}` is not waited for when {' or '.join(f'`{other}`' for other in others)} is given.", ""]
    if rulebook.assumed_absent:
        lines += ["## Assumed when not given (never pending)", ""]
        lines += [f"- `{item.field}`: {item.text}" for item in rulebook.assumed_absent]
        lines.append("")
    disputed = [rule for rule in rulebook.rules if _disputed(rule)]
    if disputed:
        lines += ["## Disputed boundaries (two sources read one cut-off differently)", ""]
        lines += [f"- `{rule.id}`: {_disputed(rule)}" for rule in disputed]
        lines.append("")
    unconfirmed = [rule for rule in rulebook.rules if rule.evidence.value == "U"]
    if unconfirmed:
        lines += ["## Not confirmed in a stored source (U): for a clinician to confirm", ""]
        lines += [f"- `{rule.id}`: {rule.evidence_note}" for rule in unconfirmed]
        lines.append("")
    lines += ["## Standing notes (shown with every assessment, never evaluated)", ""]
    for note in rulebook.standing_notes:
        lines += [
            f"#### `{note.id}`",
            "",
            f"- **Evidence:** {note.evidence.value}" + (f" — {note.evidence_note}" if note.evidence_note else ""),
            "- **Sources:** " + "; ".join(f"[{c.label}]({c.url})" for c in note.citations),
            "",
            f"> {note.text}",
            "",
        ]
    lines += ["## Rules", ""]
    for source in dict.fromkeys(rule.source for rule in rulebook.rules):
        lines += [f"### {Path(source).name}", ""]
        for rule in rulebook.rules:
            if rule.source == source:
                lines += _rule_block(rule)
    cited = sorted({c.key for rule in (*rulebook.rules, *rulebook.standing_notes) for c in rule.citations})
    lines += ["## References", ""]
    for key in cited:
        ref = rulebook.references[key]
        volume = f";{ref.volume}" if ref.volume else ""
        issue = f"({ref.issue})" if ref.issue else ""
        pages = f":{ref.pages}" if ref.pages else ""
        ids = " ".join(
            filter(None, [f"doi:{ref.doi}" if ref.doi else "", f"PMID {ref.pmid}" if ref.pmid else "", ref.url or ""])
        )
        unverified = f" Unconfirmed: {ref.unverified}" if ref.unverified else ""
        lines.append(
            f"- **{key}** ({ref.evidence_ref}, {ref.verified.value}): {ref.authors} {ref.title} "
            f"*{ref.journal}* {ref.year}{volume}{issue}{pages}. {ids}.{unverified}"
        )
    return "\n".join(lines).rstrip() + "\n"


def pages() -> dict[Path, str]:
    """Every page the rule files give: docs/rules/<model id>.md."""
    return {TARGET_DIR / f"{model_id}.md": render(load_rulebook(model_id)) for model_id in model_ids()}


def main(argv: list[str]) -> int:
    wanted = pages()
    if "--check" in argv:
        present = set(TARGET_DIR.glob("*.md"))
        stale = sorted(
            path.name for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text
        )
        extra = sorted(path.name for path in present - set(wanted))
        if stale or extra:
            print(
                f"docs/rules/ is stale ({', '.join(stale + extra)}): run scripts/render_rules_doc.py", file=sys.stderr
            )
            return 1
        return 0
    TARGET_DIR.mkdir(exist_ok=True)
    for path in set(TARGET_DIR.glob("*.md")) - set(wanted):
        path.unlink()
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
