"""The app factory every model service starts from.

`create_app` returns a FastAPI app with the shared routes and behaviour; the project adds its
prediction routes to it. At start (the lifespan) it loads the model under the alias and starts
following it; `/ready` is 200 only when a model is loaded and every registered check passes.

| route | answers |
|---|---|
| `GET /health` | 200 while the process is alive |
| `GET /ready` | 200 with the served version when ready; 503 naming what is not |
| `GET /metrics` | Prometheus text format |
| `POST /admin/reload` | checks the alias now and swaps if it moved (bound to loopback like the rest) |
| `GET /docs` | Swagger UI ("Try it out"), its JS and CSS served by the app itself |

FastAPI's own `/docs` page loads Swagger UI from a CDN, which an offline learner (and the browser
tests) cannot reach; `fastapi-offline` ships the same assets in its wheel and serves them from
`/static-offline-docs`. ReDoc is left out: its page loads a logo from redoc.ly even then.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field

from mlplatform.config import ServingSettings, load_serving_settings
from mlplatform.serving.errors import install_error_handlers
from mlplatform.serving.metrics import CONTENT_TYPE, ServiceMetrics
from mlplatform.serving.model_holder import ModelHolder
from mlplatform.serving.request_middleware import RequestMiddleware

ReadinessCheck = Callable[[], None]  # returns when fine; raises with a message when not


class Health(BaseModel):
    """The body of `/health`."""

    status: str = Field(examples=["alive"])


class Readiness(BaseModel):
    """The body of `/ready`: overall state, the served model, and each dependency check."""

    ready: bool
    model: dict[str, str | None] | None = Field(
        examples=[{"name": "movie-recommender", "version": "3", "alias": "champion"}]
    )
    checks: dict[str, str] = Field(examples=[{"model": "ok", "feature_server": "ok"}])


class Reload(BaseModel):
    """The body of `/admin/reload`."""

    changed: bool
    version: str | None
    error: str | None = None


def create_app(
    title: str,
    holder: ModelHolder,
    checks: Mapping[str, ReadinessCheck] | None = None,
    settings: ServingSettings | None = None,
    content_types: Collection[str] = ("application/json",),
    description: str = "",
) -> FastAPI:
    """A FastAPI app with health, readiness, metrics, reload, limits, request ids and errors.

    Args:
        title: the service's name in the OpenAPI schema.
        holder: the model to serve; loaded and followed while the app runs.
        checks: name -> a function that raises (with a message) when a dependency is down.
        settings: limits and poll interval; default `load_serving_settings()`.
        content_types: media types request bodies may have; others get 415.
        description: the OpenAPI description.
    """
    settings = settings or load_serving_settings()
    metrics = ServiceMetrics()
    holder.on_swap = metrics.set_model
    if holder.loaded:  # loaded before the app was made: the gauge must show it too
        metrics.set_model(holder.current)
    checks = dict(checks or {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(holder.refresh)
        holder.start_polling(settings.model_poll_seconds)
        yield
        holder.stop_polling()

    # No /redoc: ReDoc's page still loads its logo from redoc.ly, so it is not fully offline.
    app = FastAPIOffline(title=title, description=description, lifespan=lifespan, redoc_url=None)
    app.state.holder, app.state.metrics, app.state.settings = holder, metrics, settings
    install_error_handlers(app)
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        content_types=content_types,
    )
    _add_operational_routes(app, holder, metrics, checks)
    return app


def _readiness(holder: ModelHolder, checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    results = {"model": "ok" if holder.loaded else f"not loaded: {holder.last_error or 'loading'}"}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # any failure of a dependency check means "not ready"
            results[name] = f"failing: {error}"
    return results


def _add_operational_routes(
    app: FastAPI, holder: ModelHolder, metrics: ServiceMetrics, checks: Mapping[str, ReadinessCheck]
) -> None:
    @app.get("/health", response_model=Health, tags=["operations"])
    def health() -> Health:
        """The process is alive (it says nothing about the model or dependencies)."""
        return Health(status="alive")

    @app.get(
        "/ready",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready; `checks` says why"}},
        tags=["operations"],
    )
    def ready() -> Any:
        """Ready to answer: the model is loaded and every dependency check passes."""
        results = _readiness(holder, checks)
        ok = all(value == "ok" for value in results.values())
        served = holder.current.describe() if holder.loaded else None
        body = Readiness(ready=ok, model=served, checks=results)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    @app.get("/metrics", response_class=Response, tags=["operations"])
    def metrics_route() -> Response:
        """Prometheus metrics: requests, latency, errors by status, the served model version."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @app.post("/admin/reload", response_model=Reload, tags=["operations"])
    def reload() -> Reload:
        """Ask the registry where the alias points now and swap to that version if it moved."""
        changed = holder.refresh()
        version = holder.current.version if holder.loaded else None
        return Reload(changed=changed, version=version, error=holder.last_error)
