"""The side-by-side patients of frameworks.md §9.1 as links, with what each real scheme gives them there.

Shared by the Protocols page's AppTest and Chromium tests. Every input §9.1 gives is in the link; the results
are §9.1's tables, in each scheme's own tier names (rules/<id>/model.yaml). The teaching model is not in §9.1,
so its cell is left to the tests (they compute it with assess()).
"""

from __future__ import annotations

from urllib.parse import urlencode

NOT_APPLICABLE = "Not applicable ("

PATIENT_X = {
    "age_years": "4",
    "wbc_10e9_per_l": "12",
    "genetics": "etv6_runx1",
    "cns_status": "CNS2",
    "steroid_pretreatment": "none",
    "mrd_day8_pb_percent": "0.5",
    "mrd_day15_bm_percent": "0.8",
    "mrd_eoi_percent": "0.02",
    "mrd_eoc_percent": "0",
    "modal_chromosome_number": "46",
    "dna_index": "1.0",
    "sj_consolidation_mrd_persistent": "false",
    "down_syndrome": "false",
}
PATIENT_Y = {
    "age_years": "13.5",
    "wbc_10e9_per_l": "8",
    "genetics": "high_hyperdiploidy,trisomy_4_10",
    "cns_status": "CNS1",
    "steroid_pretreatment": "none",
    "mrd_day8_pb_percent": "0.005",
    "mrd_day15_bm_percent": "0.05",
    "mrd_eoi_percent": "0",
    "mrd_eoc_percent": "0",
    "modal_chromosome_number": "56",
    "dna_index": "1.2",
    "down_syndrome": "false",
}
PATIENT_Z = {
    "age_years": "0.33",
    "wbc_10e9_per_l": "350",
    "genetics": "kmt2a_r",
    "kmt2a_partner": "AFF1",
    "cns_status": "CNS1",
    "prednisone_response": "poor",
    "down_syndrome": "false",
}

# §9.1's tables: the result cell of each real scheme, by model id (a not-applicable cell starts so).
EXPECTED = {
    "X": {
        "nci_rome": "Standard risk",
        "cog_aall08b1": "High risk",
        "cog_aall1731": "Standard-risk high",
        "bfm": "Intermediate risk",
        "interfant06": NOT_APPLICABLE,
        "stjude_total16": "Standard risk",
        "dcog_all10": "Medium risk",
        "ukall12_e2993": NOT_APPLICABLE,
    },
    "Y": {
        "nci_rome": "High risk",
        "cog_aall08b1": "Very high risk",
        "cog_aall1731": "High risk",
        "bfm": "Standard risk",
        "interfant06": NOT_APPLICABLE,
        "stjude_total16": "Low risk",
        "dcog_all10": "Standard risk",
        "ukall12_e2993": NOT_APPLICABLE,
    },
    "Z": {
        "nci_rome": NOT_APPLICABLE,
        "cog_aall08b1": NOT_APPLICABLE,
        "cog_aall1731": NOT_APPLICABLE,
        "bfm": NOT_APPLICABLE,
        "interfant06": "High risk",
        "stjude_total16": NOT_APPLICABLE,
        "dcog_all10": NOT_APPLICABLE,
        "ukall12_e2993": NOT_APPLICABLE,
    },
}
PATIENTS = {"X": PATIENT_X, "Y": PATIENT_Y, "Z": PATIENT_Z}

# A disputed boundary (frameworks.md Part 1.6 item 9): an infant at exactly 300 x10^9/L, where Interfant-06's
# sources read ">= 300" and "> 300"; riskcalc's reading gives high risk, and the cell says the sources differ.
AT_300 = {
    "age_years": "0.3",
    "wbc_10e9_per_l": "300",
    "genetics": "kmt2a_r",
    "kmt2a_partner": "other",
    "prednisone_response": "good",
    "down_syndrome": "false",
}
AT_300_MARK = "⚖ at exactly 300 x10^9/L the sources differ"


def link(params: dict[str, str]) -> str:
    return "/protocols?" + urlencode(params, safe=",")
