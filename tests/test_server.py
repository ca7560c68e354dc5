"""The HTTP API (riskcalc.server) through a real uvicorn server on a free loopback port, started as a
subprocess exactly as `python -m riskcalc.server` runs it: every endpoint, the error answers, the body limit
(declared and chunked), the OpenAPI document, the log, and a property: the HTTP answer equals assess()."""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from openapi_spec_validator import validate

from bench.harness.app_server import stop
from riskcalc import Patient, assess, get_rulebook
from riskcalc.rulebook import DEFAULT_MODEL
from riskcalc.server import DEFAULT_HOST, DEFAULT_PORT, MAX_BATCH_ITEMS, MAX_BODY_BYTES, add_serve_command, build_parser
from tests.conftest import ROOT, examples
from tests.strategies import patients

slow = pytest.mark.slow

# A value no other input uses, sent in bodies: the server log must never contain it.
MARKER_AGE = 7.654321
CASE = {"age_years": 4.0, "wbc_10e9_per_l": 12.0}


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "riskcalc.server", "--port", str(port)], cwd=ROOT, stdout=sink, stderr=sink
        )
    url = f"http://{DEFAULT_HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health within 60 s"
            time.sleep(0.1)
        yield Server(url, port, log)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield http


def _canonical(assessment: dict[str, Any]) -> dict[str, Any]:
    """genetics is a set: its JSON order follows the string hashes of the process that wrote it."""
    patient = dict(assessment["patient"], genetics=sorted(assessment["patient"]["genetics"]))
    return dict(assessment, patient=patient)


def _expected(case: dict[str, Any]) -> dict[str, Any]:
    return _canonical(assess(Patient.model_validate(case)).model_dump(mode="json"))


def _raw_request(port: int, head: str, body: Iterable[bytes] = ()) -> tuple[int, dict[str, Any]]:
    """Send a request byte for byte (headers, then whatever body parts), read until the server closes."""
    with socket.create_connection((DEFAULT_HOST, port), timeout=30) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for part in body:
            connection.sendall(part)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    payload = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(payload)


# -- every endpoint -------------------------------------------------------------------------------------------


