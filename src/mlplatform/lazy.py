"""Lazy front doors: a package exports names from its submodules, imported on first use (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`, from {submodule: [names]}.

    Example:
        >>> __getattr__, __dir__, __all__ = lazy_exports(__name__, {"movielens": ["load_ratings"]})
    """
    where = {name: module for module, names in exports.items() for name in names}

    def getattr_(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)

    def dir_() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *where})

    return getattr_, dir_, sorted(where)
