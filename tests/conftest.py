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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    """The project's own rulebook, for tests that build a private engine from it."""
    return load_rulebook(DEFAULT_MODEL, root=RULES_DIR)
