"""The calculator's input widgets, and the translation between them, a Patient and riskcalc's units.

The widgets are live (no st.form): every change reruns the page and re-assesses at once, which is the point
of a what-if teaching tool. Each result that can be missing has an explicit "pending / not measured" choice,
so that "not known yet" is never confused with a negative result (genetics: B-other; MRD: 0).

Values are handed to riskcalc.units under the name of the unit chosen (age_months, wbc_per_ul,
mrd_eoi_fraction, ...), so all conversions are riskcalc's exact decimal ones and none is repeated here.

The form never shows a value other than the one used: age and white count are shown with as many digits as
they have ("%g" in the browser is JavaScript's shortest exact form, so 17.999 stays 17.999 and never reads
"18.00"), and the number boxes have no bounds of their own, so a value out of range (-2) reaches the page and
is reported as an error, with no result beside it, instead of being silently refused while the previous
result stays on screen. The ranges are Patient's, checked in one place (ui.lib.query.read_values).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from decimal import Decimal
from typing import Any

import streamlit as st

from riskcalc import CNSStatus, GeneticCode, Patient
from riskcalc.units import ALIASES, CODE_FIELDS, FLAG_FIELDS, InputError, plain, read_number
from ui.lib.query import Problem, Reading, read_values
from ui.lib.vocabulary import MRD_FIELDS, PROTOCOL_FIELDS, FieldWords, Vocabulary

# Widget keys. They are kept in st.session_state across pages (see keep_across_pages) so that a student
# who looks at the Compare page and comes back finds the case as it was.
AGE, AGE_UNIT = "in_age", "in_age_unit"
WBC, WBC_UNIT = "in_wbc", "in_wbc_unit"
GENETICS_STATE, GENETICS = "in_genetics_state", "in_genetics"
CNS = "in_cns"
TESTIS = "in_testis"
PENDING, KNOWN = "pending", "known"  # the two states of a result that may be missing
CNS_PENDING = "pending"


def mrd_keys(field: str) -> tuple[str, str, str]:
    """(state, unit, value) widget keys of one MRD time point."""
    return f"in_{field}_state", f"in_{field}_unit", f"in_{field}"


# A protocol input measured in a unit with an alternative (day-15 MRD in % or as a fraction) is drawn like the
# MRD results: "not measured" or a value with its unit. The others are one widget each under in_<field>.
PROTOCOL_MEASURES = tuple(name for name in PROTOCOL_FIELDS if any(alias.field == name for alias in ALIASES.values()))
YES, NO = "yes", "no"


def protocol_key(field: str) -> str:
    return f"in_{field}"


def _protocol_keys(field: str) -> tuple[str, ...]:
    return mrd_keys(field) if field in PROTOCOL_MEASURES else (protocol_key(field),)


ALL_KEYS: tuple[str, ...] = (
    AGE,
    AGE_UNIT,
    WBC,
    WBC_UNIT,
    GENETICS_STATE,
    GENETICS,
    CNS,
    TESTIS,
    *(key for field in MRD_FIELDS for key in mrd_keys(field)),
    *(key for field in PROTOCOL_FIELDS for key in _protocol_keys(field)),
)

# The example case shown when the page opens without a link: a young child at diagnosis, nothing else known.
# The page labels it as an example and does not put it in the address bar (ui/views/calculator.py).
DEFAULT_CASE = Patient(age_years=4.0, wbc_10e9_per_l=12.0)
NUMBER_FORMAT = "%g"  # shortest exact form in the browser (sprintf.js %g without precision is String(number))


def _text(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros ('0.0001', '12')."""
    return format(value.normalize(), "f")