@slow
def test_health(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@slow
def test_schema_is_the_patient_schema(client: httpx.Client) -> None:
    assert client.get("/schema").json() == Patient.model_json_schema()


@slow
def test_models_come_from_the_rulebook(client: httpx.Client) -> None:
    rulebook = get_rulebook(DEFAULT_MODEL)
    listed = {model["id"]: model for model in client.get("/models").json()}
    assert listed[DEFAULT_MODEL] == {
        "id": rulebook.model_id,
        "version": rulebook.version,
        "title": rulebook.title,
        "disclaimer": rulebook.disclaimer,
    }


@slow
def test_assess_answers_what_assess_answers_with_the_disclaimer(client: httpx.Client) -> None:
    case = {**CASE, "genetics": ["etv6_runx1"], "cns_status": "CNS1", "mrd_eoi_percent": 0.001}
    for query in ({}, {"model": DEFAULT_MODEL}):
        response = client.post("/assess", json=case, params=query)
        assert response.status_code == 200, response.text
        assert _canonical(response.json()) == _expected(case)
        assert response.json()["disclaimer"] == get_rulebook(DEFAULT_MODEL).disclaimer


@slow
@pytest.mark.parametrize("path", ["/assess", "/assess/batch"])
def test_an_unknown_model_is_404_naming_it(client: httpx.Client, path: str) -> None:
    body: Any = CASE if path == "/assess" else [CASE]
    response = client.post(path, json=body, params={"model": "no_such_model"})
    assert response.status_code == 404
    assert "'no_such_model'" in response.json()["detail"] and DEFAULT_MODEL in response.json()["detail"]


# -- invalid input --------------------------------------------------------------------------------------------


@slow
def test_a_negative_white_count_is_422_naming_the_field(client: httpx.Client) -> None:
    response = client.post("/assess", json={**CASE, "wbc_10e9_per_l": -1})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "wbc_10e9_per_l"
    assert error["loc"] == ["body", "wbc_10e9_per_l"]
    assert error["type"] == "greater_than_equal"
    assert "greater than or equal to 0" in error["message"]
    assert "input" not in error  # the answer does not echo the case back


@slow
def test_an_unknown_field_is_refused(client: httpx.Client) -> None:
    response = client.post("/assess", json={**CASE, "name": "Jane Doe"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["field"], error["type"]) == ("name", "extra_forbidden")
    assert "Jane Doe" not in response.text


@slow
def test_several_errors_are_all_reported(client: httpx.Client) -> None:
    response = client.post("/assess", json={"age_years": "four", "wbc_10e9_per_l": 12, "cns_status": "CNS9"})
    assert response.status_code == 422
    assert sorted(error["field"] for error in response.json()["detail"]) == ["age_years", "cns_status"]


@slow
@pytest.mark.parametrize(
    ("body", "kind"), [(b"{not json", "json_invalid"), (b"", "missing"), (b"[1, 2]", "model_attributes_type")]
)
def test_a_body_that_is_not_a_patient_is_422(client: httpx.Client, body: bytes, kind: str) -> None:
    response = client.post("/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == kind and error["field"] is None


# -- batch ----------------------------------------------------------------------------------------------------


@slow
def test_a_batch_keeps_the_good_items_with_their_indices(client: httpx.Client) -> None:
    good_1, good_2 = CASE, {"age_years": 15.0, "wbc_10e9_per_l": 80.0, "genetics": ["kmt2a_r"]}
    items: list[Any] = [good_1, {**CASE, "wbc_10e9_per_l": -5}, good_2, "not a patient", {**CASE, "extra": 1}]
    response = client.post("/assess/batch", json=items)
    assert response.status_code == 200, response.text
    answers = response.json()
    assert [answer["index"] for answer in answers] == [0, 1, 2, 3, 4]
    assert _canonical(answers[0]["assessment"]) == _expected(good_1)
    assert _canonical(answers[2]["assessment"]) == _expected(good_2)
    assert answers[1]["error"]["field"] == "wbc_10e9_per_l" and answers[1]["error"]["loc"] == ["wbc_10e9_per_l"]
    assert answers[3]["error"]["field"] is None and answers[3]["error"]["type"] == "model_type"
    assert answers[4]["error"]["field"] == "extra"
    assert all(("assessment" in answer) != ("error" in answer) for answer in answers)


@slow
def test_a_batch_item_answers_like_a_single_request(client: httpx.Client) -> None:
    bad = {**CASE, "genetics": ["b_other", "etv6_runx1"]}
    single = client.post("/assess", json=bad).json()["detail"]
    (item,) = client.post("/assess/batch", json=[bad]).json()
    assert [{**error, "loc": error["loc"][1:]} for error in single] == item["errors"]
    assert item["error"] == item["errors"][0]


@slow
def test_a_batch_is_capped(client: httpx.Client) -> None:
    response = client.post("/assess/batch", json=[CASE] * (MAX_BATCH_ITEMS + 1))
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "too_long" and str(MAX_BATCH_ITEMS) in error["message"]


@slow
def test_a_batch_must_be_a_list(client: httpx.Client) -> None:
    response = client.post("/assess/batch", json=CASE)
    assert response.status_code == 422 and response.json()["detail"][0]["type"] == "list_type"


@slow
def test_an_empty_batch_is_an_empty_answer(client: httpx.Client) -> None:
    assert client.post("/assess/batch", json=[]).json() == []


# -- body limit -----------------------------------------------------------------------------------------------


def _padded_case(size: int) -> bytes:
    """CASE as JSON padded with whitespace (valid JSON) to exactly `size` bytes."""
    text = json.dumps(CASE).encode()
    return text[:-1] + b" " * (size - len(text)) + b"}"


@slow
def test_a_body_at_the_limit_is_accepted(client: httpx.Client) -> None:
    response = client.post(
        "/assess", content=_padded_case(MAX_BODY_BYTES), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


@slow
def test_an_oversized_body_is_413(client: httpx.Client) -> None:
    body = _padded_case(MAX_BODY_BYTES + 1)
    response = client.post("/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert str(MAX_BODY_BYTES) in response.json()["detail"]


@slow
def test_a_declared_oversized_body_is_refused_before_it_is_sent(server: Server) -> None:
    """Only the headers are sent: the answer comes from Content-Length alone, nothing is read or parsed."""
    head = f"POST /assess HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: {MAX_BODY_BYTES + 1}\n"
    status, answer = _raw_request(server.port, head)
    assert status == 413 and str(MAX_BODY_BYTES) in answer["detail"]


@slow
def test_a_chunked_oversized_body_is_refused_as_it_arrives(server: Server) -> None:
    """No Content-Length: the bytes are counted as they come, and the answer comes without the body's end."""
    part = b" " * 65536
    parts = [part] * (MAX_BODY_BYTES // len(part)) + [b" " * (MAX_BODY_BYTES % len(part) + 1)]
    assert sum(map(len, parts)) == MAX_BODY_BYTES + 1
    head = "POST /assess HTTP/1.1\nHost: x\nContent-Type: application/json\nTransfer-Encoding: chunked\n"
    status, answer = _raw_request(server.port, head, (b"%x\r\n%s\r\n" % (len(p), p) for p in parts))
    assert status == 413 and str(MAX_BODY_BYTES) in answer["detail"]


@slow
def test_a_chunked_body_under_the_limit_is_assessed(client: httpx.Client) -> None:
    body = _padded_case(200_000)
    parts = iter([body[:100_000], body[100_000:]])  # an iterator: httpx sends it chunked, without a length
    response = client.post("/assess", content=parts, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert _canonical(response.json()) == _expected(CASE)


# -- OpenAPI and the log --------------------------------------------------------------------------------------


@slow
def test_the_openapi_document_is_valid_and_built_from_the_models(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    validate(document)
    schemas = document["components"]["schemas"]
    assert {"Patient", "Assessment", "BatchAssessed", "BatchFailed", "FieldError"} <= set(schemas)
    assert schemas["Patient"]["additionalProperties"] is False
    assess_op, batch_op = document["paths"]["/assess"]["post"], document["paths"]["/assess/batch"]["post"]
    ok = assess_op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Assessment"}
    batch_body = batch_op["requestBody"]["content"]["application/json"]["schema"]
    assert batch_body["items"] == {"$ref": "#/components/schemas/Patient"} and batch_body["maxItems"] == MAX_BATCH_ITEMS
    assert {"404", "413", "422"} <= set(assess_op["responses"])
    assert {"/schema", "/models", "/health"} <= set(document["paths"])


@slow
def test_the_server_log_holds_no_request_content(client: httpx.Client, server: Server) -> None:
    marked = {**CASE, "age_years": MARKER_AGE}
    assert client.post("/assess", json=marked).status_code == 200
    assert client.post("/assess", json={**marked, "wbc_10e9_per_l": -1}).status_code == 422
    assert client.post("/assess/batch", json=[marked, {**marked, "x": 1}]).status_code == 200
    time.sleep(0.2)
    log = server.log.read_text(encoding="utf-8")
    assert "Uvicorn running" in log  # the log is the server's, and it is being written
    assert str(MARKER_AGE) not in log and "/assess" not in log  # no bodies, and no access lines either


# -- the property ---------------------------------------------------------------------------------------------


@slow
@settings(max_examples=examples(100))
@given(patient=patients())
def test_the_http_answer_equals_assess(client: httpx.Client, patient: Patient) -> None:
    response = client.post("/assess", json=patient.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    assert _canonical(response.json()) == _canonical(assess(patient).model_dump(mode="json"))


# -- the command line (no server) -----------------------------------------------------------------------------


def test_serve_arguments_default_to_loopback_and_8000() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8000)
    assert build_parser().parse_args(["--host", "0.0.0.0", "--port", "9001"]).port == 9001


def test_add_serve_command_registers_serve_on_a_subparser() -> None:
    parser = argparse.ArgumentParser(prog="riskcalc")
    add_serve_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", "--port", "8123"])
    assert (args.command, args.host, args.port) == ("serve", DEFAULT_HOST, 8123) and callable(args.run)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_bad_port_is_a_usage_error(port: str) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--port", port])
    assert stop.value.code == 2


def test_importing_the_server_module_does_not_need_fastapi() -> None:
    """riskcalc.cli can register `serve` without the 'serve' extra installed."""
    code = "import sys, riskcalc.server; print(sorted(m for m in ('fastapi', 'uvicorn') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_riskcalc_serve_command_answers_on_loopback(tmp_path: Path) -> None:
    """`riskcalc serve` (the console script, not only the module) starts the same server."""
    port = _free_port()
    command = [str(ROOT / ".venv" / "bin" / "riskcalc"), "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                    break
                except httpx.TransportError:
                    assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                    time.sleep(0.2)
            assert answer.status_code == 200
        finally:
            stop(process)
