"""Where a service gets its model: the one place the serving layer talks to the registry.

Two calls: `resolve(name, alias)` asks which version an alias points at (cheap: one registry
request, no download), and `load(name, alias, version)` downloads that version and loads it as an
MLflow pyfunc. A service polls `resolve` and calls `load` only when the version changed.

Both go through the registry's one loading path (`resolve_alias`, `load_version`, which
`load_by_alias` combines); a service needs them apart so that polling costs no download.
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
        return str(registry.resolve_alias(name, alias))

    def load(self, name: str, alias: str, version: str) -> ServedModel:
        """Load `models:/name/version` as a pyfunc (by version: the alias may move meanwhile)."""
        loaded = registry.load_version(name, version, alias)
        return ServedModel(loaded.model, name, str(loaded.version), alias, loaded.run_id)
