"""Structured JSON logs that carry the request id of the request being answered.

The id lives in a context variable that the request middleware sets, so any log line written while
a request is handled (in the service, the model code, the feature lookup) carries it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# Accept a caller's id only if it is short and plain, so it is safe in headers and log lines.
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def current_request_id() -> str | None:
    """The id of the request being answered, or None outside a request."""
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    """Make `value` the current request id; returns the token to reset it with."""
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    """Restore the request id that was current before `set_request_id`."""
    _request_id.reset(token)


def accept_or_generate(header_value: str | None) -> str:
    """The caller's `X-Request-ID` if it is plain (letters, digits, `._:-`, <= 128), else a new one."""
    if header_value and _ACCEPTED_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any `extra` fields."""

    # uvicorn adds `color_message` (the message with terminal colour codes): not for JSON.
    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "color_message",
    }

    def format(self, record: logging.LogRecord) -> str:
        """Format `record` as a JSON line."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in self._standard}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON (what a service's `main` calls, never an import)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # httpx logs every call it makes at INFO (a feature lookup per request): a second JSON line per
    # request that says nothing the access line does not; its warnings and errors still show.
    logging.getLogger("httpx").setLevel(logging.WARNING)
