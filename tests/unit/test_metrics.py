import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.metrics import mae, ndcg_at_k, precision_at_k, rmse, rmse_per_user


def test_rmse_and_mae_on_a_hand_worked_case() -> None:
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))
    assert mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("metric", [rmse, mae])
def test_shapes_must_agree(metric) -> None:
    with pytest.raises(ValueError, match="one shape"):
        metric([1, 2], [1])


def test_rmse_per_user() -> None:
    test = pd.DataFrame({"user_id": [1, 1, 2], "rating": [4.0, 2.0, 5.0]})
    result = rmse_per_user(test, np.array([3.0, 3.0, 5.0]))
    assert result.to_dict() == {1: 1.0, 2: 0.0}


def test_ranking_metrics() -> None:
    assert precision_at_k([1, 2, 3, 4], {2, 4}, k=4) == 0.5
    assert ndcg_at_k([2, 4, 1], {2, 4}, k=3) == pytest.approx(1.0)
    assert ndcg_at_k([1, 2], {2}, k=2) == pytest.approx(1 / np.log2(3))
    assert ndcg_at_k([1, 2], set(), k=2) == 0.0
