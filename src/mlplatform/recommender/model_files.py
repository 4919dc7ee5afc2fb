"""Save a fitted rating model as plain files and load it back, without pickle.

| kind | files in the folder |
|---|---|
| `bias` (`BiasBaseline`) | `model.json`: parameters, mean, user and item biases |
| `surprise` (`SurpriseModel`) | `model.json` (name, parameters), `state.npz` (see `surprise_state`) |
| `torch` (`TorchRecommender`) | `model.json` (config, mean, vocabulary), `weights.pt` (state_dict), `users.parquet`, `items.parquet` |

`save_model(model, folder)` writes them, `load_model(folder)` reads them: the registered model's
artifacts (`RatingPyfunc` in `pyfunc_entry.py` loads them at serving time).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.models import RatingModel, SurpriseModel
from mlplatform.recommender.surprise_state import SurpriseState

META = "model.json"


def model_params(model: object) -> dict[str, Any]:
    """The constructor parameters of a course model (dataclass, surprise or torch)."""
    if isinstance(model, SurpriseModel):
        return dict(model.params)
    if callable(getattr(model, "params", None)):
        return dict(model.params())
    if dataclasses.is_dataclass(model):
        return {f.name: getattr(model, f.name) for f in dataclasses.fields(model) if f.init}
    raise TypeError(f"Cannot read the parameters of {type(model).__name__}.")


def model_name(model: object) -> str:
    """The model's short name: its `name` attribute, else its class name."""
    return str(getattr(model, "name", type(model).__name__))


def save_model(model: RatingModel | BiasBaseline, folder: Path) -> Path:
    """Write a fitted model's state into `folder` (created); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(model, BiasBaseline):
        meta = _bias_meta(model)
    elif isinstance(model, SurpriseModel):
        if model.state is None:
            raise RuntimeError(f"{model!r} is not fitted yet: call .fit(train) first.")
        model.state.save(folder / "state.npz")
        meta = {"kind": "surprise", "name": model.name, "params": model.params}
    elif type(model).__name__ == "TorchRecommender":
        from mlplatform.recommender.torch_files import save_torch  # torch loads only here

        meta = save_torch(model, folder)
    else:
        raise TypeError(f"save_model knows BiasBaseline, SurpriseModel and TorchRecommender, "
                        f"not {type(model).__name__}.")  # fmt: skip
    (folder / META).write_text(json.dumps(meta, default=_json_default))
    return folder


def load_model(folder: Path) -> Any:
    """The model saved by `save_model` in `folder`, ready to `predict` and `score`."""
    folder = Path(folder)
    meta = json.loads((folder / META).read_text())
    if meta["kind"] == "bias":
        return _bias_from(meta)
    if meta["kind"] == "surprise":
        state = SurpriseState.load(folder / "state.npz")
        return SurpriseModel.from_state(meta["name"], meta["params"], state)
    if meta["kind"] == "torch":
        from mlplatform.recommender.torch_files import load_torch

        return load_torch(meta, folder)
    raise ValueError(f"{folder / META} names an unknown model kind {meta['kind']!r}.")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _bias_meta(model: BiasBaseline) -> dict[str, Any]:
    return {
        "kind": "bias",
        "params": model_params(model),
        "mean": model.mean_,
        "user_bias": {int(k): float(v) for k, v in model.user_bias_.items()},
        "item_bias": {int(k): float(v) for k, v in model.item_bias_.items()},
    }


def _bias_from(meta: dict[str, Any]) -> BiasBaseline:
    model = BiasBaseline(**meta["params"])
    model.mean_ = float(meta["mean"])
    for attribute, key in (("user_bias_", "user_bias"), ("item_bias_", "item_bias")):
        biases = {int(k): v for k, v in meta[key].items()}
        setattr(model, attribute, pd.Series(biases, dtype=float))
    return model
