"""The only module that touches durable_rules. It evaluates a batch of facts and reports which rules fired.

durable_rules 2.0.28 is unmaintained and has sharp edges; each is handled here, once:

- facts, not events: ``assert_facts`` fires every matching rule (an event would be used up by one rule);
- a catch-all sentinel rule handles every fact, so no fact is left unmatched (an unmatched fact raises and
  takes a state slot that cannot be freed), and its firing proves each fact was evaluated;
- each evaluation gets a fresh session id whose state is deleted afterwards (a ruleset holds 1024 at most);
- every fact carries an id that durable_rules cannot confuse with another fact's (see `_IDS_HASH_APART_BELOW`);
  without one it identifies a fact by a 32-bit hash of its content, and two facts that share it make it refuse
  the second as "already observed";
- a session whose facts durable_rules refused is abandoned, never deleted: deleting it can crash the process;
- the Host's two background timer threads are switched off (they race with calls) and every call is made
  under one lock;
- one Host per rulebook per process, built on first use (a ruleset name can be registered only once, and
  Streamlit re-runs its script on every change);
- actions only record (fact, rule id) in Python; an exception inside one, which durable_rules swallows into the
  session state, is raised again as `EngineError`;
- the JSON that durable_rules writes is made parseable by it: its C parser rejects exponents without a
  fraction (``1e-05``), so they are written as ``1.0e-05``; values keep their exact binary value;
- every rule tests the positive discriminator ``kind == "patient"``, so no rule can match the session state
  that durable_rules re-asserts after each action (a rule testing only absence would loop forever).
"""

from __future__ import annotations

import copy
import itertools
import json
import json.encoder
import json.scanner
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from durable import engine as durable_engine

from riskcalc.conditions import atoms, to_durable
from riskcalc.rulebook import Rule, Rulebook, RulebookError, load_rulebook

SENTINEL = "__sentinel__"
_DISCRIMINATOR = {"kind": "patient"}
# A fact is either the case itself or a probe: the case with one pending result filled in. Probes only need
# the rules that raise grouping signals; every other rule (explanations, notes) is limited to the case, which
# keeps the number of rule firings, the engine's main cost, low.
CASE, PROBE = "case", "probe"
# In the windowed ruleset every rule fires once per evaluation with all the facts it matched (durable_rules'
# "cap" window) instead of once per fact: Python-side firings, the engine's main cost, then grow with the
# rules, not with the facts.
_CAP = 100_000
# durable_rules files each message of a session under the 32-bit FNV-1 hash of its id and refuses a second
# message with the same hash as "already observed". Without an id, the id is a hash of the fact's content, so
# two different facts collide by chance: about once in 20,000 evaluations of 650 facts. riskcalc numbers the
# facts of a session 0, 1, 2, ... instead: the decimal numbers below 797,186 have pairwise different hashes
# (797,186 is the first that shares one, with 40,189; tests/test_engine_ids.py checks both facts), so a session
# holds at most _MAX_FACTS facts and larger evaluations are split.
_IDS_HASH_APART_BELOW = 797_186
_MAX_FACTS = 50_000
assert _MAX_FACTS <= _IDS_HASH_APART_BELOW
# A number token in exponent form without a fraction, e.g. 1e-05 or -5e-324, standing between JSON delimiters.
_BARE_EXPONENT = re.compile(r"(?<=[:\[,\s])(-?\d+)([eE][-+]?\d+)(?=[,\]}\s])")


class EngineError(RuntimeError):
    """The engine failed to evaluate a fact; no partial or silent result is ever returned."""


