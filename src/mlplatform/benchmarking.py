"""Shared helpers for the scripts in `benchmarks/`: machine facts, JSON results and a text table.

Every benchmark reports the machine it ran on (cores, Python, library versions) next to its numbers,
writes one flat JSON file to `benchmarks/results/<name>.json` and prints a small table. The scripts do
the printing; this module only builds strings and files, so it stays free of `print`.

Example:
    >>> rows = [{"variant": "direct", "seconds": 0.12}, {"variant": "kfp.local", "seconds": 3.4}]
    >>> print(format_table(rows))  # doctest: +NORMALIZE_WHITESPACE
    variant   | seconds
    --------- | -------
    direct    | 0.12
    kfp.local | 3.4
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from mlplatform.config import load_settings

RESULTS_FOLDER = Path("benchmarks") / "results"


def library_versions(packages: Iterable[str]) -> dict[str, str]:
    """Return `{"<package>_version": "<version>"}` for each installed package.

    Args:
        packages: distribution names as pip knows them, e.g. `["kfp", "mlflow"]`.

    Returns:
        Flat keys such as `kfp_version`; a package that is not installed maps to `"not installed"`.
    """
    versions: dict[str, str] = {}
    for name in packages:
        key = f"{name.replace('-', '_').lower()}_version"
        try:
            versions[key] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[key] = "not installed"
    return versions


def machine_info(packages: Iterable[str] = ()) -> dict[str, Any]:
    """Describe the machine and interpreter a benchmark ran on, as flat JSON-ready keys.

    Args:
        packages: distributions whose versions should be added (`<name>_version` keys).

    Returns:
        `machine_cores`, `machine_arch`, `machine_system`, `python_version`, plus one key per package.
    """
    info: dict[str, Any] = {
        "machine_cores": os.cpu_count() or 1,
        "machine_arch": platform.machine(),
        "machine_system": platform.system(),
        "python_version": platform.python_version(),
    }
    info.update(library_versions(packages))
    return info


def time_repeats(fn: Callable[[], object], repeats: int) -> list[float]:
    """Call `fn` `repeats` times and return the wall-clock seconds of each call.

    Raises:
        ValueError: `repeats` is smaller than 1.
    """
    if repeats < 1:
        raise ValueError(f"repeats={repeats} must be at least 1.")
    seconds: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def median(values: Iterable[float]) -> float:
    """Median of the measured values (robust to one slow outlier, unlike the mean)."""
    return float(statistics.median(list(values)))


def _check_flat(result: Mapping[str, Any]) -> None:
    for key, value in result.items():
        if not isinstance(key, str):
            raise TypeError(f"Result key {key!r} must be a string.")
        if isinstance(value, Mapping):
            raise TypeError(
                f"Result key {key!r} holds a mapping; keep results flat, e.g. '{key}_seconds'."
            )


def results_dir(home: Path | None = None) -> Path:
    """Return `benchmarks/results/` under `home` (default: `settings.home`)."""
    return (home if home is not None else load_settings().home) / RESULTS_FOLDER


def write_result(name: str, result: Mapping[str, Any], home: Path | None = None) -> Path:
    """Write one benchmark's flat result to `benchmarks/results/<name>.json` and return the path.

    Args:
        name: file stem, letters, digits and underscores (e.g. `pipeline_overhead`).
        result: flat mapping of self-explaining keys to numbers, strings, booleans or lists.
        home: project root; defaults to `load_settings().home`.

    Raises:
        ValueError: `name` is not a plain file stem.
        TypeError: `result` is nested (a value is itself a mapping).
    """
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"Benchmark name {name!r} must be letters, digits, '_' or '-'.")
    _check_flat(result)
    folder = results_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(dict(result), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_table(rows: list[Mapping[str, Any]]) -> str:
    """Render rows of equal keys as an aligned text table (columns in the first row's key order).

    Floats are shown with 4 significant digits. Missing keys render as an empty cell.

    Raises:
        ValueError: `rows` is empty.
    """
    if not rows:
        raise ValueError("format_table needs at least one row.")
    columns = list(rows[0])
    for row in rows[1:]:
        columns += [key for key in row if key not in columns]
    cells = [[_cell(row.get(col, "")) for col in columns] for row in rows]
    widths = [max(len(col), *(len(line[i]) for line in cells)) for i, col in enumerate(columns)]
    lines = [
        " | ".join(col.ljust(w) for col, w in zip(columns, widths, strict=True)),
        " | ".join("-" * w for w in widths),
    ]
    lines += [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(line.rstrip() for line in lines)


def print_table(rows: list[Mapping[str, Any]]) -> None:
    """Print `format_table(rows)`; for benchmark scripts."""
    print(format_table(rows))  # noqa: T201
