"""Pictures for the teaching app: the age x white-count map, and how each finding pushed the result.

Nothing clinical is written here. The cut-offs drawn on the map are read from the rulebook (the atoms on
age and white count of the rules that choose a branch, set the NCI group or raise a signal), and every
coloured cell is the group `assess()` returns for a case inside it. Each chart comes with a sentence that
says what it shows, for screen readers and handouts.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import altair as alt

from riskcalc import Assessment, Direction, Patient, RiskGroup, assess, get_rulebook
from riskcalc.conditions import AllOf, Atom, Condition, atoms
from riskcalc.explain import headline
from riskcalc.rulebook import Rule

# The Vega-Lite version Altair 6 writes; the specs below are checked against it in the tests.
VEGA_LITE_SCHEMA = alt.SCHEMA_URL

AGE = "age_years"
WBC = "wbc_10e9_per_l"

# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies. Colour is never the only
# signal: every cell also carries its group in words, and the legend pairs colour with a shape.
GROUP_COLOURS: dict[RiskGroup, str] = {
    RiskGroup.FAVORABLE: "#009E73",
    RiskGroup.STANDARD: "#E69F00",
    RiskGroup.HIGH: "#CC3311",
}
GROUP_SHAPES: dict[RiskGroup, str] = {
    RiskGroup.FAVORABLE: "circle",
    RiskGroup.STANDARD: "square",
    RiskGroup.HIGH: "triangle-up",
}
# Words for the push of a finding: "favorable" lowers the risk, "unfavorable" raises it.
PUSH_WORDS: dict[Direction, str] = {
    Direction.FAVORABLE: "lowers risk",
    Direction.NEUTRAL: "neutral",
    Direction.UNFAVORABLE: "raises risk",
}
PUSH_VALUES: dict[Direction, int] = {Direction.FAVORABLE: -1, Direction.NEUTRAL: 0, Direction.UNFAVORABLE: 1}
PUSH_COLOURS: dict[Direction, str] = {
    Direction.FAVORABLE: GROUP_COLOURS[RiskGroup.FAVORABLE],
    Direction.NEUTRAL: "#777777",
    Direction.UNFAVORABLE: GROUP_COLOURS[RiskGroup.HIGH],
}

# Plot ranges: the whole input range of white count is allowed (up to 2000), but the map ends at a
# readable height unless the patient lies above it.
_AGE_TOP = 90.0
_WBC_TOP = 1000.0
_WIDTH = 560
_HEIGHT = 340
_TEXT_PX_PER_CHAR = 6.5  # approximate width of one 11 px character, to decide whether a word fits a cell


@dataclass(frozen=True)
class Threshold:
    """One cut-off on age or white count, the rules that use it and the ages over which it applies."""

    field: str
    value: float
    rule_ids: tuple[str, ...]
    age_from: float  # for white-count cut-offs: the age range of the rules using it (branch-bound)
    age_to: float
    # Which side a case exactly at the cut-off falls on: "above" for `>=` / `<` comparisons, "below" for
    # `>` / `<=` (the adult age cut-off is "older than 35", so 35 itself is below it).
    value_side: str = "above"


def _is_grouping_rule(rule: Rule) -> bool:
    # Only these rules can move a case between groups; notes (e.g. the infant 6-month note) never do.
    return rule.kind == "finding" and bool(rule.selects_branch or rule.nci_risk or rule.signals)


def _age_interval(condition: Condition) -> tuple[float, float]:
    """The ages a condition allows through its top-level 'all' atoms on age (an 'any' is not narrowed)."""
    low, high = 0.0, math.inf
    items: list[Condition] = [condition]
    while items:
        item = items.pop()
        if isinstance(item, AllOf):
            items.extend(item.items)
        elif isinstance(item, Atom) and item.field == AGE and isinstance(item.value, float):
            if item.op in (">=", ">"):
                low = max(low, item.value)
            elif item.op in ("<", "<="):
                high = min(high, item.value)
    return low, high


@lru_cache(maxsize=4)
def thresholds(model: str = "ball_illustrative") -> tuple[Threshold, ...]:
    """Every cut-off on age and white count that can change the group, read from the rulebook."""
    found: dict[tuple[str, float], list[tuple[str, float, float, str]]] = {}
    for rule in get_rulebook(model).rules:
        if not _is_grouping_rule(rule):
            continue
        age_from, age_to = _age_interval(rule.condition)
        for atom in atoms(rule.own_condition):
            if atom.field in (AGE, WBC) and isinstance(atom.value, float):
                side = "below" if atom.op in (">", "<=") else "above"
                found.setdefault((atom.field, atom.value), []).append((rule.id, age_from, age_to, side))
    result = []
    for (field, value), uses in sorted(found.items()):
        sides = {side for _, _, _, side in uses}
        if len(sides) > 1:
            # The map draws one line per cut-off; rules disagreeing on where the value itself belongs would
            # make a cell's group depend on the rule, which the map cannot show.
            raise ValueError(f"the rules disagree on which side of {field} {value:g} the value itself falls")
        result.append(
            Threshold(
                field=field,
                value=value,
                rule_ids=tuple(sorted({rule_id for rule_id, _, _, _ in uses})),
                age_from=min(low for _, low, _, _ in uses),
                age_to=max(high for _, _, high, _ in uses),
                value_side=sides.pop(),
            )
        )
    return tuple(result)


def _cuts(field: str, top: float) -> list[float]:
    values = sorted({t.value for t in thresholds() if t.field == field and 0 < t.value < top})
    return [0.0, *values, top]


def _context(patient: Patient) -> tuple[Any, ...]:
    """Everything but age and white count: the map is the same for every patient sharing these."""
    return tuple(getattr(patient, name) for name in Patient.model_fields if name not in (AGE, WBC))


@lru_cache(maxsize=256)
def _cells(context: tuple[Any, ...], age_top: float, wbc_top: float) -> tuple[dict[str, Any], ...]:
    """The group in each cell between consecutive cut-offs.

    Every condition of the rulebook compares age and white count with a constant, so the group is the same
    everywhere between two consecutive cut-offs: one assessment at the middle of each cell is exact, and
    each cut-off has a cell on either side of it.
    """
    others = dict(zip((name for name in Patient.model_fields if name not in (AGE, WBC)), context))
    ages, wbcs = _cuts(AGE, age_top), _cuts(WBC, wbc_top)
    cells = []
    for age_low, age_high in zip(ages, ages[1:]):
        for wbc_low, wbc_high in zip(wbcs, wbcs[1:]):
            probe = Patient(**others, age_years=(age_low + age_high) / 2, wbc_10e9_per_l=(wbc_low + wbc_high) / 2)
            result = assess(probe)
            cells.append(
                {
                    "age_from": age_low,
                    "age_to": age_high,
                    "wbc_from": wbc_low,
                    "wbc_to": wbc_high,
                    "group": result.group.value,
                    "provisional": result.provisional,
                }
            )
    return tuple(cells)


def _symlog(value: float) -> float:
    # Vega-Lite's symlog scale with its default constant 1, used to estimate cell widths in pixels.
    return math.copysign(math.log1p(abs(value)), value)


def _cell_label(cell: dict[str, Any], age_top: float) -> str:
    """The group written in the cell: the whole word when it fits, else its initial (explained in the legend)."""
    share = (_symlog(cell["age_to"]) - _symlog(cell["age_from"])) / _symlog(age_top)
    word = str(cell["group"]) + ("?" if cell["provisional"] else "")
    return word if share * _WIDTH >= len(word) * _TEXT_PX_PER_CHAR + 8 else word[0].upper()


def _fmt(value: float) -> str:
    return f"{value:g}"


def _group_scale() -> dict[str, Any]:
    return {"domain": [g.value for g in RiskGroup], "range": [GROUP_COLOURS[g] for g in RiskGroup]}


def _log_mid(low: float, high: float, share: float = 0.5) -> float:
    """A point `share` of the way up an interval on the symlog scale (0.5: where a label looks centred)."""
    return math.expm1(math.log1p(low) + share * (math.log1p(high) - math.log1p(low)))


class PrebuiltChart(alt.LayerChart):
    """An Altair layered chart whose Vega-Lite spec was written directly as data.

    Building these charts through Altair's classes and letting st.altair_chart validate them took about
    0.2 s per page run, most of the time between an input change and the new result. The spec is built here
    as plain dictionaries instead (checked against the Vega-Lite schema in the tests, not on every run), and
    to_dict() hands it over as is. st.altair_chart accepts it like any Altair chart.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__(layer=[])
        object.__setattr__(self, "_prebuilt", spec)

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(object.__getattribute__(self, "_prebuilt"))


