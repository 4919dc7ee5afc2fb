"""Save and load a fitted `TorchRecommender` as a state_dict, JSON and Parquet (no pickle).

`weights.pt` holds the network's state_dict (loaded with `weights_only=True`); `users.parquet` and
`items.parquet` the newest feature values per user and movie seen in training; the configuration,
global mean and vocabulary go into the `model.json` that `model_files.save_model` writes.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from mlplatform.recommender.side_features import Vocabulary
from mlplatform.recommender.torch_model import SideFeatureMF, TorchConfig, TorchRecommender

WEIGHTS, USERS, ITEMS = "weights.pt", "users.parquet", "items.parquet"


def save_torch(model: TorchRecommender, folder: Path) -> dict[str, Any]:
    """Write the weights and feature tables into `folder`; returns the JSON-able rest."""
    net = model._fitted()
    torch.save(net.state_dict(), folder / WEIGHTS)
    model.user_table_.to_parquet(folder / USERS, index=False)
    model.item_table_.to_parquet(folder / ITEMS, index=False)
    vocab = model.vocab_
    return {
        "kind": "torch",
        "config": asdict(model.config),
        "mean": model.mean_,
        "best_epoch": model.best_epoch_,
        "history": model.history,
        "vocab": {
            "users": vocab.users.tolist(),
            "items": vocab.items.tolist(),
            "occupations": vocab.occupations.tolist(),
        },
    }


def load_torch(meta: dict[str, Any], folder: Path) -> TorchRecommender:
    """The model `save_torch` wrote, in eval mode, predicting from the features frozen at training."""
    config = TorchConfig(**meta["config"])
    model = TorchRecommender(config)
    model.mean_ = float(meta["mean"])
    model.best_epoch_ = int(meta["best_epoch"])
    model.history = list(meta["history"])
    words = meta["vocab"]
    model.vocab_ = Vocabulary(pd.Index(words["users"]), pd.Index(words["items"]),
                              pd.Index(words["occupations"], dtype=object))  # fmt: skip
    model.user_table_ = pd.read_parquet(folder / USERS)
    model.item_table_ = pd.read_parquet(folder / ITEMS)
    net = SideFeatureMF(model.vocab_.sizes, config.n_factors, model.mean_, config.side_features)
    net.load_state_dict(torch.load(folder / WEIGHTS, weights_only=True))
    model.net_ = net.eval()
    return model
