"""What the setup cell of every notebook calls: settings, seeds, and a check of the services needed."""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np

from mlplatform import services
from mlplatform.config import Settings, load_settings


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (if it is already imported) torch, single-threaded for repeatability."""
    random.seed(seed)
    np.random.seed(seed)
    import sys

    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.manual_seed(seed)
        torch.set_num_threads(1)


def start_notebook(seed: int, needs: Iterable[str] = ()) -> Settings:
    """Resolve settings, seed the generators, print the mode, and check that `needs` are running.

    Raises:
        ServiceNotRunningError: a needed service does not answer; the message says how to start it.
    """
    settings = load_settings()
    seed_everything(seed)
    print(settings.describe())  # noqa: T201 - the notebook shows which mode it runs in
    for name in needs:
        services.require(name, settings)
    return settings
