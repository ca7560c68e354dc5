"""The JSON that riskcalc hands durable_rules, and reads back from it, is the json module's, only faster.

`riskcalc.engine` replaces the json module inside durable_rules with prebuilt C encoder and scanner objects
and rewrites exponent-form numbers (``1e-05`` becomes ``1.0e-05``, which durable_rules' C parser accepts).
These properties pin that down: every value round-trips exactly, no bare exponent is ever written, and any
text is accepted or refused exactly as `json.loads` would.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from durable import engine as durable_engine
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcalc.engine import _DurableJson
from tests.conftest import examples

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
# An exponent written without a fraction, e.g. 1e-05: the form durable_rules' parser rejects.
BARE_EXPONENT = re.compile(r"(?<![\d.])-?\d+[eE][-+]?\d+")


@settings(max_examples=examples(400))
@given(JSON_VALUES)
def test_every_value_round_trips_exactly(value: Any) -> None:
    text = _DurableJson.dumps(value, ensure_ascii=False)
    assert json.loads(text) == value
    assert _DurableJson.loads(text) == value


@settings(max_examples=examples(400))
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_no_bare_exponent_is_written(numbers: list[float]) -> None:
    text = _DurableJson.dumps({"values": numbers, "sid": "1"}, ensure_ascii=False)
    assert not BARE_EXPONENT.search(text), text
    assert _DurableJson.loads(text)["values"] == numbers


def test_small_and_large_numbers_are_written_with_a_fraction() -> None:
    text = _DurableJson.dumps({"a": 1e-05, "b": [5e-324, -1e300], "c": 1.5e-07}, ensure_ascii=False)
    assert text == '{"a": 1.0e-05, "b": [5.0e-324, -1.0e+300], "c": 1.5e-07}'


def _outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return ("value", parse(text))
    except ValueError as error:
        return ("error", str(error))


@settings(max_examples=examples(600))
@given(st.text(alphabet=' \t\n{}[]":,.-+eE0123456789truefalsnxé\\', max_size=24) | JSON_VALUES.map(json.dumps))
def test_loads_accepts_and_refuses_exactly_as_the_json_module(text: str) -> None:
    expected = _outcome(json.loads, text)
    actual = _outcome(_DurableJson.loads, text)
    if expected[0] == "value" and expected[1] != expected[1]:  # NaN from the text "NaN" is never equal to itself
        assert actual[0] == "value" and actual[1] != actual[1]
    else:
        assert actual == expected


def test_objects_json_cannot_write_are_refused() -> None:
    try:
        _DurableJson.dumps({"sid": "1", "value": object()}, ensure_ascii=False)
    except TypeError as error:
        assert "not JSON serializable" in str(error)
    else:
        raise AssertionError("an object json cannot write was accepted")


def test_other_options_go_to_the_json_module() -> None:
    assert _DurableJson.dumps({"a": [1]}, indent=1) == json.dumps({"a": [1]}, indent=1)


def test_action_leases_use_a_monotonic_clock() -> None:
    # durable_rules drops an action it believes has run for over 10 s; with the wall clock a daylight-saving
    # or NTP step could make it believe so. riskcalc gives it a clock that never steps.
    assert durable_engine._unix_now is time.monotonic
