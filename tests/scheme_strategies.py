"""Explicit Hypothesis strategies for the schemes' patients (no type inference): every cut-off the schemes
print, at x - e, x and x + e, the inputs only some schemes read, and complete cases as well as cases with
pending inputs."""

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


# Ages: the population bounds (1, 15, 18, 19, 25, 31, 60), the splits inside (0.5 Interfant, 10 NCI, 13
# AALL08B1, 35 adults) and the disputed adult bounds (61: Rowe's "60 or younger").
AGE_CUTS = with_neighbours(0.5, 1, 10, 13, 15, 18, 19, 25, 31, 35, 60, 61) + [0.0, 0.3, 4.0, 12.0, 40.0]
WBC_CUTS = with_neighbours(30, 50, 300) + [0.0, 10.0]
# MRD: 0.01 % (COG, St Jude), 0.05 % (BFM, DCOG), 0.1 % (AALL1731 EOI, EOC flag, AIEOP-BFM 2000 day 78),
# 1 % (day 8, EOC, St Jude day 15 and EOI), 10 % (AIEOP-BFM 2009 day 15); 0.001 % = positive, not quantifiable.
MRD_CUTS = with_neighbours(0.01, 0.05, 0.1, 1.0, 10.0) + [0.0, 0.001, 5.0, 100.0]
# End-of-induction marrow blasts: 5 % (M1 / not M1; DCOG > 5) and 25 % (M3).
BLAST_CUTS = with_neighbours(5, 25) + [0.0, 1.0, 60.0]
# Day-8 blood blasts after the prednisone prephase: 1,000 per microlitre.
PREDNISONE_CUTS = with_neighbours(1000) + [0.0, 200.0, 50_000.0]
# DNA index: 0.81 (COG hypodiploidy), 1.16 (St Jude).
DNA_INDEX_CUTS = with_neighbours(0.81, 1.16) + [0.5, 1.0, 2.0]
# Modal chromosome numbers: 44 and 45 (the COG and BFM hypodiploidy bounds); others by the codes they need.
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


def count_values(cuts: list[float], low: float, high: float) -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(cuts), st.floats(low, high, allow_nan=False))


def known_genetics() -> st.SearchStrategy[frozenset[str]]:
    """Non-empty valid sets: b_other alone, favorable ones (with neutral), or any mix; BCR::ABL1 is rare."""
    benign = st.frozensets(st.sampled_from(FAVORABLE + NEUTRAL), min_size=1, max_size=3)
    mixed = st.frozensets(st.sampled_from(FAVORABLE + UNFAVORABLE + NEUTRAL), min_size=1, max_size=3)
    rare = st.frozensets(st.sampled_from(CODES), min_size=1, max_size=3)
    return st.one_of(st.just(frozenset({"b_other"})), benign, benign, mixed, rare)


@st.composite
def _karyotype(draw: st.DrawFn, genetics: frozenset[str], complete: bool) -> dict[str, object]:
    """The inputs that describe the genetics further, consistent with the codes (Patient refuses the rest):
    a KMT2A partner only with kmt2a_r, a modal number that agrees with the hypodiploidy and hyperdiploidy codes."""
    found: dict[str, object] = {}
    if "kmt2a_r" in genetics:
        found["kmt2a_partner"] = draw(st.sampled_from(("AFF1", "other") if complete else (None, "AFF1", "other")))
    hypo, hyper = "hypodiploidy" in genetics, "high_hyperdiploidy" in genetics
    counts = [44, 45, 46, 47, 48, 50] + ([30, 40, 43] if hypo else []) + ([52, 56, 60] if hyper or hypo else [])
    found["modal_chromosome_number"] = draw(st.one_of(st.none(), st.sampled_from(counts)))
    found["dna_index"] = draw(st.one_of(st.none(), count_values(DNA_INDEX_CUTS, 0.5, 2.0)))
    return found


@st.composite
def _patient(draw: st.DrawFn, complete: bool) -> Patient:
    def maybe(strategy: st.SearchStrategy[object]) -> object:
        return draw(strategy if complete else st.one_of(st.none(), strategy, strategy))

    genetics = draw(known_genetics() if complete else st.one_of(st.just(frozenset()), known_genetics()))
    prednisone = draw(st.sampled_from(("response", "count", "neither" if not complete else "response")))
    return Patient(
        age_years=draw(ages()),
        wbc_10e9_per_l=draw(wbcs()),
        genetics=genetics,
        cns_status=maybe(st.sampled_from(("CNS1", "CNS1", "CNS2", "CNS3"))),
        testicular_involvement=draw(st.sampled_from((False, False, False, True))),
        steroid_pretreatment=maybe(st.sampled_from(("none", "none", "le_24h", "gt_24h"))),
        mrd_day8_pb_percent=maybe(mrd_values()),
        mrd_day15_bm_percent=maybe(mrd_values()),
        mrd_eoi_percent=maybe(mrd_values()),
        mrd_eoc_percent=draw(st.one_of(st.none(), mrd_values())) if not complete else draw(mrd_values()),
        eoi_marrow_blasts_percent=draw(st.one_of(st.none(), count_values(BLAST_CUTS, 0, 100))),
        prednisone_response=maybe(st.sampled_from(("good", "poor"))) if prednisone == "response" else None,
        pb_blasts_day8_per_ul=draw(count_values(PREDNISONE_CUTS, 0, 100_000)) if prednisone == "count" else None,
        sj_consolidation_mrd_persistent=maybe(st.sampled_from((False, False, True))),
        down_syndrome=draw(st.sampled_from((None, False, True))),
        **draw(_karyotype(genetics, complete)),
    )


def patients(complete: bool) -> st.SearchStrategy[Patient]:
    """Patients weighted to every cut-off; `complete` fills every input the schemes wait for."""
    return _patient(complete)
