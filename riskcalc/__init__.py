"""riskcalc: an educational, rule-based B-ALL risk stratification calculator.

    from riskcalc import Patient, assess, classify_all
    assess(Patient(age_years=4, wbc_10e9_per_l=12)).group     # the illustrative teaching model
    classify_all(Patient(age_years=4, wbc_10e9_per_l=12))      # every scheme side by side

Every result is an illustration for teaching, never a treatment recommendation.
"""

from riskcalc.api import (
    assess,
    assess_many,
    classify,
    classify_all,
    classify_many,
    get_rulebook,
    model_info,
    models,
    what_if,
)
from riskcalc.engine import EngineError
from riskcalc.models import (
    Assessment,
    Branch,
    Citation,
    Classification,
    ClassificationStatus,
    CNSStatus,
    Direction,
    EvidenceStatus,
    Finding,
    GeneticCode,
    KMT2APartner,
    ModelInfo,
    NciRisk,
    Note,
    Patient,
    PrednisoneResponse,
    RiskGroup,
    Scenario,
    SteroidPretreatment,
)
from riskcalc.rulebook import RulebookError

__all__ = [
    "Assessment",
    "Branch",
    "CNSStatus",
    "Citation",
    "Classification",
    "ClassificationStatus",
    "Direction",
    "EngineError",
    "EvidenceStatus",
    "Finding",
    "GeneticCode",
    "KMT2APartner",
    "ModelInfo",
    "NciRisk",
    "Note",
    "Patient",
    "PrednisoneResponse",
    "RiskGroup",
    "RulebookError",
    "Scenario",
    "SteroidPretreatment",
    "assess",
    "assess_many",
    "classify",
    "classify_all",
    "classify_many",
    "get_rulebook",
    "model_info",
    "models",
    "what_if",
]
