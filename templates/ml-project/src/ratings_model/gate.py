"""Fail CI when the candidate is worse than the champion on the same test data.

    python -m ratings_model.gate --candidate out/candidate --champion champion --tolerance 0.01

Both models are evaluated here, on the same test split, so the comparison stays fair when the data
changes. With no champion yet the candidate passes and becomes the first champion.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from ratings_model.data import load_ratings, sample_users, split_by_time
from ratings_model.model import BiasModel, evaluate

LOWER_IS_BETTER = ("rmse", "mae")


def compare(
    candidate: Mapping[str, float], champion: Mapping[str, float] | None, tolerance: float
) -> tuple[bool, str]:
    """Pass unless a metric is worse than the champion's by more than `tolerance`."""
    if not champion:
        return True, "no champion yet"
    worse = [
        f"{name} {candidate[name]:.4f} > champion {champion[name]:.4f} + {tolerance}"
        for name in LOWER_IS_BETTER
        if candidate[name] > champion[name] + tolerance
    ]
    return (False, "regression: " + "; ".join(worse)) if worse else (True, "no regression")


def gate(
    candidate_dir: Path, champion_dir: Path, n_users: int, tolerance: float, seed: int = 0
) -> tuple[bool, str]:
    """Evaluate both models on the sample's test period and compare them."""
    _, test_set = split_by_time(sample_users(load_ratings(), n_users, seed))
    candidate = evaluate(BiasModel.load(candidate_dir / "model.json"), test_set)
    champion_file = champion_dir / "model.json"
    champion = evaluate(BiasModel.load(champion_file), test_set) if champion_file.exists() else None
    passed, reason = compare(candidate, champion, tolerance)
    verdict = {"passed": passed, "reason": reason, "candidate": candidate, "champion": champion}
    (candidate_dir / "gate.json").write_text(json.dumps(verdict, indent=2))
    return passed, reason


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: exit status 1 on a regression."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--champion", type=Path, required=True)
    parser.add_argument("--sample-users", type=int, default=200)
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    passed, reason = gate(
        args.candidate, args.champion, args.sample_users, args.tolerance, args.seed
    )
    print(("PASS: " if passed else "FAIL: ") + reason)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
