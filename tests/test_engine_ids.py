"""durable_rules files every message of a session under a 32-bit hash of its id, and refuses a second message
with the same hash as "already observed". These tests pin the behaviour down on the real engine and show that
riskcalc's fact ids can never collide.

Without ids, durable_rules derives a fact's id from its content, so two different facts can collide by chance;
a batch of 5,000 patients (16,154 facts) did, in session 103. Deleting a session after such a refusal can crash
the process (shown in a subprocess below), so riskcalc abandons it instead.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from durable import engine as durable_engine

from riskcalc import engine as engine_module
from riskcalc.api import _fact
from riskcalc.engine import _IDS_HASH_APART_BELOW, _MAX_FACTS, EngineError, RuleEngine, fnv1_32
from riskcalc.models import Patient
from riskcalc.rulebook import Rulebook

# The first decimal number whose hash another smaller one shares.
COLLIDING_IDS = ("40189", "797186")
# Two probe facts of that batch of 5,000 whose content-derived ids collided in session "103".
COLLIDING_FACTS = [
    {
        "age_years": 9.28,
        "wbc_10e9_per_l": 113.6,
        "genetics": ["b_other"],
        "testicular_involvement": False,
        "mrd_day8_pb_percent": 0.005,
        "mrd_eoi_percent": 0.0,
        "role": "probe",
        "kind": "patient",
        "case": 12489,
        "sid": "103",
    },
    {
        "age_years": 0.9,
        "wbc_10e9_per_l": 83.5,
        "genetics": ["bcr_abl1"],
        "testicular_involvement": False,
        "mrd_eoc_percent": 0.05,
        "role": "probe",
        "kind": "patient",
        "case": 14073,
        "sid": "103",
    },
]
_names = itertools.count()


class _Quiet(durable_engine.Host):
    def _run(self) -> None:
        return None


def _raw_host() -> tuple[_Quiet, str]:
    """A bare durable_rules Host with one rule matching every patient fact, under a name used once."""
    host, name = _Quiet(), f"ids_{next(_names)}"
    host.register_rulesets({name: {"any_patient": {"all": [{"m": {"kind": "patient"}}], "run": lambda closure: None}}})
    return host, name


def test_fnv1_32_is_durable_rules_hash() -> None:
    assert fnv1_32(COLLIDING_IDS[0]) == fnv1_32(COLLIDING_IDS[1])
    host, name = _raw_host()
    with pytest.raises(durable_engine.MessageObservedException):
        host.assert_facts(name, [{"kind": "patient", "sid": "1", "id": fact_id} for fact_id in COLLIDING_IDS])
    # Ids with different hashes are both accepted.
    host.assert_facts(name, [{"kind": "patient", "sid": "2", "id": fact_id} for fact_id in ("40189", "40190")])
    host.delete_state(name, "2")


def test_fact_ids_of_a_session_hash_apart() -> None:
    assert _MAX_FACTS <= _IDS_HASH_APART_BELOW
    hashes = {fnv1_32(str(index)) for index in range(_IDS_HASH_APART_BELOW)}
    assert len(hashes) == _IDS_HASH_APART_BELOW
    assert fnv1_32(str(_IDS_HASH_APART_BELOW)) in hashes


def test_content_ids_collide_without_riskcalc_ids() -> None:
    host, name = _raw_host()
    with pytest.raises(durable_engine.MessageObservedException):
        host.assert_facts(name, COLLIDING_FACTS)


def test_engine_evaluates_facts_that_collide_by_content(rulebook: Rulebook) -> None:
    engine = RuleEngine(rulebook)
    engine._sessions = itertools.count(103)
    facts = [
        {key: value for key, value in fact.items() if key not in ("role", "kind", "case", "sid")}
        for fact in COLLIDING_FACTS
    ]
    together = engine.evaluate([], facts)
    alone = [engine.evaluate([], [fact])[0] for fact in facts]
    assert together == alone
    assert engine.abandoned_sessions == 0


def test_deleting_a_refused_session_crashes_the_process_before_python_3_13() -> None:
    """Why riskcalc abandons a refused session rather than deleting it (run apart: it kills its process).

    The crash holds on Python 3.11 and 3.12. On 3.13 the same call returns, which does not make it safe: the
    session's memory was never set up, and riskcalc never deletes it on any version."""
    script = textwrap.dedent(
        f"""
        from durable import engine
        class Quiet(engine.Host):
            def _run(self):
                return None
        host = Quiet()
        host.register_rulesets({{"r": {{"any": {{"all": [{{"m": {{"kind": "patient"}}}}], "run": lambda c: None}}}}}})
        try:
            host.assert_facts("r", [{{"kind": "patient", "sid": "1", "id": i}} for i in {list(COLLIDING_IDS)!r}])
        except engine.MessageObservedException:
            print("refused", flush=True)
        host.delete_state("r", "1")
        print("survived", flush=True)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    if sys.version_info >= (3, 13):
        assert (result.stdout.splitlines(), result.returncode) == (["refused", "survived"], 0)
        return
    assert result.stdout.splitlines() == ["refused"]
    # Killed by a signal: SIGSEGV on Python 3.11; on 3.12 glibc catches the bad free() first (SIGABRT).
    assert -result.returncode in (signal.SIGSEGV, signal.SIGABRT), (result.returncode, result.stderr[-500:])


def test_refused_session_is_abandoned_not_deleted(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = RuleEngine(rulebook)
    deleted: list[str] = []
    delete = engine._delete_session
    monkeypatch.setattr(engine, "_delete_session", lambda ruleset, sid: (deleted.append(sid), delete(ruleset, sid)))

    def refuse(ruleset: str, facts: list[dict[str, Any]]) -> None:
        raise durable_engine.MessageObservedException(facts[0])

    monkeypatch.setattr(engine._host, "assert_facts", refuse)
    with pytest.raises(EngineError, match="failed to evaluate"):
        engine.evaluate([_fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0))])
    assert engine.abandoned_sessions == 1 and deleted == []
    monkeypatch.undo()
    (fired,) = engine.evaluate([_fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0))])
    assert "branch.pediatric" in fired


def test_session_whose_state_id_would_collide_is_skipped(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = RuleEngine(rulebook)
    engine._sessions = itertools.count(500)
    real = engine._fact_ids.collides
    monkeypatch.setattr(
        engine._fact_ids, "collides", lambda message_id, facts: message_id == "sid-500" or real(message_id, facts)
    )
    used: list[str] = []
    assert_facts = engine._host.assert_facts
    monkeypatch.setattr(
        engine._host,
        "assert_facts",
        lambda ruleset, facts: (used.append(facts[0]["sid"]), assert_facts(ruleset, facts))[1],
    )
    engine.evaluate([_fact(Patient(age_years=5.0, wbc_10e9_per_l=5.0))])
    assert used == ["501"]


def test_large_evaluations_are_split_into_sessions(rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "_MAX_FACTS", 7)
    engine = RuleEngine(rulebook)
    sessions: list[list[str]] = []
    assert_facts = engine._host.assert_facts
    monkeypatch.setattr(
        engine._host,
        "assert_facts",
        lambda ruleset, facts: (sessions.append([f["id"] for f in facts]), assert_facts(ruleset, facts))[1],
    )
    patients = [Patient(age_years=age, wbc_10e9_per_l=5.0) for age in (0.5, 5.0, 12.0, 40.0)] * 5
    fired = engine.evaluate([_fact(patient) for patient in patients])
    assert [len(ids) for ids in sessions] == [7, 7, 6]
    assert sessions[1] == [str(index) for index in range(7)]
    assert fired == [engine.evaluate([_fact(patient)])[0] for patient in patients]
