"""Per-sender and per-address rate limits for the channels: at most N messages in a sliding
minute. Limits are per process (each Rasa process counts its own traffic).

``BOT_RATE_PER_SENDER`` (default 30 a minute) and ``BOT_RATE_PER_ADDRESS`` (default 300 a minute;
one address may be a whole hospital behind one router); 0 turns a limit off.

>>> limits = RateLimiter(2, window_s=60)
>>> [limits.allow("sue", now=t) for t in (0, 1, 2, 61.5)]
[True, True, False, True]
"""
from __future__ import annotations

import os
import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    """A sliding-window counter per key."""

    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 100_000):
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._seen: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one message for ``key``; False when it is over the limit (not counted then)."""
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > self.max_keys:  # forget idle keys rather than grow without end
                for idle in [k for k, q in self._seen.items() if not q or q[-1] < now - self.window_s]:
                    del self._seen[idle]
            times = self._seen[key]
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True


class ChannelLimits:
    """The two limits a channel checks: per conversation and per network address."""

    def __init__(self) -> None:
        self.per_sender = RateLimiter(int(os.environ.get("BOT_RATE_PER_SENDER", 30)))
        self.per_address = RateLimiter(int(os.environ.get("BOT_RATE_PER_ADDRESS", 300)))

    def allow(self, sender: str, address: str | None = None) -> bool:
        """Whether this message may go on (both limits are counted)."""
        sender_ok = self.per_sender.allow(sender)
        address_ok = address is None or self.per_address.allow(address)
        return sender_ok and address_ok
