"""Recommendations for a user the model has never seen: what similar users liked recently.

A new user has no ratings, only what they told us at sign-up (age, gender). Each rating counts as
a vote for its movie, if it is a "like" (at least `min_rating`, the course's relevance threshold),
weighted by how recent it is (half-life `half_life_days` before the newest rating). The user's
group (`grouping`: gender, age band, both, or none) gives the counts, shrunk towards everyone's so a
small group does not rank a movie first because two of its members liked it:

    score(item) = (votes_group(item) + strength * share_all(item)) / (votes_group + strength)

A user whose group is unknown or had no recent votes gets everyone's shares. With `min_rating=None`,
`grouping="none"` and a long half-life this is plain popularity; `benchmarks/bench_cold_start.py`
measures the variants against recent popularity on the global time cut and on earlier cuts.

The defaults are what held up there: likes with a 14-day half-life, no grouping. Grouping by
gender or age band won on some cuts and lost on others (groups of a few dozen recent raters are
noise), so the service accepts age and gender but, by default, every new user gets the same list.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

# MovieLens 1M's age groups (the 100K data has exact ages): under 18, 18-24, ..., 56+.
AGE_EDGES = (0, 18, 25, 35, 45, 50, 56, 200)
ANY = "any"
Grouping = Literal["none", "gender", "age", "gender_age"]


def age_band(age: object) -> str:
    """The age group of `age` as a label like `25-34`; `any` when the age is missing."""
    if age is None or pd.isna(age):
        return ANY
    for low, high in itertools.pairwise(AGE_EDGES):
        if low <= float(age) < high:
            return f"{low}-{high - 1}"
    return ANY


def group_of(age: object, gender: object, grouping: Grouping) -> str:
    """The group label of a user, e.g. `F|25-34`; parts that `grouping` ignores are `any`."""
    sex = str(gender) if grouping in ("gender", "gender_age") and gender in ("M", "F") else ANY
    band = age_band(age) if grouping in ("age", "gender_age") else ANY
    return f"{sex}|{band}"


@dataclass
class RecentlyLiked:
    """Recently liked movies (within the user's group, if asked); a ranker for cold-start users.

    Args:
        users: `user_id`, `age`, `gender` of every user (to find the group of a scored user).
        half_life_days: a vote this many days older than the newest rating counts half.
        min_rating: the smallest rating that is a vote; None counts every rating.
        grouping: which attributes define a group.
        strength: pseudo-votes that pull a group's shares towards everyone's.
    """

    users: pd.DataFrame
    half_life_days: float = 14.0
    min_rating: float | None = 4.0
    grouping: Grouping = "none"
    strength: float = 100.0
    name: str = "recently_liked"
    overall_: pd.Series = field(default_factory=pd.Series, init=False)
    groups_: dict[str, pd.Series] = field(default_factory=dict, init=False)

    def fit(self, train: pd.DataFrame) -> RecentlyLiked:
        """Weigh every vote by its age and sum the weights per item, overall and per group."""
        votes = train if self.min_rating is None else train[train["rating"] >= self.min_rating]
        votes = votes.merge(self.users[["user_id", "age", "gender"]], on="user_id", how="left")
        age_days = (train["timestamp"].max() - votes["timestamp"]).dt.total_seconds() / 86_400
        weight = np.power(0.5, age_days.to_numpy() / self.half_life_days)
        frame = pd.DataFrame({"item_id": votes["item_id"].to_numpy(), "weight": weight})
        frame["group"] = [
            group_of(a, g, self.grouping)
            for a, g in zip(votes["age"], votes["gender"], strict=True)
        ]
        self.overall_ = frame.groupby("item_id")["weight"].sum()
        by_group = frame.groupby(["group", "item_id"])["weight"].sum()
        self.groups_ = {key: by_group.loc[key] for key in by_group.index.unique(level="group")}
        return self

    def prepare(self, item_ids: np.ndarray) -> RecentlyLiked:
        """Build pandas' lookup tables now: they are built lazily on first use, not thread-safely."""
        for counts in (self.overall_, *self.groups_.values()):
            counts.reindex(item_ids[:1])
        return self

    def scores_for(self, age: object, gender: object, item_ids: np.ndarray) -> np.ndarray:
        """The score of each item for a user of this age and gender (either may be None)."""
        if self.overall_.empty:
            raise RuntimeError("RecentlyLiked is not fitted yet: call .fit(train) first.")
        share = self.overall_.reindex(item_ids).fillna(0.0).to_numpy() / self.overall_.sum()
        counts = self.groups_.get(group_of(age, gender, self.grouping))
        if counts is None or group_of(age, gender, self.grouping) == f"{ANY}|{ANY}":
            return share
        mine = counts.reindex(item_ids).fillna(0.0).to_numpy()
        return (mine + self.strength * share) / (counts.sum() + self.strength)

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """A `len(user_ids) x len(item_ids)` matrix: each user's row is their group's scores."""
        attributes = self.users.drop_duplicates("user_id").set_index("user_id")[["age", "gender"]]
        rows = attributes.reindex(np.asarray(user_ids))
        out = np.empty((len(rows), len(item_ids)))
        for row, (age, gender) in enumerate(zip(rows["age"], rows["gender"], strict=True)):
            out[row] = self.scores_for(age, gender, item_ids)
        return out
