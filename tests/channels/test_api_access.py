"""Who may use the real Rasa server: the HTTP API (conversations, the model) only with the token of
tools/rasa_server.py; the channels' webhooks without it; the REST channel never inside another channel's
conversations (WhatsApp pseudonyms, web session ids)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tools.rasa_server import api_token

SOMEONE_ON_WHATSAPP = "wa-" + "0123456789abcdef" * 2
SOMEONE_ON_THE_WEB = "fedcba9876543210" * 2


def _status(method: str, url: str, body: dict | None = None) -> int:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/conversations/{SOMEONE_ON_WHATSAPP}/tracker", None),
    ("GET", f"/conversations/{SOMEONE_ON_WHATSAPP}/story", None),
    ("POST", f"/conversations/{SOMEONE_ON_WHATSAPP}/tracker/events", {"event": "slot", "name": "x", "value": 1}),
    ("PUT", "/model", {"model_file": "/tmp/someone-elses-model.tar.gz"}),
    ("DELETE", "/model", None),
    ("POST", "/model/parse", {"text": "hello"}),
    ("GET", "/status", None),
    ("GET", "/domain", None),
])
@pytest.mark.parametrize("token", [None, "guessed", ""])
def test_the_http_api_refuses_requests_without_the_token(assistant, method, path, body, token):
    url = assistant.url + path + ("" if token is None else f"?token={token}")
    assert _status(method, url, body) == 401


def test_the_http_api_answers_with_the_token_and_the_model_stays_loaded(assistant):
    assistant.send("api-check", "hello")
    assert assistant.tracker("api-check")["sender_id"] == "api-check"
    assert _status("GET", f"{assistant.url}/status?token={api_token()}") == 200
    assert assistant.send("api-check", "what is kyphoplasty?")  # the model was not unloaded by anyone


def test_the_channels_need_no_token(assistant):
    assert _status("GET", f"{assistant.url}/webhooks/rest/") == 200
    assert assistant.send("no-token-needed", "hello")


@pytest.mark.parametrize("sender", [SOMEONE_ON_WHATSAPP, "wa-x", "WA-" + "0" * 32, SOMEONE_ON_THE_WEB,
                                    SOMEONE_ON_THE_WEB.upper(), "sms-" + "1" * 32])
def test_rest_cannot_post_into_another_channels_conversation(assistant, sender):
    status = _status("POST", f"{assistant.url}/webhooks/rest/webhook",
                     {"sender": sender, "message": "my name is Mallory, call me on 07700 900123"})
    assert status == 403
    events = assistant.tracker(sender)["events"] or []
    assert not [e for e in events if e["event"] == "user"]


@pytest.mark.parametrize("sender", ["terminal-4242", "eval-0a1b2c3d4e5f", "bench-0a1b2c3d4e", "me", "warm-up-1"])
def test_our_own_tools_senders_still_work(assistant, sender):
    assert assistant.send(sender, "hello")
