"""Rate limits: the in-process sliding window, and the shared one in a real Redis (Debian's,
`make services`) that several Rasa processes count together."""
from __future__ import annotations

import threading
import uuid

import pytest
import redis

from bot.rate_limit import ChannelLimits, RateLimiter, RedisRateLimiter


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


def _shared(redis_port, limit, prefix):
    return RedisRateLimiter(limit, redis.Redis(host="127.0.0.1", port=redis_port), prefix=prefix)


def test_processes_sharing_redis_count_together(redis_port):
    prefix = f"test:{uuid.uuid4().hex}"
    processes = [_shared(redis_port, 5, prefix) for _ in range(2)]  # as two Rasa processes would
    allowed = [processes[i % 2].allow("sue") for i in range(8)]
    assert allowed == [True] * 5 + [False] * 3
    assert processes[1].allow("kim")  # another sender has its own count


def test_simultaneous_messages_never_pass_the_limit(redis_port):
    limiter = _shared(redis_port, 10, f"test:{uuid.uuid4().hex}")
    start, allowed = threading.Barrier(30), []

    def send():
        start.wait()
        allowed.append(limiter.allow("sue"))

    threads = [threading.Thread(target=send) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert allowed.count(True) == 10 and len(allowed) == 30


def test_the_window_slides_in_redis(redis_port):
    limiter = RedisRateLimiter(1, redis.Redis(host="127.0.0.1", port=redis_port),
                               prefix=f"test:{uuid.uuid4().hex}", window_s=0.3)
    assert limiter.allow("sue") and not limiter.allow("sue")
    threading.Event().wait(0.4)
    assert limiter.allow("sue")


def test_no_sender_or_address_is_stored_as_it_is(redis_port):
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    prefix = f"test:{uuid.uuid4().hex}"
    RedisRateLimiter(3, client, prefix=prefix).allow("whatsapp:+447911123456")
    keys = [k.decode() for k in client.keys(f"{prefix}:*")]
    assert len(keys) == 1 and "7911" not in keys[0]


def test_when_redis_is_down_people_are_let_through_and_it_is_logged(caplog):
    from bot.servers import free_port

    limiter = RedisRateLimiter(1, redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1),
                               prefix="test")
    assert limiter.allow("sue") and limiter.allow("sue")
    assert "rate limit counter unavailable (ConnectionError)" in caplog.text


def test_channel_limits_use_redis_when_configured(redis_port, monkeypatch):
    monkeypatch.setenv("BOT_RATE_LIMIT_REDIS_URL", f"redis://127.0.0.1:{redis_port}/2")
    monkeypatch.setenv("BOT_RATE_PER_SENDER", "2")
    sender = uuid.uuid4().hex
    first, second = ChannelLimits("rest"), ChannelLimits("rest")  # two processes' REST channels
    assert isinstance(first.per_sender, RedisRateLimiter)
    assert [first.allow(sender), second.allow(sender), first.allow(sender)] == [True, True, False]
