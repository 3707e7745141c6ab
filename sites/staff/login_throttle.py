"""Failed log-ins slowed down per address and username together, with a growing wait, so that
somebody guessing at a nurse's password from elsewhere does not lock the nurse out.

- After ``free`` failures for one (address, username) the next try from that address for that
  username waits ``first_wait_s``, doubling with every further failure, up to ``max_wait_s``.
- One address failing for many usernames (``per_address`` failures) waits the same way for all.
- A success clears that address's failures for that username. Failures are forgotten after
  ``window_s``. Counts are kept in this process (the triage page is one process, several threads).

(Flask-Limiter does not fit: its ``limits`` package needs ``packaging>=21`` and Rasa 3.6 pins
``packaging==20.9``; it also limits by fixed windows, without a back-off.)

>>> clock = [0.0]
>>> throttle = LoginThrottle(free=2, first_wait_s=60, clock=lambda: clock[0])
>>> for _ in range(3): throttle.failed("10.0.0.66", "sam")
>>> throttle.wait_s("10.0.0.66", "sam"), throttle.wait_s("10.0.0.5", "sam")
(120.0, 0.0)
>>> clock[0] = 121; throttle.wait_s("10.0.0.66", "sam")
0.0
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Callable


class LoginThrottle:
    """See the module docstring."""

    def __init__(self, free: int = 5, per_address: int = 30, first_wait_s: float = 60, max_wait_s: float = 15 * 60,
                 window_s: float = 60 * 60, clock: Callable[[], float] = time.monotonic):
        self.free, self.per_address = free, per_address
        self.first_wait_s, self.max_wait_s, self.window_s = first_wait_s, max_wait_s, window_s
        self.clock = clock
        self._pairs: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._addresses: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def _recent(self, table: dict, key, now: float) -> list[float]:
        kept = [t for t in table.get(key, ()) if now - t < self.window_s]
        if kept:
            table[key] = kept
        else:
            table.pop(key, None)
        return kept

    def _wait(self, failures: list[float], free: int, now: float) -> float:
        if len(failures) < free:
            return 0.0
        wait = min(self.max_wait_s, self.first_wait_s * 2 ** (len(failures) - free))
        return max(0.0, failures[-1] + wait - now)

    def wait_s(self, address: str, username: str) -> float:
        """Seconds before ``username`` may try again from ``address`` (0: now)."""
        now = self.clock()
        with self._lock:
            return max(self._wait(self._recent(self._pairs, (address, username), now), self.free, now),
                       self._wait(self._recent(self._addresses, address, now), self.per_address, now))

    def failed(self, address: str, username: str) -> None:
        """Count a failed log-in (also clears out what is older than the window)."""
        now = self.clock()
        with self._lock:
            self._pairs[(address, username)].append(now)
            self._addresses[address].append(now)
            if len(self._pairs) > 10_000:  # many addresses: drop the forgotten ones
                for key in list(self._pairs):
                    self._recent(self._pairs, key, now)
                for key in list(self._addresses):
                    self._recent(self._addresses, key, now)

    def succeeded(self, address: str, username: str) -> None:
        """Forget ``address``'s failures for ``username``."""
        with self._lock:
            self._pairs.pop((address, username), None)