def fnv1_32(text: str) -> int:
    """The 32-bit FNV-1 hash durable_rules files a message under (its C function fnv1Hash32)."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


class _FactIds:
    """The hashes of the fact ids 0, 1, 2, ..., computed as far as evaluations have needed them."""

    def __init__(self) -> None:
        self._index_of_hash: dict[int, int] = {}

    def collides(self, message_id: str, facts: int) -> bool:
        """Whether `message_id` shares its hash with one of the ids 0 .. facts-1."""
        for index in range(len(self._index_of_hash), facts):
            self._index_of_hash[fnv1_32(str(index))] = index
        same_hash = self._index_of_hash.get(fnv1_32(message_id))
        return same_hash is not None and same_hash < facts


# durable_rules encodes the session state and decodes a message on every rule firing, its main Python cost.
# The C encoder and scanner behind the json module are built once here instead of once per call. Circular
# references cannot occur (every object is a fact riskcalc built or JSON durable_rules wrote), so the encoder
# skips that check; NaN and infinity never reach it (a Patient refuses them).
_C_ENCODER = (
    json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, json.JSONEncoder().default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    if json.encoder.c_make_encoder  # type: ignore[attr-defined]
    else None
)
# typeshed types make_scanner's argument wrongly (as the scanner class); it takes the decoder.
_SCANNER: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


class _DurableJson:
    """Stands in for the json module inside durable_rules so that every number it writes can be parsed."""

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        if kwargs or not isinstance(text, str):
            return json.loads(text, **kwargs)
        try:
            value, end = _SCANNER(text, 0)
        except StopIteration:
            return json.loads(text)  # raises the json module's own error for malformed input
        if end != len(text):
            return json.loads(text)  # trailing content: let the json module accept or reject it
        return value

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        if kwargs == {"ensure_ascii": False} and _C_ENCODER is not None:
            text = "".join(_C_ENCODER(obj, 0))
        else:
            text = json.dumps(obj, **kwargs)
        if "e-" in text or "e+" in text or "E" in text:
            text = _BARE_EXPONENT.sub(r"\1.0\2", text)
        return text


durable_engine.json = _DurableJson
# durable_rules times action leases with the wall clock (local time minus the epoch) and silently drops an
# action it believes has run for over 10 s; a clock change (daylight saving, NTP) could trigger that. The
# leases only compare two readings, so a monotonic clock serves them exactly, and it is cheaper per firing.
durable_engine._unix_now = time.monotonic


class _FramesClosure(durable_engine.Closure):  # type: ignore[misc]  # durable_rules has no type information
    """durable_rules' Closure, keeping the facts of a windowed firing as the plain dicts it decoded.

    The original wraps every matched fact in a Content object, which riskcalc's actions never use: with the
    "cap" window a firing carries thousands of facts, and the wrappers were a sixth of the engine's time."""

    def __init__(self, host: Any, ruleset: Any, state: Any, message: Any, handle: Any) -> None:
        if isinstance(message, dict):
            super().__init__(host, ruleset, state, message, handle)
            return
        super().__init__(host, ruleset, state, [], handle)
        self.m = [frame["m"] if len(frame) == 1 and "m" in frame else frame for frame in message]


durable_engine.Closure = _FramesClosure


class _QuietHost(durable_engine.Host):  # type: ignore[misc]  # durable_rules has no type information
    """A Host without background timer threads: riskcalc uses no timers, and the threads race with calls."""

    def _run(self) -> None:
        return None


