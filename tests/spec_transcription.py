"""An independent, executable transcription of the real schemes' decision lists in
/work/shared/spec/frameworks.md (Part 1, whose corrections in 1.6 win, and Part 2 sections 1 to 8).

It is written from the specification alone, in plain Python, and shares nothing with the rule folders or the
engine (no riskcalc.rulebook, engine or conditions): the tests hold the rule folders to it.

`transcribe(patient, model)` returns the status and, when classified, the tiers still possible. Each scheme is
one function that walks its decision list top to bottom (first match wins), reading the patient through a
`_Reader`. When a rule reads an input that is *pending* in that scheme (Part 1.6 item 1) and the patient lacks
it, the reader stops the walk and the walk is repeated once per representative value of that input (values of
this module's choosing, one in every interval between the cut-offs of every scheme; for genetics, every code
on its own, minus the codes that send the case out of the scheme: Part 1.6 item 6). The tiers reached are the
possible tiers. An input read only where a rule can still read it is pending only there, because the walk
branches only on what it actually reads. Inputs that are *assumed absent* when missing (dna_index,
modal_chromosome_number, eoi_marrow_blasts_percent, down_syndrome; a genetics code not reported once results
are in) are read as "not present": every comparison on a missing value is false.

Flags, notes and wordings are design choices the spec leaves open: only status and possible tiers are given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riskcalc.models import Patient

CLASSIFIED = "classified"
NOT_APPLICABLE = "not_applicable"
NOT_CLASSIFIED = "not_classified"

# Part 1.1: tier ids per model, lowest risk first (AALL1731: the two ladders in the listed order).
TIERS: dict[str, tuple[str, ...]] = {
    "nci_rome": ("standard", "high"),
    "cog_aall08b1": ("low", "average", "high", "very_high"),
    "cog_aall1731": ("sr_favorable", "sr_average", "sr_high", "hr_favorable", "hr", "vhr"),
    "bfm": ("standard", "intermediate", "high"),
    "interfant06": ("low", "medium", "high"),
    "stjude_total16": ("low", "standard", "high"),
    "dcog_all10": ("standard", "medium", "high"),
    "ukall12_e2993": ("standard", "high"),
}
MODELS = tuple(TIERS)


@dataclass(frozen=True)
class Expected:
    status: str  # classified | not_applicable | not_classified
    possible_tiers: list[str]  # in the model's order; empty unless classified


# ---------------------------------------------------------------------------------------------------------------
# Representative values of pending inputs (this module's own choice).
# MRD: every interval between 0, 0.01 (COG, St Jude), 0.05 (BFM ">", DCOG ">="), 0.1 (AALL1731 double trisomy),
# 1 (COG day 8, elevated EOC, St Jude day 15 and EOI) and 10 %, and each cut-off itself; 0.001 = positive,
# not quantifiable.
MRD_VALUES = (0.0, 0.001, 0.01, 0.03, 0.05, 0.07, 0.1, 0.5, 1.0, 5.0, 10.0, 50.0)
REPRESENTATIVES: dict[str, tuple[Any, ...]] = {
    "cns_status": ("CNS1", "CNS2", "CNS3"),
    "steroid_pretreatment": ("none", "le_24h", "gt_24h"),
    "mrd_day8_pb_percent": MRD_VALUES,
    "mrd_eoi_percent": MRD_VALUES,
    "mrd_eoc_percent": MRD_VALUES,
    "mrd_day15_bm_percent": MRD_VALUES,
    "prednisone_response": ("good", "poor"),
    "kmt2a_partner": ("AFF1", "other"),
    "sj_consolidation_mrd_persistent": (False, True),
}
ALL_CODES = (
    "high_hyperdiploidy", "etv6_runx1", "bcr_abl1", "bcr_abl1_like", "kmt2a_r", "hypodiploidy", "iamp21",
    "tcf3_hlf", "dux4_r", "tcf3_pbx1", "pax5alt", "znf384_r", "mef2d_r", "ikzf1plus", "trisomy_4_10", "b_other",
)  # fmt: skip


def _genetics_representatives(out_of_scheme: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """Every code on its own (so every class a scheme distinguishes), never one that sends the case out."""
    return tuple(frozenset({code}) for code in ALL_CODES if code not in out_of_scheme)


class _Need(Exception):
    """A rule read a pending input the patient lacks: walk again once per representative."""

    def __init__(self, field: str, values: tuple[Any, ...]) -> None:
        super().__init__(field)
        self.field = field
        self.values = values


@dataclass(frozen=True)
class _Status:
    status: str


NA = _Status(NOT_APPLICABLE)
NC = _Status(NOT_CLASSIFIED)


class _Reader:
    """The patient's values plus the representatives filled in so far."""

    def __init__(self, values: dict[str, Any], fills: dict[str, Any], genetics_reps: tuple[frozenset[str], ...]):
        self._values = values
        self._fills = fills
        self._genetics_reps = genetics_reps

    @property
    def age(self) -> float:
        return float(self._values["age_years"])

    @property
    def wbc(self) -> float:
        return float(self._values["wbc_10e9_per_l"])

    def given(self, field: str) -> Any:
        """An input read as given, or None (not pending here: a condition on it is then false)."""
        if field in self._fills:
            return self._fills[field]
        return self._values.get(field)

    def pending(self, field: str) -> Any:
        """An input that is pending here: when missing, walk once per representative."""
        value = self.given(field)
        if value is None:
            raise _Need(field, REPRESENTATIVES[field])
        return value

    def genetics(self) -> frozenset[str]:
        """Genetics are pending when empty (Part 1.5, 1.6 item 1)."""
        codes = self.given("genetics")
        if not codes:
            raise _Need("genetics", self._genetics_reps)
        return frozenset(codes)

    def has(self, code: str) -> bool:
        return code in self.genetics()

    def kmt2a_aff1(self) -> bool:
        """KMT2A::AFF1: the rearrangement and its partner; the partner is pending when kmt2a_r (D, G)."""
        return self.has("kmt2a_r") and self.pending("kmt2a_partner") == "AFF1"

    def prednisone_poor(self) -> bool:
        """Poor = >= 1,000 blasts/uL on day 8 (Dordelmann 1999, adopted); pending unless the count is given."""
        count = self.given("pb_blasts_day8_per_ul")
        if count is not None and self.given("prednisone_response") is None:
            return bool(count >= 1000)
        return bool(self.pending("prednisone_response") == "poor")


