import doctest
import json
from pathlib import Path

import pytest

from mlplatform import benchmarking
from mlplatform.benchmarking import (
    format_table,
    library_versions,
    machine_info,
    median,
    time_repeats,
    write_result,
)


def test_machine_info_is_flat_and_names_the_cores() -> None:
    info = machine_info(["kfp"])
    assert info["machine_cores"] >= 1
    assert info["python_version"].count(".") == 2
    assert info["kfp_version"].startswith("2.")
    assert not any(isinstance(value, dict) for value in info.values())


def test_missing_library_is_reported_not_raised() -> None:
    assert library_versions(["no-such-package-xyz"]) == {
        "no_such_package_xyz_version": "not installed"
    }


def test_write_result_writes_sorted_flat_json(tmp_path: Path) -> None:
    path = write_result("demo_bench", {"b_seconds": 2.0, "a_ratio": 1.5}, home=tmp_path)
    assert path == tmp_path / "benchmarks" / "results" / "demo_bench.json"
    assert json.loads(path.read_text()) == {"a_ratio": 1.5, "b_seconds": 2.0}
    assert path.read_text().index("a_ratio") < path.read_text().index("b_seconds")


def test_write_result_uses_the_settings_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLPLATFORM_HOME", str(tmp_path))
    path = write_result("x", {"value": 1})
    assert path.parent == tmp_path / "benchmarks" / "results"


@pytest.mark.parametrize(
    ("name", "result", "error", "match"),
    [
        ("../escape", {"a": 1}, ValueError, "must be letters"),
        ("", {"a": 1}, ValueError, "must be letters"),
        ("ok", {"nested": {"a": 1}}, TypeError, "keep results flat"),
    ],
)
def test_write_result_rejects_bad_input(
    tmp_path: Path, name: str, result: dict, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        write_result(name, result, home=tmp_path)


def test_format_table_aligns_columns_and_rounds_floats() -> None:
    table = format_table(
        [{"variant": "direct", "seconds": 0.123456}, {"variant": "kfp", "seconds": 3}]
    )
    lines = table.splitlines()
    assert lines[0] == "variant | seconds"
    assert lines[1] == "------- | -------"
    assert lines[2] == "direct  | 0.1235"
    assert lines[3] == "kfp     | 3"


def test_format_table_keeps_keys_of_later_rows() -> None:
    table = format_table([{"a": 1}, {"a": 2, "b": "x"}])
    assert table.splitlines()[0] == "a | b"
    assert table.splitlines()[2] == "1 |"


def test_format_table_needs_rows() -> None:
    with pytest.raises(ValueError, match="at least one row"):
        format_table([])


def test_print_table_prints(capsys: pytest.CaptureFixture[str]) -> None:
    benchmarking.print_table([{"a": 1}])
    assert capsys.readouterr().out == "a\n-\n1\n"


def test_time_repeats_counts_and_median() -> None:
    calls: list[int] = []
    seconds = time_repeats(lambda: calls.append(1), repeats=3)
    assert len(seconds) == 3
    assert len(calls) == 3
    assert all(value >= 0 for value in seconds)
    assert median([3.0, 1.0, 100.0]) == 3.0
    with pytest.raises(ValueError, match="at least 1"):
        time_repeats(lambda: None, repeats=0)


def test_module_example_runs() -> None:
    assert doctest.testmod(benchmarking).failed == 0
