"""Per-sender and per-address rate limits for the channels: at most N messages in a sliding
minute. Counted in the process, or, when ``BOT_RATE_LIMIT_REDIS_URL`` is set (several Rasa
processes, e.g. ``redis://:password@127.0.0.1:6379/2``), in Redis, so the limit holds across all of
them. Keys are hashed: no sender id or network address is stored in Redis as it is.

``BOT_RATE_PER_SENDER`` (default 30 a minute) and ``BOT_RATE_PER_ADDRESS`` (default 300 a minute;
one address may be a whole hospital behind one router); 0 turns a limit off. ``BOT_RATE_SESSIONS_PER_ADDRESS``
(default 60 a minute) limits new web chat sessions per address, and ``BOT_RATE_FEEDBACK_PER_SENDER``
(default 30 a minute) "was this helpful?" answers per conversation.

Redis is asked without blocking the event loop (``redis.asyncio``) and for at most
``BOT_RATE_LIMIT_REDIS_TIMEOUT`` seconds (default 0.5). If it fails or does not answer in time -
down, or up and silent - the message is counted in the process instead, the error is logged once,
and Redis is not asked again for ``REDIS_RETRY_S`` seconds: a person is never refused, nor kept
waiting, because the counter is down, and nobody else's conversation waits for it either.

>>> limits = RateLimiter(2, window_s=60)
>>> [limits.allow("sue", now=t) for t in (0, 1, 2, 61.5)]
[True, True, False, True]
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
import uuid
from collections import defaultdict, deque

from bot import settings

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


REDIS_RETRY_S = 5.0  # after a failure, count in the process for this long before asking Redis again


class RedisRateLimiter:
    """The same sliding window, shared by every process through Redis (``client``: a
    ``redis.asyncio`` client), with an in-process window standing in while Redis fails."""

    def __init__(self, limit: int, client, prefix: str, window_s: float = 60.0, timeout_s: float = 0.5):
        self.limit = limit
        self.window_ms = int(window_s * 1000)
        self.prefix = prefix
        self.timeout_s = timeout_s
        self._script = client.register_script(_SLIDING_WINDOW)
        self.stand_in = RateLimiter(limit, window_s)
        self._down_until = 0.0

    async def allow(self, key: str) -> bool:
        """Count one message for ``key``; False when it is over the limit. Counted in the process
        while Redis is failing (see the module docstring)."""
        if self.limit <= 0:
            return True
        if time.monotonic() < self._down_until:
            return self.stand_in.allow(key)
        hashed = hashlib.sha256(key.encode()).hexdigest()[:32]
        try:
            return bool(await asyncio.wait_for(
                self._script(keys=[f"{self.prefix}:{hashed}"], args=[self.limit, self.window_ms, uuid.uuid4().hex]),
                timeout=self.timeout_s))
        except Exception as error:  # noqa: BLE001 - the counter is down or silent: never block people
            self._down_until = time.monotonic() + REDIS_RETRY_S
            logger.error("rate limit counter unavailable (%s); counting in this process for %.0f s",
                         type(error).__name__, REDIS_RETRY_S)
            return self.stand_in.allow(key)


class InProcessLimiter(RateLimiter):
    """``RateLimiter`` with the awaitable ``allow`` the channels use (nothing to wait for)."""

    async def allow(self, key: str, now: float | None = None) -> bool:  # type: ignore[override]
        """Count one message for ``key``; False when it is over the limit."""
        return super().allow(key, now)


def _limiter(limit: int, prefix: str):
    """An awaitable limiter: shared through Redis when ``BOT_RATE_LIMIT_REDIS_URL`` is set."""
    url = settings.text(REDIS_ENV)
    if not url:
        return InProcessLimiter(limit)
    import redis.asyncio

    timeout = settings.number("BOT_RATE_LIMIT_REDIS_TIMEOUT")
    client = redis.asyncio.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return RedisRateLimiter(limit, client, prefix=f"bones:rate:{prefix}", timeout_s=timeout)


class ChannelLimits:
    """The two limits a channel checks: per conversation and per network address. ``channel``
    names the channel's own counters (in Redis)."""

    def __init__(self, channel: str = "channel") -> None:
        self.per_sender = _limiter(settings.integer("BOT_RATE_PER_SENDER"), f"{channel}:sender")
        self.per_address = _limiter(settings.integer("BOT_RATE_PER_ADDRESS"), f"{channel}:address")
        self.sessions_per_address = _limiter(settings.integer("BOT_RATE_SESSIONS_PER_ADDRESS"),
                                             f"{channel}:sessions")
        self.feedback_per_sender = _limiter(settings.integer("BOT_RATE_FEEDBACK_PER_SENDER"),
                                            f"{channel}:feedback")

    async def allow(self, sender: str, address: str | None = None) -> bool:
        """Whether this message may go on (both limits are counted, at the same time)."""
        if address is None:
            return await self.per_sender.allow(sender)
        sender_ok, address_ok = await asyncio.gather(self.per_sender.allow(sender), self.per_address.allow(address))
        return sender_ok and address_ok
