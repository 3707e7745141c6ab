"""Per-sender and per-address rate limits for the channels: at most N messages in a sliding
minute. Counted in the process, or, when ``BOT_RATE_LIMIT_REDIS_URL`` is set (several Rasa
processes, e.g. ``redis://:password@127.0.0.1:6379/2``), in Redis, so the limit holds across all of
them. Keys are hashed: no sender id or network address is stored in Redis as it is.

``BOT_RATE_PER_SENDER`` (default 30 a minute) and ``BOT_RATE_PER_ADDRESS`` (default 300 a minute;
one address may be a whole hospital behind one router); 0 turns a limit off. If Redis cannot be
reached the message is let through and the error logged: a person is never refused because the
counter is down.

>>> limits = RateLimiter(2, window_s=60)
>>> [limits.allow("sue", now=t) for t in (0, 1, 2, 61.5)]
[True, True, False, True]
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import defaultdict, deque

logger = logging.getLogger(__name__)
REDIS_ENV = "BOT_RATE_LIMIT_REDIS_URL"


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


# One atomic step in Redis: drop what left the window, refuse when full, else count this message.
# The time is Redis's own, so every process agrees on it.
_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1
"""


class RedisRateLimiter:
    """The same sliding window, shared by every process through Redis (``client``: redis-py)."""

    def __init__(self, limit: int, client, prefix: str, window_s: float = 60.0):
        self.limit = limit
        self.window_ms = int(window_s * 1000)
        self.prefix = prefix
        self._script = client.register_script(_SLIDING_WINDOW)

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one message for ``key``; False when it is over the limit. True if Redis fails."""
        if self.limit <= 0:
            return True
        hashed = hashlib.sha256(key.encode()).hexdigest()[:32]
        try:
            return bool(self._script(keys=[f"{self.prefix}:{hashed}"],
                                     args=[self.limit, self.window_ms, uuid.uuid4().hex]))
        except Exception as error:  # noqa: BLE001 - the counter is down: let the person through
            logger.error("rate limit counter unavailable (%s); message let through", type(error).__name__)
            return True


def _limiter(limit: int, prefix: str):
    url = os.environ.get(REDIS_ENV)
    if not url:
        return RateLimiter(limit)
    import redis

    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return RedisRateLimiter(limit, client, prefix=f"bones:rate:{prefix}")


class ChannelLimits:
    """The two limits a channel checks: per conversation and per network address. ``channel``
    names the channel's own counters (in Redis)."""

    def __init__(self, channel: str = "channel") -> None:
        self.per_sender = _limiter(int(os.environ.get("BOT_RATE_PER_SENDER", 30)), f"{channel}:sender")
        self.per_address = _limiter(int(os.environ.get("BOT_RATE_PER_ADDRESS", 300)), f"{channel}:address")

    def allow(self, sender: str, address: str | None = None) -> bool:
        """Whether this message may go on (both limits are counted)."""
        sender_ok = self.per_sender.allow(sender)
        address_ok = address is None or self.per_address.allow(address)
        return sender_ok and address_ok
