"""The chapter's examples: the good one passes every rule, the broken one breaks five."""

import pytest

from mlplatform.cluster.manifest_checks import find_problems
from mlplatform.cluster.manifest_examples import broken_deployment, web_deployment


@pytest.mark.parametrize(
    ("name", "image", "port"), [("web", "nginx:1.27.0", 80), ("api", "ghcr.io/a/b:2.0", 9000)]
)
def test_good_example_passes_with_any_name_image_and_port(name: str, image: str, port: int) -> None:
    assert find_problems([web_deployment(name, image, port)]) == []


def test_broken_example_breaks_five_rules() -> None:
    found = " | ".join(str(p) for p in find_problems([broken_deployment()]))
    for expected in ("`latest`", "no limits", "no livenessProbe", "DB_PASSWORD", "containerPort"):
        assert expected in found
