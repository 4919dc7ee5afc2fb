import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from mlplatform.recommender import exploration as ex
from mlplatform.recommender.splits import Split


def frame(pairs: list[tuple[int, int]], days: list[int] | None = None) -> pd.DataFrame:
    days = days if days is not None else list(range(len(pairs)))
    return pd.DataFrame(
        {
            "user_id": np.array([u for u, _ in pairs], dtype=np.int32),
            "item_id": np.array([i for _, i in pairs], dtype=np.int32),
            "rating": np.float32(4.0),
            "timestamp": pd.Timestamp("1998-01-05", tz="UTC") + pd.to_timedelta(days, unit="D"),
        }
    )


# Item 1 has 6 ratings, items 2..5 one each: 10 ratings over 5 items and 6 users.
SKEWED = frame([(u, 1) for u in range(1, 7)] + [(1, 2), (2, 3), (3, 4), (4, 5)])


def test_sparsity_counts_empty_cells() -> None:
    assert ex.sparsity(SKEWED) == pytest.approx(1 - 10 / (6 * 5))
    assert ex.sparsity(frame([(1, 1), (1, 2), (2, 1), (2, 2)])) == 0.0


@pytest.mark.parametrize(("fraction", "expected"), [(0.2, 0.6), (0.1, 0.6), (0.4, 0.7), (1.0, 1.0)])
def test_top_share_takes_the_most_rated_items(fraction: float, expected: float) -> None:
    assert ex.top_share(SKEWED, fraction) == pytest.approx(expected)


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_top_share_rejects_bad_fractions(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction must be in"):
        ex.top_share(SKEWED, fraction)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [([5, 5, 5, 5], 0.0), ([0, 0, 0, 10], 0.75), ([1, 3], 0.25), ([7], 0.0)],
)
def test_gini_known_values(counts: list[int], expected: float) -> None:
    assert ex.gini(np.array(counts)) == pytest.approx(expected)


@pytest.mark.parametrize("counts", [[], [0, 0], [3, -1]])
def test_gini_rejects_degenerate_counts(counts: list[int]) -> None:
    with pytest.raises(ValueError, match="gini needs"):
        ex.gini(np.array(counts))


def test_long_tail_curve_ends_at_one_and_is_concave() -> None:
    curve = ex.long_tail_curve(SKEWED)
    assert curve["item_share"].iloc[-1] == curve["rating_share"].iloc[-1] == 1.0
    assert curve["rating_share"].iloc[0] == pytest.approx(0.6)
    assert (curve["rating_share"].diff().dropna() >= 0).all()


def test_activity_summary_per_user_and_item() -> None:
    summary = ex.activity_summary(SKEWED)
    assert summary.loc["per item", "max"] == 6
    assert summary.loc["per item", "min"] == 1
    assert summary.loc["per user", "mean"] == pytest.approx(10 / 6)


def test_ratings_per_week_counts_empty_weeks() -> None:
    # 1998-01-05 is a Monday: days 0 and 6 share a week, day 20 is two weeks later.
    weekly = ex.ratings_per_week(frame([(1, 1), (1, 2), (1, 3)], days=[0, 6, 20]))
    assert weekly.tolist() == [2, 0, 1]
    assert weekly.index[0] == pd.Timestamp("1998-01-05", tz="UTC")


def test_empty_ratings_raise_a_readable_error() -> None:
    with pytest.raises(ValueError, match="empty frame"):
        ex.sparsity(SKEWED.iloc[:0])


def test_unseen_in_train_counts_cold_users_and_items() -> None:
    train = frame([(1, 1), (2, 2)])
    test = frame([(1, 2), (3, 1), (3, 9), (1, 9)])
    unseen = ex.unseen_in_train(Split(train, test))
    assert unseen["test users unseen"] == pytest.approx(0.5)  # users 1 and 3: 3 is new
    assert unseen["test items unseen"] == pytest.approx(1 / 3)  # items 2, 1, 9: 9 is new
    assert unseen["test ratings with an unseen user or item"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    "plot",
    [ex.plot_rating_distribution, ex.plot_long_tail, ex.plot_user_activity,
     ex.plot_ratings_per_week],
)  # fmt: skip
def test_plots_return_axes_with_data(plot) -> None:
    ax = plot(SKEWED)
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() and (ax.lines or ax.patches)


def test_newcomers_per_week_counts_first_ratings_only() -> None:
    # User 1 arrives in week 0 and rates again in week 2; user 2 arrives in week 2.
    ratings = frame([(1, 1), (1, 2), (2, 1)], days=[0, 15, 16])
    assert ex.newcomers_per_week(ratings).tolist() == [1, 0, 1]
    assert ex.newcomers_per_week(ratings, "item_id").tolist() == [1, 0, 1]


def test_future_in_train_spots_training_on_a_users_later_ratings() -> None:
    ratings = frame([(1, 1), (1, 2), (1, 3), (2, 1)], days=[0, 1, 2, 3])
    honest = Split(ratings.iloc[:2], ratings.iloc[2:])
    leaky = Split(ratings.iloc[[0, 2, 3]], ratings.iloc[[1]])  # user 1's day-2 rating trains
    assert ex.future_in_train(honest) == 0.0
    assert ex.future_in_train(leaky) == 1.0


def test_leakage_table_has_one_row_per_split() -> None:
    ratings = frame([(1, 1), (1, 2), (2, 1), (2, 2)], days=[0, 1, 2, 3])
    table = ex.leakage_table(
        {"time": Split(ratings.iloc[:2], ratings.iloc[2:]),
         "reversed": Split(ratings.iloc[2:], ratings.iloc[:2])}
    )  # fmt: skip
    assert list(table.index) == ["time", "reversed"]
    assert table.loc["time", "test older than newest train"] == 0.0
    assert table.loc["reversed", "test older than newest train"] == 1.0
    assert table.loc["time", "test users unseen"] == 1.0
