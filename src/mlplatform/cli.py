"""The `mlplatform` command: the one entry point behind the Makefile targets.

Every command exits non-zero with a one-line reason when it fails.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import typer

from mlplatform import loadtest as load
from mlplatform import notebooks, ocr_cli, services, site_cli
from mlplatform.cluster import cli as cluster_cli
from mlplatform.config import ConfigError, load_settings
from mlplatform.fresh_platform import fresh_platform as throwaway_platform
from mlplatform.grading import labgen
from mlplatform.grading.grader import GradingAborted
from mlplatform.grading.labspec import LabSpecError
from mlplatform.quality import gate as quality_gate
from mlplatform.recommender import movielens_files
from mlplatform.site.build import SiteBuildError

app = typer.Typer(
    help="Run the course's local platform, fetch data, build labs and execute notebooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(cluster_cli.app, name="cluster")
app.add_typer(site_cli.app, name="site")
app.add_typer(ocr_cli.app, name="ocr")

EXPECTED = (
    ConfigError,
    LabSpecError,
    GradingAborted,
    services.ServiceError,
    movielens_files.DataError,
    quality_gate.GateInputError,
    labgen.SolutionMarkerError,
    FileNotFoundError,
    SiteBuildError,
)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _print_status(statuses: list[services.ServiceStatus]) -> None:
    for status in statuses:
        colour = typer.colors.GREEN if status.is_healthy else typer.colors.YELLOW
        pid = f"pid {status.pid}" if status.pid else "-"
        ready = {True: "ready", False: "not ready", None: "-"}[status.ready]
        typer.secho(
            f"{status.name:<12} {status.state:<10} {ready:<10} {status.url:<24} {pid:<10} log: ",
            fg=colour,
            nl=False,
        )
        typer.echo(status.log_file)
    for status in statuses:
        if status.ready is False:
            typer.secho(f"{status.name} is up but not ready: {status.not_ready}", fg="yellow")
        elif status.state == "missing":
            typer.secho(f"{status.name}: {status.not_ready}", fg="yellow")


ONLY = typer.Option(
    None,
    "--only",
    help="Only one group: `platform` (MLflow, Feast), `models` (model services) or `monitoring` "
    "(Prometheus).",
)


@app.command()
def up(only: str | None = ONLY) -> None:
    """Start the local platform: MLflow, the Feast feature server, the model services, Prometheus.

    A no-op for what already runs. A model service is up once it answers /health; until a
    champion is registered it is "not ready" and `status` says what to do. Prometheus needs the
    `prometheus` binary; where it is not installed the rest starts and it is listed as "missing"
    with the command that installs it.
    Example: mlplatform up   (or: mlplatform up --only models, which is `make serve`)
    """
    _print_status(services.up(only=only))


@app.command()
def down(only: str | None = ONLY) -> None:
    """Stop the local services that `up` started (and nothing else).

    Example: mlplatform down   (or: mlplatform down --only models)
    """
    for name, was_running in services.down(only=only).items():
        typer.echo(f"{name:<12} {'stopped' if was_running else 'was not running'}")


@app.command()
def status() -> None:
    """Say which local service is healthy and ready, on which URL, and where its log is.

    Exits 1 when a service is not healthy (a model service without a champion is healthy but not
    ready, and Prometheus without its binary is "missing": both are listed with what to do, and do
    not fail the command). Example: mlplatform status
    """
    statuses = services.platform_status()
    _print_status(statuses)
    if not all(s.is_healthy or s.state == "missing" for s in statuses):
        typer.echo("Start the platform with `make platform-up`.")
        raise typer.Exit(1)


@app.command()
def loadtest(
    users: str = typer.Option(
        "1,10,50", envvar="LOADTEST_LEVELS", help="Concurrency levels, comma-separated."
    ),
    seconds: float = typer.Option(20, envvar="LOADTEST_SECONDS", help="Seconds per level."),
    max_requests: int = typer.Option(
        20_000, envvar="LOADTEST_MAX_REQUESTS", help="Requests per level at most."
    ),
    only: str | None = typer.Option(None, help="One model service (default: all)."),
) -> None:
    """Load the running model services with locust; print p50/p95/p99, throughput and errors.

    Each service must be up and ready (a champion loaded). Writes benchmarks/results/loadtest.json.
    Example: mlplatform loadtest --users 1,10,50 --seconds 20
    """
    from mlplatform.benchmarking import format_table, machine_info, write_result

    try:
        levels = [int(level) for level in users.split(",") if level.strip()]
    except ValueError:
        _fail(f"--users {users!r} is not a comma-separated list of whole numbers.")
    if not levels or min(levels) < 1 or seconds <= 0 or max_requests < 1:
        _fail("--users must be whole numbers >= 1, --seconds and --max-requests above 0.")
    settings = load_settings()
    results = load.run_loadtest(settings, levels, seconds, max_requests, only)
    summary: dict[str, object] = {"benchmark": "loadtest", "client": "locust FastHttpUser",
                                  "seconds_per_level": seconds, "max_requests_per_level": max_requests,
                                  **machine_info(["locust", "fastapi", "uvicorn"])}  # fmt: skip
    for name, levels_measured in results.items():
        typer.echo(f"{name}:")
        typer.echo(format_table([vars(level) for level in levels_measured]))
        for level in levels_measured:
            summary.update(level.row(f"{name}_"))
    path = write_result("loadtest", summary, settings.home)
    typer.echo(f"wrote {path}")


@app.command()
def data(
    force: bool = typer.Option(False, help="Download and extract again even if valid."),
) -> None:
    """Fetch MovieLens 100K from the pinned recbole wheel and verify its SHA-256 sums.

    Example: mlplatform data
    """
    folder = movielens_files.fetch_movielens(force=force)
    typer.echo(f"MovieLens 100K verified in {folder}")


@app.command()
def gate(
    candidate: str = typer.Option(..., help="JSON file of the candidate's metrics."),
    champion: str = typer.Option(..., help="JSON file, or a registry URI models:/<name>@<alias>."),
    tolerance: float = typer.Option(0.0, help="How much worse a metric may get (its units)."),
) -> None:
    """Pass (exit 0) when the candidate does not regress on the champion's metrics, else exit 1.

    Both sides must be measured on the same evaluation data. A champion that does not exist yet
    (no file, or no such alias) passes: the candidate becomes the first champion.

    Example: mlplatform gate --candidate candidate.json --champion models:/movie-recommender@champion --tolerance 0.01
    """
    result = quality_gate.gate(candidate, champion, tolerance)
    typer.echo(("PASS: " if result.passed else "FAIL: ") + result.reason)
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def labs(
    check: bool = typer.Option(False, "--check", help="Only report labs that are out of date."),
) -> None:
    """Generate labs/ from solutions/ (or, with --check, fail if they differ).

    Example: mlplatform labs --check
    """
    home = load_settings().home
    if check:
        sync = labgen.check_labs(home / "solutions", home / "labs")
        for kind, paths in (
            ("stale", sync.stale),
            ("missing", sync.missing),
            ("orphaned", sync.orphaned),
        ):
            for path in paths:
                typer.echo(f"{kind}: {path.relative_to(home)}")
        if not sync.in_sync:
            _fail("labs/ is out of date with solutions/; run `make labs` and commit the result.")
        typer.echo("labs/ is in sync with solutions/")
        return
    for path in labgen.generate_labs(home / "solutions", home / "labs"):
        typer.echo(f"wrote {path.relative_to(home)}")


@app.command()
def execute(
    paths: list[Path] = typer.Argument(..., help="Notebooks to run."),
    fast: bool = typer.Option(
        False, "--fast/--full", help="Fast mode (smaller data) or full mode."
    ),
    in_place: bool = typer.Option(False, help="Write outputs back, cleaned (for chapters/)."),
    fresh_platform: bool | None = typer.Option(
        None,
        "--fresh-platform/--current-platform",
        help="Run against a throwaway, empty platform (default with --in-place) or the running one.",
    ),
    cell_timeout: int = typer.Option(1800, help="Seconds one cell may take."),
) -> None:
    """Run notebooks top to bottom with papermill, in the order given; stop at the first failure.

    With --in-place the notebooks run against a fresh platform home (MLflow, Feast and the model
    services of their own, deleted afterwards), so the outputs written back are what a learner starting fresh sees.
    Example: mlplatform execute chapters/ch01_ml_life_cycle.ipynb --full --in-place
    """
    home = load_settings().home
    fresh = in_place if fresh_platform is None else fresh_platform
    with contextlib.ExitStack() as stack:
        also: dict[str, str] = {}
        if fresh:
            typer.echo(
                "starting a fresh platform (MLflow, Feast, model services; free ports, empty state)"
            )
            also = stack.enter_context(throwaway_platform(home)).replacements
        for path in paths:
            executed = _execute_one(path, fast, cell_timeout)
            if in_place:
                cleaned = notebooks.clean_notebook(executed, home, keep_outputs=True, also=also)
                path.write_text(labgen.render(cleaned))


def _execute_one(path: Path, fast: bool, cell_timeout: int) -> notebooks.NotebookNode:
    typer.echo(f"executing {path} ({'fast' if fast else 'full'} mode)")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return notebooks.execute(path.resolve(), Path(tmp) / path.name, fast, cell_timeout)
        except Exception as error:  # papermill's errors carry the failing cell and traceback
            _fail(
                f"{path} failed: {str(error).strip().splitlines()[-1] if str(error) else error!r}"
            )


def _check_grade_options(
    workers: int, timeout: float, cell_timeout: float, memory_mb: int, out: Path | None
) -> None:
    """Refuse option values that cannot work, with a one-line reason."""
    problems = [
        (workers < 1, f"--workers must be at least 1, not {workers}."),
        (timeout <= 0, f"--timeout must be a positive number of seconds, not {timeout:g}."),
        (cell_timeout <= 0, f"--cell-timeout must be a positive number of seconds, not {cell_timeout:g}."),
        (memory_mb < 512, f"--memory-mb must be at least 512 (a kernel alone needs ~200 MB), not {memory_mb}."),
        (out is not None and out.exists() and not out.is_dir(), f"--out {out} is a file; give a folder."),
    ]  # fmt: skip
    for failed, message in problems:
        if failed:
            _fail(message)


@app.command()
def grade(
    submissions: Path = typer.Argument(
        ..., help="Folder with one notebook (or folder) per learner."
    ),
    lab: str = typer.Option(..., "--lab", help="Lab number, e.g. 01."),
    out: Path | None = typer.Option(None, help="Output folder (default: gradebook/labNN)."),
    workers: int = typer.Option(2, help="Submissions graded at once."),
    timeout: float = typer.Option(600, help="Wall-clock seconds per submission."),
    cell_timeout: float = typer.Option(120, help="Seconds per cell."),
    memory_mb: int = typer.Option(4096, help="Memory limit per process, in MB."),
    full: bool = typer.Option(
        False, "--full", help="Run labs on the full data (default: fast mode)."
    ),
    force: bool = typer.Option(False, "--force", help="Grade again submissions already graded."),
    network: bool = typer.Option(
        False, "--network", help="Let submissions reach the local platform (labs 05, 06, 11)."
    ),
    unsafe_no_sandbox: bool = typer.Option(
        False, "--unsafe-no-sandbox", help="Grade without bubblewrap (macOS): NOT safe for exams."
    ),
) -> None:
    """Grade every submission of a lab into gradebook.csv and one feedback file per learner.

    Each submission runs in a bubblewrap sandbox (see docs/instructors.md). Resumable: a second run
    grades only new or changed notebooks. Example:
    mlplatform grade submissions/lab01 --lab 01
    """
    from mlplatform.grading.grader import Grader, Limits
    from mlplatform.grading.labspec import load_lab_spec
    from mlplatform.grading.submissions import find_submissions

    _check_grade_options(workers, timeout, cell_timeout, memory_mb, out)
    home = load_settings().home
    spec = load_lab_spec(lab, home / "solutions")
    out_dir = out or home / "gradebook" / spec.lab
    limits = Limits(timeout, cell_timeout, memory_mb, fast=not full, network=network)
    found = find_submissions(submissions, spec.lab)
    grader = Grader(spec, home, out_dir, limits, unsafe_no_sandbox=unsafe_no_sandbox)
    try:
        summary = grader.grade_all(found, workers, force)
    except KeyboardInterrupt:
        _fail(
            f"interrupted; finished results are kept in {out_dir}. Run the same command to resume."
        )
    typer.echo(
        f"graded {summary.graded}, already graded {summary.skipped}; gradebook: {summary.gradebook}"
    )


@app.command()
def clean(paths: list[Path] = typer.Argument(..., help="Notebooks to strip of outputs.")) -> None:
    """Strip outputs and extra metadata from notebooks (solutions/ are committed without outputs).

    Example: mlplatform clean solutions/*.ipynb
    """
    home = load_settings().home
    for path in paths:
        cleaned = notebooks.clean_notebook(labgen.read_notebook(path), home, keep_outputs=False)
        path.write_text(labgen.render(cleaned))


def main() -> None:
    """Run the CLI, turning expected errors into one-line messages."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except EXPECTED as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
