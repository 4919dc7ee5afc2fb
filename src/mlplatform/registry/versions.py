"""Registered versions: find one by fingerprint, register once, move aliases, load by alias.

`load_by_alias` is the one way a service or a notebook loads a model: it returns the pyfunc
together with the name, version, alias and run id it came from (`LoadedModel`). `resolve_alias`
is the cheap question a service polls to see whether an alias has moved.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import mlflow
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from mlplatform.registry import chatter
from mlplatform.registry.fingerprint import FINGERPRINT_TAG
from mlplatform.tracking import tracking_client

log = logging.getLogger(__name__)

CHAMPION, CHALLENGER = "champion", "challenger"


class UnknownAliasError(LookupError):
    """A registered model has no version under the alias asked for."""


def find_version(name: str, fingerprint: str) -> ModelVersion | None:
    """The registered version of `name` tagged with `fingerprint`, if there is one."""
    found = tracking_client().search_model_versions(
        f"name = '{name}' and tags.`{FINGERPRINT_TAG}` = '{fingerprint}'"
    )
    return min(found, key=lambda v: int(v.version)) if found else None


def register_model(model_uri: str, name: str, fingerprint: str) -> ModelVersion:
    """Register `model_uri` under `name`, unless a version with the same fingerprint exists.

    Returns:
        The new version, or the existing one with this fingerprint (nothing is registered then).
    """
    existing = find_version(name, fingerprint)
    if existing is not None:
        log.info("%s v%s has fingerprint %s: not registering again", name, existing.version,
                 fingerprint)  # fmt: skip
        return existing
    return chatter.register_model(model_uri, name, tags={FINGERPRINT_TAG: fingerprint})


def aliases(name: str) -> dict[str, int]:
    """The aliases of a registered model, alias -> version."""
    try:
        model = tracking_client().get_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise LookupError(f"No registered model named {name!r}; register one first.") from None
    return {alias: int(version) for alias, version in model.aliases.items()}


def set_alias(name: str, alias: str, version: int | str) -> None:
    """Point `alias` at `version` of `name` (moving it if it pointed elsewhere)."""
    tracking_client().set_registered_model_alias(name, alias, str(version))


def resolve_alias(name: str, alias: str) -> int:
    """The version number `alias` points at: one registry call, for services that poll.

    Raises:
        UnknownAliasError: the alias is not set; the message lists the aliases that are.
        LookupError: there is no registered model `name`.
    """
    known = aliases(name)
    if alias not in known:
        listed = ", ".join(f"{a} -> v{v}" for a, v in sorted(known.items())) or "none"
        raise UnknownAliasError(
            f"{name!r} has no alias {alias!r} (aliases set: {listed}). Set it with "
            f"set_alias({name!r}, {alias!r}, version)."
        )
    return known[alias]


def version_by_alias(name: str, alias: str) -> ModelVersion:
    """The version `alias` points at (raises `UnknownAliasError` like `resolve_alias`)."""
    return tracking_client().get_model_version(name, str(resolve_alias(name, alias)))


@dataclass(frozen=True)
class LoadedModel:
    """A registered model loaded by alias, with where it came from."""

    model: mlflow.pyfunc.PyFuncModel
    name: str
    version: int
    alias: str
    run_id: str

    @property
    def metadata(self) -> Any:
        """The pyfunc's MLflow metadata (signature, input example)."""
        return self.model.metadata

    def predict(self, data: Any) -> Any:
        """The pyfunc's prediction for `data`."""
        return self.model.predict(data)

    def describe(self) -> str:
        """One line for a notebook or a service log."""
        return f"{self.name} v{self.version} (@{self.alias}, run {self.run_id[:8]})"


def load_version(name: str, version: int | str, alias: str) -> LoadedModel:
    """Load version `version` of `name` (which `alias` was found pointing at) as a pyfunc.

    Services resolve the alias first (`resolve_alias`) and load only when the version changed.
    """
    model_version = tracking_client().get_model_version(name, str(version))
    model = mlflow.pyfunc.load_model(f"models:/{name}/{model_version.version}")
    return LoadedModel(model, name, int(model_version.version), alias, model_version.run_id)


def load_by_alias(name: str, alias: str) -> LoadedModel:
    """Load the version `alias` points at, with its name, version, alias and run id.

    The version is resolved once and loaded by number, so the model and the numbers reported with
    it cannot disagree when the alias moves in between.

    Raises:
        UnknownAliasError: the alias is not set.
    """
    return load_version(name, resolve_alias(name, alias), alias)
