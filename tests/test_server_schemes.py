"""The HTTP API and the schemes: POST /classify?model=, POST /classify/all, and /assess refusing a scheme
whose tiers are not the illustrative groups (in process, through FastAPI's test client)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from riskcalc.server import create_app

CHILD = {"age_years": 12, "wbc_10e9_per_l": 20, "genetics": ["b_other"], "cns_status": "CNS1", "mrd_eoi_percent": 0.02}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def test_classify_one_scheme(client: TestClient) -> None:
    answer = client.post("/classify", params={"model": "cog_aall1731"}, json=CHILD)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["tier"], body["possible_tiers"], body["pending"]) == (
        "classified",
        "hr",
        ["hr", "vhr"],
        ["mrd_eoc_percent"],
    )
    assert body["tier_name"] == "High risk"


def test_classify_all_in_the_order_of_models(client: TestClient) -> None:
    answer = client.post("/classify/all", json={**CHILD, "age_years": 0.5})
    assert answer.status_code == 200
    listed = [model["id"] for model in client.get("/models").json()]
    body = answer.json()
    assert [item["model_id"] for item in body] == sorted(listed, key=lambda m: (m != "ball_illustrative", m))
    # an infant: the teaching model and Interfant-06 classify it; every other scheme says why not
    statuses = {item["model_id"]: item["status"] for item in body}
    assert [model for model, status in statuses.items() if status == "classified"] == [
        "ball_illustrative",
        "interfant06",
    ]
    assert set(statuses.values()) == {"classified", "not_applicable"}


def test_an_unknown_scheme_is_404_naming_the_known_ones(client: TestClient) -> None:
    answer = client.post("/classify", params={"model": "bfm_2099"}, json=CHILD)
    assert answer.status_code == 404
    assert "unknown model 'bfm_2099'; known models: ball_illustrative, bfm, cog_aall08b1" in answer.json()["detail"]


def test_assess_refuses_a_scheme_with_its_own_tiers(client: TestClient) -> None:
    answer = client.post("/assess", params={"model": "nci_rome"}, json=CHILD)
    assert answer.status_code == 400
    assert answer.json()["detail"] == "model 'nci_rome' has its own tiers; use POST /classify?model=nci_rome"


def test_bad_input_names_the_field(client: TestClient) -> None:
    answer = client.post("/classify", params={"model": "nci_rome"}, json={**CHILD, "steroid_pretreatment": "lots"})
    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["detail"]] == ["steroid_pretreatment"]
