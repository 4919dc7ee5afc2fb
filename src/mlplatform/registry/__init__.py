"""The model registry, the one path every project uses to log, register, promote and load models.

- `publish`: `ModelPackage` (models from code + fitted-state artifacts), `log_and_register`.
- `fingerprint`: the one fingerprint function (idempotent registration).
- `versions`: find/register versions, aliases, `resolve_alias`, `load_by_alias` -> `LoadedModel`.
- `promotion`: `promote_if_better` (champion only if strictly better on the same evaluation data).
"""

from mlplatform.registry.fingerprint import FINGERPRINT_TAG, fingerprint
from mlplatform.registry.promotion import (
    DigestMismatchError,
    Promotion,
    alias_metrics,
    evaluation_of,
    promote_if_better,
)
from mlplatform.registry.publish import (
    DataInput,
    FrameInput,
    ModelPackage,
    Registration,
    log_and_register,
    log_package,
    save_package,
)
from mlplatform.registry.versions import (
    CHALLENGER,
    CHAMPION,
    LoadedModel,
    UnknownAliasError,
    aliases,
    find_version,
    load_by_alias,
    load_version,
    register_model,
    resolve_alias,
    set_alias,
    version_by_alias,
)

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "FINGERPRINT_TAG",
    "DataInput",
    "DigestMismatchError",
    "FrameInput",
    "LoadedModel",
    "ModelPackage",
    "Promotion",
    "Registration",
    "UnknownAliasError",
    "alias_metrics",
    "aliases",
    "evaluation_of",
    "find_version",
    "fingerprint",
    "load_by_alias",
    "load_version",
    "log_and_register",
    "log_package",
    "promote_if_better",
    "register_model",
    "resolve_alias",
    "save_package",
    "set_alias",
    "version_by_alias",
]
