import pandas as pd
import pytest

from mlplatform.recommender.splits import split_by_time, split_kfold, split_last_per_user


def frame(rows: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], unit="s", utc=True)
    return df


def test_time_split_puts_ties_at_the_cut_in_test() -> None:
    ratings = frame([(1, i, 3.0, t) for i, t in enumerate([1, 2, 3, 4, 4, 4, 5, 6, 7, 8])])
    train, test = split_by_time(ratings, 0.5)
    assert train["timestamp"].max() < test["timestamp"].min()
    assert len(train) + len(test) == len(ratings)
    assert (test["timestamp"] == pd.Timestamp(4, unit="s", tz="UTC")).sum() == 3


@pytest.mark.parametrize("quantile", [0.0, 1.0, -0.2])
def test_time_split_rejects_bad_quantiles(quantile: float) -> None:
    with pytest.raises(ValueError, match="quantile"):
        split_by_time(frame([(1, 1, 3.0, 1)]), quantile)


def test_last_per_user_holds_out_each_users_newest() -> None:
    rows = [(u, i, 4.0, 10 * u + i) for u in (1, 2) for i in range(10)] + [(3, 1, 5.0, 99)]
    train, test = split_last_per_user(frame(rows), 0.2)
    assert set(test.groupby("user_id").size().items()) == {(1, 2), (2, 2)}
    for user in (1, 2):
        assert (
            train[train.user_id == user]["timestamp"].max()
            < test[test.user_id == user]["timestamp"].min()
        )
    assert 3 in set(train["user_id"]), "a user with one rating stays in train"


def test_kfold_tests_every_rating_exactly_once() -> None:
    ratings = frame([(u, i, 3.0, 10 * u + i) for u in range(1, 5) for i in range(1, 6)])
    folds = split_kfold(ratings, n_folds=5, seed=3)
    assert len(folds) == 5
    tested = pd.concat([fold.test for fold in folds])
    assert sorted(zip(tested.user_id, tested.item_id, strict=True)) == sorted(
        zip(ratings.user_id, ratings.item_id, strict=True)
    )
    for train, test in folds:
        assert len(train) + len(test) == len(ratings)
        assert not pd.merge(train, test, on=["user_id", "item_id"]).shape[0]
    assert [len(f.test) for f in folds] == [4] * 5


def test_kfold_is_repeatable_and_depends_on_the_seed() -> None:
    ratings = frame([(1, i, 3.0, i) for i in range(50)])
    first = split_kfold(ratings, 5, seed=1)[0].test
    assert first.equals(split_kfold(ratings, 5, seed=1)[0].test)
    assert not first.equals(split_kfold(ratings, 5, seed=2)[0].test)


@pytest.mark.parametrize(("n_folds", "message"), [(1, "at least 2"), (99, "at least n_folds")])
def test_kfold_rejects_bad_fold_counts(n_folds: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_kfold(frame([(1, 1, 3.0, 1), (1, 2, 3.0, 2)]), n_folds)
