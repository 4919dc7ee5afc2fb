"""The ASGI middleware every service runs: request ids, limits, metrics and one log line a request.

Pure ASGI rather than `BaseHTTPMiddleware`, so the body limit also holds for a chunked upload
without a `Content-Length` (the body is counted as it streams in), and a response is never buffered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mlplatform.serving.errors import error_response
from mlplatform.serving.metrics import UNMATCHED, ServiceMetrics
from mlplatform.serving.request_logs import (
    REQUEST_ID_HEADER,
    accept_or_generate,
    current_request_id,
    reset_request_id,
    set_request_id,
)

log = logging.getLogger("mlplatform.serving.access")
BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLargeError(HTTPException):
    """Raised from `receive` when a streamed body passes the limit; answered as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes: send less.")


class RequestMiddleware:
    """Request id in and out, 413/415 before the app runs, metrics and an access log line.

    Args:
        app: the ASGI app to wrap.
        metrics: where requests are counted.
        max_body_bytes: larger bodies get 413.
        content_types: media types a request body may have (e.g. `application/json`); others 415.
    """

    def __init__(
        self,
        app: ASGIApp,
        metrics: ServiceMetrics,
        max_body_bytes: int,
        content_types: Collection[str],
    ) -> None:
        self.app, self.metrics = app, metrics
        self.max_body_bytes, self.content_types = max_body_bytes, set(content_types)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call (non-HTTP calls, such as lifespan, pass straight through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = accept_or_generate(headers.get(REQUEST_ID_HEADER))
        token = set_request_id(request_id)
        state: dict[str, Any] = {"status": 500, "started": False}
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self._answer(scope, headers, receive, send_with_id, state)
        finally:
            self._record(scope, state["status"], time.perf_counter() - start)
            reset_request_id(token)

    async def _answer(
        self, scope: Scope, headers: Headers, receive: Receive, send: Send, state: dict[str, Any]
    ) -> None:
        rejection = self._rejection(scope, headers)
        if rejection is not None:
            await rejection(scope, receive, send)
            return
        try:
            await self.app(scope, self._limited(receive), send)
        except Exception:  # a bug, not bad input: log it with the request id, answer JSON 500
            log.exception("Unhandled error while answering %s %s", scope["method"], scope["path"])
            if not state["started"]:
                detail = "Internal error; the service log has the details under this request id."
                await error_response(500, detail)(scope, receive, send)

    def _rejection(self, scope: Scope, headers: Headers) -> Callable[..., Awaitable] | None:
        """A 413 or 415 response when the headers alone show the request cannot be taken."""
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return error_response(413, BodyTooLargeError(self.max_body_bytes).detail)
        has_body = (length is not None and length != "0") or "transfer-encoding" in headers
        if scope["method"] in BODY_METHODS and has_body:
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in self.content_types:
                allowed = ", ".join(sorted(self.content_types))
                detail = f"Content type {media_type or '(none)'!r} is not accepted: send {allowed}."
                return error_response(415, detail)
        return None

    def _limited(self, receive: Receive) -> Receive:
        """`receive` that counts body bytes and stops the request at the limit."""
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLargeError(self.max_body_bytes)
            return message

        return limited

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or UNMATCHED
        self.metrics.observe(scope["method"], route, status, seconds)
        log.info(
            "%s %s %s",
            scope["method"],
            route,
            status,
            extra={
                "request_id": current_request_id(),
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
