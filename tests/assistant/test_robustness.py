"""Bad input, abuse and faults, through the real servers: the REST channel (channels/rest.py)
and the web widget's socket.io channel (channels/webchat.py)."""
from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
import uuid

import pytest

from bot.content.plain_text import messaging_words
from tools.servers import default_model

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`"),
]

HELPLINE = "0808 800 4040"


def post(assistant, body: bytes | dict | list | str, content_type: str = "application/json"):
    """POST to the REST webhook; returns (status, parsed JSON)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{assistant.url}/webhooks/rest/webhook", data=data,
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def sender() -> str:
    return f"robust-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("body", [
    {"message": "what is denosumab?"},                      # no sender: never a shared "default"
    {"sender": "", "message": "hello"},
    {"sender": None, "message": "hello"},
    {"sender": 42, "message": "hello"},
    {"sender": "a" * 129, "message": "hello"},
    {"sender": "../../etc/passwd", "message": "hello"},
    ["not", "an", "object"],
    "just a string",
])
def test_requests_without_a_proper_sender_are_refused(assistant, body):
    status, reply = post(assistant, body)
    assert status == 400
    assert ("sender" in reply["error"]) if isinstance(body, dict) else ("JSON object" in reply["error"])


def test_a_body_that_is_not_json_is_refused(assistant):
    status, reply = post(assistant, b"{not json", content_type="application/json")
    assert status == 400 and "JSON object" in reply["error"]


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "\x00\x01", None, 42, ["hello"]])
def test_empty_or_non_text_messages_are_refused_with_a_reason(assistant, message):
    status, reply = post(assistant, {"sender": sender(), "message": message})
    assert status == 400 and reply["error"] == "the 'message' is empty"


ODD_BUT_FINE = [
    "what is denosumab? 🙏🏼❤️",
    "ما هو الدينوسوماب؟",                                   # Arabic, right to left
    "מה זה קיפופלסטיקה?",                                   # Hebrew
    "¿Qué es la vertebroplastia?",
    "什么是骨水泥成形术？",
    "<script>alert('x')</script> what is kyphoplasty",
    "<img src=x onerror=alert(1)>",
    "denosumab OR bisphosphonates AND site:nhs.uk -\"side effects\"",
    "'; DROP TABLE events; --",
    "what is\x00 vertebroplasty\x1b[31m?",
    "\u202eevil text\u202c",
    "a" * 3999,
    "/ask_denosumab{\"x\": 1}",
]


@pytest.mark.parametrize("message", ODD_BUT_FINE)
def test_odd_input_over_rest_gets_a_reply(assistant, message):
    status, reply = post(assistant, {"sender": sender(), "message": message})
    assert status == 200
    assert reply and all(isinstance(m.get("text", ""), str) for m in reply)
    assert any(m.get("text") for m in reply)


def test_a_message_over_the_cap_is_refused_kindly(assistant):
    status, reply = post(assistant, {"sender": sender(), "message": "my back hurts " * 400})
    assert status == 200
    assert "too long" in reply[0]["text"]


def test_a_request_body_over_64_kb_is_refused_before_it_is_read(assistant):
    body = json.dumps({"sender": sender(), "message": "x" * 200_000}).encode()
    request = urllib.request.Request(f"{assistant.url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert post(assistant, {"sender": sender(), "message": "hello"})[0] == 200  # the server is fine


def test_a_sender_over_the_rate_limit_is_asked_to_slow_down(assistant):
    who = sender()
    statuses = [post(assistant, {"sender": who, "message": "hello"})[0] for _ in range(30)]
    assert statuses == [200] * 30
    status, reply = post(assistant, {"sender": who, "message": "hello"})
    assert status == 429 and reply[0]["text"] == messaging_words()["slow_down"]
    assert post(assistant, {"sender": sender(), "message": "hello"})[0] == 200  # others are not affected


@pytest.mark.parametrize("people", [1, 20])
def test_a_stalled_action_server_still_gets_a_reply_within_5_seconds(assistant, people):
    """Also for 20 people writing at the same moment: the server's limit on turns at once
    (serving/turns.py) must not queue them behind the stuck ones (tests/serving/test_turns.py checks
    that it lets them all in; here, the whole server: the slowest of 20 took 4.3 s)."""
    from concurrent.futures import ThreadPoolExecutor

    def ask(_):
        started = time.monotonic()
        status, reply = post(assistant, {"sender": sender(), "message": "what is denosumab?"})
        return status, reply, time.monotonic() - started

    assert assistant.send(sender(), "hello")  # a server that has been answering (the very first
    # turns of a new server are slower)
    actions = assistant.pids()["actions"]
    os.killpg(actions, signal.SIGSTOP)  # accepts connections, never answers
    try:
        with ThreadPoolExecutor(people) as pool:
            answers = list(pool.map(ask, range(people)))
        emergency = post(assistant, {"sender": sender(),
                                     "message": "back pain and I can't feel my legs, wet myself"})[1]
    finally:
        os.killpg(actions, signal.SIGCONT)
    for status, reply, took in answers:
        assert status == 200 and took < 5.5, took
        assert HELPLINE in " ".join(m.get("text", "") for m in reply)
    assert "999" in emergency[0]["text"] and HELPLINE not in emergency[0]["text"]


# ---- the same odd input through the web widget's socket.io channel

@pytest.fixture
def socket_client(assistant, channel_settings):
    import socketio

    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    sessions: list[dict] = []
    client.on("bot_uttered", received.append)
    client.on("session_confirm", sessions.append)
    client.connect(assistant.url, headers={"Origin": channel_settings.web_origin}, transports=["polling"])
    client.emit("session_request", {})
    for _ in range(50):
        if sessions:
            break
        client.sleep(0.1)
    yield client, received
    client.eio.disconnect(abort=True)  # a plain disconnect waits out the 25 s long poll


def _wait_for(received: list, count: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.parametrize("message", ODD_BUT_FINE[:8] + ["x" * 5000])
def test_odd_input_over_socketio_gets_a_reply(socket_client, message):
    client, received = socket_client
    client.emit("user_uttered", {"message": message})
    _wait_for(received, 1)
    assert received and isinstance(received[0]["text"], str) and received[0]["text"]


@pytest.mark.parametrize("data", [None, "hello", {"message": ""}, {"message": "   "}, {"message": 5}, {"nothing": 1}])
def test_empty_or_malformed_socketio_messages_are_ignored(socket_client, data):
    client, received = socket_client
    client.emit("user_uttered", data)
    client.emit("user_uttered", {"message": "hello"})  # the connection still works afterwards
    _wait_for(received, 1)
    time.sleep(0.5)
    assert len(received) == 1
