"""The schemes on the command line: `riskcalc models`, `assess --model/--all-models`, `batch --model/--all-models`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from riskcalc import Patient, classify_all, models
from riskcalc.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_ROWS_FAILED, main

SCHEMES = [
    "ball_illustrative",
    "bfm",
    "cog_aall08b1",
    "cog_aall1731",
    "dcog_all10",
    "interfant06",
    "nci_rome",
    "stjude_total16",
    "ukall12_e2993",
]
CHILD = ["--age-years", "4", "--wbc-10e9-per-l", "10", "--genetics", "etv6_runx1", "--cns-status", "CNS1"]


def test_models_lists_every_scheme_with_its_tiers_lowest_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in listed] == SCHEMES
    tiers = {item["id"]: item["tiers"] for item in listed}
    assert tiers["nci_rome"] == ["standard", "high"]
    assert tiers["cog_aall08b1"] == ["low", "average", "high", "very_high"]
    assert tiers["cog_aall1731"] == ["sr_favorable", "sr_average", "sr_high", "hr_favorable", "hr", "vhr"]
    assert tiers["ball_illustrative"] == ["favorable", "standard", "high"]
    assert tiers["bfm"] == ["standard", "intermediate", "high"]
    assert tiers["interfant06"] == ["low", "medium", "high"]
    assert tiers["stjude_total16"] == ["low", "standard", "high"]
    assert tiers["dcog_all10"] == ["standard", "medium", "high"]
    assert tiers["ukall12_e2993"] == ["standard", "high"]
    assert [info.id for info in models()] == SCHEMES


def test_models_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "cog_aall1731  COG AALL1731/AALL1732 risk groups" in out
    assert "tiers, lowest risk first: standard (Standard risk), high (High risk)" in out


def test_assess_with_a_model_prints_its_tier_range_and_u_points(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", *CHILD, "--mrd-eoi-percent", "0.005", "--model", "cog_aall08b1"]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "COG AALL08B1 risk groups (low, average, high, very high) [cog_aall08b1]"
    assert out[1] == "Provisional: Low risk or Average risk (waiting for day-8 blood MRD)"
    text = "\n".join(out)
    assert "Assumed: Steroid pretreatment not given: assumed none" in text
    # the U point of the unfavorable list travels with its sentence: the tag, then what is unconfirmed
    assert "- [b.unfavorable_list] [evidence: U]" in text
    assert "    Evidence U: Hypodiploidy (fewer than 44 chromosomes) and induction failure are very-high-risk" in text


def test_assess_all_models_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*CHILD, "--steroid-pretreatment", "none", "--mrd-day8-pb-percent", "0.1", "--mrd-eoi-percent", "0"]
    assert main(["assess", *args, "--all-models", "--json"]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    # Each scheme's floor and range: BFM and DCOG wait for their second MRD time point, St Jude for day 15.
    assert [(item["model_id"], item["status"], item["possible_tiers"]) for item in printed] == [
        ("ball_illustrative", "classified", ["standard"]),
        ("bfm", "classified", ["standard", "intermediate", "high"]),
        ("cog_aall08b1", "classified", ["average"]),
        ("cog_aall1731", "classified", ["sr_favorable"]),
        ("dcog_all10", "classified", ["standard", "medium", "high"]),
        ("interfant06", "not_applicable", []),
        ("nci_rome", "classified", ["standard"]),
        ("stjude_total16", "classified", ["low", "standard"]),
        ("ukall12_e2993", "not_applicable", []),
    ]
    assert [item["pending"] for item in printed if item["model_id"] in ("bfm", "dcog_all10", "stjude_total16")] == [
        ["mrd_eoc_percent"],
        ["mrd_eoc_percent"],
        ["mrd_day15_bm_percent"],
    ]


def test_an_infant_is_not_applicable_in_the_pediatric_schemes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--age-years", "0.5", "--wbc-10e9-per-l", "10", "--all-models"]) == EXIT_OK
    out = capsys.readouterr().out
    # NCI/Rome, both COG schemes, BFM, DCOG and St Jude; Interfant-06 classifies the infant; UKALL starts at 15
    assert out.count("Not applicable (Not applicable under 1 year of age") == 6
    assert out.count("Not applicable (Not applicable under 15 years of age") == 1


def test_an_unknown_model_is_a_usage_error_naming_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["assess", *CHILD, "--model", "bfm_2099"])
    assert stopped.value.code == EXIT_BAD_INPUT
    assert f"unknown model 'bfm_2099' (known: {', '.join(SCHEMES)})" in capsys.readouterr().err


def test_model_and_all_models_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["assess", *CHILD, "--model", "nci_rome", "--all-models"])
    assert stopped.value.code == EXIT_BAD_INPUT
    assert "not allowed with argument" in capsys.readouterr().err


def _csv(tmp_path: Path) -> Path:
    source = tmp_path / "in.csv"
    source.write_text(
        "age_years,wbc_10e9_per_l,genetics,cns_status,mrd_eoi_percent,mrd_eoc_percent,id\n"
        "4,10,etv6_runx1,CNS1,0.005,,a\n"
        "abc,10,,,,,b\n"
        "12,20,b_other,CNS1,0.02,,c\n"
        "0.5,10,,,,,d\n",
        encoding="utf-8",
    )
    return source


def test_batch_all_models_one_set_of_columns_per_scheme_and_nothing_lost(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert main(["batch", str(_csv(tmp_path)), "-o", str(target), "--all-models", "--no-progress"]) == EXIT_ROWS_FAILED
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["id"] for row in rows] == ["a", "b", "c", "d"]
    assert [row["cog_aall1731_tier"] for row in rows] == ["sr_favorable", "", "hr", ""]
    assert [row["cog_aall1731_status"] for row in rows] == ["classified", "", "classified", "not_applicable"]
    assert rows[2]["cog_aall1731_possible_tiers"] == "hr,vhr"
    assert rows[2]["cog_aall1731_pending"] == "mrd_eoc_percent"
    assert [row["nci_rome_tier"] for row in rows] == ["standard", "", "high", ""]
    assert rows[3]["ball_illustrative_tier"] == "high"
    assert rows[1]["error"].startswith("line 3: age_years")
    assert all(row["disclaimer"] for row in rows)
    # the same tiers as classify_all, row by row
    patient = Patient(age_years=12, wbc_10e9_per_l=20, genetics=["b_other"], cns_status="CNS1", mrd_eoi_percent=0.02)
    assert [row_tier for row_tier in (rows[2][f"{m}_tier"] for m in SCHEMES)] == [
        result.tier or "" for result in classify_all(patient)
    ]


def test_batch_one_model_jsonl(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    assert main(["batch", str(_csv(tmp_path)), "-o", str(target), "--model", "nci_rome", "--no-progress"]) == (
        EXIT_ROWS_FAILED
    )
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [record["results"] and record["results"]["nci_rome"] for record in records] == [
        "Standard risk",
        None,
        "High risk",
        "Not applicable (Not applicable under 1 year of age: the NCI groups start at 1 year, and infants are "
        "treated on protocols designed for them. Smith 1996's wording would instead place infants in high risk.)",
    ]
    assert records[1]["error"].startswith("line 3: age_years")
    assert records[0]["classifications"]["nci_rome"]["status"] == "classified"
