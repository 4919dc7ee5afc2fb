"""Register a model version without MLflow's registration chatter on stderr.

`mlflow.register_model` prints "Successfully registered model 'x'." (or "Registered model 'x' already
exists. Creating a new version of this model...") and "Created version 'n' of model 'x'." straight
to stderr (not through logging, so log
levels cannot silence it). In a notebook that is a red stderr box after every registration, and in a
committed chapter it reads as a warning. Everything else MLflow writes to stderr meanwhile (real
warnings) is passed on unchanged.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from typing import Any

CHATTER = re.compile(
    r"(Successfully registered model '.*'\.|Registered model '.*' already exists\. .*"
    r"|Created version '.*' of model '.*'\.)$"
)


def register_model(model_uri: str, name: str, **options: Any) -> Any:
    """`mlflow.register_model(model_uri, name, **options)`, minus its two progress lines."""
    import mlflow

    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return mlflow.register_model(model_uri, name, **options)
    finally:
        kept = [line for line in captured.getvalue().splitlines(True) if not CHATTER.match(line)]
        sys.stderr.write("".join(kept))
