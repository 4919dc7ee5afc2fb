"""`mlplatform cluster ...`: the cluster mode's commands (behind `make cluster-*` and `make images`)."""

from __future__ import annotations

from importlib.metadata import version

import typer

from mlplatform.cluster import lifecycle as cluster
from mlplatform.cluster.config import ClusterPaths, load_cluster_config
from mlplatform.config import load_settings

app = typer.Typer(
    help="Create, inspect and delete the course's kind cluster (cluster mode).",
    no_args_is_help=True,
)


def _context() -> tuple[cluster.ClusterConfig, ClusterPaths]:
    paths = ClusterPaths(load_settings().home)
    return load_cluster_config(paths), paths


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command()
def check() -> None:
    """Check Docker, kind, kubectl, inotify limits, architecture and free ports.

    Exits 1 if something is missing; each line says how to fix it. Example: mlplatform cluster check
    """
    config, _ = _context()
    results = cluster.run_checks(config)
    colours = {"ok": typer.colors.GREEN, "warn": typer.colors.YELLOW, "fail": typer.colors.RED}
    for result in results:
        typer.secho(str(result), fg=colours[result.level])
    if not all(r.passed for r in results):
        raise typer.Exit(1)


@app.command()
def up(
    timeout: int = typer.Option(900, help="Seconds to wait for every pod to be ready."),
) -> None:
    """Create the kind cluster and install KFP, MLflow, Postgres, MinIO and Feast.

    Safe to run again: an existing cluster and Secret are kept. Example: mlplatform cluster up
    """
    config, paths = _context()
    try:
        urls = cluster.up(config, paths, timeout, report=typer.echo)
    except cluster.ClusterError as error:
        _fail(f"{error} (see `mlplatform cluster status`)")
    typer.echo("The platform is up. Open:")
    for url in urls:
        typer.echo(f"  {url}")


@app.command()
def down() -> None:
    """Delete the kind cluster and everything in it.

    Example: mlplatform cluster down
    """
    config, _ = _context()
    try:
        deleted = cluster.down(config)
    except cluster.ClusterError as error:
        _fail(str(error))
    typer.echo(f"cluster {config.name} {'deleted' if deleted else 'did not exist'}")


@app.command()
def status(lines: int = typer.Option(5, help="Log lines to show per pod.")) -> None:
    """List the pods that are not ready, with their last log lines.

    Exits 1 when a pod is not ready. Example: mlplatform cluster status --lines 20
    """
    config, _ = _context()
    try:
        unready = cluster.status(config, lines)
    except cluster.ClusterError as error:
        _fail(f"{error} (is the cluster up? `make cluster-up`)")
    if not unready:
        typer.secho("every pod is ready", fg=typer.colors.GREEN)
        return
    for pod in unready:
        typer.secho(
            f"{pod.namespace}/{pod.name}: {pod.phase}, ready {pod.ready}, restarts {pod.restarts}",
            fg=typer.colors.YELLOW,
        )
        for line in pod.last_logs.splitlines():
            typer.echo(f"    {line}")
    raise typer.Exit(1)


@app.command()
def deploy(
    wait: list[str] = typer.Option(
        ["recommender-service"], help="Model services to wait for (repeat the option for several)."
    ),
    timeout: int = typer.Option(600, help="Seconds to wait for each to be ready."),
) -> None:
    """Deploy the model services (platform/k8s/overlays/kind-services) and wait until ready.

    Needs `mlplatform cluster images` first and a registered champion.
    Example: mlplatform cluster deploy --wait recommender-service --wait ocr-service
    """
    config, paths = _context()
    try:
        commands = cluster.deploy(config, paths, wait, timeout, report=typer.echo)
    except cluster.ClusterError as error:
        _fail(f"{error} (see `mlplatform cluster status`)")
    typer.echo("Ready. Reach them from this machine with:")
    for command in commands:
        typer.echo(f"  {command}")


@app.command()
def images() -> None:
    """Build platform/images/* with docker and load them into the kind cluster.

    Example: mlplatform cluster images
    """
    config, paths = _context()
    try:
        tags = cluster.images(config, paths, version("mlplatform"))
    except cluster.ClusterError as error:
        _fail(str(error))
    for tag in tags:
        typer.echo(f"built and loaded {tag}")