def state_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The widget values that show these Patient fields (valid values, model units); every widget is set,
    and a field not given shows as empty or pending (age and white count: an empty box)."""
    age, wbc = fields.get("age_years"), fields.get("wbc_10e9_per_l")
    genetics = fields.get("genetics") or frozenset()
    cns = fields.get("cns_status")
    state: dict[str, Any] = {
        AGE: None if age is None else float(age),
        AGE_UNIT: "age_years",
        WBC: None if wbc is None else float(wbc),
        WBC_UNIT: "wbc_10e9_per_l",
        GENETICS_STATE: KNOWN if genetics else PENDING,
        GENETICS: sorted(str(getattr(code, "value", code)) for code in genetics),
        CNS: str(getattr(cns, "value", cns)) if cns else CNS_PENDING,
        TESTIS: bool(fields.get("testicular_involvement", False)),
    }
    for field in (*MRD_FIELDS, *PROTOCOL_MEASURES):
        state_key, unit_key, value_key = mrd_keys(field)
        value = fields.get(field)
        state[state_key] = PENDING if value is None else KNOWN
        state[unit_key] = field
        state[value_key] = "" if value is None else _text(Decimal(repr(value)))
    for field in PROTOCOL_FIELDS:
        if field not in PROTOCOL_MEASURES:
            state[protocol_key(field)] = _protocol_state(field, fields.get(field))
    return state


def _protocol_state(field: str, value: Any) -> str:
    """What the widget of a protocol input shows for a value: 'pending', a code, 'yes'/'no', or number text."""
    if value is None:
        return PENDING if field in CODE_FIELDS or field in FLAG_FIELDS else ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (int, float)):
        return _text(Decimal(repr(value)))
    return str(getattr(value, "value", value))


def state_from_patient(patient: Patient) -> dict[str, Any]:
    """The widget values that show a patient, in the model's own units."""
    return state_from_fields(dict(patient))


def apply_patient(session: MutableMapping[Any, Any], patient: Patient) -> None:
    """Show a patient in the form (call before the widgets are drawn in this run)."""
    session.update(state_from_patient(patient))


def apply_fields(session: MutableMapping[Any, Any], fields: Mapping[str, Any]) -> None:
    """Show what could be read of a case (call before the widgets are drawn in this run)."""
    session.update(state_from_fields(fields))


def apply_refused_text(session: MutableMapping[Any, Any], field: str, name: str, text: str) -> None:
    """Put a refused MRD text back in its box (unit `name`: the field or its fraction), so that the form shows
    the value and the same error until it is corrected, e.g. by choosing the fraction unit."""
    if field in MRD_FIELDS and name in (field, *(alias for alias, to in ALIASES.items() if to.field == field)):
        state_key, unit_key, value_key = mrd_keys(field)
        session.update({state_key: KNOWN, unit_key: name, value_key: text})


def start_with_example(session: MutableMapping[Any, Any]) -> bool:
    """Fill an untouched form with the example case; True when it did (the page then labels it)."""
    if AGE in session:
        return False
    session.update(state_from_patient(DEFAULT_CASE))
    return True


def raw_from_state(state: Mapping[Any, Any]) -> tuple[dict[str, Any], list[str]]:
    """The inputs as riskcalc.units names and values, with notes on results marked known but left empty.

    A result marked "available" but left empty is treated as still pending, and a note says so, rather than
    being read as zero or blocking the whole assessment.
    """
    raw: dict[str, Any] = {
        state[AGE_UNIT]: state[AGE],
        state[WBC_UNIT]: state[WBC],
        "testicular_involvement": bool(state[TESTIS]),
    }
    notes: list[str] = []
    if state[GENETICS_STATE] == KNOWN:
        if state[GENETICS]:
            raw["genetics"] = list(state[GENETICS])
        else:
            notes.append("genetics")
    if state[CNS] != CNS_PENDING:
        raw["cns_status"] = state[CNS]
    for field in (*MRD_FIELDS, *PROTOCOL_MEASURES):
        state_key, unit_key, value_key = mrd_keys(field)
        if state[state_key] == KNOWN:
            if str(state[value_key]).strip():
                raw[state[unit_key]] = str(state[value_key])
            else:
                notes.append(field)
    for field in PROTOCOL_FIELDS:
        if field in PROTOCOL_MEASURES:
            continue
        shown = state[protocol_key(field)]
        if shown != PENDING and str(shown).strip():
            raw[field] = {YES: True, NO: False}.get(shown, shown) if field in FLAG_FIELDS else shown
    return raw, notes


def read_form(state: Mapping[Any, Any], words: Vocabulary) -> tuple[Reading, list[str]]:
    """What the form holds, read value by value, and the fields marked known but left empty."""
    raw, empty = raw_from_state(state)
    return read_values(raw, words), empty


