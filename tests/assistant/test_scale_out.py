"""Several Rasa server processes sharing PostgreSQL (tracker store) and Redis (lock store), with
the shipped configuration ``deploy/endpoints.postgres.yml``, against real servers from Debian's
packages (``make services`` installs them; ``tools/services.py`` starts private ones here).

One conversation's messages sent alternately to two processes stay coherent and in order, and the
handoff it makes is in PostgreSQL;
simultaneous messages to both are handled one after the other; when PostgreSQL goes away the
person gets a clear reply and the log a loud line, and when it is back the conversation carries on;
the rate limit is counted in Redis across both processes.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.content.plain_text import messaging_words
from bot.paths import project_root
from bot.records import handoff_store
from tools.servers import default_model, running_assistant

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`"),
]

ENDPOINTS = project_root() / "deploy" / "endpoints.postgres.yml"


@pytest.fixture(scope="module")
def cluster(postgres, redis_port, tmp_path_factory, handoffs_db, channel_settings):
    """Two Rasa processes and one action server, configured by deploy/endpoints.postgres.yml, with
    the handoffs in PostgreSQL too and the rate limits counted in Redis."""
    values = {"BOT_POSTGRES_URL": postgres.url, "BOT_HANDOFFS_DB": postgres.url,
              "BOT_HANDOFFS_SPOOL": str(tmp_path_factory.mktemp("spool") / "handoffs.pending.jsonl"),
              "BOT_RATE_LIMIT_REDIS_URL": f"redis://127.0.0.1:{redis_port}/2",
              "BOT_REDIS_HOST": "127.0.0.1", "BOT_REDIS_PORT": str(redis_port), "BOT_REDIS_PASSWORD": ""}
    with pytest.MonkeyPatch.context() as env:
        for key, value in values.items():
            env.setenv(key, value)
        with running_assistant(endpoints=ENDPOINTS, rasa_processes=2,
                               log_dir=tmp_path_factory.mktemp("logs")) as running:
            yield running


def _text(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def _sender() -> str:
    return f"multi-{uuid.uuid4().hex[:10]}"


def test_one_conversation_alternating_between_two_processes_stays_coherent_and_ordered(cluster, postgres):
    sender = _sender()
    steps = [
        ("what is denosumab?", "Denosumab is a bone strengthening drug"),
        ("how is it given?", ""),                        # a follow-up: needs the last topic
        ("/request_callback", "first name"),
        ("Sue", "UK phone number or an email"),
        ("07911 123456", "good time"),
        ("mornings", "about you, or about someone you care for"),
        ("about me", "Do you agree?"),
        ("/affirm", "Name: Sue"),
        ("/affirm", "sent your request"),
    ]
    for turn, (message, expected) in enumerate(steps):
        reply = _text(cluster.send(sender, message, process=turn % 2))
        assert reply and expected in reply, (turn, message, reply)
    events = cluster.tracker(sender)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [message for message, _ in steps]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    names = [e["value"] for e in events if e["event"] == "slot" and e["name"] == "callback_name"]
    assert "Sue" in names and slots["last_topic"] in {"denosumab", "how_medicines_are_given"}
    # the handoff is in PostgreSQL, where the helpline's triage on any node reads it
    record = handoff_store.open_handoff(sender, postgres.url)
    assert record and record["contact"] == "07911 123456" and "callback" in record["reasons"]
    assert "denosumab" in record["topics"]


def test_simultaneous_messages_to_both_processes_are_handled_one_after_the_other(cluster):
    sender = _sender()
    messages = [f"what is {topic}?" for topic in
                ("denosumab", "vertebroplasty", "kyphoplasty", "zoledronic acid", "cementoplasty", "a bisphosphonate")]
    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(lambda i: cluster.send(sender, messages[i], process=i % 2), range(len(messages))))
    assert all(_text(r) for r in replies)
    events = [e for e in cluster.tracker(sender)["events"] if e["event"] in ("user", "bot")]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(messages)
    # under the Redis lock each message's answer comes before the next message is read
    kinds = "".join("u" if e["event"] == "user" else "b" for e in events)
    assert "uu" not in kinds and kinds.startswith("u") and kinds.endswith("b")


def test_postgres_down_gives_a_clear_reply_and_a_loud_log_then_the_conversation_carries_on(cluster, postgres):
    sender = _sender()
    assert "first name" in _text(cluster.send(sender, "/request_callback"))
    postgres.stop()
    try:
        replies = [cluster.send(sender, "Sue", process=p) for p in (0, 1)]
    finally:
        postgres.start()
    assert [_text(r) for r in replies] == [messaging_words()["something_went_wrong"]] * 2
    log = cluster.logs["rasa"].read_text(encoding="utf-8", errors="replace")
    assert "CRITICAL" in log and "TRACKER STORE UNAVAILABLE" in log
    assert "InMemoryTrackerStore" not in log  # no silent fall back to memory
    # back: the same conversation, still in the form, nothing from the outage kept
    assert "UK phone number or an email" in _text(cluster.send(sender, "Sue", process=1))


def _status(cluster, sender: str, message: str, process: int) -> int:
    request = urllib.request.Request(f"{cluster.urls[process]}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_rate_limit_is_counted_across_processes(cluster):
    sender = _sender()  # 30 a minute in all: counted per process, 31 alternating would all pass
    statuses = [_status(cluster, sender, "hello", process=i % 2) for i in range(31)]
    assert statuses == [200] * 30 + [429]
