"""The course's Feast feature store: the repository, apply, materialize, prepare.

The feature repository is `platform/feast/` (`feature_store.yaml`, `feature_definitions.py` and
`build_sources.py`); its relative paths resolve against `settings.home`, so the same repository
serves the project and any `MLPLATFORM_HOME`. This module knows no project: what to register is the
definitions file's `OBJECTS`, and how its offline sources are built is the repository's
`build_sources.py` (for this course, the recommender's MovieLens features). Both are loaded by
path, as Feast's own CLI loads a repository. `prepare()` does what `mlplatform up` needs before the
feature server starts: build the sources if missing, register the definitions, fill the online store.
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pandas as pd
from feast import FeatureStore, FeatureView, FileSource
from feast.errors import FeatureViewNotFoundException

from mlplatform.config import FEAST_REPO, Settings, load_settings

log = logging.getLogger(__name__)

FEATURE_REPO = FEAST_REPO


class FeatureStoreError(RuntimeError):
    """The feature store is not ready for a request; the message says what to run."""


def feature_store(settings: Settings | None = None) -> FeatureStore:
    """The course's FeatureStore, with relative paths resolved against `settings.home`."""
    settings = settings or load_settings()
    (settings.platform_dir / "feast").mkdir(parents=True, exist_ok=True)
    return FeatureStore(
        repo_path=str(settings.home), fs_yaml_file=FEATURE_REPO / "feature_store.yaml"
    )


def _load_repo_file(name: str) -> ModuleType:
    """Import a Python file of the feature repository (it is not part of the package)."""
    path = FEATURE_REPO / name
    spec = importlib.util.spec_from_file_location(f"mlplatform_feast_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise FeatureStoreError(f"Cannot import {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_definitions() -> ModuleType:
    """Import `platform/feast/feature_definitions.py`: entities, sources, views, `OBJECTS`."""
    return _load_repo_file("feature_definitions.py")


def feature_views() -> list[FeatureView]:
    """The feature views the repository defines."""
    return [obj for obj in load_definitions().OBJECTS if isinstance(obj, FeatureView)]


def source_paths(settings: Settings | None = None) -> list[Path]:
    """The offline parquet files the definitions read, resolved against `settings.home`."""
    settings = settings or load_settings()
    sources = [obj for obj in load_definitions().OBJECTS if isinstance(obj, FileSource)]
    return [settings.home / source.path for source in sources]


def build_sources(settings: Settings | None = None) -> list[Path]:
    """Build the offline sources with the repository's `build_sources.py` hook; returns the files."""
    settings = settings or load_settings()
    _load_repo_file("build_sources.py").build_sources(settings)
    return source_paths(settings)


def apply(settings: Settings | None = None) -> FeatureStore:
    """Register the definitions' `OBJECTS` (what `feast apply` does).

    Raises:
        FeatureStoreError: the parquet sources do not exist yet.
    """
    settings = settings or load_settings()
    missing = [str(path) for path in source_paths(settings) if not path.exists()]
    if missing:
        raise FeatureStoreError(
            f"The feature sources {missing} are missing. Build them with "
            "`mlplatform.features.build_sources(settings)` (or `make platform-up`, which does it)."
        )
    store = feature_store(settings)
    store.apply(list(load_definitions().OBJECTS))
    return store


def _source_time_range(settings: Settings) -> tuple[datetime, datetime]:
    times = [
        pd.read_parquet(path, columns=["event_timestamp"])["event_timestamp"]
        for path in source_paths(settings)
    ]
    return min(t.min() for t in times).to_pydatetime(), max(t.max() for t in times).to_pydatetime()


def materialize(settings: Settings | None = None, end: datetime | None = None) -> FeatureStore:
    """Copy the latest feature values up to `end` (default: now) into the online store.

    The first run covers the sources' whole history (MovieLens is from 1997-98, older than any ttl,
    so Feast's default first window of `now - ttl` would find nothing); later runs are incremental.
    """
    settings = settings or load_settings()
    store = feature_store(settings)
    end = end or datetime.now(UTC)
    views = [store.get_feature_view(view.name) for view in feature_views()]
    if any(view.most_recent_end_time is None for view in views):
        start, _ = _source_time_range(settings)
        store.materialize(start_date=start - timedelta(seconds=1), end_date=end)
    else:
        store.materialize_incremental(end_date=end)
    return store


def is_materialized(settings: Settings | None = None) -> bool:
    """True when every feature view has been materialized at least once."""
    store = feature_store(settings)
    try:
        views = [store.get_feature_view(view.name) for view in feature_views()]
    except FeatureViewNotFoundException:  # not applied yet: not materialized either
        return False
    return all(view.most_recent_end_time is not None for view in views)


def prepare(settings: Settings | None = None) -> None:
    """Get the store ready to serve: build the sources if missing, apply, materialize."""
    settings = settings or load_settings()
    if not all(path.exists() for path in source_paths(settings)):
        log.info("Building the feature sources for %s", settings.home)
        build_sources(settings)
    apply(settings)
    materialize(settings)
