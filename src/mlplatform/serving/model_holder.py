"""The model a service answers with: loaded by alias at start, followed when the alias moves.

Requests read `holder.current` once and use that object to the end, so a swap never changes the
model under a request that has started. A swap replaces one attribute (atomic in CPython), after
the new version is fully loaded and has answered a warm-up call: there is no moment without a
model, and a version that cannot answer is never served. A failed check, load or warm-up keeps the
old model and is logged; the next poll tries again.

The warm-up matters beyond catching broken versions: pandas builds an index's hash table on first
use and that is not thread-safe, so a fresh model hit by several request threads at once failed
now and then ("Reindexing only valid with uniquely valued Index objects") until it was warmed up
on the loading thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from mlplatform.serving.model_source import ModelSource, RegistrySource, ServedModel

log = logging.getLogger(__name__)


class ModelNotLoadedError(RuntimeError):
    """The service has no model yet (the registry was unreachable or the alias unset at start)."""


class ModelHolder:
    """Holds the served model and follows `alias` of `name`.

    Args:
        name: registered model name, e.g. `movie-recommender`.
        alias: the alias to follow, normally `champion`.
        source: the registry adapter; default `RegistrySource()`.
        on_swap: called with each newly served model (e.g. to update a metric).
        warm_up: called with a loaded model before it is served; raising keeps the old one.
    """

    def __init__(
        self,
        name: str,
        alias: str = "champion",
        source: ModelSource | None = None,
        on_swap: Callable[[ServedModel], None] | None = None,
        warm_up: Callable[[ServedModel], None] | None = None,
    ) -> None:
        self.name, self.alias = name, alias
        self.source = source or RegistrySource()
        self.on_swap, self.warm_up = on_swap, warm_up
        self._current: ServedModel | None = None
        self.last_error: str | None = None
        self._refresh_lock = threading.Lock()  # one load at a time; readers never wait on it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> ServedModel:
        """The model to answer this request with.

        Raises:
            ModelNotLoadedError: no version could be loaded yet; the message says why.
        """
        served = self._current
        if served is None:
            reason = self.last_error or "it is still loading"
            raise ModelNotLoadedError(f"No model of {self.name!r}@{self.alias} is loaded: {reason}")
        return served

    @property
    def loaded(self) -> bool:
        """True once a version is being served."""
        return self._current is not None

    def refresh(self) -> bool:
        """Ask where the alias points; load and swap in that version if it is not the served one.

        Returns:
            True when a new version was swapped in. Errors are recorded in `last_error`, logged,
            and leave the served model in place.
        """
        with self._refresh_lock:
            try:
                version = self.source.resolve(self.name, self.alias)
                if self._current is not None and self._current.version == version:
                    self.last_error = None
                    return False
                served = self.source.load(self.name, self.alias, version)
                if self.warm_up is not None:
                    self.warm_up(served)
            except Exception as error:  # the registry's errors are many; each keeps the old model
                self.last_error = f"{type(error).__name__}: {error}"
                log.warning("Could not follow %s@%s: %s", self.name, self.alias, self.last_error)
                return False
            previous = self._current.version if self._current else None
            self._current, self.last_error = served, None
        log.info("Serving %s v%s (%s; was %s)", self.name, version, self.alias, previous)
        if self.on_swap is not None:
            self.on_swap(served)
        return True

    def start_polling(self, interval_seconds: float) -> None:
        """Check the alias every `interval_seconds` in a daemon thread (0: never)."""
        if interval_seconds <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._poll, args=(interval_seconds,), name=f"follow-{self.name}", daemon=True
        )
        self._thread.start()

    def stop_polling(self) -> None:
        """Stop the polling thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _poll(self, interval_seconds: float) -> None:
        while not self._stop.wait(interval_seconds):
            self.refresh()
