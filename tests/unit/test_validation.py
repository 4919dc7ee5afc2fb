import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.validation import ValidationError, validate_movielens


def tiny_movielens() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ratings = pd.DataFrame(
        {
            "user_id": np.array([1, 1, 2], dtype=np.int32),
            "item_id": np.array([10, 11, 10], dtype=np.int32),
            "rating": np.array([5, 3, 4], dtype=np.float32),
            "timestamp": pd.to_datetime([0, 60, 120], unit="s", utc=True),
        }
    )
    users = pd.DataFrame(
        {
            "user_id": np.array([1, 2], dtype=np.int32),
            "age": np.array([24, 53], dtype=np.int16),
            "gender": pd.Series(["M", "F"], dtype="category"),
            "occupation": pd.Series(["writer", "other"], dtype="category"),
            "zip_code": ["85711", "94043"],
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.array([10, 11], dtype=np.int32),
            "title": ["A", "B"],
            "release_year": pd.array([1995, None], dtype="Int16"),
            "genres": ["Comedy", "Drama|War"],
        }
    )
    return ratings, users, items


def test_clean_data_passes_and_says_so() -> None:
    report = validate_movielens(*tiny_movielens())
    assert report.ok
    assert report.raise_if_failed() is report
    assert "all checks passed" in str(report)
    assert report.rows == {"ratings": 3, "users": 2, "items": 2}


def corrupt_rating(r, u, i):
    r.loc[0, "rating"] = 9.0
    return r, u, i


def corrupt_item(r, u, i):
    r.loc[1, "item_id"] = 99
    return r, u, i


def corrupt_user_age(r, u, i):
    u.loc[0, "age"] = 0
    return r, u, i


def duplicate_rating(r, u, i):
    return pd.concat([r, r.head(1)], ignore_index=True), u, i


def drop_column(r, u, i):
    return r.drop(columns="timestamp"), u, i


@pytest.mark.parametrize(
    ("corrupt", "frame", "text"),
    [
        (corrupt_rating, "ratings", r"'rating': 1 values outside \[1.0, 5.0\]"),
        (corrupt_item, "ratings", "1 rows refer to a item_id missing from items, e.g. \\[99\\]"),
        (corrupt_user_age, "users", "'age': 1 values outside"),
        (duplicate_rating, "ratings", "1 duplicate rows"),
        (drop_column, "ratings", "missing column 'timestamp'"),
    ],
)
def test_each_corruption_is_reported_under_its_frame(corrupt, frame: str, text: str) -> None:
    report = validate_movielens(*corrupt(*tiny_movielens()))
    assert not report.ok
    assert frame in report.by_frame()
    with pytest.raises(ValidationError, match=text):
        report.raise_if_failed()


def test_report_lists_every_problem_on_its_own_line() -> None:
    ratings, users, items = corrupt_item(*corrupt_rating(*tiny_movielens()))
    message = validate_movielens(ratings, users, items).render()
    lines = message.splitlines()
    assert lines[0] == "MovieLens: 2 problem(s) found (ratings 3, users 2, items 2 rows)"
    assert lines[1] == "  ratings:"
    assert sum(line.startswith("    - ") for line in lines) == 2
    assert "run again" in lines[-1]


def _serve(monkeypatch: pytest.MonkeyPatch, ratings, users, items) -> None:
    from mlplatform.recommender import movielens

    monkeypatch.setattr(movielens, "load_ratings", lambda: ratings)
    monkeypatch.setattr(movielens, "load_users", lambda: users)
    monkeypatch.setattr(movielens, "load_items", lambda: items)


def test_validated_ratings_samples_users_after_the_contract(monkeypatch) -> None:
    from mlplatform.recommender.validation import validated_ratings

    _serve(monkeypatch, *tiny_movielens())
    assert len(validated_ratings()) == 3
    assert validated_ratings(n_users=1, seed=0)["user_id"].nunique() == 1


def test_validated_ratings_stops_on_a_broken_contract(monkeypatch) -> None:
    from mlplatform.recommender.validation import validated_ratings

    ratings, users, items = tiny_movielens()
    _serve(monkeypatch, ratings.assign(rating=ratings["rating"] + 5), users, items)
    with pytest.raises(ValidationError, match="rating"):
        validated_ratings()
