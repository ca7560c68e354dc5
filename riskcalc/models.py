"""Typed inputs and outputs of riskcalc (pydantic v2).

`Patient` holds exactly the fields, units and ranges of the model specification; `Assessment` is the one
object every presentation (API, command line, web page, handouts) is derived from. No engine imports here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError


class RiskGroup(StrEnum):
    """The three illustrative groups, in increasing order of risk."""

    FAVORABLE = "favorable"
    STANDARD = "standard"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _GROUP_ORDER.index(self)


_GROUP_ORDER = (RiskGroup.FAVORABLE, RiskGroup.STANDARD, RiskGroup.HIGH)


class Branch(StrEnum):
    INFANT = "infant"
    PEDIATRIC = "pediatric"
    ADULT = "adult"


class NciRisk(StrEnum):
    STANDARD = "standard"
    HIGH = "high"


class CNSStatus(StrEnum):
    CNS1 = "CNS1"
    CNS2 = "CNS2"
    CNS3 = "CNS3"


class GeneticCode(StrEnum):
    """The genetic findings the model knows; their labels, classes and sources live in rules/."""

    HIGH_HYPERDIPLOIDY = "high_hyperdiploidy"
    ETV6_RUNX1 = "etv6_runx1"
    BCR_ABL1 = "bcr_abl1"
    BCR_ABL1_LIKE = "bcr_abl1_like"
    KMT2A_R = "kmt2a_r"
    HYPODIPLOIDY = "hypodiploidy"
    IAMP21 = "iamp21"
    TCF3_HLF = "tcf3_hlf"
    DUX4_R = "dux4_r"
    TCF3_PBX1 = "tcf3_pbx1"
    PAX5ALT = "pax5alt"
    ZNF384_R = "znf384_r"
    MEF2D_R = "mef2d_r"
    IKZF1PLUS = "ikzf1plus"
    TRISOMY_4_10 = "trisomy_4_10"
    B_OTHER = "b_other"


class SteroidPretreatment(StrEnum):
    """Corticosteroid given before diagnosis, in the windows the COG tables print (their meaning: rules/)."""

    NONE = "none"
    LE_24H = "le_24h"
    GT_24H = "gt_24h"


class Direction(StrEnum):
    """Which way a finding pushes the group, relative to an average case of its branch."""

    FAVORABLE = "favorable"
    NEUTRAL = "neutral"
    UNFAVORABLE = "unfavorable"


class EvidenceStatus(StrEnum):
    """Carried over from the evidence file: read in a stored source, partly, or not yet confirmed."""

    VERIFIED = "V"
    PARTIAL = "V-partial"
    UNCONFIRMED = "U"


# Input ranges of the specification (section 1). They bound what can be entered, they are not clinical cut-offs.
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False, strict=True, json_schema_extra={"unit": "%"})]


class Patient(BaseModel):
    """One case at diagnosis and during early treatment, in the model's own units."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    age_years: float = Field(
        ge=0,
        lt=120,
        allow_inf_nan=False,
        strict=True,
        description="Age at diagnosis, in years (0 <= age < 120).",
        json_schema_extra={"unit": "years"},
    )
    wbc_10e9_per_l: float = Field(
        ge=0,
        le=2000,
        allow_inf_nan=False,
        strict=True,
        description="White cell count at diagnosis, in 10^9/L (= thousands per microlitre), 0 to 2000.",
        json_schema_extra={"unit": "10^9/L"},
    )
    genetics: frozenset[GeneticCode] = Field(
        default=frozenset(),
        description="Genetic findings in the blasts, as codes. Empty means the results are pending; "
        "'b_other' means tested and none of the listed findings.",
    )
    cns_status: CNSStatus | None = Field(
        default=None,
        description="CNS status at diagnosis (CNS1, CNS2 or CNS3). None means not yet known.",
    )
    testicular_involvement: bool = Field(
        default=False, strict=True, description="Overt testicular leukemia at diagnosis."
    )
    mrd_day8_pb_percent: Percent | None = Field(
        default=None,
        description="Day-8 peripheral-blood MRD, in percent of nucleated cells (0.01 % = 10^-4). "
        "None means not measured.",
    )
    mrd_eoi_percent: Percent | None = Field(
        default=None,
        description="End-of-induction (day 29-33) marrow MRD, in percent (0.01 % = 10^-4). None means pending.",
    )
    mrd_eoc_percent: Percent | None = Field(
        default=None,
        description="End-of-consolidation marrow MRD, in percent (0.01 % = 10^-4). None means not measured.",
    )
    steroid_pretreatment: SteroidPretreatment | None = Field(
        default=None,
        description="Corticosteroid before diagnosis: 'none' (none within one month), 'le_24h' (some within the "
        "month, but not more than 24 hours of it within the 2 weeks before diagnosis), 'gt_24h' (more than 24 "
        "hours within those 2 weeks). None means not known.",
    )
    down_syndrome: bool | None = Field(
        default=None,
        strict=True,
        description="Down syndrome (constitutional trisomy 21). None means not given.",
    )

    @field_validator("genetics")
    @classmethod
    def _genetics_consistent(cls, codes: frozenset[GeneticCode]) -> frozenset[GeneticCode]:
        if GeneticCode.B_OTHER in codes and len(codes) > 1:
            others = ", ".join(sorted(code.value for code in codes - {GeneticCode.B_OTHER}))
            raise PydanticCustomError(
                "genetics_contradiction",
                "'b_other' means none of the listed findings, so it cannot be combined with {others}",
                {"others": others},
            )
        # hypodiploidy with high_hyperdiploidy is accepted: a doubled hypodiploid clone can look hyperdiploid
        # (masked hypodiploidy), and the rule files explain it in a note.
        return codes