def _q(field: str, scale: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A quantitative position encoding."""
    encoding: dict[str, Any] = {"field": field, "type": "quantitative", **extra}
    if scale is not None:
        encoding["scale"] = scale
    return encoding


def age_wbc_map(patient: Patient) -> tuple[alt.LayerChart, str]:
    """A map of the group over age and white count, for this patient's other results, with the cut-offs
    drawn and the patient marked. Returns the chart and a sentence describing it."""
    age_top = max(_AGE_TOP, min(120.0, patient.age_years * 1.15))
    wbc_top = max(_WBC_TOP, min(2000.0, patient.wbc_10e9_per_l * 1.2))
    cells = [
        dict(
            cell,
            label=_cell_label(cell, age_top),
            age_mid=_log_mid(cell["age_from"], cell["age_to"]),
            # Low in the cell: typical counts (5-20) sit mid-cell, where the patient's marker would hide the word.
            wbc_mid=_log_mid(cell["wbc_from"], cell["wbc_to"], 0.3),
        )
        for cell in _cells(_context(patient), age_top, wbc_top)
    ]
    here = assess(patient)
    spec = {
        "$schema": VEGA_LITE_SCHEMA,
        "width": _WIDTH,
        "height": _HEIGHT,
        "title": {"text": "Risk group by age and white count", "subtitle": _subtitle(patient, cells)},
        "layer": [
            *_region_layers(cells, age_top, wbc_top),
            *_threshold_layers(age_top, wbc_top),
            *_marker_layers(patient, age_top, wbc_top),
        ],
    }
    return PrebuiltChart(spec), _map_text(patient, here, cells)


def _scales(age_top: float, wbc_top: float) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        {"type": "symlog", "domain": [0, age_top], "nice": False},
        {"type": "symlog", "domain": [0, wbc_top], "nice": False},
    )


def _region_layers(cells: list[dict[str, Any]], age_top: float, wbc_top: float) -> list[dict[str, Any]]:
    """The coloured cells, and the group written in each (colour is never the only signal)."""
    age_scale, wbc_scale = _scales(age_top, wbc_top)
    # Ticks at the cut-offs themselves, plus a few round values to read the scale by.
    age_ticks = sorted({t.value for t in thresholds() if t.field == AGE} | {0, 5, 60})
    wbc_ticks = sorted({t.value for t in thresholds() if t.field == WBC} | {0, 5, 100, 1000})
    data = {"values": cells}
    return [
        {
            "data": data,
            "mark": {"type": "rect", "opacity": 0.55, "stroke": "white", "strokeWidth": 1},
            "encoding": {
                "x": _q(
                    "age_from", age_scale, axis={"title": "Age (years)", "values": age_ticks, "labelOverlap": False}
                ),
                "x2": {"field": "age_to"},
                "y": _q(
                    "wbc_from",
                    wbc_scale,
                    axis={"title": "White count (x10⁹/L)", "values": wbc_ticks, "labelOverlap": False},
                ),
                "y2": {"field": "wbc_to"},
                "color": {
                    "field": "group",
                    "type": "nominal",
                    "scale": _group_scale(),
                    "legend": {"title": "Risk group"},
                },
                "tooltip": [
                    {"field": "group", "type": "nominal", "title": "Group"},
                    {"field": "age_from", "type": "quantitative", "title": "Age from"},
                    {"field": "age_to", "type": "quantitative", "title": "Age to"},
                    {"field": "wbc_from", "type": "quantitative", "title": "WBC from"},
                    {"field": "wbc_to", "type": "quantitative", "title": "WBC to"},
                ],
            },
        },
        {
            "data": data,
            "mark": {"type": "text", "fontSize": 11, "fontWeight": "bold", "color": "#111111"},
            "encoding": {
                "x": _q("age_mid", age_scale),
                "y": _q("wbc_mid", wbc_scale),
                "text": {"field": "label", "type": "nominal"},
            },
        },
    ]


def _threshold_layers(age_top: float, wbc_top: float) -> list[dict[str, Any]]:
    """Dashed lines at every cut-off, each labelled with its value; white-count lines span only the ages of
    the branch whose rules use them (50 for children, 30 for adults)."""
    age_scale, wbc_scale = _scales(age_top, wbc_top)
    vertical = {
        "values": [
            {"age": t.value, "label": f"age {_fmt(t.value)}"}
            for t in thresholds()
            if t.field == AGE and t.value < age_top
        ]
    }
    horizontal = {
        "values": [
            {"wbc": t.value, "age_from": t.age_from, "age_to": min(t.age_to, age_top), "label": f"WBC {_fmt(t.value)}"}
            for t in thresholds()
            if t.field == WBC and t.value < wbc_top
        ]
    }
    rule = {"type": "rule", "color": "#222222", "strokeDash": [5, 3], "strokeWidth": 1.4}
    label = {"type": "text", "fontSize": 10, "color": "#222222"}
    return [
        {"data": vertical, "mark": rule, "encoding": {"x": _q("age", age_scale)}},
        {
            "data": vertical,
            "mark": {**label, "angle": 270, "align": "right", "baseline": "bottom", "dx": -4, "dy": -2},
            "encoding": {"x": _q("age", age_scale), "y": {"value": 0}, "text": {"field": "label", "type": "nominal"}},
        },
        {
            "data": horizontal,
            "mark": rule,
            "encoding": {"x": _q("age_from", age_scale), "x2": {"field": "age_to"}, "y": _q("wbc", wbc_scale)},
        },
        {
            "data": horizontal,
            "mark": {**label, "align": "left", "baseline": "top", "dx": 3, "dy": 3},
            "encoding": {
                "x": _q("age_from", age_scale),
                "y": _q("wbc", wbc_scale),
                "text": {"field": "label", "type": "nominal"},
            },
        },
    ]


def _marker_layers(patient: Patient, age_top: float, wbc_top: float) -> list[dict[str, Any]]:
    """The current case: a black diamond with a white edge, labelled in words."""
    age_scale, wbc_scale = _scales(age_top, wbc_top)
    data = {"values": [{"age": patient.age_years, "wbc": patient.wbc_10e9_per_l, "label": "this case"}]}
    position = {"x": _q("age", age_scale), "y": _q("wbc", wbc_scale)}
    return [
        {
            "data": data,
            "mark": {
                "type": "point",
                "shape": "diamond",
                "size": 220,
                "filled": True,
                "color": "#000000",
                "stroke": "#ffffff",
                "strokeWidth": 1.5,
            },
            "encoding": {
                **position,
                "tooltip": [
                    {"field": "age", "type": "quantitative", "title": "Age"},
                    {"field": "wbc", "type": "quantitative", "title": "WBC"},
                ],
            },
        },
        {
            "data": data,
            "mark": {
                "type": "text",
                "align": "left",
                "dx": 9,
                "dy": -9,
                "fontSize": 12,
                "fontWeight": "bold",
                "color": "#000000",
            },
            "encoding": {**position, "text": {"field": "label", "type": "nominal"}},
        },
    ]


def _context_words(patient: Patient) -> str:
    """The results the map holds fixed, in the words of the rulebook's labels."""
    labels = get_rulebook().labels
    genetics = ", ".join(labels[code.value].split(" (")[0] for code in sorted(patient.genetics)) or "genetics pending"
    cns = patient.cns_status.value if patient.cns_status else "CNS pending"
    mrd = (
        f"end-of-induction MRD {_fmt(patient.mrd_eoi_percent)} %"
        if patient.mrd_eoi_percent is not None
        else "end-of-induction MRD pending"
    )
    return f"{genetics}; {cns}; {mrd}"


def _subtitle(patient: Patient, cells: list[dict[str, Any]]) -> list[str]:
    lines = [f"Held fixed: {_context_words(patient)}"]
    if any(cell["provisional"] for cell in cells):
        lines.append("? = provisional: at best this group; the pending results can still raise it")
    return lines


def _cut_words(threshold: Threshold) -> str:
    # Most cut-offs include their own value in the upper cell; say so where one does not.
    value = _fmt(threshold.value)
    return value if threshold.value_side == "above" else f"{value} (exactly {value} counts below)"


def _map_text(patient: Patient, here: Assessment, cells: list[dict[str, Any]]) -> str:
    """The text alternative of the map: what it shows, where the cut-offs are, and where this case lies."""
    cuts_age = ", ".join(_cut_words(t) for t in thresholds() if t.field == AGE)
    cuts_wbc = ", ".join(_cut_words(t) for t in thresholds() if t.field == WBC)
    present = [g.value for g in RiskGroup if any(cell["group"] == g.value for cell in cells)]
    shown = headline(here)
    where = (
        f"a region where the result is provisional: {shown.groups} ({shown.floor})"
        if here.provisional
        else (f"the {here.group.value} region")
    )
    return (
        f"Map of risk group by age and white count for {_context_words(patient)}. "
        f"Age cut-offs at {cuts_age} years and white-count cut-offs at {cuts_wbc} x10⁹/L are drawn as dashed lines; "
        f"the map shows the groups {', '.join(present)}. "
        f"The current case (age {_fmt(patient.age_years)} y, WBC {_fmt(patient.wbc_10e9_per_l)}) lies in "
        f"{where}, {here.branch.value} branch."
    )


def factor_push(assessment: Assessment) -> tuple[alt.LayerChart, str]:
    """A diverging dot plot: one row per finding, pushed left (lowers risk), centre (neutral) or right
    (raises risk), with the direction also written beside each dot. Returns the chart and a sentence."""
    rows = [
        {
            "row": f"{index + 1}. {finding.factor}",
            "push": PUSH_VALUES[finding.direction],
            "zero": 0,
            "column": 1.45,  # where the words go: a column of their own, right of the dots, never on a bar
            "direction": PUSH_WORDS[finding.direction],
            "rule": finding.rule_id,
        }
        for index, finding in enumerate(assessment.findings)
    ]
    words = [PUSH_WORDS[d] for d in Direction]
    colour = {
        "field": "direction",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": words, "range": [PUSH_COLOURS[d] for d in Direction]},
    }
    shape = {
        "field": "direction",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": words, "range": ["triangle-left", "circle", "triangle-right"]},
    }
    scale = {"domain": [-1.4, 2.4]}
    x_axis = {
        "values": [-1, 0, 1],
        "labelExpr": "datum.value < 0 ? 'lowers' : datum.value > 0 ? 'raises' : 'neutral'",
        "title": "Push on the risk group",
    }
    y = {
        "field": "row",
        "type": "nominal",
        "sort": [row["row"] for row in rows],
        "title": None,
        "axis": {"labelLimit": 260},
    }
    data = {"values": rows}
    spec = {
        "$schema": VEGA_LITE_SCHEMA,
        "width": 380,
        # A step per row (not a fixed height): Streamlit squeezes a nominal axis given a plain pixel height.
        "height": {"step": 30},
        "title": "How each finding pushed the result",
        "layer": [
            {
                "data": {"values": [{"zero": 0}]},
                "mark": {"type": "rule", "color": "#999999"},
                "encoding": {"x": _q("zero", scale)},
            },
            {
                "data": data,
                "mark": {"type": "rule", "strokeWidth": 3},
                "encoding": {"x": _q("zero", scale), "x2": {"field": "push"}, "y": y, "color": colour},
            },
            {
                "data": data,
                "mark": {"type": "point", "filled": True, "size": 160, "opacity": 1},
                "encoding": {
                    "x": _q("push", scale, axis=x_axis),
                    "y": y,
                    "color": colour,
                    "shape": shape,
                    "tooltip": [
                        {"field": "rule", "type": "nominal", "title": "Rule"},
                        {"field": "direction", "type": "nominal", "title": "Direction"},
                    ],
                },
            },
            {
                "data": data,
                "mark": {"type": "text", "align": "left", "fontSize": 12},
                "encoding": {"x": _q("column", scale), "y": y, "text": {"field": "direction", "type": "nominal"}},
            },
        ],
    }
    return PrebuiltChart(spec), _push_text(assessment)


def _push_text(assessment: Assessment) -> str:
    groups: dict[Direction, list[str]] = {d: [] for d in Direction}
    for finding in assessment.findings:
        groups[finding.direction].append(finding.factor)
    parts = [
        f"{PUSH_WORDS[d].capitalize()}: {', '.join(groups[d]) if groups[d] else 'none'}"
        for d in (Direction.UNFAVORABLE, Direction.NEUTRAL, Direction.FAVORABLE)
    ]
    result = headline(assessment).cell
    return (
        f"How each of the {len(assessment.findings)} findings pushed the result. "
        + "; ".join(parts)
        + f". Result: {result}."
    )


# Projected, every word of a chart must be readable from the back of a lecture hall: at least 18 px.
PROJECTOR_TEXT_PX = 18
_PROJECTOR_CONFIG: dict[str, Any] = {
    "axis": {"labelFontSize": PROJECTOR_TEXT_PX, "titleFontSize": PROJECTOR_TEXT_PX},
    "legend": {"labelFontSize": PROJECTOR_TEXT_PX, "titleFontSize": PROJECTOR_TEXT_PX},
    "header": {"labelFontSize": PROJECTOR_TEXT_PX, "titleFontSize": PROJECTOR_TEXT_PX},
    "title": {"fontSize": PROJECTOR_TEXT_PX + 4, "subtitleFontSize": PROJECTOR_TEXT_PX},
    "text": {"fontSize": PROJECTOR_TEXT_PX},
}


def _larger_text(node: Any) -> Any:
    """A copy of a Vega-Lite spec with every explicit font size raised to the projector's minimum."""
    if isinstance(node, dict):
        raised = {key: _larger_text(value) for key, value in node.items()}
        for key in ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"):
            if isinstance(raised.get(key), (int, float)) and raised[key] < PROJECTOR_TEXT_PX:
                raised[key] = PROJECTOR_TEXT_PX
        return raised
    if isinstance(node, list):
        return [_larger_text(item) for item in node]
    return node


def for_projector(chart: alt.LayerChart) -> PrebuiltChart:
    """The same chart with text of at least PROJECTOR_TEXT_PX pixels, for presentation mode."""
    spec = _larger_text(chart.to_dict())
    own = spec.get("config", {})
    spec["config"] = {**own, **{key: {**value, **own.get(key, {})} for key, value in _PROJECTOR_CONFIG.items()}}
    if isinstance(spec.get("height"), dict) and "step" in spec["height"]:
        spec["height"] = {"step": max(spec["height"]["step"], PROJECTOR_TEXT_PX * 2)}
    return PrebuiltChart(spec)
