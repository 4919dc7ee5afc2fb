"""Run a service app with uvicorn on the configured host and port, logging JSON."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from mlplatform.config import ServingSettings, load_serving_settings
from mlplatform.serving.request_logs import configure_json_logging

log = logging.getLogger(__name__)


def serve(app: FastAPI, port: int, settings: ServingSettings | None = None) -> None:
    """Serve `app` on `settings.host` (loopback by default) and `port` until interrupted."""
    import uvicorn  # only a running service needs it

    settings = settings or load_serving_settings()
    configure_json_logging()
    log.info("Starting %s on http://%s:%s", app.title, settings.host, port)
    # uvicorn's own access log would repeat the middleware's line, without the request id.
    uvicorn.run(app, host=settings.host, port=port, log_config=None, access_log=False)
