import numpy as np
import pandas as pd

from mlplatform.recommender.baselines import BiasBaseline, GlobalMean, most_popular


def ratings() -> pd.DataFrame:
    ts = pd.to_datetime([1, 2, 3, 4, 5, 6], unit="D", utc=True)
    return pd.DataFrame(
        {"user_id": [1, 1, 2, 2, 3, 3], "item_id": [10, 20, 10, 20, 10, 30],
         "rating": [5.0, 1.0, 5.0, 2.0, 4.0, 3.0], "timestamp": ts}
    )  # fmt: skip


def test_global_mean_predicts_the_train_mean() -> None:
    model = GlobalMean().fit(ratings())
    assert np.allclose(model.predict(ratings()), 20 / 6)


def test_bias_baseline_ranks_the_loved_item_above_the_disliked_one() -> None:
    model = BiasBaseline(reg_user=0.0, reg_item=0.0).fit(ratings())
    pairs = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 20]})
    liked, disliked = model.predict(pairs)
    assert liked > disliked


def test_unknown_users_and_items_fall_back_to_known_biases() -> None:
    model = BiasBaseline().fit(ratings())
    pairs = pd.DataFrame({"user_id": [99, 99], "item_id": [10, 999]})
    known_item, unknown_both = model.predict(pairs)
    assert unknown_both == model.mean_
    assert known_item > model.mean_
    assert np.all((model.predict(pairs) >= 1) & (model.predict(pairs) <= 5))


def test_popularity_breaks_ties_by_id_and_can_be_recent() -> None:
    df = ratings()
    assert most_popular(df, k=2) == [10, 20]
    assert most_popular(df, k=2, since=pd.Timestamp(5, unit="D", tz="UTC")) == [10, 30]
