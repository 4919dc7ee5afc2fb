"""Train on a sample and save the candidate: `python -m ratings_model.train --out out/candidate`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from ratings_model.data import load_ratings, sample_users, split_by_time
from ratings_model.model import BiasModel, evaluate


def train(out: Path, n_users: int, seed: int = 0) -> dict[str, float]:
    """Fit on the sample's training period; write `model.json` and `metrics.json` into `out`."""
    train_set, test_set = split_by_time(sample_users(load_ratings(), n_users, seed))
    model = BiasModel().fit(train_set)
    metrics = evaluate(model, test_set)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.json")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for model and metrics")
    parser.add_argument("--sample-users", type=int, default=200, help="users in the CI sample")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(train(args.out, args.sample_users, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
