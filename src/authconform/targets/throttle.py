"""Fixed-window attempt counters, as Symfony's login throttling and Laravel's ThrottlesLogins keep them.

Both frameworks start a window at the first counted attempt and forget the count when the
window ends; neither slides. The clock is injectable so tests need not wait a minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class FixedWindowCounter:
    """Counts hits per key within ``window`` seconds of the key's first hit."""

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def _current(self, key: str, now: float) -> tuple[float, int] | None:
        entry = self._windows.get(key)
        if entry is not None and now - entry[0] >= self.window:
            del self._windows[key]
            return None
        return entry

    def count(self, key: str) -> int:
        """Hits of ``key`` in its current window (0 once the window has passed)."""
        with self._lock:
            entry = self._current(key, self._clock())
            return entry[1] if entry else 0

    def hit(self, key: str) -> int:
        """Count one attempt; return the new count."""
        with self._lock:
            now = self._clock()
            start, hits = self._current(key, now) or (now, 0)
            self._windows[key] = (start, hits + 1)
            return hits + 1

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)
