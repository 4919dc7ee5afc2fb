"""The machinery every model service shares; each project's app lives in its project.

`create_app` (app factory: health, readiness, metrics, reload, limits, request ids, errors),
`ModelHolder` (the model under an alias, followed as it moves), `model_source` (the one adapter to
the registry), `serve` (uvicorn on loopback). This package imports no project.
"""

from mlplatform.serving.app import create_app
from mlplatform.serving.errors import BadRequestError, DependencyUnavailableError
from mlplatform.serving.model_holder import ModelHolder, ModelNotLoadedError
from mlplatform.serving.model_source import ServedModel
from mlplatform.serving.request_logs import REQUEST_ID_HEADER
from mlplatform.serving.runner import serve

__all__ = [
    "REQUEST_ID_HEADER",
    "BadRequestError",
    "DependencyUnavailableError",
    "ModelHolder",
    "ModelNotLoadedError",
    "ServedModel",
    "create_app",
    "serve",
]