def _ge(value: float | None, cut: float) -> bool:
    return value is not None and value >= cut


def _gt(value: float | None, cut: float) -> bool:
    return value is not None and value > cut


def _lt(value: float | None, cut: float) -> bool:
    return value is not None and value < cut


def _nci_standard(r: _Reader) -> bool:
    """A1: age 1 to < 10 years and WBC < 50 x10^9/L."""
    return 1 <= r.age < 10 and r.wbc < 50


# ---------------------------------------------------------------------------------------------------------------
# A. NCI/Rome (A.4)


def _nci_rome(r: _Reader) -> str | _Status:
    if r.age < 1:  # A0a
        return NA
    if r.age >= 31:  # A0b [U]
        return NA
    if _nci_standard(r):  # A1
        return "standard"
    return "high"  # A2


# ---------------------------------------------------------------------------------------------------------------
# B. COG AALL08B1 (B.4 with Part 1.6 items 4 and 7)


def _cog_aall08b1(r: _Reader) -> str | _Status:
    if r.age < 1:  # B0a
        return NA
    if r.age >= 31:  # B0b
        return NA
    if r.has("bcr_abl1"):  # B0d: separate Ph+ trials
        return NC
    # Induction failure (1.6 item 7): M3 marrow (>= 25 %) is Very high; M2 only flagged. Assumed absent if missing.
    if _ge(r.given("eoi_marrow_blasts_percent"), 25):
        return "very_high"
    # B1: unfavorable list of 1.6 item 4 (hypodiploidy code or DNA index < 0.81, KMT2A-r, iAMP21, TCF3::HLF).
    unfavorable = (
        r.has("hypodiploidy")
        or _lt(r.given("dna_index"), 0.81)
        or r.has("kmt2a_r")
        or r.has("iamp21")
        or r.has("tcf3_hlf")
    )
    if unfavorable:
        return "very_high"
    nci_sr = _nci_standard(r)
    # B0c [U]: NCI SR elevated to HR by CNS3, testicular disease or steroids > 24 h. Steroid pretreatment is pending
    # only in scheme C (1.6 item 1): missing here, the condition on it is false.
    if nci_sr and (
        r.pending("cns_status") == "CNS3"
        or r.given("testicular_involvement")
        or r.given("steroid_pretreatment") == "gt_24h"
    ):
        nci_sr = False
    if not nci_sr:
        if r.age >= 13:  # B2
            return "very_high"
        if r.pending("mrd_eoi_percent") >= 0.01:  # B3
            return "very_high"
        return "high"  # B4: age < 13 and day-29 MRD < 0.01
    favorable = r.has("etv6_runx1") or r.has("trisomy_4_10")
    eoi = r.pending("mrd_eoi_percent")
    if favorable:
        if eoi >= 0.01:  # B5
            return "high"
        day8 = r.pending("mrd_day8_pb_percent")
        cns = r.pending("cns_status")
        if cns == "CNS1" and day8 < 0.01:  # B6
            return "low"
        if cns == "CNS2" and day8 < 0.01:  # B6b [U]
            return "average"
        return "average"  # B7: day 8 >= 0.01, day 29 < 0.01
    if eoi >= 0.01:  # B8
        return "very_high"
    if r.pending("mrd_day8_pb_percent") >= 1:  # B9
        return "high"
    return "average"  # B10