def form_message(problem: Problem, words: Vocabulary) -> str:
    """One refused value in words, with the unit to choose when another unit would read it as meant."""
    field = words.fields[problem.field]
    label = field.value or field.label
    reason = problem.reason
    if problem.alternative:  # a power of ten in a percent box: point to the unit choice beside it
        unit = field.units.get(problem.alternative, problem.alternative)
        reason = reason.replace(f"use {problem.alternative}={problem.given.strip()}", f"choose the unit “{unit}”")
    text = f"{label}: {reason}"
    if problem.hint:
        alias, value = problem.hint
        unit = field.units.get(alias, alias)
        text += f"; did you mean {plain(value)} {field.unit}? ({problem.given} {unit}: choose the unit “{unit}”)"
    return text + "."


def missing_prompt(missing: list[str], words: Vocabulary) -> str:
    """'Enter the age at diagnosis to see a result.'"""
    names = [words.label(name)[0].lower() + words.label(name)[1:] for name in missing]
    return f"Enter the {' and the '.join(names)} to see a result."


def keep_across_pages(session: MutableMapping[Any, Any]) -> None:
    """Keep the form's values while a widget is not drawn (another page, or a hidden findings list).

    Streamlit deletes a widget's value at the end of any run that does not draw it. A plain copy under a
    key of our own survives, and is put back before the widget is drawn again. Call at the start of every run.
    """
    for key in ALL_KEYS:
        kept = f"_kept_{key}"
        if key in session:
            session[kept] = session[key]
            session[key] = session[key]  # mark as set by the app, which Streamlit does not clean up either
        elif kept in session:
            session[key] = session[kept]


def _convert_unit(value_key: str, unit_key: str, units: list[str], as_text: bool) -> None:
    """On a unit change, convert the value shown so that it still means the same amount.

    Streamlit calls this after the new unit is stored; with two units, the old one is the other.
    """
    new = st.session_state[unit_key]
    old = next((unit for unit in units if unit != new), new)

    def factor(unit: str) -> Decimal:
        return ALIASES[unit].factor if unit in ALIASES else Decimal(1)

    current: Any = st.session_state.get(value_key)
    try:
        # Read under the old unit's name, so that text that unit refuses (1e-4 in a % box) stays as typed:
        # after switching to the fraction unit it then means what the student meant.
        amount = Decimal(read_number(old, str(current))) if as_text else Decimal(repr(float(current)))
    except (InputError, TypeError, ValueError):
        return  # leave text that is not a number for the student to correct
    converted = amount * factor(old) / factor(new)
    st.session_state[value_key] = _text(converted) if as_text else float(converted)


def _number_with_unit(field: FieldWords, key: str, unit_key: str, unit_label: str) -> None:
    """A number box labelled with its unit and, beside it, the unit choice, which converts the value shown.

    value=None makes the box clearable, so that a link without the value shows an empty box; no bounds, so
    that an out-of-range value reaches the page and is shown as an error instead of being silently refused."""
    left, right = st.columns([3, 2])
    left.number_input(
        f"{field.label} ({field.units[st.session_state[unit_key]]})",
        key=key,
        value=None,
        step=1.0,
        format=NUMBER_FORMAT,
        help=field.help,
    )
    right.radio(
        unit_label,
        list(field.units),
        key=unit_key,
        format_func=field.units.__getitem__,
        horizontal=True,
        on_change=_convert_unit,
        args=(key, unit_key, list(field.units), False),
    )


def fill_defaults(session: MutableMapping[Any, Any]) -> None:
    """Give every input not set yet its example value (call before the form is read or drawn)."""
    for key, value in state_from_patient(DEFAULT_CASE).items():
        session.setdefault(key, value)


