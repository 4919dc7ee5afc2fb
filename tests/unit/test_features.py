"""rating_features: learned from train only, with a fallback for unknown users and items."""

import numpy as np
import pandas as pd

from mlplatform.recommender.features import FEATURES, rating_features


def test_features_come_from_train_and_fall_back_for_new_ids() -> None:
    train = pd.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 11, 10], "rating": [5.0, 3.0, 1.0]})
    pairs = pd.DataFrame({"user_id": [1, 9], "item_id": [10, 99]}, index=[7, 8])
    features = rating_features(train, pairs)
    assert list(features.columns) == list(FEATURES)
    assert list(features.index) == [7, 8]
    np.testing.assert_allclose(features.loc[7].to_numpy(), [4.0, 2.0, 3.0, 2.0])
    np.testing.assert_allclose(features.loc[8].to_numpy(), [3.0, 0.0, 3.0, 0.0])  # global mean 3
