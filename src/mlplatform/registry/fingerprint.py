"""One fingerprint for every registered model: what makes two registrations the same model.

A fingerprint is 16 hex characters of SHA-256 over the canonical JSON of named parts (the model's
kind, its parameters, the digest of its training data, ...). A part that is a file is replaced by
the SHA-256 of its bytes, so two weight files with the same content give the same fingerprint
wherever they live. Registering under a fingerprint that already exists returns that version
instead of adding a copy: re-running a notebook or a pipeline is idempotent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlplatform.digests import file_sha256

FINGERPRINT_TAG = "mlplatform.fingerprint"
LENGTH = 16


def _canonical(value: Any) -> Any:
    """A JSON-able stand-in for `value`: files by their digest, mappings and lists recursively."""
    if isinstance(value, Path):
        return {"file_sha256": file_sha256(value)}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def fingerprint(parts: Mapping[str, Any]) -> str:
    """16 hex characters that change when any part changes (files count by their content).

    Example:
        >>> fingerprint({"model": "svd", "params": {"n_factors": 50}, "training": "ab12"})
        '679181e0857db20b'
    """
    canonical = json.dumps(_canonical(parts), sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:LENGTH]
