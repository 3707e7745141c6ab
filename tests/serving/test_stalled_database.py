"""A handoffs database that accepts connections and never answers (a blackholed PostgreSQL) must
not stall the action server: the real action server (``python -m rasa_sdk --actions actions``)
against a real listening socket that accepts and then says nothing (a tiny asyncio server: the
network peer, not a stand-in for our code). Another conversation still gets its answer in time,
and the stalled red-flag handoff is kept in the pending file, not lost."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.paths import project_root
from tests.factories import domain_dict
from tools.servers import child_env, free_ports

pytestmark = pytest.mark.servers


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte; its port."""
    loop = asyncio.new_event_loop()
    held = []

    async def hold(reader, writer):
        held.append(writer)  # keep it open, say nothing
        await asyncio.sleep(3600)

    server = loop.run_until_complete(asyncio.start_server(hold, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield server.sockets[0].getsockname()[1]

    async def close():
        server.close()
        for writer in held:
            writer.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


@pytest.fixture
def action_server(silent_server, tmp_path):
    """The real action server with its handoffs database on the silent server; (url, pending file)."""
    (port,) = free_ports(1, avoid=(silent_server,))
    pending = tmp_path / "handoffs.pending.jsonl"
    env = {**child_env(), "BOT_HANDOFFS_DB": f"postgresql://bones@127.0.0.1:{silent_server}/bones",
           "BOT_HANDOFFS_SPOOL": str(pending), "BOT_CLOCK": "2026-11-28T11:00:00"}
    log = (tmp_path / "actions.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                            cwd=project_root(), env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail((tmp_path / "actions.log").read_text()[-3000:])
            time.sleep(0.5)
    yield url, pending
    proc.terminate()  # its threads still waiting on the silent server may hold up its exit: then kill it
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def _call(url: str, action: str, sender: str, text: str, intent: str) -> tuple[float, dict]:
    """Ask the action server to run ``action`` as Rasa does; (seconds taken, its answer)."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99},
              "intent_ranking": [{"name": intent, "confidence": 0.99}], "entities": []}
    tracker = {"sender_id": sender, "slots": {}, "latest_message": latest, "paused": False,
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
               "latest_input_channel": "rest",
               "events": [{"event": "action", "name": "action_listen"},
                          {"event": "user", "text": text, "parse_data": latest}]}
    body = json.dumps({"next_action": action, "sender_id": sender, "tracker": tracker, "domain": domain_dict(),
                       "version": "3.6.0"}).encode()
    request = urllib.request.Request(f"{url}/webhook", data=body, headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        return time.monotonic() - started, json.loads(response.read())


def test_a_database_that_never_answers_stalls_only_its_own_conversation(action_server):
    url, pending = action_server
    for action, text, intent in [("action_answer_topic", "what is denosumab?", "ask_denosumab"),
                                 ("action_record_handoff", "I can't feel my legs", "emergency_general")]:
        _call(url, action, "warm-up", text, intent)  # the first calls load the answers and the red-flag check
    with ThreadPoolExecutor(4) as pool:
        stalled = pool.submit(_call, url, "action_record_handoff", "red-flag", "my legs have gone weak and numb",
                              "emergency_general")
        time.sleep(0.2)  # the red flag's handoff is waiting on the silent database
        others = [pool.submit(_call, url, "action_answer_topic", f"other-{n}", "what is denosumab?", "ask_denosumab")
                  for n in range(2)]
        for other in others:
            seconds, answer = other.result()
            # in time: inside Rasa's 4 s action time-out (was: queued behind every 3 s connect attempt)
            assert seconds < 3.5, seconds
            assert any("enosumab" in (m.get("text") or "") for m in answer["responses"])
        stalled.result()
    deadline = time.monotonic() + 10
    while "red-flag" not in (pending.read_text() if pending.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.2)
    kept = [json.loads(line) for line in pending.read_text().splitlines()]
    assert "red-flag" in {item["conversation_id"] for item in kept if item["reason"] == "red_flag"}
