"""What does running three steps as a kfp.local pipeline cost compared with calling them directly?

Both variants run the same three component functions (make numbers -> square them -> sum them);
the direct variant calls each component's `python_func` in this process, the pipeline variant runs
them with `mlplatform.pipelines.run_pipeline` (kfp.local, one subprocess per step, artefacts as files).
The work itself is tiny on purpose, so the difference is the orchestration overhead per step.

Usage: .venv/bin/python benchmarks/bench_pipeline_overhead.py [--repeats 100] [--size 10000]
"""

# No `from __future__ import annotations`: KFP reads the components' real annotations.
import argparse
import os
import tempfile
from pathlib import Path

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from mlplatform.benchmarking import format_table, machine_info, median, time_repeats, write_result
from mlplatform.config import load_settings
from mlplatform.pipelines import run_pipeline

STEPS = 3
component = dsl.component(base_image="python:3.11", install_kfp_package=False)


@component
def make_numbers(size: int, numbers: Output[Dataset]) -> None:
    with open(numbers.path, "w") as handle:
        handle.write("\n".join(str(i) for i in range(size)))


@component
def square(numbers: Input[Dataset], squares: Output[Dataset]) -> None:
    with open(numbers.path) as source, open(squares.path, "w") as target:
        target.write("\n".join(str(int(line) ** 2) for line in source))


@component
def total(squares: Input[Dataset]) -> int:
    with open(squares.path) as handle:
        return sum(int(line) for line in handle)


@dsl.pipeline(name="bench-three-steps")
def three_steps(size: int = 10_000) -> int:
    numbers = make_numbers(size=size)
    squares = square(numbers=numbers.outputs["numbers"])
    return total(squares=squares.outputs["squares"]).output


def run_direct(size: int, folder: Path) -> int:
    """The same three functions, called one after the other in this process."""
    numbers = Dataset(name="numbers", uri=str(folder / "numbers"))
    squares = Dataset(name="squares", uri=str(folder / "squares"))
    make_numbers.python_func(size=size, numbers=numbers)
    square.python_func(numbers=numbers, squares=squares)
    return total.python_func(squares=squares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-kfp-") as scratch:
        folder = Path(scratch)
        settings = load_settings(
            {**os.environ, "MLPLATFORM_HOME": scratch, "MLPLATFORM_MODE": "local"}
        )
        expected = run_direct(args.size, folder)
        first = run_pipeline(three_steps, {"size": args.size}, settings)  # warm-up, and a check
        assert first.outputs["Output"] == expected, (first.outputs, expected)
        direct = time_repeats(lambda: run_direct(args.size, folder), args.repeats)
        local = time_repeats(
            lambda: run_pipeline(three_steps, {"size": args.size}, settings), args.repeats
        )
    direct_s, local_s = median(direct), median(local)
    result = {
        "benchmark": "pipeline_overhead",
        "steps": STEPS,
        "size": args.size,
        "repeats": args.repeats,
        "direct_seconds_median": round(direct_s, 5),
        "kfp_local_seconds_median": round(local_s, 4),
        "kfp_local_seconds_min": round(min(local), 4),
        "kfp_local_seconds_max": round(max(local), 4),
        "kfp_local_first_run_seconds": round(first.duration_seconds, 4),
        "overhead_ratio": round(local_s / direct_s, 1),
        "overhead_seconds_per_step": round((local_s - direct_s) / STEPS, 4),
        **machine_info(["kfp", "pandas"]),
    }
    path = write_result("pipeline_overhead", result)
    rows = [
        {"variant": "direct calls", "median_s": direct_s, "per_step_s": direct_s / STEPS},
        {"variant": "kfp.local", "median_s": local_s, "per_step_s": local_s / STEPS},
    ]
    print(format_table(rows))
    print(
        f"overhead: x{result['overhead_ratio']}, {result['overhead_seconds_per_step']} s per step"
    )
    print(f"wrote {path.relative_to(load_settings().home)}")


if __name__ == "__main__":
    main()
