"""TrueType fonts that ship with a package already in the environment (matplotlib's DejaVu, STIX).

Nothing is downloaded: the files live in `matplotlib/mpl-data/fonts/ttf`. DejaVu is under the
Bitstream Vera / DejaVu licence and STIX under the SIL Open Font Licence, both free to redistribute
and to use in generated images (see `LICENSE_DEJAVU` and `LICENSE_STIX` next to the fonts).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_FILES = {
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
    "serif": "DejaVuSerif.ttf",
    "serif-bold": "DejaVuSerif-Bold.ttf",
    "stix": "STIXGeneral.ttf",
    "stix-bold": "STIXGeneralBol.ttf",
}


def font_dir() -> Path:
    """The folder of TrueType fonts inside the installed matplotlib."""
    import matplotlib  # only for its data path; pyplot is not imported

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def font_path(name: str) -> Path:
    """Path of the font called `name` (a key of `FONT_FILES`).

    Raises:
        KeyError: unknown name; the message lists the known ones.
        FileNotFoundError: matplotlib's font files are missing; reinstall with `make setup`.
    """
    if name not in FONT_FILES:
        raise KeyError(f"no font called {name!r}; choose one of {', '.join(FONT_FILES)}.")
    path = font_dir() / FONT_FILES[name]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: matplotlib's fonts ship with the package; reinstall the "
            "environment with `make setup`."
        )
    return path


@lru_cache(maxsize=64)
def load_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """The Pillow font `name` at `size` pixels (cached: loading a TTF costs about a millisecond)."""
    return ImageFont.truetype(str(font_path(name)), size)
