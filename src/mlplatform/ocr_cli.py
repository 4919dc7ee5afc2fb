"""`mlplatform ocr ...`: the OCR project's commands (batch scoring a folder of photos)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlplatform import services
from mlplatform.config import load_settings

if TYPE_CHECKING:
    from mlplatform.ocr.photo_reading import PhotoReader

app = typer.Typer(
    help="Read ID numbers off card photos with the registered reader.", no_args_is_help=True
)


@app.command("read-folder")
def read_folder(
    photos: Path = typer.Argument(..., help="The folder of photos (JPEG, PNG or WebP)."),
    out: Path = typer.Option(Path("readings.csv"), "--out", help="The CSV to write."),
    model: str | None = typer.Option(
        None, help="Registered model name; default ocr-id-reader (-fast in fast mode)."
    ),
    alias: str = typer.Option("champion", help="The registry alias to load."),
    recursive: bool = typer.Option(False, help="Also read the photos in sub-folders."),
) -> None:
    """Read every photo of a folder with the champion reader into a CSV, one row per file.

    Files that are not readable images get a row with verdict `error` and the reason. Needs
    MLflow running (make platform-up). Example: mlplatform ocr read-folder PHOTOS --out readings.csv
    """
    # Imported here: torch, OpenCV and MLflow would slow every other `mlplatform` command.
    from mlplatform.ocr import folder_reading
    from mlplatform.ocr.registered_reader import model_name_for

    settings = load_settings()
    try:
        reader, described = _registered_reader(model or model_name_for(settings.fast), alias)
    except LookupError as error:  # no such model or alias: the message says what is registered
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"reading with {described}")
    summary = folder_reading.read_folder(reader, photos, out, recursive=recursive)
    typer.echo(summary.describe())
    if summary.skipped:
        typer.echo(f"{summary.skipped} files skipped: their rows in {out} say why")


def _registered_reader(name: str, alias: str) -> tuple[PhotoReader, str]:
    """The reader of `name@alias` from the registry, and one line naming the version."""
    import mlflow

    from mlplatform.ocr.photo_reading import reader_of
    from mlplatform.registry import load_by_alias

    settings = load_settings()
    if settings.mlflow_tracking_uri.startswith("http"):
        services.require("mlflow", settings)  # a clear "start it" rather than MLflow's retries
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    loaded = load_by_alias(name, alias)
    return reader_of(loaded.model), loaded.describe()
