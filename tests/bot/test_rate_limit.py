"""Rate limits: the in-process sliding window, and the shared one in a real Redis (Debian's,
`make services`) that several Rasa processes count together; a Redis that is down, or up and silent,
neither refuses people nor holds up the event loop."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis.asyncio

from bot.rate_limit import ChannelLimits, RateLimiter, RedisRateLimiter
from tests.conftest import heartbeat


@pytest.mark.parametrize(
    "limit, times, expected",
    [
        (2, [0, 1, 2], [True, True, False]),
        (2, [0, 1, 60.5], [True, True, True]),         # the first one left the window
        (1, [0, 0.1, 0.2, 61], [True, False, False, True]),  # refused ones are not counted
        (0, [0, 0, 0], [True, True, True]),             # 0 turns the limit off
    ],
)
def test_sliding_window_in_the_process(limit, times, expected):
    limiter = RateLimiter(limit, window_s=60)
    assert [limiter.allow("sue", now=t) for t in times] == expected


def _shared(port, limit, prefix, **kwargs):
    client = redis.asyncio.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
    return RedisRateLimiter(limit, client, prefix=prefix, **kwargs)


def test_processes_sharing_redis_count_together(redis_port):
    async def run():
        prefix = f"test:{uuid.uuid4().hex}"
        processes = [_shared(redis_port, 5, prefix) for _ in range(2)]  # as two Rasa processes would
        allowed = [await processes[i % 2].allow("sue") for i in range(8)]
        return allowed, await processes[1].allow("kim")  # another sender has its own count

    assert asyncio.run(run()) == ([True] * 5 + [False] * 3, True)


def test_simultaneous_messages_never_pass_the_limit(redis_port):
    async def run():
        limiter = _shared(redis_port, 10, f"test:{uuid.uuid4().hex}")
        return await asyncio.gather(*(limiter.allow("sue") for _ in range(30)))

    allowed = asyncio.run(run())
    assert allowed.count(True) == 10 and len(allowed) == 30


def test_the_window_slides_in_redis(redis_port):
    async def run():
        limiter = _shared(redis_port, 1, f"test:{uuid.uuid4().hex}", window_s=0.3)
        first, second = await limiter.allow("sue"), await limiter.allow("sue")
        await asyncio.sleep(0.4)
        return first, second, await limiter.allow("sue")

    assert asyncio.run(run()) == (True, False, True)


def test_no_sender_or_address_is_stored_as_it_is(redis_port):
    prefix = f"test:{uuid.uuid4().hex}"
    asyncio.run(_shared(redis_port, 3, prefix).allow("whatsapp:+447911123456"))
    import redis as sync_redis

    keys = [k.decode() for k in sync_redis.Redis(host="127.0.0.1", port=redis_port).keys(f"{prefix}:*")]
    assert len(keys) == 1 and "7911" not in keys[0]


def test_when_redis_is_down_people_are_let_through_and_it_is_logged(caplog):
    from tools.servers import free_port

    limiter = _shared(free_port(), 1, "test")
    assert asyncio.run(limiter.allow("sue"))
    assert "rate limit counter unavailable (ConnectionError)" in caplog.text


def test_a_silent_redis_holds_up_nobody_and_the_limit_still_holds(silent_port, caplog):
    """Thirty people write at once while the shared counter hangs: the event loop goes on (a
    heartbeat keeps ticking), all are answered within about one time-out, not one after another,
    and the per-sender limit is still counted (in the process)."""
    async def run():
        limiter = _shared(silent_port, 2, "test", timeout_s=0.5)
        async with heartbeat() as beats:
            started = time.monotonic()
            allowed = await asyncio.gather(*(limiter.allow(f"person-{i}") for i in range(30)))
            took = time.monotonic() - started
            same_person = [await limiter.allow("sue") for _ in range(3)]
        return allowed, took, beats[0], same_person

    allowed, took, beats, same_person = asyncio.run(run())
    assert allowed == [True] * 30
    assert took < 3, f"30 people waited {took:.1f} s for a silent counter"
    assert beats >= 5, "the event loop was blocked"
    assert same_person == [True, True, False]
    assert "rate limit counter unavailable (TimeoutError)" in caplog.text


def test_channel_limits_use_redis_when_configured(redis_port, monkeypatch):
    monkeypatch.setenv("BOT_RATE_LIMIT_REDIS_URL", f"redis://127.0.0.1:{redis_port}/2")
    monkeypatch.setenv("BOT_RATE_PER_SENDER", "2")
    sender = uuid.uuid4().hex

    async def run():
        first, second = ChannelLimits("rest"), ChannelLimits("rest")  # two processes' REST channels
        assert isinstance(first.per_sender, RedisRateLimiter)
        return [await first.allow(sender), await second.allow(sender), await first.allow(sender)]

    assert asyncio.run(run()) == [True, True, False]
