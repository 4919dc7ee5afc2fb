"""Validate MovieLens frames before anything trains on them, and stop with a readable report.

The checks themselves are `mlplatform.recommender.movielens_contract.check_movielens` (schema, ranges, duplicate keys,
missing values, referential integrity between ratings, users and items). This module turns their list
of problems into a report object that a pipeline step can act on: `raise_if_failed()` stops the run
with every problem listed at once, grouped by frame.

Example:
    >>> report = validate_movielens(ratings, users, items)
    >>> report.ok
    True
    >>> report.raise_if_failed()   # raises ValidationError when a check failed
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mlplatform.recommender.movielens_contract import check_movielens


class ValidationError(ValueError):
    """The data broke its contract; the message lists every problem and what to do next."""


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a validation: the problems found (none when the data is fine)."""

    dataset: str
    rows: dict[str, int]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.problems

    def by_frame(self) -> dict[str, list[str]]:
        """Problems grouped by the frame they are about (the text before the first colon)."""
        groups: dict[str, list[str]] = {}
        for problem in self.problems:
            frame, _, text = problem.partition(": ")
            groups.setdefault(frame if text else "data", []).append(text or problem)
        return groups

    def render(self) -> str:
        """A multi-line, human-readable report."""
        sizes = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        if self.ok:
            return f"{self.dataset}: all checks passed ({sizes} rows)."
        lines = [f"{self.dataset}: {len(self.problems)} problem(s) found ({sizes} rows)"]
        for frame, problems in self.by_frame().items():
            lines.append(f"  {frame}:")
            lines += [f"    - {problem}" for problem in problems]
        lines.append(
            "Fix the data (or the step that produced it) and run again; "
            "`mlplatform.quality.data_checks` has one function per check to investigate."
        )
        return "\n".join(lines)

    def raise_if_failed(self) -> ValidationReport:
        """Return the report when every check passed.

        Raises:
            ValidationError: a check failed; the message is `render()`.
        """
        if not self.ok:
            raise ValidationError(self.render())
        return self

    def __str__(self) -> str:
        return self.render()


def validate_movielens(
    ratings: pd.DataFrame, users: pd.DataFrame, items: pd.DataFrame
) -> ValidationReport:
    """Run the course's MovieLens contract on the three frames and report every problem."""
    rows = {"ratings": len(ratings), "users": len(users), "items": len(items)}
    return ValidationReport("MovieLens", rows, check_movielens(ratings, users, items))


def validated_ratings(n_users: int = 0, seed: int = 42) -> pd.DataFrame:
    """The MovieLens ratings after the contract passed: all users, or `n_users` sampled ones.

    What a pipeline's first step does: a broken contract raises `ValidationError` here, so nothing
    downstream trains on bad data.
    """
    from mlplatform.recommender.movielens import load_items, load_ratings, load_users, sample_users

    frame = load_ratings()
    validate_movielens(frame, load_users(), load_items()).raise_if_failed()
    return sample_users(frame, n_users, seed=seed) if n_users > 0 else frame
