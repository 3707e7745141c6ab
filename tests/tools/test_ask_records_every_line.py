"""``python -m bot ask`` records what the person would see for every line and goes on: a message the
channel refuses (an empty one gets HTTP 400 from the REST channel) is one JSON line, not a traceback."""
from __future__ import annotations

import io
import urllib.error

from tools.conversation import ask_one


class RefusingAssistant:
    def send(self, sender, message):
        raise urllib.error.HTTPError("http://x/webhooks/rest/webhook", 400, "Bad Request", {},
                                     io.BytesIO(b'{"error": "the \'message\' is empty"}'))

    def tracker(self, sender):  # pragma: no cover - never reached
        raise AssertionError("no tracker for a refused message")


def test_a_refused_message_is_recorded_with_what_the_channel_said():
    reply = ask_one(RefusingAssistant(), "")
    assert reply.text == "" and reply.emergency is False and reply.urgency is None
    assert "HTTP 400" in reply.note and "empty" in reply.note
    assert reply.as_json()["question"] == ""
