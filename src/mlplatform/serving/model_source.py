"""Where a service gets its model: the one place the serving layer talks to the registry.

Two calls: `resolve(name, alias)` asks which version an alias points at (cheap: one registry
request, no download), and `load(name, alias, version)` downloads that version and loads it as an
MLflow pyfunc. A service polls `resolve` and calls `load` only when the version changed.

Written against today's `mlplatform.registry` (`version_by_alias`) and `mlflow.pyfunc.load_model`;
when the registry offers `resolve_alias` and `load_by_alias`, only this module changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mlplatform import registry


@dataclass(frozen=True)
class ServedModel:
    """A loaded model and where it came from in the registry."""

    model: Any
    name: str
    version: str
    alias: str
    run_id: str | None = None

    def describe(self) -> dict[str, str | None]:
        """Name, version, alias and run id, for responses and `/ready`."""
        return {
            "name": self.name,
            "version": self.version,
            "alias": self.alias,
            "run_id": self.run_id,
        }


class ModelSource(Protocol):
    """What a `ModelHolder` needs from the registry (tests pass a fake one)."""

    def resolve(self, name: str, alias: str) -> str:
        """The version `alias` points at now."""
        ...

    def load(self, name: str, alias: str, version: str) -> ServedModel:
        """Load `version` of `name`."""
        ...


class RegistrySource:
    """The MLflow registry at the current tracking URI."""

    def resolve(self, name: str, alias: str) -> str:
        """The version `alias` points at (raises `registry.UnknownAliasError` when unset)."""
        return str(registry.version_by_alias(name, alias).version)

    def load(self, name: str, alias: str, version: str) -> ServedModel:
        """Load `models:/name/version` as a pyfunc (by version: the alias may move meanwhile)."""
        import mlflow  # heavy import, only when a model is loaded

        model = mlflow.pyfunc.load_model(f"models:/{name}/{version}")
        run_id = getattr(getattr(model, "metadata", None), "run_id", None)
        return ServedModel(model, name, str(version), alias, run_id)
