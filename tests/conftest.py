"""Shared test settings: Hypothesis profiles, the path of the rule files and the project's rulebook."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from riskcalc.rulebook import DEFAULT_MODEL, Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"

# "ci" (the default) is reproducible: derandomized, no example database written into the checkout.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=500)
# "quick" (./scripts/run-tests --quick): the same tests with a tenth of the examples, for the inner loop.
settings.register_profile(
    "quick",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """A test's number of Hypothesis examples: `full` in the full suite (and CI), a tenth of it (at least 20)
    in the quick loop. Tests that set their own count call this, so --quick can shorten them too."""
    return max(20, full // 10) if PROFILE == "quick" else full


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    """The project's own rulebook, for tests that build a private engine from it."""
    return load_rulebook(DEFAULT_MODEL, root=RULES_DIR)
