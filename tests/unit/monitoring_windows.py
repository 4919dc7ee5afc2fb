"""Seeded synthetic request logs for the monitoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.monitoring.windows import MonitorSpec

SPEC = MonitorSpec(
    numerical=("age", "history"),
    categorical=("segment",),
    prediction="prediction",
    target="rating",
)
START = pd.Timestamp("2026-03-01", tz="UTC")


def requests(n: int, seed: int, shift: float = 0.0, error: float = 0.5) -> pd.DataFrame:
    """`n` requests; `shift` moves age, history and the segment mix, `error` the model's noise."""
    rng = np.random.default_rng(seed)
    rating = rng.normal(3.5, 1.0, n)
    served = START + pd.to_timedelta(np.arange(n), unit="h")
    return pd.DataFrame(
        {
            "age": rng.normal(32 + 12 * shift, 9, n),
            "history": rng.gamma(2.0, 20 * (1 - 0.7 * shift), n),
            "segment": rng.choice(
                ["a", "b", "c"], n, p=[0.5 - 0.4 * shift, 0.3, 0.2 + 0.4 * shift]
            ),
            "prediction": rating + rng.normal(0, error, n),
            "rating": rating,
            "served_at": served,
            "label_time": served + pd.Timedelta(days=3),
        }
    )
