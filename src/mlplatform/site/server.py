"""Serve a built site on 127.0.0.1 (for `make site-serve` and the browser tests)."""

from __future__ import annotations

import functools
import logging
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mlplatform.config import LOCALHOST

log = logging.getLogger(__name__)


class _LoggingHandler(SimpleHTTPRequestHandler):
    """Sends the request log to `logging` instead of stderr."""

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def make_server(site_dir: Path, port: int = 0) -> ThreadingHTTPServer:
    """A static file server for `site_dir` on 127.0.0.1 (`port=0` picks a free port).

    Raises:
        FileNotFoundError: the site has not been built; run `make site`.
    """
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(f"{site_dir / 'index.html'} does not exist; run `make site` first.")
    handler = functools.partial(_LoggingHandler, directory=str(site_dir))
    return ThreadingHTTPServer((LOCALHOST, port), handler)
