"""What the setup cell of every notebook calls: settings, seeds, services, quiet libraries, display.

One call, `start_notebook(SEED, needs=[...])`, so that no setup cell repeats session plumbing.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings
from collections.abc import Iterable

import numpy as np

from mlplatform import services
from mlplatform.config import Settings, load_settings

# Libraries that log routine progress at INFO (MLflow's registry and artifact messages, the SQLite
# migrations alembic runs, Feast's apply and materialize steps): a notebook shows warnings only.
CHATTY_LOGGERS = ("mlflow", "alembic", "feast", "kfp", "urllib3", "httpx", "numexpr")
# Warnings known to be harmless here, each with why, so a committed output has no stderr noise.
HARMLESS_WARNINGS = (
    # EasyOCR's data loader asks for pinned memory; there is no GPU to pin it for.
    ".*pin_memory.*",
)
# Wide frames fit a notebook column: printed at up to 120 characters a line, at most 30 columns.
DISPLAY_OPTIONS = {"display.width": 120, "display.max_columns": 30}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (if it is already imported) torch, single-threaded for repeatability."""
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.manual_seed(seed)
        torch.set_num_threads(1)


def quiet_libraries() -> None:
    """Show the libraries' warnings and errors only, without their known harmless warnings."""
    # MLflow sets its loggers' level from MLFLOW_LOGGING_LEVEL when it is first imported, which may
    # be after this call (inside a package function): the variable covers that, setLevel the rest.
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for message in HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    # MLflow draws a progress bar per artifact upload: noise for the small files the course logs.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def set_display_options() -> None:
    """Set pandas' display options so that the course's wide frames fit (see DISPLAY_OPTIONS)."""
    import pandas as pd

    for option, value in DISPLAY_OPTIONS.items():
        pd.set_option(option, value)


def start_notebook(seed: int, needs: Iterable[str] = ()) -> Settings:
    """Set up a notebook: settings, seeds, quiet libraries, display, and the services it needs.

    Prints the mode, checks that each service in `needs` answers, and when "mlflow" is needed points
    MLflow at the platform's tracking server, so no notebook sets the URI itself.

    Raises:
        ServiceNotRunningError: a needed service does not answer; the message says how to start it.
    """
    settings = load_settings()
    seed_everything(seed)
    quiet_libraries()
    set_display_options()
    print(settings.describe())  # noqa: T201 - the notebook shows which mode it runs in
    for name in needs:
        services.require(name, settings)
    if "mlflow" in needs:
        from mlplatform.tracking import use_tracking_server  # imports mlflow: only when needed

        use_tracking_server(settings)
    return settings