# ---------------------------------------------------------------------------------------------------------------
# C. COG AALL1731/AALL1732 (C.4 with Part 1.6 items 3 and 7)


def _cog_aall1731(r: _Reader) -> str | _Status:
    if r.age < 1:  # C0a
        return NA
    if r.age >= 25:  # C0b
        return NA
    if r.has("bcr_abl1"):  # C0c
        return NC
    if _ge(r.given("eoi_marrow_blasts_percent"), 25):  # induction failure (G6, 1.6 item 7): outside Tables 6-10
        return NC
    favorable = r.has("etv6_runx1") or r.has("trisomy_4_10")
    unfavorable = (
        r.has("hypodiploidy")
        or _lt(r.given("dna_index"), 0.81)
        or r.has("kmt2a_r")
        or r.has("tcf3_hlf")
        or r.has("iamp21")
    )
    etv = r.has("etv6_runx1")
    testis = bool(r.given("testicular_involvement"))

    if _nci_standard(r):
        cns = r.pending("cns_status")
        steroid = r.pending("steroid_pretreatment")
        if cns == "CNS3" or testis or steroid == "gt_24h":  # elevated to HR (PDQc:1445)
            eoi = r.pending("mrd_eoi_percent")
            if eoi < 0.01:  # C1: no EOC marrow is taken
                return "hr"
            if r.pending("mrd_eoc_percent") < 1:  # C2
                return "hr"
            return "vhr"  # C3 [U gap G1]
        # NCI SR, not elevated: CNS1 or CNS2.
        if unfavorable:  # C4 (gap G4: unfavorable wins)
            return "sr_high"
        if favorable:
            eoi = r.pending("mrd_eoi_percent")
            if eoi < 0.01:
                day8 = r.pending("mrd_day8_pb_percent")
                if day8 >= 1:  # C5
                    return "sr_average"
                if steroid == "none":  # C6
                    return "sr_favorable"
                return "sr_average"  # C7 [U gap G2]: le_24h
            if etv:  # C8 (gap G3 when double trisomy too)
                return "sr_high"
            if eoi < 0.1:  # C9: double trisomy without ETV6::RUNX1, 0.01 to < 0.1
                return "sr_average"
            return "sr_high"  # C10
        # neutral
        if cns == "CNS2":  # C11
            return "sr_high"
        if r.pending("mrd_eoi_percent") < 0.01:  # C12
            return "sr_average"
        return "sr_high"  # C13

    # NCI HR. EOC is read only after a positive EOI (footnote c; 1.6 item 3).
    eoi = r.pending("mrd_eoi_percent")
    if eoi >= 0.01:
        if r.pending("mrd_eoc_percent") >= 0.01:  # C14
            return "vhr"
        return "hr"  # C15
    if r.age >= 10:  # C16
        return "hr"
    cns = r.pending("cns_status")
    if cns in ("CNS2", "CNS3") or testis:  # C17
        return "hr"
    if r.pending("steroid_pretreatment") == "gt_24h":  # C18
        return "hr"
    if favorable and not unfavorable:  # C19 (CNS1, no testis, steroid none or le_24h)
        return "hr_favorable"
    return "hr"  # C20


