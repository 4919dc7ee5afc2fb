"""The machinery every model service shares; each project's app lives in its project.

`create_app` (app factory: health, readiness, metrics, reload, limits, request ids, errors),
`ModelHolder` (the model under an alias, followed as it moves), `model_source` (the one adapter to
the registry), `serve` (uvicorn on loopback), `running` / `start_in_thread` (the same app in a thread of this
process, for notebooks and tests). Client-side probes: `traffic` (latency, bad-input tables, requests
during a change), `openapi_summary` (the schema as tables), `cache_replay` (an answer cache on a
trace). This package imports no project.
"""

from mlplatform.serving.app import create_app
from mlplatform.serving.errors import BadRequestError, DependencyUnavailableError
from mlplatform.serving.in_process import InProcessServer, running, start_in_thread
from mlplatform.serving.model_holder import ModelHolder, ModelNotLoadedError
from mlplatform.serving.model_source import ServedModel
from mlplatform.serving.request_logs import REQUEST_ID_HEADER
from mlplatform.serving.runner import serve

__all__ = [
    "REQUEST_ID_HEADER",
    "BadRequestError",
    "DependencyUnavailableError",
    "InProcessServer",
    "ModelHolder",
    "ModelNotLoadedError",
    "ServedModel",
    "create_app",
    "running",
    "serve",
    "start_in_thread",
]
