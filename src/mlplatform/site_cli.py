"""`mlplatform site ...`: build, check and serve the course website (behind `make site*`)."""

from __future__ import annotations

import typer

from mlplatform.config import load_settings
from mlplatform.site.build import SitePaths, build_site
from mlplatform.site.server import make_server

app = typer.Typer(help="Build and serve the course website.", no_args_is_help=True)


@app.command()
def build() -> None:
    """Build the site into _build/site from the committed notebooks, then check every page.

    Exits 1 if MkDocs warns or a page has a broken link, a missing image, a machine path or a
    traceback. Example: mlplatform site build
    """
    report = build_site(load_settings().home)
    for line in report.warnings:
        typer.secho(f"warning: {line}", fg=typer.colors.YELLOW, err=True)
    for problem in report.problems:
        typer.secho(f"problem: {problem}", fg=typer.colors.RED, err=True)
    typer.echo(f"built {report.pages} pages into {report.site_dir} in {report.seconds:.1f} s")
    if not report.is_clean:
        typer.secho(
            f"error: {len(report.warnings)} warnings and {len(report.problems)} problems; fix the "
            "notebooks or docs named above and run `make site` again.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def serve() -> None:
    """Serve the built site on http://127.0.0.1:$SITE_PORT (default 8000) until Ctrl-C.

    Example: mlplatform site serve
    """
    settings = load_settings()
    server = make_server(SitePaths(settings.home).site_dir, settings.site_port)
    typer.echo(f"serving the course site on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()