# ---------------------------------------------------------------------------------------------------------------
# D. BFM as the 2025 PDQ describes it (D.4 with Part 1.6 items 1 and 7). TP1 = mrd_eoi_percent, TP2 =
# mrd_eoc_percent, "high" = > 0.05 %.


def _bfm(r: _Reader) -> str | _Status:
    if r.age < 1 or r.age >= 18:  # D0 [U]
        return NA
    if r.has("bcr_abl1"):  # D0 [U]
        return NC
    if _ge(r.given("eoi_marrow_blasts_percent"), 5):  # D8 induction failure [U], before the other tier rules
        return "high"
    modal = r.given("modal_chromosome_number")  # assumed absent when missing (1.6 item 1)
    if r.kmt2a_aff1() or r.has("tcf3_hlf") or _lt(modal, 45) or r.has("hypodiploidy"):  # D1
        return "high"
    tp1 = r.pending("mrd_eoi_percent")
    if r.has("ikzf1plus") and tp1 > 0.05:  # D2
        return "high"
    tp2 = r.pending("mrd_eoc_percent")
    if tp2 > 0.05:  # D3
        return "high"
    if tp1 == 0 and tp2 == 0:  # D4
        return "standard"
    if tp1 > 0.05 and tp2 == 0:  # D5
        return "intermediate"
    if tp1 > 0.05 and 0 < tp2 <= 0.05:  # D6 [U gap G-D3]
        return "high"
    return "intermediate"  # D7 [U gaps G-D1, G-D2]


# ---------------------------------------------------------------------------------------------------------------
# E. Interfant-06 (E.4)


def _interfant06(r: _Reader) -> str | _Status:
    if r.age >= 1:  # E0
        return NA
    if not r.has("kmt2a_r"):  # E1: KMT2A germline (results in, kmt2a_r absent)
        return "low"
    # E2: age < 6 months AND (WBC >= 300 [U operator] OR prednisone poor response) (Mann grouping)
    if r.age < 0.5 and (r.wbc >= 300 or r.prednisone_poor()):
        return "high"
    return "medium"  # E3


# ---------------------------------------------------------------------------------------------------------------
# F. St Jude Total XVI (F.4 with Part 1.6 items 1 and 10). EOI = mrd_eoi_percent (day 42).


def _stjude_total16(r: _Reader) -> str | _Status:
    if r.age < 1 or r.age >= 19:  # F0 [U]
        return NA
    if r.has("bcr_abl1"):  # F1
        return "high"
    eoi = r.pending("mrd_eoi_percent")
    if eoi >= 1:  # F2
        return "high"
    # F3, read only after a day-42 MRD of 0.01 % or more: St Jude took the week-15 marrow only then (ASH-T1 "Week 15
    # ... if day 42 >= 0.01%"), so a flag given after a lower day-42 MRD is not read, as COG's EOC after a
    # negative EOI is not (Part 1.6 item 3). F.4 prints F3 without this condition: riskcalc's decision, in the
    # project's docs. The flag is pending only when EOI is >= 0.01 and < 1 (1.6 item 1).
    if 0.01 <= eoi < 1 and r.pending("sj_consolidation_mrd_persistent") is True:
        return "high"
    # F4: provisional low risk, unless an exclusion feature [U precedence]
    provisional_low = _nci_standard(r) or r.has("etv6_runx1") or _ge(r.given("dna_index"), 1.16)
    excluded = (
        r.has("tcf3_pbx1")
        or r.has("hypodiploidy")
        or r.pending("cns_status") == "CNS3"
        or bool(r.given("testicular_involvement"))
    )
    if provisional_low and not excluded:
        day15 = r.pending("mrd_day15_bm_percent")
        if day15 < 1 and eoi < 0.01:  # F5
            return "low"
        return "standard"  # F6: day 15 >= 1 or EOI 0.01 to < 1
    return "standard"  # F7: not provisional low risk, EOI < 1


