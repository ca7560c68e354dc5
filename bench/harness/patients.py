"""Random valid patients for load: cut-offs, their neighbours and tiny floats half the time, uniform values
otherwise, with some results pending. Seeded by the caller's Random, so every run draws the same patients.

Used by tests/test_load.py (threads, memos, the million-assessment subprocess) and free for benchmarks.
"""

from __future__ import annotations

import random

from riskcalc import Patient

AGES = [0.0, 0.3, 0.999, 1.0, 4.0, 9.99, 10.0, 13.0, 15.0, 17.999, 18.0, 34.9, 35.0, 35.001, 60.0, 119.0]
WBCS = [0.0, 5e-324, 1e-05, 4.0, 29.99, 30.0, 49.99, 50.0, 299.0, 300.0, 2000.0]
GENETICS = [
    ["b_other"],
    ["etv6_runx1"],
    ["high_hyperdiploidy"],
    ["bcr_abl1"],
    ["kmt2a_r"],
    ["etv6_runx1", "iamp21"],
    ["dux4_r", "ikzf1plus"],
    ["hypodiploidy", "tcf3_hlf"],
    ["high_hyperdiploidy", "etv6_runx1"],
]
AGE_BANDS = [(0, 1), (1, 10), (1, 10), (10, 18), (18, 35), (18, 35), (35, 119.9)]  # low-risk bands drawn more
MRDS = [0.0, 1e-07, 1e-05, 0.0099, 0.01, 0.5, 1.0, 100.0]


def random_patient(rng: random.Random, complete_share: float = 0.5) -> Patient:
    """A valid patient: cut-offs, their neighbours and tiny floats half the time, uniform values otherwise;
    with probability `complete_share` nothing is pending, else each pending input is missing at random."""
    complete = rng.random() < complete_share
    age = rng.choice(AGES) if rng.random() < 0.5 else rng.uniform(*rng.choice(AGE_BANDS))
    wbc = rng.choice(WBCS) if rng.random() < 0.5 else rng.uniform(0, rng.choice([60, 60, 60, 2000]))

    def mrd(optional: bool) -> float | None:
        if optional and rng.random() < 0.4:
            return None
        return rng.choice(MRDS) if rng.random() < 0.7 else rng.uniform(0, rng.choice([0.02, 100]))

    return Patient(
        age_years=age,
        wbc_10e9_per_l=wbc,
        genetics=rng.choice(GENETICS) if complete or rng.random() < 0.5 else [],
        cns_status=rng.choice(["CNS1", "CNS2", "CNS3"]) if complete or rng.random() < 0.5 else None,
        testicular_involvement=rng.random() < 0.1,
        mrd_day8_pb_percent=mrd(True),
        mrd_eoi_percent=mrd(not complete),
        mrd_eoc_percent=mrd(True),
    )
