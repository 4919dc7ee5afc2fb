"""Run a service app in a background thread of this process: for notebooks and tests.

`make serve` runs a service as its own process; a chapter or a test that wants to call the same
app over real HTTP (sockets, middleware, the lifespan that loads the model) starts it here instead:

    with running(app) as server:
        httpx.get(server.url + "/ready")

The port is chosen by the operating system (port 0) and read back once uvicorn listens, so two
servers never race for a port. It binds loopback only, like every service of the platform.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from mlplatform.config import LOCALHOST

log = logging.getLogger(__name__)
START_TIMEOUT_SECONDS = 60.0


class ServerStartError(RuntimeError):
    """The app did not start listening in time (its lifespan failed or hangs)."""


@dataclass
class InProcessServer:
    """A uvicorn server answering in a daemon thread; `url` is where, `stop()` ends it."""

    url: str
    server: object  # uvicorn.Server; typed loosely so importing this module does not load uvicorn
    thread: threading.Thread

    @property
    def is_running(self) -> bool:
        """True while the server thread is alive."""
        return self.thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask uvicorn to finish (the app's lifespan shutdown runs) and wait for the thread."""
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout=timeout)


def _run(server: object) -> None:
    """Uvicorn exits with `sys.exit` when start-up fails: end the thread, not the process."""
    try:
        server.run()  # type: ignore[attr-defined]
    except SystemExit as stop:
        log.error("%s stopped during start-up (exit code %s)", type(server).__name__, stop.code)


def start_in_thread(
    app: FastAPI, port: int = 0, timeout: float = START_TIMEOUT_SECONDS
) -> InProcessServer:
    """Serve `app` on 127.0.0.1 (`port` 0: any free port) in a daemon thread; return once it listens.

    Raises:
        ServerStartError: it was not listening within `timeout` seconds; the server is stopped.
    """
    import uvicorn  # only a running service needs it

    # No log config and no access log: the app's middleware writes one line per request itself.
    config = uvicorn.Config(app, host=LOCALHOST, port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=_run, args=(server,), name=f"serve-{app.title}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=10)
        raise ServerStartError(
            f"{app.title!r} did not start listening within {timeout:.0f} s on {LOCALHOST}; "
            "its start-up (lifespan) failed or hangs: see the log above."
        )
    bound = server.servers[0].sockets[0].getsockname()[1]
    return InProcessServer(f"http://{LOCALHOST}:{bound}", server, thread)


@contextmanager
def running(
    app: FastAPI, port: int = 0, timeout: float = START_TIMEOUT_SECONDS
) -> Iterator[InProcessServer]:
    """`start_in_thread` as a context manager: the server stops when the block ends."""
    server = start_in_thread(app, port, timeout)
    try:
        yield server
    finally:
        server.stop()
