"""Progress bars that survive being saved: widgets in a live notebook, text in a committed one.

`tqdm.auto` draws a Jupyter widget inside a kernel. Saved into a committed notebook, that widget
renders frozen at 0%, so when `MLPLATFORM_TEXT_PROGRESS=1` (which `mlplatform execute` sets) the bar
is plain text on stdout instead (stdout, because stderr in a committed output reads as a warning).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from mlplatform.config import load_settings

# A text bar redrawn every few seconds fills a saved output with lines; a committed run needs few.
TEXT_MININTERVAL_SECONDS = 30.0


def progress_bar(iterable: Iterable | None = None, **options: Any) -> Any:
    """A tqdm bar over `iterable`: text on stdout when the settings ask for it, else `tqdm.auto`.

    Args:
        iterable: what to iterate over (or None and call `update` yourself).
        **options: tqdm's options (`desc`, `total`, `disable`, `leave`, ...).
    """
    if load_settings().text_progress:
        from tqdm.std import tqdm

        # leave=True: a text bar erased at its end leaves a line of spaces in the saved output.
        text = {"file": sys.stdout, "mininterval": TEXT_MININTERVAL_SECONDS, "ascii": True}
        return tqdm(iterable, **{**options, **text, "leave": True})
    from tqdm.auto import tqdm

    return tqdm(iterable, **options)
