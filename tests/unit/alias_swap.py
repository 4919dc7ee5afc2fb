"""Moves a model's `champion` alias back and forth while clients keep calling its service.

Shared by the recommender's and the OCR service's alias-swap tests: each passes how one client
sends a request and asserts on what came back.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from mlplatform.registry import CHAMPION, set_alias

Send = Callable[[httpx.Client, int], httpx.Response]  # (client, how many it sent before) -> answer


@dataclass
class SwapRun:
    """What the clients saw: the version `/ready` named after each move, statuses, versions served."""

    served: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    versions: Counter = field(default_factory=Counter)


def _fire(url: str, send: Send, timeout: float, stop: threading.Event, run: SwapRun) -> None:
    with httpx.Client(base_url=url, timeout=timeout) as client:
        sent = 0
        while not stop.is_set():
            answer = send(client, sent)
            sent += 1
            run.statuses[answer.status_code] += 1
            if answer.status_code == 200:
                run.versions[answer.json()["model"]["version"]] += 1


def swap_under_load(
    service: str, name: str, send: Send, *, clients: int, moves: int, reload_every: int,
    timeout: float, poll: float, pause: float,
) -> SwapRun:  # fmt: skip
    """Move `name@champion` between versions 2 and 1 `moves` times while `clients` threads call.

    Every `reload_every`-th move (counting from 1) is announced on `/admin/reload`; the others are
    left to the service's polling. After each move, wait (up to `timeout` s) for `/ready` to name it.
    """
    run, stop = SwapRun(), threading.Event()
    threads = [
        threading.Thread(target=_fire, args=(service, send, timeout, stop, run))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    try:
        for move in range(moves):
            version = 2 if move % 2 == 0 else 1
            set_alias(name, CHAMPION, version)
            if move % reload_every == reload_every - 1:
                httpx.post(f"{service}/admin/reload", timeout=timeout)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                now = httpx.get(f"{service}/ready", timeout=30).json()["model"]["version"]
                if now == str(version):
                    break
                time.sleep(poll)
            run.served.append(now)
            time.sleep(pause)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return run
