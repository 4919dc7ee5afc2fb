"""Data tests: each check returns a list of readable problems, empty when the data is fine.

A check that returns problems instead of raising lets a pipeline, a pytest test and a notebook all use
it: pytest asserts `problems == []` and shows every problem at once, a pipeline step logs them and
stops, a notebook prints them. The recommender's contract for
MovieLens 100K, built from these checks, is `mlplatform.recommender.movielens_contract`.

Drift is measured per numeric column against a reference frame with two statistics: the two-sample
Kolmogorov-Smirnov statistic (largest gap between the two empirical CDFs, with its p-value) and the
population stability index (PSI) over the reference's deciles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

# PSI above 0.2 is the common rule of thumb for "the population has shifted"; KS p-values are
# tiny on large samples even for harmless shifts, so the KS statistic itself is compared.
PSI_THRESHOLD = 0.2
KS_THRESHOLD = 0.1


def check_schema(frame: pd.DataFrame, schema: Mapping[str, str]) -> list[str]:
    """Every expected column is present with the expected dtype; no unexpected columns."""
    problems = [f"missing column {name!r}" for name in schema if name not in frame.columns]
    problems += [f"unexpected column {name!r}" for name in frame.columns if name not in schema]
    for name, dtype in schema.items():
        if name in frame.columns and str(frame[name].dtype) != dtype:
            problems.append(f"column {name!r} has dtype {frame[name].dtype}, expected {dtype}")
    return problems


def check_ranges(
    frame: pd.DataFrame, ranges: Mapping[str, tuple[float | None, float | None]]
) -> list[str]:
    """Values lie in closed intervals `(low, high)`; None means unbounded on that side."""
    problems = []
    for name, (low, high) in ranges.items():
        values = frame[name].dropna()
        outside = pd.Series(False, index=values.index)
        if low is not None:
            outside |= values < low
        if high is not None:
            outside |= values > high
        if outside.any():
            examples = sorted(values[outside].unique().tolist())[:3]
            problems.append(
                f"column {name!r}: {int(outside.sum())} values outside [{low}, {high}], "
                f"e.g. {examples}"
            )
    return problems


def check_unique(frame: pd.DataFrame, key: Iterable[str]) -> list[str]:
    """No two rows share the same values in the `key` columns."""
    key = list(key)
    duplicated = frame.duplicated(subset=key, keep="first")
    if not duplicated.any():
        return []
    first = frame.loc[duplicated, key].iloc[0].to_dict()
    return [f"{int(duplicated.sum())} duplicate rows on {key}, e.g. {first}"]


def check_not_null(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The given columns have no missing values."""
    counts = frame[list(columns)].isna().sum()
    return [f"column {name!r} has {int(n)} missing values" for name, n in counts.items() if n]


def check_references(
    child: pd.DataFrame, parent: pd.DataFrame, column: str, parent_name: str = "parent"
) -> list[str]:
    """Every value of `child[column]` exists in `parent[column]` (referential integrity)."""
    orphans = child.loc[~child[column].isin(parent[column]), column]
    if orphans.empty:
        return []
    examples = sorted(orphans.unique().tolist())[:3]
    return [f"{len(orphans)} rows refer to a {column} missing from {parent_name}, e.g. {examples}"]


def population_stability_index(
    reference: pd.Series | np.ndarray, current: pd.Series | np.ndarray, bins: int = 10
) -> float:
    """PSI of `current` against `reference`, over the reference's quantile bins.

    PSI = sum((c - r) * ln(c / r)) over bins, with r and c the share of each sample in a bin. Empty
    bins get a share of 1e-4 so the logarithm stays finite. 0 means the same distribution; 0.1-0.2 a
    moderate shift; above 0.2 a large one.
    """
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    if ref.size == 0 or cur.size == 0:
        raise ValueError(f"need two non-empty samples, got {ref.size} and {cur.size} values")
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    ref_share = np.histogram(ref, edges)[0] / ref.size
    cur_share = np.histogram(cur, edges)[0] / cur.size
    ref_share, cur_share = np.clip(ref_share, 1e-4, None), np.clip(cur_share, 1e-4, None)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def drift_table(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Iterable[str],
    psi_threshold: float = PSI_THRESHOLD,
    ks_threshold: float = KS_THRESHOLD,
) -> pd.DataFrame:
    """KS statistic, KS p-value and PSI of each numeric column; `drifted` when either is over."""
    rows = []
    for name in columns:
        ref = pd.to_numeric(reference[name], errors="raise").dropna().astype(float)
        cur = pd.to_numeric(current[name], errors="raise").dropna().astype(float)
        ks = stats.ks_2samp(ref, cur)
        psi = population_stability_index(ref, cur)
        drifted = bool(ks.statistic > ks_threshold or psi > psi_threshold)
        rows.append(
            {"column": name, "ks": ks.statistic, "ks_pvalue": ks.pvalue, "psi": psi,
             "drifted": drifted}
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("column")


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Iterable[str],
    psi_threshold: float = PSI_THRESHOLD,
    ks_threshold: float = KS_THRESHOLD,
) -> list[str]:
    """One problem per numeric column whose distribution moved past a threshold."""
    table = drift_table(reference, current, columns, psi_threshold, ks_threshold)
    return [
        f"column {name!r} drifted: KS {row.ks:.3f} (limit {ks_threshold}), "
        f"PSI {row.psi:.3f} (limit {psi_threshold})"
        for name, row in table[table["drifted"]].iterrows()
    ]
