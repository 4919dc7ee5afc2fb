"""A window of logged requests and what a monitor reads from it: `MonitorSpec`, checks, labels.

A window is a DataFrame of requests: the features the model saw, its prediction, when it was
served and, once it arrives, the label. `MonitorSpec` names those columns (it is all the monitoring
package knows of a project); `check_window` refuses a window that cannot be monitored, with a
message that names what is missing; `labelled_rows` keeps the rows whose label has arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from evidently import DataDefinition, Dataset


class WindowError(ValueError):
    """A window cannot be monitored: it is empty, not a DataFrame, or lacks a column."""


@dataclass(frozen=True)
class MonitorSpec:
    """Which columns of a request log are monitored, and how.

    `target` is a regression label (MAE and RMSE of `prediction` against it); `score` is a
    per-request quality known once the label arrives (1 for a correct read, an IoU); a window
    may have either or both. `label_time` is when each row's label arrived.
    """

    numerical: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    prediction: str | None = None
    target: str | None = None
    score: str | None = None
    label_time: str = "label_time"

    @property
    def features(self) -> tuple[str, ...]:
        """The input features, numerical first."""
        return (*self.numerical, *self.categorical)

    @property
    def drift_columns(self) -> tuple[str, ...]:
        """Everything checked for drift: the features and the prediction."""
        return (*self.features, *((self.prediction,) if self.prediction else ()))

    @property
    def has_labels(self) -> bool:
        """Whether windows carry a label to measure performance with."""
        return bool(self.target or self.score)

    def data_definition(self) -> DataDefinition:
        """Evidently's column map: types, and the regression task when there is a target."""
        from evidently import DataDefinition, Regression

        numerical = [*self.numerical, *(c for c in (self.prediction, self.target) if c)]
        if self.score:
            numerical.append(self.score)
        regression = None
        if self.target and self.prediction:
            regression = [Regression(target=self.target, prediction=self.prediction)]
        return DataDefinition(
            numerical_columns=list(dict.fromkeys(numerical)),
            categorical_columns=list(self.categorical),
            regression=regression,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form without unset fields (what a pipeline step receives as a parameter)."""
        return {
            key: list(v) if isinstance(v, tuple) else v
            for key, v in asdict(self).items()
            if v is not None
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> MonitorSpec:
        """The inverse of `to_dict`."""
        known = {key: values[key] for key in cls.__dataclass_fields__ if key in values}
        for key in ("numerical", "categorical"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


def check_window(frame: pd.DataFrame, spec: MonitorSpec, name: str = "current") -> pd.DataFrame:
    """Return `frame` if it can be monitored with `spec`.

    Raises:
        WindowError: not a DataFrame, no rows, or a monitored column is missing (the message
            lists the missing columns and the ones the window has).
    """
    if not isinstance(frame, pd.DataFrame):
        raise WindowError(f"the {name} window must be a pandas DataFrame, got {type(frame)}.")
    if frame.empty:
        raise WindowError(
            f"the {name} window has no rows: widen its time range or wait for more requests."
        )
    missing = [column for column in spec.drift_columns if column not in frame.columns]
    if missing:
        raise WindowError(
            f"the {name} window lacks the monitored column(s) {missing}; it has "
            f"{list(frame.columns)}. Log them with each request or remove them from the spec."
        )
    return frame


def labelled_rows(
    window: pd.DataFrame, spec: MonitorSpec, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The rows whose label had arrived by `as_of` (all labelled rows when `as_of` is None).

    A row's label has arrived when `spec.label_time` is set and not later than `as_of`, and the
    label column itself is filled.

    Raises:
        WindowError: the spec has no label, or the window lacks the label columns.
    """
    if not spec.has_labels:
        raise WindowError("this MonitorSpec has no target or score column: nothing to measure.")
    needed = [c for c in (spec.label_time, spec.target, spec.score) if c]
    missing = [c for c in needed if c not in window.columns]
    if missing:
        raise WindowError(
            f"the window lacks the label column(s) {missing}; it has {list(window.columns)}."
        )
    arrived = window[spec.label_time].notna()
    if as_of is not None:
        arrived &= window[spec.label_time] <= as_of
    for column in (spec.target, spec.score):
        if column:
            arrived &= window[column].notna()
    return window[arrived]


def evidently_dataset(frame: pd.DataFrame, spec: MonitorSpec) -> Dataset:
    """`frame` as an Evidently `Dataset` with the spec's column types."""
    from evidently import Dataset

    return Dataset.from_pandas(frame, data_definition=spec.data_definition())
