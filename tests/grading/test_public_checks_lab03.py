"""Lab 03's public checks: right answers pass, wrong answers fail with a useful message."""

import copy

import pytest

from mlplatform.cluster.manifest_examples import broken_recommender, web_deployment
from mlplatform.cluster.manifests import total_requests
from mlplatform.grading import CheckFailed
from mlplatform.grading.public import load_checks, run_check

CHECKS = load_checks("lab03")


def good_deployment(name, image, port):
    return web_deployment(name, image, port)


def no_limits(name, image, port):
    manifest = web_deployment(name, image, port)
    manifest["spec"]["template"]["spec"]["containers"][0]["resources"].pop("limits")
    return manifest


def wrong_selector(name, image, port):
    manifest = web_deployment(name, image, port)
    manifest["spec"]["selector"]["matchLabels"] = {"app": "other"}
    return manifest


def ignores_port(name, image, port):
    return web_deployment(name, image, 80)


def good_fix():
    fixed = copy.deepcopy(broken_recommender())
    api = fixed["spec"]["template"]["spec"]["containers"][0]
    api["image"] = "mlplatform-runtime:0.1.0"
    api["imagePullPolicy"] = api.pop("imagePullpolicy")
    api["resources"]["limits"] = {"cpu": "1", "memory": "1Gi"}
    api["livenessProbe"] = {"httpGet": {"path": "/health", "port": 8000}}
    api["env"] = [{"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    return fixed


def token_deleted():
    fixed = good_fix()
    fixed["spec"]["template"]["spec"]["containers"][0].pop("env")
    return fixed


def image_swapped():
    fixed = good_fix()
    fixed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27.0"
    return fixed


def forgets_replicas(objects):
    totals = {"cpu_millicores": 0.0, "memory_mib": 0.0}
    for obj in objects:
        single = copy.deepcopy(obj)
        single.get("spec", {}).pop("replicas", None)
        for key, value in total_requests([single]).items():
            totals[key] += value
    return totals


def not_done(*args):
    raise NotImplementedError("Replace this line with your answer.")


@pytest.mark.parametrize(
    ("question", "name", "wrong", "message"),
    [
        ("q1", "make_deployment", no_limits, "no limits for cpu and memory"),
        ("q1", "make_deployment", wrong_selector, "matchLabels must match"),
        ("q1", "make_deployment", ignores_port, "containerPort 8080"),
        ("q2", "fixed", broken_recommender(), "still finds 5 problem"),
        ("q2", "fixed", token_deleted(), "instead of deleting it"),
        ("q2", "fixed", image_swapped(), "keep the image mlplatform-runtime"),
        ("q3", "requests_of", forgets_replicas, "cpu_millicores should be 1500"),
        ("q3", "requests_of", lambda objects: (1500, 1536), "exactly the keys"),
    ],
)
def test_wrong_answers_fail(question, name, wrong, message) -> None:
    with pytest.raises(CheckFailed, match=message):
        run_check(CHECKS[question], {name: wrong})


@pytest.mark.parametrize(
    ("question", "name", "right"),
    [
        ("q1", "make_deployment", good_deployment),
        ("q2", "fixed", good_fix()),
        ("q3", "requests_of", total_requests),
    ],
)
def test_right_answers_pass_and_missing_ones_fail(question, name, right) -> None:
    run_check(CHECKS[question], {name: right})
    with pytest.raises(CheckFailed, match="run the answer cell"):
        run_check(CHECKS[question], {})
    if callable(right):
        with pytest.raises(CheckFailed, match="not answered yet"):
            run_check(CHECKS[question], {name: not_done})


def test_q2_refuses_something_that_is_not_a_manifest() -> None:
    with pytest.raises(CheckFailed, match="should be a dict, not list"):
        run_check(CHECKS["q2"], {"fixed": [good_fix()]})