# ---------------------------------------------------------------------------------------------------------------
# G. DCOG ALL-10 (G.4 with Part 1.5 and Part 1.6 items 7 and 8). TP1 = day 33, TP2 = day 79.


def _dcog_all10(r: _Reader) -> str | _Status:
    if r.age < 1 or r.age >= 19:  # G0
        return NA
    if r.has("bcr_abl1"):  # G0b [U]
        return NC
    if _gt(r.given("eoi_marrow_blasts_percent"), 5):  # G3 induction failure [U], before the other tier rules
        return "high"
    modal = r.given("modal_chromosome_number")
    unfavorable = r.kmt2a_aff1() or r.has("tcf3_hlf") or r.has("hypodiploidy") or _lt(modal, 45)
    if unfavorable:  # G1 [U stand-in list]
        return "high"
    tp2 = r.pending("mrd_eoc_percent")
    if tp2 >= 0.05:  # G2
        return "high"
    tp1 = r.pending("mrd_eoi_percent")
    if tp1 == 0 and tp2 == 0:  # G4
        return "standard"
    return "medium"  # G5


# ---------------------------------------------------------------------------------------------------------------
# H. UKALL XII / ECOG E2993 (H.4; H3 not applied, Part 1.3)


def _ukall12_e2993(r: _Reader) -> str | _Status:
    if r.age < 15 or r.age >= 60:  # H0
        return NA
    if r.has("bcr_abl1"):  # H0: definition given for Ph-negative patients
        return NA
    if r.age > 35:  # H1
        return "high"
    if r.wbc >= 30:  # H2 [U number and operator]
        return "high"
    return "standard"  # H4


_SCHEMES: dict[str, tuple[Callable[[_Reader], str | _Status], tuple[str, ...]]] = {
    # model id: (decision list, genetics codes that send a case out of the scheme: never a representative)
    "nci_rome": (_nci_rome, ()),
    "cog_aall08b1": (_cog_aall08b1, ("bcr_abl1",)),
    "cog_aall1731": (_cog_aall1731, ("bcr_abl1",)),
    "bfm": (_bfm, ("bcr_abl1",)),
    "interfant06": (_interfant06, ()),
    "stjude_total16": (_stjude_total16, ()),
    "dcog_all10": (_dcog_all10, ("bcr_abl1",)),
    "ukall12_e2993": (_ukall12_e2993, ("bcr_abl1",)),
}


def _values(patient: Patient) -> dict[str, Any]:
    values: dict[str, Any] = patient.model_dump(mode="json")
    values["genetics"] = frozenset(values["genetics"])
    return values


def _walk(
    scheme: Callable[[_Reader], str | _Status],
    values: dict[str, Any],
    fills: dict[str, Any],
    genetics_reps: tuple[frozenset[str], ...],
) -> list[str | _Status]:
    """Every outcome of the decision list over the representatives of the pending inputs it reads."""
    try:
        return [scheme(_Reader(values, fills, genetics_reps))]
    except _Need as need:
        outcomes: list[str | _Status] = []
        for value in need.values:
            outcomes += _walk(scheme, values, {**fills, need.field: value}, genetics_reps)
        return outcomes


def transcribe(patient: Patient, model: str) -> Expected:
    """The status and the possible tiers of `patient` under `model`, from the specification's decision list."""
    scheme, out_of_scheme = _SCHEMES[model]
    outcomes = _walk(scheme, _values(patient), {}, _genetics_representatives(out_of_scheme))
    statuses = {outcome for outcome in outcomes if isinstance(outcome, _Status)}
    if statuses:
        # A status rule reads only known inputs, so every filling must agree (representatives never send a case
        # out of its scheme); anything else is a mistake in this module.
        assert len(statuses) == 1 and len(outcomes) == len([o for o in outcomes if isinstance(o, _Status)]), (
            model,
            patient,
            outcomes,
        )
        return Expected(statuses.pop().status, [])
    reached = set(outcomes)
    return Expected(CLASSIFIED, [tier for tier in TIERS[model] if tier in reached])
