"""The course's data contract (mlplatform.quality.data_checks) holds on MovieLens 100K as delivered."""

import pandas as pd

from mlplatform.quality import data_checks
from mlplatform.recommender import movielens
from mlplatform.recommender.movielens_contract import check_movielens


def test_movielens_meets_the_contract(settings) -> None:
    ratings = movielens.load_ratings(settings)
    users, items = movielens.load_users(settings), movielens.load_items(settings)
    assert check_movielens(ratings, users, items) == []


def test_two_random_halves_do_not_drift(settings) -> None:
    ratings = movielens.load_ratings(settings)
    users = movielens.load_users(settings).set_index("user_id")
    frame = ratings.assign(age=ratings["user_id"].map(users["age"]))
    half = frame.sample(frac=0.5, random_state=0)
    rest = frame.drop(half.index)
    assert data_checks.check_drift(half, rest, ["rating", "age"]) == []


def test_the_first_and_last_two_months_differ_in_who_rates(settings) -> None:
    ratings = movielens.load_ratings(settings)
    users = movielens.load_users(settings).set_index("user_id")
    frame = ratings.assign(age=ratings["user_id"].map(users["age"]))
    start, end = frame["timestamp"].min(), frame["timestamp"].max()
    first = frame[frame["timestamp"] < start + pd.Timedelta(days=60)]
    last = frame[frame["timestamp"] >= end - pd.Timedelta(days=60)]
    problems = data_checks.check_drift(first, last, ["rating", "age"])
    assert len(problems) == 1 and problems[0].startswith("column 'age' drifted"), problems
