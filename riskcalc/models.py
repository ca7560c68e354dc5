"""Typed inputs and outputs of riskcalc (pydantic v2).

`Patient` holds exactly the fields, units and ranges of the model specification; `Assessment` is the one
object every presentation (API, command line, web page, handouts) is derived from. No engine imports here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
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


class KMT2APartner(StrEnum):
    """The partner gene of a KMT2A rearrangement, as far as the schemes distinguish it (BFM and DCOG read only
    KMT2A::AFF1, the t(4;11))."""

    AFF1 = "AFF1"
    OTHER = "other"


class PrednisoneResponse(StrEnum):
    """Blood blasts on day 8 after the 7-day prednisone prephase (the definition and its disputed boundary
    live in rules/)."""

    GOOD = "good"
    POOR = "poor"


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


def _genetics_consistent(codes: frozenset[GeneticCode]) -> frozenset[GeneticCode]:
    """'b_other' (tested, none of the listed findings) stands alone. Hypodiploidy with high hyperdiploidy is
    accepted: a doubled hypodiploid clone can look hyperdiploid (masked hypodiploidy), as a note explains."""
    if GeneticCode.B_OTHER in codes and len(codes) > 1:
        others = ", ".join(sorted(code.value for code in codes - {GeneticCode.B_OTHER}))
        raise PydanticCustomError(
            "genetics_contradiction",
            "'b_other' means none of the listed findings, so it cannot be combined with {others}",
            {"others": others},
        )
    return codes


# The check rides on the type, so that a set of codes is checked wherever it is validated on its own (the
# pending representatives of a rule file) as well as in a Patient.
GeneticFindings = Annotated[frozenset[GeneticCode], AfterValidator(_genetics_consistent)]

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
    genetics: GeneticFindings = Field(
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
    kmt2a_partner: KMT2APartner | None = Field(
        default=None,
        description="Partner of a KMT2A rearrangement: 'AFF1' (KMT2A::AFF1, t(4;11)) or 'other'; only with the "
        "genetics code kmt2a_r. None means not determined.",
    )
    modal_chromosome_number: int | None = Field(
        default=None,
        ge=20,
        le=100,
        strict=True,
        description="Modal number of chromosomes in the blasts (karyotype), 20 to 100. None means not given.",
        json_schema_extra={"unit": "chromosomes"},
    )
    dna_index: float | None = Field(
        default=None,
        ge=0.5,
        le=2.0,
        allow_inf_nan=False,
        strict=True,
        description="DNA index of the blasts by flow cytometry (1.0 = diploid), 0.5 to 2.0. None means not given.",
        json_schema_extra={"unit": "ratio"},
    )
    prednisone_response: PrednisoneResponse | None = Field(
        default=None,
        description="Response to the 7-day prednisone prephase, from blood blasts on day 8: 'good' or 'poor'. "
        "None means not known. Give either this or pb_blasts_day8_per_ul, not both.",
    )
    pb_blasts_day8_per_ul: float | None = Field(
        default=None,
        ge=0,
        le=2_000_000,
        allow_inf_nan=False,
        strict=True,
        description="Blood blasts per microlitre on day 8 after the 7-day prednisone prephase, 0 to 2,000,000: "
        "the count the prednisone response is read from. Give either this or prednisone_response, not both.",
        json_schema_extra={"unit": "per µL"},
    )
    mrd_day15_bm_percent: Percent | None = Field(
        default=None,
        description="Day-15 bone-marrow MRD by flow cytometry, in percent (0.01 % = 10^-4). None means not measured.",
    )
    eoi_marrow_blasts_percent: Percent | None = Field(
        default=None,
        description="Blasts in the bone marrow by morphology at the end of induction, in percent of nucleated "
        "cells (under 5 % = M1, remission). None means not given.",
    )
    sj_consolidation_mrd_persistent: bool | None = Field(
        default=None,
        strict=True,
        description="MRD persisting during consolidation, as St Jude Total XVI defined it (attested by the user: "
        "the threshold was not read). None means not known.",
    )

    # The checks of one input against another sit on the later field (pydantic validates in declaration order,
    # so the earlier one is in `info.data`): the error then names the field to correct, and the other in words.

    @field_validator("kmt2a_partner")
    @classmethod
    def _partner_needs_rearrangement(cls, partner: KMT2APartner | None, info: ValidationInfo) -> KMT2APartner | None:
        if partner is not None and "genetics" in info.data and GeneticCode.KMT2A_R not in info.data["genetics"]:
            raise PydanticCustomError(
                "kmt2a_partner_without_kmt2a_r",
                "a KMT2A partner is given, but genetics does not include kmt2a_r: the partner needs the rearrangement",
            )
        return partner

    @field_validator("modal_chromosome_number")
    @classmethod
    def _count_agrees_with_codes(cls, modal: int | None, info: ValidationInfo) -> int | None:
        """The counts are those of the genetic codes' own definitions (hypodiploidy: under 44 chromosomes; high
        hyperdiploidy: 51 to 67), so that a count and a code never say two different things."""
        if "genetics" not in info.data:  # genetics itself was refused, and that error is reported
            return modal
        codes = info.data["genetics"]
        if modal is not None and modal < 44 and GeneticCode.HYPODIPLOIDY not in codes:
            raise PydanticCustomError(
                "modal_number_without_hypodiploidy",
                "{modal} chromosomes is hypodiploidy (under 44), but genetics does not include hypodiploidy: add it",
                {"modal": modal},
            )
        if (
            modal is not None
            and 51 <= modal <= 67
            and not codes & {GeneticCode.HIGH_HYPERDIPLOIDY, GeneticCode.HYPODIPLOIDY}
        ):
            raise PydanticCustomError(
                "modal_number_without_hyperdiploidy",
                "{modal} chromosomes is high hyperdiploidy (51 to 67), but genetics does not include "
                "high_hyperdiploidy: add it (with hypodiploidy as well for a doubled hypodiploid clone)",
                {"modal": modal},
            )
        return modal

    @field_validator("pb_blasts_day8_per_ul")
    @classmethod
    def _one_prednisone_response(cls, count: float | None, info: ValidationInfo) -> float | None:
        if count is not None and info.data.get("prednisone_response") is not None:
            raise PydanticCustomError(
                "prednisone_response_twice",
                "the day-8 blast count gives the prednisone response, which prednisone_response gives too: "
                "give one of them",
            )
        return count


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
    disputed: str | None = Field(
        default=None, description="Set when the case sits on a boundary the sources read differently: where, briefly."
    )


class Note(BaseModel):
    """A teaching or treatment-context remark attached to the case, with sources."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    text: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    evidence: EvidenceStatus
    evidence_note: str | None = None
    disputed: str | None = Field(
        default=None, description="Set when the case sits on a boundary the sources read differently: where, briefly."
    )


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

    disputed: list[str] = Field(
        default_factory=list,
        description="The boundaries the case sits on that two sources read differently, each in a few words (its "
        "finding or note says what each source reads): of the rules deciding the status when there is no tier.",
    )


class ModelTier(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    colour: str
    ladder: str | None = None
    high_risk: bool = Field(default=False, description="A tier in which the scheme calls a child high risk.")


class ModelInfo(BaseModel):
    """What a scheme is: its id, title, era, source, population, tiers (lowest first) and inputs."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    title: str
    short: str = Field(description="The scheme's name where the title is too long (a table column, a list).")
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
