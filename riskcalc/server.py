"""The HTTP API: riskcalc's `assess_many` behind FastAPI, served by uvicorn (`riskcalc serve`).

    POST /assess         a Patient in, its Assessment out
    POST /assess/batch   a list of patients in, one result or one error per item out, in order
    POST /classify       a Patient in, its Classification under one scheme (?model=ID) out
    POST /classify/all   a Patient in, its Classification under every scheme out, in the order of /models
    GET  /schema         the Patient JSON Schema
    GET  /models         the models in the rule files: id, version, title, disclaimer
    GET  /health         liveness
    GET  /openapi.json   the OpenAPI document FastAPI derives from the same pydantic models

Every assessment goes through riskcalc.api, which holds the engine's lock: handlers run on a thread pool,
and durable_rules crashes when it is called from several threads at once, so nothing here touches it.

FastAPI and uvicorn come with the 'serve' extra. They are imported only when an app is built or served, so
the command line can register `riskcalc serve` (add_serve_command) without them installed.
docs/http-api.md describes the endpoints, the limits and what is (not) logged.
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations, which name Body and Query
# imported inside create_app, so they must be evaluated where the handlers are defined.
import argparse
import importlib.metadata
import sys
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from riskcalc.api import assess_many, classify_many, get_rulebook
from riskcalc.api import models as scheme_models
from riskcalc.engine import EngineError
from riskcalc.models import Assessment, Classification, Patient
from riskcalc.rulebook import DEFAULT_MODEL, RulebookError, rules_root

if TYPE_CHECKING:
    from fastapi import FastAPI

DEFAULT_HOST = "127.0.0.1"  # loopback, like the Streamlit app: the API has no authentication and no TLS
DEFAULT_PORT = 8000
# A generous ceiling for JSON cases (a full patient is about 300 bytes), low enough that one request cannot
# make the server buffer much; checked before any parsing.
MAX_BODY_BYTES = 1_000_000
# A batch is assessed in one engine call under the engine's lock; the cap bounds how long one request can
# hold it (1000 patients with pending results take well under a second).
MAX_BATCH_ITEMS = 1000
EXIT_OK, EXIT_USAGE, EXIT_INTERNAL = 0, 2, 3

# The ASGI interface, spelled as Starlette spells it, so the body limit needs no import from the 'serve' extra.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# ---------------------------------------------------------------------------------------------------------------
# Response models: they are the OpenAPI schemas, and each handler's answer is validated against them.


class FieldError(BaseModel):
    """One validation error: where it is (pydantic's loc) and what is wrong, without echoing the input."""

    model_config = ConfigDict(frozen=True)

    field: str | None = Field(
        description="The Patient field the error is about (the first element of loc below the request part); "
        "null when it concerns the whole body or item."
    )
    message: str
    loc: list[str | int] = Field(
        description="pydantic's location: starts with 'body' or 'query' for a request; relative to the item in a batch."
    )
    type: str = Field(description="pydantic's error type, e.g. greater_than_equal, extra_forbidden, too_long.")


class ValidationProblem(BaseModel):
    """The body of a 422 answer."""

    detail: list[FieldError]


class Problem(BaseModel):
    """The body of a 404, 413 or 500 answer."""

    detail: str


class BatchAssessed(BaseModel):
    index: int = Field(description="Position of the patient in the request list, from 0.")
    assessment: Assessment


class BatchFailed(BaseModel):
    index: int = Field(description="Position of the patient in the request list, from 0.")
    error: FieldError = Field(description="The first validation error of this item.")
    errors: list[FieldError] = Field(description="Every validation error of this item.")


class ModelInfo(BaseModel):
    id: str
    version: str
    title: str
    disclaimer: str


class Health(BaseModel):
    status: Literal["ok"]


# ---------------------------------------------------------------------------------------------------------------
# Plain helpers (no FastAPI), unit-testable on their own.


def available_models() -> list[str]:
    """The model ids the rule files hold: every folder of the rules root with a model.yaml.

    Requests name a model by id; only these are ever passed on to the rulebook loader, so a request cannot
    point it at another folder.
    """
    root = rules_root()
    return sorted(path.name for path in root.iterdir() if (path / "model.yaml").is_file())


def field_errors(errors: Sequence[Any], skip: int) -> list[FieldError]:
    """pydantic error dicts as FieldErrors; `skip` leading loc elements name the request part, not a field."""
    converted = []
    for error in errors:
        loc = list(error["loc"])
        inner = loc[skip:]
        is_field = bool(inner) and isinstance(inner[0], str) and error["type"] != "json_invalid"
        message = str(error["msg"])
        reason = (error.get("ctx") or {}).get("error")
        if error["type"] == "json_invalid" and reason:
            # FastAPI's msg is only "JSON decode error"; the decoder's reason says what to fix.
            message = f"{message}: {reason}"
        converted.append(
            FieldError(field=str(inner[0]) if is_field else None, message=message, loc=loc, type=str(error["type"]))
        )
    return converted


def assess_batch(items: Sequence[Any], model: str) -> list[BatchAssessed | BatchFailed]:
    """Validate each item alone, assess the valid ones in one engine call, and answer every index in order.

    Items are validated as /assess validates its body (pydantic's Python mode on the decoded JSON), so an
    item gets the same answer in a batch as on its own.
    """
    results: dict[int, BatchAssessed | BatchFailed] = {}
    valid: list[tuple[int, Patient]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, Patient.model_validate(item)))
        except ValidationError as error:
            errors = field_errors(error.errors(include_url=False), skip=0)
            results[index] = BatchFailed(index=index, error=errors[0], errors=errors)
    assessments = assess_many([patient for _, patient in valid], model=model) if valid else []
    for (index, _), assessment in zip(valid, assessments, strict=True):
        results[index] = BatchAssessed(index=index, assessment=assessment)
    return [results[index] for index in range(len(items))]


