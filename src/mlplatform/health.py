"""Is a service answering? The errors and the probe that services, tracking and features share.

Kept below `services` (which starts and stops processes) so that the clients of a service can say
"it is not running, start it like this" without importing the code that runs it.
"""

from __future__ import annotations

import httpx


class ServiceError(RuntimeError):
    """A local service could not be started or stopped; the message says what to do."""


class ServiceNotRunningError(ServiceError):
    """A service the code needs is not answering."""


def is_answering(url: str, timeout: float = 2.0) -> bool:
    """True when `url` returns HTTP 200."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False
