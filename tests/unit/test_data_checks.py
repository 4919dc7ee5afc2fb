import numpy as np
import pandas as pd
import pytest

from mlplatform.quality import data_checks as dc
from mlplatform.recommender.movielens_contract import check_movielens


def tiny_movielens() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ratings = pd.DataFrame(
        {
            "user_id": np.array([1, 1, 2, 3], dtype=np.int32),
            "item_id": np.array([10, 11, 10, 12], dtype=np.int32),
            "rating": np.array([5, 3, 4, 1], dtype=np.float32),
            "timestamp": pd.to_datetime([0, 60, 120, 180], unit="s", utc=True),
        }
    )
    users = pd.DataFrame(
        {
            "user_id": np.array([1, 2, 3], dtype=np.int32),
            "age": np.array([24, 53, 31], dtype=np.int16),
            "gender": pd.Series(["M", "F", "M"], dtype="category"),
            "occupation": pd.Series(["writer", "other", "artist"], dtype="category"),
            "zip_code": ["85711", "94043", "32067"],
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.array([10, 11, 12], dtype=np.int32),
            "title": ["A", "B", "C"],
            "release_year": pd.array([1995, None, 1997], dtype="Int16"),
            "genres": ["Comedy", "Drama|War", "Horror"],
        }
    )
    return ratings, users, items


def test_clean_data_has_no_problems() -> None:
    assert check_movielens(*tiny_movielens()) == []


@pytest.mark.parametrize(
    ("corrupt", "expected"),
    [
        (lambda r: r.assign(rating=r["rating"] * 2), "ratings: column 'rating': 3 values outside"),
        (lambda r: r.assign(rating=r["rating"].astype("float64")), "has dtype float64"),
        (lambda r: r.drop(columns="timestamp"), "missing column 'timestamp'"),
        (lambda r: r.assign(extra=1), "unexpected column 'extra'"),
        (lambda r: pd.concat([r, r.iloc[:1]]), "1 duplicate rows on ['user_id', 'item_id']"),
        (lambda r: r.assign(rating=r["rating"].where(r.index != 0)), "'rating' has 1 missing"),
        (lambda r: r.assign(user_id=r["user_id"].replace(3, 99)), "user_id missing from users"),
        (lambda r: r.assign(item_id=r["item_id"].replace(12, 77)), "e.g. [77]"),
    ],
)
def test_corrupted_ratings_are_reported(corrupt, expected: str) -> None:
    ratings, users, items = tiny_movielens()
    problems = check_movielens(corrupt(ratings), users, items)
    assert any(expected in p for p in problems), problems


def test_users_ages_and_duplicate_users_are_reported() -> None:
    ratings, users, items = tiny_movielens()
    users = pd.concat([users, users.iloc[:1]]).assign(age=lambda u: u["age"].replace(53, 0))
    problems = check_movielens(ratings, users, items)
    assert any("'age': 1 values outside [1, 120]" in p for p in problems), problems
    assert any(p.startswith("users: 1 duplicate rows") for p in problems), problems


@pytest.mark.parametrize(
    ("ranges", "n_problems"),
    [({"x": (0, 10)}, 0), ({"x": (None, 2)}, 1), ({"x": (3, None)}, 1), ({"x": (None, None)}, 0)],
)
def test_ranges_open_and_closed(ranges, n_problems: int) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.nan]})
    assert len(dc.check_ranges(frame, ranges)) == n_problems


def test_psi_is_zero_for_the_same_sample_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=5_000)
    assert dc.population_stability_index(reference, reference) == pytest.approx(0.0, abs=1e-9)
    assert dc.population_stability_index(reference, rng.normal(size=5_000)) < 0.02
    assert dc.population_stability_index(reference, rng.normal(1.0, size=5_000)) > 0.5


def test_psi_refuses_an_empty_sample() -> None:
    with pytest.raises(ValueError, match="non-empty samples, got 3 and 0"):
        dc.population_stability_index(np.arange(3), np.array([]))


def test_drift_is_found_only_in_the_shifted_column() -> None:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"same": rng.normal(size=2_000), "moved": rng.normal(size=2_000)})
    current = pd.DataFrame({"same": rng.normal(size=2_000), "moved": rng.normal(0.8, size=2_000)})
    table = dc.drift_table(reference, current, ["same", "moved"])
    assert table["drifted"].to_dict() == {"same": False, "moved": True}
    assert list(table.columns) == ["ks", "ks_pvalue", "psi", "drifted"]
    problems = dc.check_drift(reference, current, ["same", "moved"])
    assert len(problems) == 1
    assert problems[0].startswith("column 'moved' drifted: KS")
