"""The channels' limits at their real defaults, through the real Rasa server (issue 22):

- the web chat counts each client's own address, so one busy address (one person with many tabs,
  or a flood) is slowed down without locking anybody else out;
- new sessions are limited per address too;
- a Redis counter that accepts connections and never answers holds up nobody.

The test clients connect from different loopback addresses (127.0.0.2, 127.0.0.3...), which Linux
routes to the server like any other peer."""
from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.servers

DEFAULT_PER_ADDRESS = 300
DEFAULT_PER_SENDER = 30


class WebClient:
    """A web widget's connection from one network address (python-socketio over aiohttp)."""

    def __init__(self, url: str, origin: str, address: str) -> None:
        self.url, self.origin, self.address = url, origin, address
        self.replies: list[dict] = []
        self.sessions: list[dict] = []

    async def __aenter__(self) -> "WebClient":
        import aiohttp
        import socketio

        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(self.address, 0)))
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.sio.on("bot_uttered", self.replies.append)
        self.sio.on("session_confirm", self.sessions.append)
        await self.sio.connect(self.url, headers={"Origin": self.origin}, transports=["polling"])
        return self

    async def __aexit__(self, *exc) -> None:
        await self.sio.eio.disconnect(abort=True)  # a plain disconnect waits out the 25 s long poll
        await self.http.close()

    async def new_session(self, seconds: float = 10) -> bool:
        """Ask for a session; whether one was confirmed within ``seconds``."""
        before = len(self.sessions)
        await self.sio.emit("session_request", {})
        return await self._wait(lambda: len(self.sessions) > before or self._refused(), seconds) and \
            len(self.sessions) > before

    def _refused(self) -> bool:
        return any(r.get("kind") == "slow_down" for r in self.replies)

    async def _wait(self, done, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return done()

    async def send_and_wait(self, text: str, seconds: float = 20) -> None:
        """Send ``text`` and wait for a reply (one at a time: a poll carries at most 16 packets)."""
        before = len(self.replies)
        await self.sio.emit("user_uttered", {"message": text})
        await self._wait(lambda: len(self.replies) > before, seconds)

    async def say(self, text: str, seconds: float = 20) -> list[dict]:
        """Send ``text``; the replies that arrived for it (waits for the first, then a moment)."""
        before = len(self.replies)
        await self.sio.emit("user_uttered", {"message": text})
        await self._wait(lambda: len(self.replies) > before, seconds)
        await asyncio.sleep(0.3)
        return self.replies[before:]


def test_one_busy_address_locks_nobody_else_out(assistant, channel_settings):
    """Address A sends more than the per-address limit (over several conversations, as tabs or a
    flood would): A is slowed down, B's first message is answered. Before the fix every web client
    counted as 127.0.0.1, so B was refused too."""
    async def run():
        async with WebClient(assistant.url, channel_settings.web_origin, "127.0.0.2") as flood:
            assert await flood.new_session()
            for _ in range(DEFAULT_PER_ADDRESS + 5):  # the sender limit refuses most: all are counted
                await flood.send_and_wait("hello")
        async with WebClient(assistant.url, channel_settings.web_origin, "127.0.0.2") as same_address:
            assert await same_address.new_session()
            refused = await same_address.say("what is denosumab?")
        async with WebClient(assistant.url, channel_settings.web_origin, "127.0.0.3") as someone_else:
            assert await someone_else.new_session()
            answered = await someone_else.say("what is denosumab?")
        return refused, answered

    refused, answered = asyncio.run(run())
    assert [r["kind"] for r in refused] == ["slow_down"]
    assert answered and all(r["kind"] != "slow_down" for r in answered)
    assert any("denosumab" in r["text"].lower() for r in answered)


def test_new_sessions_are_limited_per_address(assistant, channel_settings):
    async def run():
        async with WebClient(assistant.url, channel_settings.web_origin, "127.0.0.4") as tabs:
            confirmed = [await tabs.new_session(seconds=5) for _ in range(62)]
        async with WebClient(assistant.url, channel_settings.web_origin, "127.0.0.5") as other:
            return confirmed, await other.new_session()

    confirmed, other_confirmed = asyncio.run(run())
    assert confirmed[:60] == [True] * 60 and confirmed[60:] == [False, False]
    assert other_confirmed


# ---- a Redis counter that hangs

@pytest.fixture(scope="module")
def silent_redis_port():
    """A Redis that hangs: accepts connections, never answers."""
    from tests.conftest import silent_listener

    with silent_listener() as port:
        yield port


@pytest.fixture(scope="module")
def assistant_with_silent_counter(tmp_path_factory, handoffs_db, channel_settings, silent_redis_port):
    from tools.servers import running_assistant

    with pytest.MonkeyPatch.context() as env:
        env.setenv("BOT_RATE_LIMIT_REDIS_URL", f"redis://127.0.0.1:{silent_redis_port}/2")
        tracker_db = tmp_path_factory.mktemp("silent") / "tracker.db"
        with running_assistant(tracker_db=tracker_db) as running:
            yield running


def _rest(url: str, sender: str, message: str) -> tuple[float, list[dict]]:
    started = time.monotonic()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", method="POST",
                                     data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return time.monotonic() - started, json.loads(reply.read())


def test_a_counter_that_never_answers_holds_up_nobody(assistant_with_silent_counter):
    """Ten people write at once while the rate-limit Redis hangs: all get their real answer within
    seconds. Before the fix each message blocked the whole server for up to two 1 s time-outs, one
    after another."""
    url = assistant_with_silent_counter.url
    _rest(url, "warm-" + uuid.uuid4().hex[:12], "hello")  # the first turn loads what it needs
    results: list = [None] * 10

    def one(i: int) -> None:
        results[i] = _rest(url, f"p{i}-{uuid.uuid4().hex[:8]}", "what is denosumab?")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    took = time.monotonic() - started
    assert all(r is not None for r in results)
    assert all(any("denosumab" in m.get("text", "").lower() for m in reply) for _, reply in results)
    assert took < 10, f"ten people waited {took:.1f} s in all for a silent counter"
