"""Error handlers: every failure is JSON with a message a caller can act on, and bad input is 4xx.

Body: `{"detail": "<what went wrong and what to do>", "request_id": "...", "errors": [...]}`
(`errors` only for validation failures: one entry per bad field, with its location).

| raised | status |
|---|---|
| a request that fails its pydantic model | 422, naming each bad field |
| `BadRequestError` (a `ValueError` the service maps) | 422 |
| `DependencyUnavailableError` (feature server, registry down) | 503 |
| `ModelNotLoadedError` | 503 |
| `HTTPException` (400 undecodable body: not UTF-8 JSON, broken multipart; 404, 405, 413, 415, ...) | its own status |
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mlplatform.serving.model_holder import ModelNotLoadedError
from mlplatform.serving.request_logs import current_request_id

log = logging.getLogger(__name__)


class BadRequestError(ValueError):
    """Input that passed the schema but cannot be answered (e.g. an unknown user): 422."""


class DependencyUnavailableError(RuntimeError):
    """Something the service needs (the feature server, the registry) does not answer: 503."""


def error_response(status: int, detail: str, **extra: Any) -> JSONResponse:
    """The JSON error body every handler returns."""
    body = {"detail": detail, "request_id": current_request_id(), **extra}
    return JSONResponse(jsonable_encoder(body), status_code=status)


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors without the echoed input (it may be a whole upload) or internal URLs."""
    return [
        {"location": list(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
        for e in error.errors()
    ]


async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = _field_errors(error)
    where = "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors)
    detail = f"The request does not match the schema ({where}). See /docs for the request model."
    return error_response(422, detail, errors=errors)


async def _bad_request(request: Request, error: BadRequestError) -> JSONResponse:
    return error_response(422, str(error))


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("Answering 503: %s", error)
    response = error_response(503, str(error))
    response.headers["Retry-After"] = "5"
    return response


async def _http(request: Request, error: HTTPException) -> JSONResponse:
    detail = str(error.detail)
    if error.status_code == 400:  # a body FastAPI cannot decode (not UTF-8, broken multipart)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = "multipart/form-data" if media_type.startswith("multipart/") else "UTF-8 JSON"
        detail = f"{detail.rstrip('.')}: send a well-formed {body} body that matches the request "
        detail += "model (see /docs)."
    response = error_response(error.status_code, detail)
    for key, value in (error.headers or {}).items():
        response.headers[key] = value
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers of the module table on `app`."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(BadRequestError, _bad_request)
    app.add_exception_handler(DependencyUnavailableError, _unavailable)
    app.add_exception_handler(ModelNotLoadedError, _unavailable)
    app.add_exception_handler(HTTPException, _http)
