"""Explicit Hypothesis strategies for the schemes' patients (no type inference): every cut-off the three
schemes print, at x - e, x and x + e, the new inputs, and complete cases as well as cases with pending inputs."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from riskcalc.models import Patient


def with_neighbours(*values: float) -> list[float]:
    """Each value and the floats just below and just above it."""
    out = []
    for value in values:
        out += [math.nextafter(value, -math.inf), float(value), math.nextafter(value, math.inf)]
    return out


# Ages: the population bounds (1, 25, 31) and the splits inside (10 NCI, 13 AALL08B1).
AGE_CUTS = with_neighbours(1, 10, 13, 25, 31) + [0.0, 0.5, 4.0, 12.0]
WBC_CUTS = with_neighbours(50) + [0.0, 10.0, 300.0]
# MRD: 0.01 % (COG), 0.1 % (AALL1731 EOI, EOC flag), 1 % (day 8, EOC); 0.001 % = positive, not quantifiable.
MRD_CUTS = with_neighbours(0.01, 0.1, 1.0) + [0.0, 0.001, 5.0, 100.0]
FAVORABLE = ("etv6_runx1", "trisomy_4_10")
UNFAVORABLE = ("hypodiploidy", "kmt2a_r", "iamp21", "tcf3_hlf")
NEUTRAL = ("high_hyperdiploidy", "bcr_abl1_like", "dux4_r", "tcf3_pbx1", "pax5alt", "ikzf1plus")
CODES = FAVORABLE + UNFAVORABLE + NEUTRAL + ("bcr_abl1",)


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, exclude_max=True, allow_nan=False, allow_infinity=False)


def ages() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(AGE_CUTS), _floats(1, 10), _floats(0, 40))


def wbcs() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(WBC_CUTS), _floats(0, 50), st.floats(0, 2000, allow_nan=False))


def mrd_values() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(MRD_CUTS), _floats(0, 0.01), st.floats(0, 100, allow_nan=False))


def known_genetics() -> st.SearchStrategy[frozenset[str]]:
    """Non-empty valid sets: b_other alone, favorable ones (with neutral), or any mix; BCR::ABL1 is rare."""
    benign = st.frozensets(st.sampled_from(FAVORABLE + NEUTRAL), min_size=1, max_size=3)
    mixed = st.frozensets(st.sampled_from(FAVORABLE + UNFAVORABLE + NEUTRAL), min_size=1, max_size=3)
    rare = st.frozensets(st.sampled_from(CODES), min_size=1, max_size=3)
    return st.one_of(st.just(frozenset({"b_other"})), benign, benign, mixed, rare)


def patients(complete: bool) -> st.SearchStrategy[Patient]:
    """Patients weighted to every cut-off; `complete` fills every input the schemes wait for."""

    def maybe(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
        return strategy if complete else st.one_of(st.none(), strategy, strategy)

    genetics = known_genetics() if complete else st.one_of(st.just(frozenset()), known_genetics())
    return st.builds(
        Patient,
        age_years=ages(),
        wbc_10e9_per_l=wbcs(),
        genetics=genetics,
        cns_status=maybe(st.sampled_from(("CNS1", "CNS1", "CNS2", "CNS3"))),
        testicular_involvement=st.sampled_from((False, False, False, True)),
        steroid_pretreatment=maybe(st.sampled_from(("none", "none", "le_24h", "gt_24h"))),
        mrd_day8_pb_percent=maybe(mrd_values()),
        mrd_eoi_percent=maybe(mrd_values()),
        mrd_eoc_percent=st.one_of(st.none(), mrd_values()) if not complete else mrd_values(),
        down_syndrome=st.sampled_from((None, False, True)),
    )