def render_inputs(words: Vocabulary) -> None:
    """Draw every input with a visible label, its unit and help; the values land in st.session_state."""
    fill_defaults(st.session_state)
    _number_with_unit(words.fields["age_years"], AGE, AGE_UNIT, "Age unit")
    _number_with_unit(words.fields["wbc_10e9_per_l"], WBC, WBC_UNIT, "White count unit")

    genetics = words.fields["genetics"]
    st.radio(
        genetics.label,
        [PENDING, KNOWN],
        key=GENETICS_STATE,
        horizontal=True,
        help=genetics.help,
        format_func={PENDING: genetics.pending, KNOWN: genetics.known}.__getitem__,
    )
    # The list appears only once results are marked available: "pending" and "tested negative" (B-other)
    # stay two different choices. Its value is kept while hidden (keep_across_pages runs on every rerun).
    if st.session_state[GENETICS_STATE] == KNOWN:
        st.multiselect(
            genetics.choose or genetics.label,
            [code.value for code in GeneticCode],
            key=GENETICS,
            format_func=words.genetic_label,
            placeholder=genetics.choose_placeholder or "",
        )

    cns = words.fields["cns_status"]
    options = [CNS_PENDING, *(status.value for status in CNSStatus)]
    st.radio(
        cns.label,
        options,
        key=CNS,
        help=cns.help,
        format_func=lambda option: cns.pending or option if option == CNS_PENDING else cns.classes[CNSStatus(option)],
    )

    testis = words.fields["testicular_involvement"]
    st.checkbox(testis.label, key=TESTIS, help=testis.help)

    for field in MRD_FIELDS:
        _render_mrd(field, words)


def render_protocol_inputs(words: Vocabulary, readers: dict[str, list[str]]) -> None:
    """The inputs only some schemes read, each with the schemes that read it (`readers`: field -> names), in
    an expander that opens by itself when one of them is given."""
    given = any(
        st.session_state.get(mrd_keys(field)[0]) == KNOWN
        if field in PROTOCOL_MEASURES
        else st.session_state.get(protocol_key(field)) not in (PENDING, "", None)
        for field in PROTOCOL_FIELDS
    )
    with st.expander(words.protocol_section.title, expanded=given):
        st.caption(words.protocol_section.caption)
        for field in PROTOCOL_FIELDS:
            named = ", ".join(readers.get(field, [])) or words.protocol_section.no_reader
            read_by = f"{words.protocol_section.read_by} {named}."
            if field in PROTOCOL_MEASURES:
                _render_mrd(field, words, read_by)
            else:
                _render_protocol_input(field, words, read_by)


def _render_protocol_input(field: str, words: Vocabulary, read_by: str) -> None:
    spoken = words.fields[field]
    key = protocol_key(field)
    help_text = f"{spoken.help}\n\n{read_by}"
    if field in CODE_FIELDS:
        codes = [PENDING, *CODE_FIELDS[field]]
        st.radio(
            spoken.label,
            codes,
            key=key,
            help=help_text,
            format_func=lambda code: (spoken.pending or code) if code == PENDING else spoken.choices[code],
        )
    elif field in FLAG_FIELDS:
        answers = {PENDING: spoken.pending or PENDING, YES: words.protocol_section.yes, NO: words.protocol_section.no}
        st.radio(spoken.label, list(answers), key=key, horizontal=True, help=help_text, format_func=answers.__getitem__)
    else:
        unit = f" ({spoken.unit})" if spoken.unit else ""
        st.text_input(f"{spoken.label}{unit}", key=key, help=help_text, placeholder=words.protocol_section.empty)
    st.caption(read_by)


def _render_mrd(field: str, words: Vocabulary, read_by: str | None = None) -> None:
    mrd = words.fields[field]
    state_key, unit_key, value_key = mrd_keys(field)
    st.radio(
        mrd.label,
        [PENDING, KNOWN],
        key=state_key,
        horizontal=True,
        help=f"{mrd.help}\n\n{read_by}" if read_by else mrd.help,
        format_func={PENDING: mrd.missing, KNOWN: mrd.known}.__getitem__,
    )
    missing = st.session_state[state_key] == PENDING
    left, right = st.columns([3, 2])
    fraction = st.session_state[unit_key] != field
    left.text_input(
        f"{mrd.value or mrd.label} ({mrd.units[st.session_state[unit_key]]})",
        key=value_key,
        disabled=missing,
        placeholder="e.g. 1e-4 or 10^-4" if fraction else "e.g. 0.01",
    )
    # The unit stays selectable while the result is missing (a disabled label fails contrast checks, and
    # choosing the unit first is harmless).
    right.radio(
        f"{mrd.label}: unit",
        list(mrd.units),
        key=unit_key,
        format_func=mrd.units.__getitem__,
        on_change=_convert_unit,
        args=(value_key, unit_key, list(mrd.units), True),
    )
    if read_by:
        st.caption(read_by)