def model_info(model: str) -> ModelInfo:
    rulebook = get_rulebook(model)
    return ModelInfo(
        id=rulebook.model_id, version=rulebook.version, title=rulebook.title, disclaimer=rulebook.disclaimer
    )


# ---------------------------------------------------------------------------------------------------------------
# The body limit: pure ASGI, outside FastAPI's parsing.


class BodyLimit:
    """Refuse a request body over `max_bytes` with 413 before anything parses it.

    A declared Content-Length over the limit is refused without reading a byte. Otherwise the body (declared
    or chunked) is read and counted as it arrives, refused as soon as the count passes the limit, and handed
    on whole: FastAPI then parses at most max_bytes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared == "invalid":
            await _answer(send, 400, "the Content-Length header is not a number")
            return
        if declared is not None and declared > self.max_bytes:
            await _answer(send, 413, self._too_large())
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; there is no one to answer
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            # The whole body once, then the real channel, so disconnect notices still arrive.
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes; send fewer patients per request"


def _declared_length(scope: Scope) -> int | None | Literal["invalid"]:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            text = bytes(value).decode("latin-1").strip()
            return int(text) if text.isdigit() else "invalid"
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    """A JSON answer straight from the middleware; the connection closes, since the body is left unread."""
    payload = Problem(detail=detail).model_dump_json().encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})


# ---------------------------------------------------------------------------------------------------------------
# The FastAPI app.

_MODEL_QUERY_DESCRIPTION = "Model id, as listed by GET /models."
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown model (the message names it and lists the known ones)."},
    413: {"model": Problem, "description": f"Request body larger than {MAX_BODY_BYTES} bytes."},
    422: {"model": ValidationProblem, "description": "Invalid input: each error names the field and the problem."},
    500: {"model": Problem, "description": "The rule files or the engine failed; no partial result is returned."},
}


def _version() -> str:
    try:
        return importlib.metadata.version("riskcalc")
    except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0"


def create_app() -> "FastAPI":
    """The FastAPI application (`uvicorn --factory riskcalc.server:create_app` serves it too)."""
    from fastapi import Body, FastAPI, HTTPException, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    app = FastAPI(
        title="riskcalc HTTP API",
        version=_version(),
        description="Educational, rule-based B-ALL risk stratification (illustrative; never a treatment "
        "recommendation). Every assessment carries its model's disclaimer.",
        # FastAPI's OpenTelemetry integration records validation failures, whose inputs are patient data; the
        # API logs no request content, so it is switched off whatever the environment says.
        telemetry={
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        },
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)

    def known_model(model: str) -> str:
        if model not in available_models():
            raise HTTPException(404, f"unknown model {model!r}; known models: {', '.join(available_models())}")
        return model

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's own 422 echoes every input back; this one names field, message and loc only.
        problem = ValidationProblem(detail=field_errors(error.errors(), skip=1))
        return JSONResponse(problem.model_dump(mode="json"), status_code=422)

    @app.exception_handler(RulebookError)
    @app.exception_handler(EngineError)
    async def _failed(_: Request, error: Exception) -> JSONResponse:
        # The same message the command line prints: rule ids, files and engine codes, never patient values.
        return JSONResponse(Problem(detail=f"{type(error).__name__}: {error}").model_dump(), status_code=500)

    model_query = Query(description=_MODEL_QUERY_DESCRIPTION)

    def assessable(model: str) -> str:
        """assess() reports the illustrative groups; a scheme with tiers of its own is classified instead."""
        known_model(model)
        if [tier.id for tier in get_rulebook(model).tiers] != [tier.id for tier in get_rulebook().tiers]:
            raise HTTPException(400, f"model {model!r} has its own tiers; use POST /classify?model={model}")
        return model

    @app.post("/assess", response_model=Assessment, responses=_ERRORS, summary="Assess one patient")
    def assess_one(patient: Patient, model: Annotated[str, model_query] = DEFAULT_MODEL) -> Assessment:
        return assess_many([patient], model=assessable(model))[0]

    @app.post(
        "/classify",
        response_model=Classification,
        responses=_ERRORS,
        summary="Classify one patient under one scheme: classified, not applicable or not classified",
    )
    def classify_one(patient: Patient, model: Annotated[str, model_query] = DEFAULT_MODEL) -> Classification:
        return classify_many([patient], model=known_model(model))[0]

    @app.post(
        "/classify/all",
        response_model=list[Classification],
        responses={422: _ERRORS[422], 500: _ERRORS[500]},
        summary="Classify one patient under every scheme, side by side",
    )
    def classify_every(patient: Patient) -> list[Classification]:
        return [classify_many([patient], model=info.id)[0] for info in scheme_models()]

    @app.post(
        "/assess/batch",
        response_model=list[BatchAssessed | BatchFailed],
        responses=_ERRORS,
        summary="Assess a list of patients; one bad item never loses the good ones",
        # The body is taken as raw JSON values so that each item is validated on its own; the document still
        # describes the items as Patients.
        openapi_extra={
            "requestBody": {
                "content": {"application/json": {"schema": {"items": {"$ref": "#/components/schemas/Patient"}}}}
            }
        },
    )
    def assess_list(
        patients: Annotated[
            list[Any], Body(max_length=MAX_BATCH_ITEMS, description=f"At most {MAX_BATCH_ITEMS} patients.")
        ],
        model: Annotated[str, model_query] = DEFAULT_MODEL,
    ) -> list[BatchAssessed | BatchFailed]:
        return assess_batch(patients, assessable(model))

    @app.get("/schema", summary="The Patient JSON Schema")
    def schema() -> dict[str, Any]:
        return Patient.model_json_schema()

    @app.get("/models", response_model=list[ModelInfo], responses={500: _ERRORS[500]}, summary="The models")
    def models() -> list[ModelInfo]:
        return [model_info(model) for model in available_models()]

    @app.get("/health", response_model=Health, summary="Liveness")
    def health() -> Health:
        return Health(status="ok")

    return app


# ---------------------------------------------------------------------------------------------------------------
# Serving and the command line.


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the API until interrupted; the exit code follows riskcalc.cli (2 usage, 3 rule files or engine)."""
    try:
        import uvicorn

        app = create_app()
    except ImportError as error:
        print(f"riskcalc serve: needs the 'serve' extra (pip install 'riskcalc[serve]'): {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        get_rulebook(DEFAULT_MODEL)  # load and check the rule files now, not on the first request
    except (RulebookError, EngineError) as error:
        print(f"riskcalc serve: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    try:
        # No access log: the API keeps no record of who asked what. uvicorn never logs bodies in any case.
        uvicorn.run(app, host=host, port=port, access_log=False, server_header=False, proxy_headers=False)
    except SystemExit as stop:  # uvicorn exits when it cannot bind the port
        return stop.code if isinstance(stop.code, int) else EXIT_INTERNAL
    return EXIT_OK


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {port}")
    return port


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}, loopback only; the API has no authentication)",
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")


def _run(args: argparse.Namespace) -> int:
    return serve(args.host, args.port)


def add_serve_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `serve` on riskcalc.cli's subcommands; the handler is in `run`, as for the other commands."""
    command = subparsers.add_parser("serve", help="run the HTTP API (needs the 'serve' extra; docs/http-api.md)")
    _add_arguments(command)
    command.set_defaults(run=_run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskcalc serve", description="Run the riskcalc HTTP API (docs/http-api.md).")
    _add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _run(args)


if __name__ == "__main__":
    raise SystemExit(main())