class Citation(BaseModel):
    """A resolved reference: what a reader needs to find the source."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str = Field(description="Short form, e.g. 'Smith et al., J Clin Oncol 1996'.")
    url: str = Field(description="DOI, PubMed or source address.")
    verified: EvidenceStatus


class Finding(BaseModel):
    """One rule that fired: the factor it read, which way it pushes, and why, with sources."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    factor: str
    direction: Direction
    text: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None


class Note(BaseModel):
    """A teaching or treatment-context remark attached to the case, with sources."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    text: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None


class Scenario(BaseModel):
    """One way of filling in the pending results, and the group it leads to."""

    model_config = ConfigDict(frozen=True)

    fills: dict[str, str | float | list[str]]
    group: RiskGroup


class Assessment(BaseModel):
    """The result of assessing one patient: group, explanation and the state of pending results."""

    model_config = ConfigDict(frozen=True)

    patient: Patient
    group: RiskGroup = Field(description="The lowest of possible_groups: the floor the known facts set.")
    possible_groups: list[RiskGroup] = Field(description="Groups reachable once pending results arrive, lowest first.")
    provisional: bool = Field(description="True when more than one group is still possible.")
    pending: list[str] = Field(description="Pending Patient fields whose result can still change the group.")
    branch: Branch
    nci_risk: NciRisk | None = Field(description="NCI/Rome group; pediatric branch only.")
    findings: list[Finding]
    notes: list[Note]
    scenarios: list[Scenario] = Field(
        default_factory=list, description="Each filling of the pending results and its group (empty when final)."
    )
    fired_rules: list[str] = Field(description="Ids of every rule that fired for the known facts, in rulebook order.")
    model_id: str
    model_version: str
    disclaimer: str


class ClassificationStatus(StrEnum):
    """What a scheme says about a case: a tier, outside its population, or sent elsewhere by its source."""

    CLASSIFIED = "classified"
    NOT_APPLICABLE = "not_applicable"
    NOT_CLASSIFIED = "not_classified"


class Classification(BaseModel):
    """The result of one scheme for one patient: exactly one status, and the reasons with their sources."""

    model_config = ConfigDict(frozen=True)

    patient: Patient
    model_id: str
    model_version: str
    model_title: str
    status: ClassificationStatus
    tier: str | None = Field(description="The tier; the lowest possible one while provisional; None unless classified.")
    tier_name: str | None = Field(description="The source's name of the tier.")
    possible_tiers: list[str] = Field(description="Tiers reachable once pending results arrive, in the model's order.")
    provisional: bool = Field(description="True when more than one tier is still possible.")
    pending: list[str] = Field(description="Pending Patient fields whose result can still change the tier.")
    reason: str | None = Field(description="Why the scheme gives no tier (not applicable / not classified).")
    findings: list[Finding]
    notes: list[Note]
    assumed: list[str] = Field(description="Inputs not given that the scheme takes as absent, in words.")
    classifications: dict[str, str] = Field(description="Named intermediate classifications the rules set.")
    fired_rules: list[str]
    disclaimer: str


class ModelTier(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    colour: str
    ladder: str | None = None


class ModelInfo(BaseModel):
    """What a scheme is: its id, title, era, source, population, tiers (lowest first) and inputs."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    title: str
    era: str
    source: str
    lineage: str
    population: str
    age_from: float
    age_below: float
    tiers: list[str] = Field(description="Tier ids, lowest risk first.")
    tier_details: list[ModelTier]
    inputs: list[str]
    pending: list[str]
    notes: list[Note]