class RuleEngine:
    """One compiled rulebook registered in its own quiet Host, safe to share between threads."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self._ruleset = f"{rulebook.model_id}_{rulebook.version.replace('.', '_')}"
        # The same rules twice: one ruleset fires per fact (cheapest for a single fact), the other once per
        # evaluation with every matched fact (durable_rules' "cap" window; cheapest for many facts).
        self._windowed = f"{self._ruleset}_windowed"
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._fact_ids = _FactIds()
        # Sessions durable_rules refused facts in; each holds one of the ruleset's 1024 slots for good.
        self.abandoned_sessions = 0
        self._fired: list[tuple[int, str]] = []
        self._host = _QuietHost()
        try:
            self._host.register_rulesets(
                {
                    self._ruleset: self._definition(rulebook.rules),
                    self._windowed: self._definition(rulebook.rules, cap=_CAP),
                }
            )
        except Exception as error:
            raise self._locate_rejected_rule(error) from None
        self._check_branches_cover_every_age()

    def _record(self, rule_id: str) -> Callable[[Any], None]:
        """The action of one rule: it records (fact, rule id) for each fact the firing carries."""

        def action(closure: Any) -> None:
            # With "cap", one firing carries every fact the rule matched: closure.m is then a list of plain
            # dicts (see _FramesClosure); a single match arrives as closure._m. Reading the dicts directly
            # skips durable_rules' per-access wrappers, which matters because this runs once per firing.
            single = closure._m
            if single is not None:
                self._fired.append((int(single["m"]["id"]), rule_id))
            else:
                self._fired.extend((int(fact["id"]), rule_id) for fact in closure.m)

        return action

    def _definition(self, rules: tuple[Rule, ...], cap: int | None = None) -> dict[str, Any]:
        window = {"cap": cap} if cap else {}
        definition: dict[str, Any] = {
            rule.id: {
                "all": [{"m": {"$and": [*self._discriminators(rule), to_durable(rule.condition)]}}],
                **window,
                "run": self._record(rule.id),
            }
            for rule in rules
        }
        # Lowest priority runs last; it matches every fact, so none is ever left unhandled.
        definition[SENTINEL] = {
            "pri": 1_000_000,
            "all": [{"m": dict(_DISCRIMINATOR)}],
            **window,
            "run": self._record(SENTINEL),
        }
        # durable_rules deletes 'run' from the dict it is given, so it must never see a shared one.
        return copy.deepcopy(definition)

    @staticmethod
    def _discriminators(rule: Rule) -> list[dict[str, str]]:
        return [dict(_DISCRIMINATOR)] if rule.signals else [dict(_DISCRIMINATOR), {"role": CASE}]

    def _locate_rejected_rule(self, error: Exception) -> RulebookError:
        """durable_rules names no rule when it rejects a ruleset; find the first one it rejects alone."""
        for index, rule in enumerate(self.rulebook.rules):
            probe = _QuietHost()
            try:
                probe.register_rulesets({f"probe_{index}": self._definition((rule,))})
            except Exception as rule_error:
                return RulebookError(rule.source, f"durable_rules rejects the condition: {rule_error}", rule.id)
        return RulebookError(self.rulebook.files[0], f"durable_rules rejects the rulebook: {error}")

    def _check_branches_cover_every_age(self) -> None:
        """Start-up self-check: at every age cut-off of the branch and status rules, and on both sides of it,
        exactly one branch rule fires inside the model's population (model.yaml), and outside it none does
        while a status rule says why the model does not apply. A gap or an overlap is a rulebook fault, found
        before any patient."""
        book = self.rulebook
        branch_rules = [rule for rule in book.rules if rule.selects_branch]
        outside_rules = [rule for rule in book.rules if rule.status == "not_applicable"]
        cutoffs = {
            float(atom.value)
            for rule in branch_rules + outside_rules
            for atom in atoms(rule.condition)
            if atom.field == "age_years"
        }
        candidates = {0.0, math.nextafter(120.0, 0.0), book.age_from, math.nextafter(book.age_below, 0.0)}
        for cutoff in cutoffs | {book.age_from, book.age_below}:
            candidates |= {math.nextafter(cutoff, -math.inf), cutoff, math.nextafter(cutoff, math.inf)}
        ages = sorted(age for age in candidates if 0.0 <= age < 120.0)
        fired = self.evaluate([{"age_years": age, "wbc_10e9_per_l": 1.0, "genetics": []} for age in ages])
        where = branch_rules[0].source if branch_rules else book.files[0]
        for age, rule_ids in zip(ages, fired):
            chosen = sorted(rule.id for rule in branch_rules if rule.id in rule_ids)
            inside = book.age_from <= age < book.age_below
            if inside and len(chosen) != 1:
                raise RulebookError(
                    where,
                    f"at age {age!r} {len(chosen)} branches apply ({', '.join(chosen) or 'none'}); "
                    "the branches must cover every age exactly once",
                )
            if not inside and chosen:
                raise RulebookError(where, f"at age {age!r}, outside the population, branch {chosen[0]} applies")
            if not inside and not any(rule.id in rule_ids for rule in outside_rules):
                raise RulebookError(where, f"at age {age!r}, outside the population, no not_applicable rule says why")

    def evaluate(self, facts: Sequence[dict[str, Any]], probes: Sequence[dict[str, Any]] = ()) -> list[frozenset[str]]:
        """Assert the case facts and probe facts, in one fresh session per _MAX_FACTS facts; return, per fact
        (cases first, then probes), the ids of the rules that fired. On probes only signal-raising rules fire."""
        tagged = [(fact, CASE) for fact in facts] + [(probe, PROBE) for probe in probes]
        fired: list[frozenset[str]] = []
        for first in range(0, len(tagged), _MAX_FACTS):
            fired += self._evaluate_session(tagged[first : first + _MAX_FACTS], first)
        return fired

    def _session_id(self, facts: int) -> str:
        """A new session id whose state message ("sid-<id>") cannot collide with the ids of `facts` facts."""
        while True:
            sid = str(next(self._sessions))
            if not self._fact_ids.collides(f"sid-{sid}", facts):
                return sid

    def _evaluate_session(self, tagged: list[tuple[dict[str, Any], str]], first: int) -> list[frozenset[str]]:
        ruleset = self._ruleset if len(tagged) == 1 else self._windowed
        kind = _DISCRIMINATOR["kind"]
        with self._lock:
            sid = self._session_id(len(tagged))
            payload = [
                {**fact, "role": role, "kind": kind, "id": str(index), "sid": sid}
                for index, (fact, role) in enumerate(tagged)
            ]
            self._fired = []
            try:
                self._host.assert_facts(ruleset, payload)
            except Exception as error:
                # The session may be half-built; deleting it can crash the process, so it is left as it is.
                self.abandoned_sessions += 1
                raise EngineError(f"durable_rules failed to evaluate the case: {error}") from error
            try:
                state = self._host.get_state(ruleset, sid)
            except Exception as error:
                raise EngineError(f"durable_rules failed to report the session state: {error}") from error
            finally:
                self._delete_session(ruleset, sid)
            fired = self._fired
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed inside durable_rules: {state['exception']}")
        per_fact: list[set[str]] = [set() for _ in tagged]
        for index, rule_id in fired:
            per_fact[index].add(rule_id)
        for index, rule_ids in enumerate(per_fact):
            if SENTINEL not in rule_ids:
                raise EngineError(
                    f"fact {first + index} was not evaluated by durable_rules (its sentinel rule did not fire)"
                )
            rule_ids.discard(SENTINEL)
        return [frozenset(rule_ids) for rule_ids in per_fact]

    def _delete_session(self, ruleset: str, sid: str) -> None:
        try:
            self._host.delete_state(ruleset, sid)
        except Exception as error:  # a session that cannot be freed would exhaust the 1024-slot pool
            raise EngineError(f"durable_rules could not delete session {sid}: {error}") from error


_engines: dict[str, RuleEngine] = {}
_engines_lock = threading.Lock()


def engine_for(model_id: str) -> RuleEngine:
    """The process-wide engine of one model, built on first use (reruns and threads share it)."""
    with _engines_lock:
        if model_id not in _engines:
            _engines[model_id] = RuleEngine(load_rulebook(model_id))
        return _engines[model_id]
