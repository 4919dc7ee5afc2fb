"""Drift detectors with one interface, and how to measure them on a stream of requests.

A `Detector` tests every monitored column (the features and the prediction) of a current window
against the reference, with one of Evidently's drift tests, and raises an alarm when at least one
column, and at least `min_share` of them, drifted. Four are defined, all run by Evidently 0.7
(`ValueDrift` per column), so they differ only in the test and the rule:

| name | numerical columns | categorical columns | a column drifts when | alarm |
|---|---|---|---|---|
| `evidently` | Evidently's default: KS up to 1,000 reference rows, else normed Wasserstein | chi-square / Z up to 1,000, else Jensen-Shannon | p < 0.05, or distance >= 0.1 | half the columns (Evidently's own dataset-drift rule) |
| `evidently_any` | the same | the same | the same | any column |
| `psi` | population stability index (Sturges bins) | PSI over the categories | PSI >= 0.2 | any column |
| `ks` | two-sample Kolmogorov-Smirnov | chi-square | p <= 0.05 | any column |
| `ks_bonferroni` | the same | the same | p <= 0.05 / k, for k columns | any column |

A p-value test fires on about 5% of unshifted columns, so with k columns and "any column" as the
rule, about 1 - 0.95^k of unshifted windows raise a false alarm; a distance (Wasserstein, PSI)
does not shrink with the window, so its false alarms depend on the window's size instead: PSI
over ~10 bins is about 10 / n on an unshifted window of n rows, so Evidently's default PSI
threshold of 0.1 fires on almost every window under ~100 rows. The `psi` detector uses the
common rule of thumb, 0.2 (`quality.data_checks.PSI_THRESHOLD`).
`first_alarm` and `false_alarm_rate` measure both on the same windows (benchmarks/bench_drift.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from mlplatform.monitoring.drift import column_verdicts
from mlplatform.monitoring.windows import MonitorSpec, check_window, evidently_dataset
from mlplatform.quality.data_checks import PSI_THRESHOLD


@dataclass(frozen=True)
class DriftVerdict:
    """What a detector said about one window."""

    detector: str
    drifted: bool
    scores: dict[str, float]  # column -> the test's score (p-value or distance)
    drifted_columns: tuple[str, ...]

    @property
    def share(self) -> float:
        """Share of the tested columns that drifted."""
        return len(self.drifted_columns) / len(self.scores)


@dataclass(frozen=True)
class Detector:
    """One drift test applied to every monitored column, and the rule that raises the alarm.

    `num_method`/`cat_method` are Evidently stat-test names (None: Evidently's default choice);
    `threshold` overrides the test's default threshold; `bonferroni` divides it by the number of
    columns tested (a p-value threshold, so that all columns together keep its false-alarm
    rate); `min_share` is the share of drifted columns that raises the alarm (0: any column).
    """

    name: str
    num_method: str | None = None
    cat_method: str | None = None
    threshold: float | None = None
    min_share: float = 0.0
    bonferroni: bool = False

    def metrics(self, spec: MonitorSpec) -> list:
        """One Evidently `ValueDrift` per monitored column, with this detector's test."""
        from evidently.metrics import ValueDrift

        numerical = [*spec.numerical, *((spec.prediction,) if spec.prediction else ())]
        threshold = self.threshold
        if self.bonferroni and threshold is not None:
            threshold /= len(spec.drift_columns)
        return [
            ValueDrift(column=column, method=method, threshold=threshold)
            for columns, method in (
                (numerical, self.num_method),
                (spec.categorical, self.cat_method),
            )
            for column in columns
        ]

    def detect(
        self, reference: pd.DataFrame, current: pd.DataFrame, spec: MonitorSpec
    ) -> DriftVerdict:
        """Test `current` against `reference`.

        Raises:
            WindowError: a window is empty or lacks a monitored column.
        """
        from evidently import Report

        check_window(reference, spec, "reference")
        check_window(current, spec, "current")
        snapshot = Report(self.metrics(spec), include_tests=True).run(
            evidently_dataset(current, spec), evidently_dataset(reference, spec)
        )
        verdicts = column_verdicts(snapshot)
        drifted = tuple(column for column, (_, is_drifted) in verdicts.items() if is_drifted)
        return DriftVerdict(
            detector=self.name,
            drifted=bool(drifted) and len(drifted) / len(verdicts) >= self.min_share,
            scores={column: score for column, (score, _) in verdicts.items()},
            drifted_columns=drifted,
        )


DETECTORS: dict[str, Detector] = {
    "evidently": Detector("evidently", min_share=0.5),
    "evidently_any": Detector("evidently_any"),
    "psi": Detector("psi", num_method="psi", cat_method="psi", threshold=PSI_THRESHOLD),
    "ks": Detector("ks", num_method="ks", cat_method="chisquare"),
    "ks_bonferroni": Detector(
        "ks_bonferroni", num_method="ks", cat_method="chisquare", threshold=0.05, bonferroni=True
    ),
}


def get_detector(name: str) -> Detector:
    """The detector called `name`.

    Raises:
        KeyError: unknown name; the message lists the known ones.
    """
    if name not in DETECTORS:
        raise KeyError(f"no detector called {name!r}; choose one of {', '.join(DETECTORS)}.")
    return DETECTORS[name]


def tumbling_windows(stream: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    """Consecutive, non-overlapping windows of `size` rows (a last, shorter one is dropped)."""
    if size < 1:
        raise ValueError(f"window size must be at least 1, got {size}.")
    for start in range(0, len(stream) - size + 1, size):
        yield stream.iloc[start : start + size]


def first_alarm(
    detector: Detector,
    reference: pd.DataFrame,
    windows: Iterable[pd.DataFrame],
    spec: MonitorSpec,
) -> int | None:
    """Requests seen when the detector first fires on consecutive windows; None if it never does.

    A monitor that checks every window of n requests fires at n, 2n, ...: the delay counts every
    request of the window that fired.
    """
    seen = 0
    for window in windows:
        seen += len(window)
        if detector.detect(reference, window, spec).drifted:
            return seen
    return None


def false_alarm_rate(
    detector: Detector,
    reference: pd.DataFrame,
    windows: Iterable[pd.DataFrame],
    spec: MonitorSpec,
) -> tuple[float, int]:
    """Share of unshifted windows on which the detector fires, and how many windows were tested.

    Raises:
        ValueError: no window was given.
    """
    alarms = [detector.detect(reference, window, spec).drifted for window in windows]
    if not alarms:
        raise ValueError("false_alarm_rate needs at least one unshifted window.")
    return sum(alarms) / len(alarms), len(alarms)
