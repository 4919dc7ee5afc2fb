"""Biased matrix factorisation with user and movie side features from Feast, in PyTorch, on CPU.

The predicted rating of user u for movie i is

    mean + b_u + b_i + b(side_u) + b(side_i) + w_u . numeric_u + w_i . numeric_i
         + (p_u + e(side_u)) . (q_i + e(side_i))

where `p_u`, `q_i` and the biases are learned per id (as in SVD), and `e(side)` / `b(side)` are
embeddings and biases of the features (`mlplatform.recommender.side_features`): gender, occupation
and age group for users, genres and release-year bucket for movies, plus rating count and mean as
Feast knew them at the time. A user or movie never seen in training has `p_u = 0` and `b_u = 0`, so
their prediction comes from the features alone: that is how side features handle cold start.

`fit(train)` takes a Feast training set (ratings plus feature columns). When the frame has no
feature columns, they are joined from `features` (a training set of all ratings, keyed by user and
movie), which is how the evaluation protocol's plain rating frames get them. Only the static
attributes are taken as given: the rating counts and means are recomputed point in time from the
training ratings alone (`training_features`), because the store's are computed over all ratings and
would leak held-out ratings into training on a random or per-user split. On a temporal prefix they
equal Feast's. At prediction time a row's own feature columns are used when present; otherwise each
user's and movie's static attributes and their statistics over all training ratings (frozen).

Example:
    >>> model = TorchRecommender(TorchConfig(epochs=5)).fit(training_set_frame)  # doctest: +SKIP
    >>> model.predict(test_pairs)  # doctest: +SKIP
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from mlplatform.progress import progress_bar
from mlplatform.recommender.movielens import RATING_SCALE
from mlplatform.recommender.side_features import (
    FEATURE_COLUMNS,
    ITEM_COLUMNS,
    USER_COLUMNS,
    Vocabulary,
    encode_items,
    encode_users,
    latest_per_key,
)
from mlplatform.recommender.training_features import (
    AGGREGATE_COLUMNS,
    final_aggregates,
    with_training_aggregates,
)

EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass(frozen=True)
class TorchConfig:
    """Hyper-parameters of `TorchRecommender` (all logged to MLflow as they are)."""

    n_factors: int = 64
    epochs: int = 30  # at most; early stopping usually ends sooner
    batch_size: int = 512
    lr: float = 0.002
    reg: float = 0.07  # L2 on each batch's user and item factors (ids + side features)
    valid_fraction: float = 0.05  # random share of train held out for early stopping (0: none)
    patience: int = 2  # epochs without a better validation RMSE before stopping
    side_features: bool = True  # False: plain biased MF (the ablation)
    seed: int = 0


class SideFeatureMF(nn.Module):
    """The network: id embeddings plus side-feature embeddings, one extra column for the bias."""

    def __init__(self, sizes: dict[str, int], n_factors: int, mean: float, side: bool) -> None:
        super().__init__()
        width = n_factors + 1  # factors, then the bias
        self.n_factors, self.side = n_factors, side
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.user = nn.Embedding(sizes["users"], width, padding_idx=0)
        self.item = nn.Embedding(sizes["items"], width, padding_idx=0)
        self.gender = nn.Embedding(sizes["genders"], width)
        self.occupation = nn.Embedding(sizes["occupations"], width)
        self.age = nn.Embedding(sizes["ages"], width)
        self.year = nn.Embedding(sizes["years"], width)
        self.genres = nn.Linear(sizes["genres"], width, bias=False)
        self.user_numeric = nn.Linear(2, width, bias=False)
        self.item_numeric = nn.Linear(2, width, bias=False)
        for table in (self.user, self.item, self.gender, self.occupation, self.age, self.year):
            nn.init.normal_(table.weight, std=0.01)
        for linear in (self.genres, self.user_numeric, self.item_numeric):
            nn.init.normal_(linear.weight, std=0.01)
        with torch.no_grad():
            self.user.weight[0].zero_()
            self.item.weight[0].zero_()

    def user_side(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """(batch, factors + 1): the user's vector and bias."""
        out = self.user(x["user"])
        if self.side:
            side = self.gender(x["gender"]) + self.occupation(x["occupation"]) + self.age(x["age"])
            out = out + side + self.user_numeric(x["user_numeric"])
        return out

    def item_side(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """(batch, factors + 1): the movie's vector and bias."""
        out = self.item(x["item"])
        if self.side:
            side = self.year(x["year"]) + self.genres(x["genres"])
            out = out + side + self.item_numeric(x["item_numeric"])
        return out

    def combine(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Row-wise predictions of matching user and item rows."""
        k = self.n_factors
        dot = (users[:, :k] * items[:, :k]).sum(dim=1)
        return self.mean + users[:, k] + items[:, k] + dot

    def forward(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """One predicted rating (unclipped) per row of the batch."""
        return self.combine(self.user_side(x), self.item_side(x))


def _ratings(frame: pd.DataFrame) -> torch.Tensor:
    return torch.as_tensor(frame["rating"].to_numpy(), dtype=torch.float32)


@torch.no_grad()
def _rmse(net: SideFeatureMF, x: dict[str, torch.Tensor], y: torch.Tensor) -> float:
    """RMSE of the network's clipped predictions."""
    net.eval()
    predicted = net(x).clamp(*RATING_SCALE)
    return float(torch.sqrt(((predicted - y) ** 2).mean()))


def _tensors(users: dict[str, np.ndarray], items: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    long = {k: torch.as_tensor(v, dtype=torch.long) for k, v in {**users, **items}.items()
            if k not in ("numeric", "genres")}  # fmt: skip
    return {
        **long,
        "genres": torch.as_tensor(items["genres"], dtype=torch.float32),
        "user_numeric": torch.as_tensor(users["numeric"], dtype=torch.float32),
        "item_numeric": torch.as_tensor(items["numeric"], dtype=torch.float32),
    }


@dataclass
class TorchRecommender:
    """A rating model and ranker with the course's interface (`fit`, `predict`, `score`).

    Args:
        config: hyper-parameters.
        features: optional Feast training set of all ratings (`user_id`, `item_id` and the feature
            columns) joined onto training frames that arrive without features.
        fresh_features: also join `features` onto the pairs to predict, i.e. score each held-out
            rating with the store's features as of its own time (a feature store updated
            continuously); False: the features known at the end of training (a frozen model).
            Only valid when every held-out rating is later than all training ratings (a global
            time cut): the store's statistics are over all ratings, so on a random or per-user
            split they would include held-out ratings.
        progress: show a tqdm bar over epochs.
        on_epoch: called after each epoch with (epoch, {"train_rmse": ..., ...}), e.g. to log MLflow.
    """

    config: TorchConfig = field(default_factory=TorchConfig)
    features: pd.DataFrame | None = field(default=None, repr=False)
    fresh_features: bool = False
    progress: bool = False
    on_epoch: EpochCallback | None = field(default=None, repr=False)
    history: list[dict[str, float]] = field(default_factory=list, init=False, repr=False)

    def __getstate__(self) -> dict[str, object]:
        """Pickle without the callback and the features frame (a served model needs neither)."""
        return {**self.__dict__, "on_epoch": None, "features": None}

    @property
    def name(self) -> str:
        """`torch_side_mf`, or `torch_mf` without side features."""
        return "torch_side_mf" if self.config.side_features else "torch_mf"

    def params(self) -> dict[str, object]:
        """The configuration as a flat dict."""
        return asdict(self.config)

    def _with_features(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.features is None or all(c in frame for c in FEATURE_COLUMNS):
            return frame
        extra = [] if "event_timestamp" in frame else ["event_timestamp"]
        table = self.features[["user_id", "item_id", *FEATURE_COLUMNS, *extra]]
        keep = [c for c in frame.columns if c not in FEATURE_COLUMNS]
        return frame[keep].merge(
            table, on=["user_id", "item_id"], how="left", validate="many_to_one"
        )

    def _encode(self, frame: pd.DataFrame) -> dict[str, torch.Tensor]:
        users = encode_users(frame, self.vocab_, self.mean_)
        items = encode_items(frame, self.vocab_, self.mean_)
        return _tensors(users, items)

    def training_frame(self, train: pd.DataFrame) -> pd.DataFrame:
        """What `fit` trains on: `train`, its static features, statistics from `train` alone."""
        frame = self._with_features(train).reset_index(drop=True)
        return with_training_aggregates(frame)

    def fit(self, train: pd.DataFrame, valid: pd.DataFrame | None = None) -> TorchRecommender:
        """Train on ratings with feature columns, keeping the epoch with the best inner validation.

        `config.valid_fraction` of the rows (drawn with the seed) are held out of training and
        scored after every epoch; training stops after `patience` epochs without improvement and
        the best weights are kept. `valid` (optional, e.g. the test set) is only scored and logged.
        """
        cfg = self.config
        torch.set_num_threads(1)  # a shared 2-core machine: one thread per process
        torch.manual_seed(cfg.seed)
        frame = self.training_frame(train)
        self.mean_ = float(frame["rating"].mean())
        self.vocab_ = Vocabulary.from_frame(frame)
        self.user_table_, self.item_table_ = (
            latest_per_key(frame, key, [c for c in columns if c not in AGGREGATE_COLUMNS]).merge(
                final_aggregates(frame, key), on=key, how="left", validate="one_to_one"
            )
            for key, columns in (("user_id", USER_COLUMNS), ("item_id", ITEM_COLUMNS))
        )
        self.net_ = SideFeatureMF(self.vocab_.sizes, cfg.n_factors, self.mean_, cfg.side_features)
        inner = np.random.default_rng(cfg.seed).random(len(frame)) < cfg.valid_fraction
        x, y = self._encode(frame[~inner]), _ratings(frame[~inner])
        x_inner, y_inner = self._encode(frame[inner]), _ratings(frame[inner])
        valid_x = None if valid is None else self._encode(self._lookup_features(valid))
        optimiser = torch.optim.Adam(self.net_.parameters(), lr=cfg.lr)
        generator = torch.Generator().manual_seed(cfg.seed)
        self.history, best, waited = [], (np.inf, None), 0
        for epoch in progress_bar(range(cfg.epochs), desc=self.name, disable=not self.progress):
            record = {"train_rmse": float(np.sqrt(self._epoch(x, y, optimiser, generator)))}
            if inner.any():
                record["inner_valid_rmse"] = _rmse(self.net_, x_inner, y_inner)
            if valid is not None:
                record["valid_rmse"] = _rmse(self.net_, valid_x, _ratings(valid))
            self.history.append(record)
            if self.on_epoch is not None:
                self.on_epoch(epoch, record)
            current = record.get("inner_valid_rmse", -epoch)
            if current < best[0]:
                best, waited = (current, copy.deepcopy(self.net_.state_dict())), 0
            elif (waited := waited + 1) >= cfg.patience:
                break
        self.net_.load_state_dict(best[1])
        self.best_epoch_ = int(np.argmin([h.get("inner_valid_rmse", -i)
                                          for i, h in enumerate(self.history)]))  # fmt: skip
        return self

    def _epoch(self, x: dict, y: torch.Tensor, optimiser: torch.optim.Optimizer,
               generator: torch.Generator) -> float:  # fmt: skip
        """One pass over shuffled mini-batches; returns the mean squared error of the pass."""
        self.net_.train()
        order = torch.randperm(len(y), generator=generator)
        total = 0.0
        for start in range(0, len(y), self.config.batch_size):
            idx = order[start : start + self.config.batch_size]
            batch = {k: v[idx] for k, v in x.items()}
            users, items = self.net_.user_side(batch), self.net_.item_side(batch)
            error = self.net_.combine(users, items) - y[idx]
            k = self.config.n_factors  # the factors of ids and side features; biases lightly
            penalty = (users[:, :k] ** 2).sum(dim=1) + (items[:, :k] ** 2).sum(dim=1)
            penalty = penalty + 0.1 * (users[:, k] ** 2 + items[:, k] ** 2)
            loss = (error**2).mean() + self.config.reg * penalty.mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float((error.detach() ** 2).sum())
        return total / len(y)

    def _fitted(self) -> SideFeatureMF:
        if not hasattr(self, "net_"):
            raise RuntimeError(f"{self.name} is not fitted yet: call .fit(train) first.")
        return self.net_

    def _lookup_features(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Pairs with feature columns: their own, else the features frame, else the newest known."""
        frame = pairs.reset_index(drop=True)
        frame = self._with_features(frame) if self.fresh_features else frame
        for table, key, columns in ((self.user_table_, "user_id", USER_COLUMNS),
                                    (self.item_table_, "item_id", ITEM_COLUMNS)):  # fmt: skip
            missing = [c for c in columns if c not in frame and c in table]
            if missing:
                frame = frame.merge(table[[key, *missing]], on=key, how="left")
        return frame

    @torch.no_grad()
    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One rating per (user_id, item_id) row, clipped to 1-5. Unknown users/items are fine."""
        net = self._fitted().eval()
        frame = self._lookup_features(pairs)
        predicted = net(self._encode(frame)).numpy().astype(float)
        return np.clip(predicted, *RATING_SCALE)

    @torch.no_grad()
    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Unclipped predictions for the user x item grid, from the newest features in training."""
        net = self._fitted().eval()
        users = pd.DataFrame({"user_id": np.asarray(user_ids)}).merge(
            self.user_table_, on="user_id", how="left"
        )
        items = pd.DataFrame({"item_id": np.asarray(item_ids)}).merge(
            self.item_table_, on="item_id", how="left"
        )
        u = _tensors(encode_users(users, self.vocab_, self.mean_), {"numeric": np.zeros((0, 2)),
                     "genres": np.zeros((0, 19))})  # fmt: skip
        i = _tensors({"numeric": np.zeros((0, 2))}, encode_items(items, self.vocab_, self.mean_))
        uv, iv = net.user_side(u), net.item_side(i)
        k = net.n_factors
        grid = uv[:, :k] @ iv[:, :k].T + uv[:, k : k + 1] + iv[:, k][None, :] + net.mean
        return grid.numpy().astype(float)
