"""riskcalc: an educational, rule-based B-ALL risk stratification calculator.

    from riskcalc import Patient, assess
    assess(Patient(age_years=4, wbc_10e9_per_l=12)).group

Every result is an illustration for teaching, never a treatment recommendation.
"""

from riskcalc.api import assess, assess_many, get_rulebook, what_if
from riskcalc.engine import EngineError
from riskcalc.models import (
    Assessment,
    Branch,
    Citation,
    CNSStatus,
    Direction,
    EvidenceStatus,
    Finding,
    GeneticCode,
    NciRisk,
    Note,
    Patient,
    RiskGroup,
    Scenario,
)
from riskcalc.rulebook import RulebookError

__all__ = [
    "Assessment",
    "Branch",
    "CNSStatus",
    "Citation",
    "Direction",
    "EngineError",
    "EvidenceStatus",
    "Finding",
    "GeneticCode",
    "NciRisk",
    "Note",
    "Patient",
    "RiskGroup",
    "RulebookError",
    "Scenario",
    "assess",
    "assess_many",
    "get_rulebook",
    "what_if",
]
