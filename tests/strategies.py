"""Explicit Hypothesis strategies for `Patient` (no type inference): every cut-off of the model, its
neighbouring floats, tiny values, and valid genetics combinations only."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from riskcalc.models import Patient

INFANT, PEDIATRIC, ADULT = "infant", "pediatric", "adult"
BRANCH_AGES = {INFANT: (0.0, 1.0), PEDIATRIC: (1.0, 18.0), ADULT: (18.0, 120.0)}  # [low, high)

FAVORABLE_CODES = ("high_hyperdiploidy", "etv6_runx1")
UNFAVORABLE_CODES = ("bcr_abl1", "bcr_abl1_like", "kmt2a_r", "hypodiploidy", "iamp21", "tcf3_hlf")
NEUTRAL_CODES = ("dux4_r", "tcf3_pbx1", "pax5alt", "znf384_r", "mef2d_r", "ikzf1plus")
ALL_CODES = FAVORABLE_CODES + UNFAVORABLE_CODES + NEUTRAL_CODES + ("b_other",)
CNS_CLASSES = ("CNS1", "CNS2", "CNS3")


def with_neighbours(*values: float) -> list[float]:
    """Each value and the floats just below and just above it."""
    out = []
    for value in values:
        out += [math.nextafter(value, -math.inf), float(value), math.nextafter(value, math.inf)]
    return out


AGE_CUTOFFS = with_neighbours(0.5, 1, 10, 15, 18, 30, 35) + [0.0, 5e-324, math.nextafter(120.0, 0.0)]
WBC_SPECIAL = with_neighbours(30, 50, 300) + [0.0, 5e-324, 1e-300, 2.2250738585072014e-308, 1e-05, 2000.0]
MRD_SPECIAL = [0.0, 5e-324, 1e-05, 0.00999999, 0.01, 0.0100001, 0.99999, 1.0, 1.000001, 100.0]
MRD_SPECIAL += with_neighbours(0.01, 1.0)


def _floats(low: float, high: float, exclude_max: bool = False) -> st.SearchStrategy[float]:
    return st.floats(low, high, exclude_max=exclude_max, allow_nan=False, allow_infinity=False)


def ages(branch: str | None = None) -> st.SearchStrategy[float]:
    """Ages in one branch (or any valid age), with every cut-off and its neighbours. Ages below the branch's
    own cut-offs (10, 35) are drawn as often as the rest, so that low groups are common."""
    if branch is None:
        return st.sampled_from((INFANT, PEDIATRIC, ADULT)).flatmap(ages)
    low, high = BRANCH_AGES[branch]
    parts = [st.sampled_from([a for a in AGE_CUTOFFS if low <= a < high]), _floats(low, high, exclude_max=True)]
    if branch == PEDIATRIC:
        parts.append(_floats(1, 10, exclude_max=True))
    if branch == ADULT:
        parts.append(_floats(18, 35, exclude_max=True))
    return st.one_of(parts)


def wbcs() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(WBC_SPECIAL), _floats(0, 2000), _floats(0, 30), _floats(0, 50))


def mrd_values() -> st.SearchStrategy[float]:
    """A measured MRD value (never None), 0-100 %; values below the 0.01 % cut-off are common."""
    return st.one_of(st.sampled_from(MRD_SPECIAL), _floats(0, 100), _floats(0, 0.01, exclude_max=True))


def mrds() -> st.SearchStrategy[float | None]:
    return st.one_of(st.none(), mrd_values())


def known_genetics(allow_b_other: bool = True) -> st.SearchStrategy[frozenset[str]]:
    """A non-empty, valid set of genetic codes ('b_other' stands alone; hypodiploidy may come with high
    hyperdiploidy, as masked hypodiploidy does). Sets without an unfavorable code
    (favorable and/or neutral ones) are drawn as often as arbitrary sets."""
    named = st.frozensets(st.sampled_from([c for c in ALL_CODES if c != "b_other"]), min_size=1, max_size=4)
    benign = st.frozensets(st.sampled_from(FAVORABLE_CODES + NEUTRAL_CODES), min_size=1, max_size=3)
    parts = [named, benign]
    return st.one_of(st.just(frozenset({"b_other"})), *parts) if allow_b_other else st.one_of(parts)


def genetics(allow_b_other: bool = True) -> st.SearchStrategy[frozenset[str]]:
    """Valid genetics, including the empty set (results pending)."""
    return st.one_of(st.just(frozenset()), known_genetics(allow_b_other))


def cns_known() -> st.SearchStrategy[str]:
    return st.sampled_from(CNS_CLASSES)


def cns() -> st.SearchStrategy[str | None]:
    return st.sampled_from((None, *CNS_CLASSES, "CNS1"))


def involved_testes() -> st.SearchStrategy[bool]:
    return st.sampled_from((False, True, False))


def _lean_ages(branch: str | None) -> st.SearchStrategy[float]:
    """Ages below the in-branch cut-offs (10 in children, 35 in adults), plus the cut-offs themselves."""
    low, high = BRANCH_AGES[branch] if branch else (0.0, 120.0)
    parts = [st.sampled_from([a for a in AGE_CUTOFFS if low <= a < high])]
    if branch in (None, PEDIATRIC):
        parts.append(_floats(1, 10, exclude_max=True))
    if branch in (None, ADULT):
        parts.append(_floats(18, 35, exclude_max=True))
    if branch == INFANT:
        parts.append(_floats(0, 1, exclude_max=True))
    return st.one_of(parts)


def _low_risk(branch: str | None, complete: bool) -> st.SearchStrategy[Patient]:
    """Patients near or below every cut-off, so that favorable and standard groups (and the boundaries into
    high) are well covered; boundary values and their neighbours are still included."""
    lean_mrd = st.one_of(st.sampled_from(MRD_SPECIAL), _floats(0, 0.01, exclude_max=True))
    benign = st.one_of(
        st.just(frozenset({"b_other"})),
        st.frozensets(st.sampled_from(FAVORABLE_CODES), min_size=1),
        st.frozensets(st.sampled_from(FAVORABLE_CODES + NEUTRAL_CODES), min_size=1, max_size=3),
    )
    return st.builds(
        Patient,
        age_years=_lean_ages(branch),
        wbc_10e9_per_l=st.one_of(st.sampled_from(WBC_SPECIAL), _floats(0, 30)),
        genetics=benign if complete else st.one_of(st.just(frozenset()), benign),
        cns_status=st.sampled_from(("CNS1", "CNS2") if complete else ("CNS1", None, "CNS2")),
        testicular_involvement=st.just(False),
        mrd_day8_pb_percent=st.one_of(st.none(), lean_mrd),
        mrd_eoi_percent=lean_mrd if complete else st.one_of(st.none(), lean_mrd),
        mrd_eoc_percent=st.one_of(st.none(), lean_mrd),
    )


def patients(branch: str | None = None, complete: bool = False) -> st.SearchStrategy[Patient]:
    """Valid patients; with complete=True nothing is pending (genetics, CNS and EOI MRD are known).
    Half the draws lean towards the low-risk side of every cut-off."""
    general = st.builds(
        Patient,
        age_years=ages(branch),
        wbc_10e9_per_l=wbcs(),
        genetics=known_genetics() if complete else genetics(),
        cns_status=cns_known() if complete else cns(),
        testicular_involvement=involved_testes(),
        mrd_day8_pb_percent=mrds(),
        mrd_eoi_percent=mrd_values() if complete else mrds(),
        mrd_eoc_percent=mrds(),
    )
    return st.one_of(general, _low_risk(branch, complete))


def complete_patients(branch: str | None = None) -> st.SearchStrategy[Patient]:
    return patients(branch, complete=True)


branches = st.sampled_from((INFANT, PEDIATRIC, ADULT))


def branch_of(age: float) -> str:
    """The branch an age falls in (spec section 4), for choosing a second age in the same branch."""
    return next(branch for branch, (low, high) in BRANCH_AGES.items() if low <= age < high)
