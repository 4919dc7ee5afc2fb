"""Lab 04's public checks compile and run the answers: right ones pass, wrong ones fail with a hint."""

# No `from __future__ import annotations`: KFP reads the components' real annotations.
import pytest
from check_contract import assert_check_separates
from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from mlplatform.grading import CheckFailed
from mlplatform.grading.public import load_checks, run_check
from mlplatform.recommender import pipeline as rec

component = dsl.component(base_image="python:3.11", install_kfp_package=False)


@component
def count_ratings_per_user(
    ratings: Input[Dataset], min_ratings: int, counts: Output[Dataset]
) -> int:
    import pandas as pd

    per_user = pd.read_parquet(ratings.path).groupby("user_id").size().rename("n_ratings")
    kept = per_user[per_user >= min_ratings].reset_index()
    kept.to_parquet(counts.path, index=False)
    return len(kept)


@component
def count_strictly_more(ratings: Input[Dataset], min_ratings: int, counts: Output[Dataset]) -> int:
    import pandas as pd

    per_user = pd.read_parquet(ratings.path).groupby("user_id").size().rename("n_ratings")
    kept = per_user[per_user > min_ratings].reset_index()  # off by one
    kept.to_parquet(counts.path, index=False)
    return len(kept)


@component
def count_with_float(ratings: Input[Dataset], min_ratings: float, counts: Output[Dataset]) -> int:
    return 0


@component
def count_not_done(ratings: Input[Dataset], min_ratings: int, counts: Output[Dataset]) -> int:
    raise NotImplementedError("Replace this line with your answer.")


def plain_function(ratings, min_ratings, counts):
    return 0


@dsl.pipeline(name="t-train-eval")
def train_eval(
    n_users: int = 100, seed: int = 42, reg_user: float = 10.0, reg_item: float = 25.0
) -> float:
    load = rec.load_ratings_op(n_users=n_users, seed=seed)
    split = rec.split_ratings_op(ratings=load.outputs["ratings"], quantile=0.8)
    train = rec.train_baseline_op(
        train=split.outputs["train"], reg_user=reg_user, reg_item=reg_item
    )
    return rec.evaluate_op(model=train.outputs["model"], test=split.outputs["test"]).outputs[
        "Output"
    ]


@dsl.pipeline(name="t-train-eval-on-train")
def evaluated_on_train(
    n_users: int = 100, seed: int = 42, reg_user: float = 10.0, reg_item: float = 25.0
) -> float:
    load = rec.load_ratings_op(n_users=n_users, seed=seed)
    split = rec.split_ratings_op(ratings=load.outputs["ratings"], quantile=0.8)
    train = rec.train_baseline_op(
        train=split.outputs["train"], reg_user=reg_user, reg_item=reg_item
    )
    return rec.evaluate_op(model=train.outputs["model"], test=split.outputs["train"]).outputs[
        "Output"
    ]


@dsl.pipeline(name="t-train-eval-fixed-reg")
def fixed_reg(
    n_users: int = 100, seed: int = 42, reg_user: float = 10.0, reg_item: float = 25.0
) -> float:
    load = rec.load_ratings_op(n_users=n_users, seed=seed)
    split = rec.split_ratings_op(ratings=load.outputs["ratings"], quantile=0.8)
    train = rec.train_baseline_op(train=split.outputs["train"], reg_user=10.0, reg_item=25.0)
    return rec.evaluate_op(model=train.outputs["model"], test=split.outputs["test"]).outputs[
        "Output"
    ]


def _gated(name: str, approve_when_below: bool | None):
    @dsl.pipeline(name=name)
    def gated(n_users: int = 100, seed: int = 42, max_rmse: float = 1.1) -> float:
        load = rec.load_ratings_op(n_users=n_users, seed=seed)
        split = rec.split_ratings_op(ratings=load.outputs["ratings"], quantile=0.8)
        train = rec.train_baseline_op(train=split.outputs["train"], reg_user=10.0, reg_item=25.0)
        evaluate = rec.evaluate_op(model=train.outputs["model"], test=split.outputs["test"])
        rmse = evaluate.outputs["Output"]
        if approve_when_below is None:  # no gate at all
            rec.approve_op(model=train.outputs["model"], rmse=rmse, threshold=max_rmse)
        else:
            with dsl.If(rmse < max_rmse if approve_when_below else rmse > max_rmse):
                rec.approve_op(model=train.outputs["model"], rmse=rmse, threshold=max_rmse)
        return rmse

    return gated


@pytest.mark.parametrize(
    ("question", "name", "right", "wrong", "message"),
    [
        (
            "q1",
            "count_ratings_per_user",
            count_ratings_per_user,
            count_strictly_more,
            "keeps 3 users",
        ),
        (
            "q1",
            "count_ratings_per_user",
            count_ratings_per_user,
            count_with_float,
            "expected inputs",
        ),
        ("q1", "count_ratings_per_user", count_ratings_per_user, plain_function, "not a component"),
        (
            "q2",
            "train_eval_pipeline",
            train_eval,
            evaluated_on_train,
            "split_ratings_op's test output",
        ),
        ("q2", "train_eval_pipeline", train_eval, fixed_reg, "the RMSE should be"),
        (
            "q3",
            "gated_pipeline",
            _gated("t-gated", True),
            _gated("t-ungated", None),
            "no condition",
        ),
        (
            "q3",
            "gated_pipeline",
            _gated("t-gated", True),
            _gated("t-reversed", False),
            "should run",
        ),
    ],
)
def test_lab04_checks(question, name, right, wrong, message) -> None:
    # A stub inside a component fails differently: see the next test.
    assert_check_separates("lab04", question, name, right, wrong, message, stub=None)


def test_a_stub_in_a_component_reads_as_not_answered() -> None:
    with pytest.raises(CheckFailed, match="not answered yet"):
        run_check(load_checks("lab04")["q1"], {"count_ratings_per_user": count_not_done})


def test_a_plain_function_is_not_a_pipeline() -> None:
    with pytest.raises(CheckFailed, match=r"decorate the function with @dsl\.pipeline"):
        run_check(load_checks("lab04")["q2"], {"train_eval_pipeline": plain_function})
