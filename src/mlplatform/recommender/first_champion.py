"""Make sure a registered model has a `champion`, so a service has something to serve.

Chapter 12 leaves a champion behind; a chapter that serves it may run first, on a fresh platform.
`ensure_champion` then trains and registers one through the one register path
(`registered.log_and_register`, then `registry.promote_if_better`): an SVD on the global time cut,
evaluated on the held-out future like chapter 12's models, so a later chapter 12 run compares its
candidates with it on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mlplatform import registry
from mlplatform.recommender.models import make_model
from mlplatform.recommender.registered import log_and_register
from mlplatform.recommender.splits import split_by_time

FIRST_MODEL = "svd"


@dataclass(frozen=True)
class ChampionState:
    """The version `champion` points at, and whether this call registered it."""

    version: int
    trained_now: bool

    def describe(self, name: str) -> str:
        """One line for the notebook."""
        how = "trained and registered just now" if self.trained_now else "already registered"
        return f"{name}@{registry.CHAMPION} is v{self.version} ({how})"


def ensure_champion(name: str, ratings: pd.DataFrame, quantile: float = 0.8) -> ChampionState:
    """The champion of `name`; when there is none, train an SVD on the time cut and promote it."""
    try:
        known = registry.aliases(name)
    except LookupError:  # no model of that name yet: the first registration creates it
        known = {}
    if registry.CHAMPION in known:
        return ChampionState(registry.resolve_alias(name, registry.CHAMPION), False)
    train, test = split_by_time(ratings, quantile)
    registered = log_and_register(make_model(FIRST_MODEL), FIRST_MODEL, {}, train, test, name)
    registry.promote_if_better(name, registered.version.version, "rmse")
    return ChampionState(registry.resolve_alias(name, registry.CHAMPION), True)
