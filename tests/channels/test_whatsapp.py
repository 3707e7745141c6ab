"""WhatsApp through Twilio, end to end: the real Rasa server and action server with
``channels.whatsapp.WhatsAppInput``, against a local fake of Twilio's API (tests/fake_twilio.py)."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.records import undelivered
from bot.twilio_api import TwilioConfig
from tests.fake_twilio import FakeTwilio, signature, webhook_form
from tools.servers import default_model

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`"),
]

CARER = "whatsapp:+447911123456"


@pytest.fixture(scope="module")
def twilio(channel_settings, assistant):
    fake = FakeTwilio(channel_settings.twilio_port, channel_settings.account_sid, channel_settings.auth_token).start()
    yield fake
    fake.stop()


@pytest.fixture
def post(assistant, channel_settings, twilio):
    """Post a WhatsApp message to the webhook as Twilio would; returns (status, content type)."""
    url = f"{assistant.url}/webhooks/whatsapp/webhook"
    twilio.clear()

    def send(body: str, sender: str = CARER, sign_with: str | None = None, tamper: dict | None = None,
             signed: bool = True, form: dict | None = None):
        form = dict(form or webhook_form(channel_settings.account_sid, sender, channel_settings.whatsapp_from, body))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signed:
            headers["X-Twilio-Signature"] = signature(sign_with or channel_settings.auth_token, url, form)
        form.update(tamper or {})
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()

    return send


def _bodies(twilio, to=CARER) -> list[str]:
    return [m["body"] for m in twilio.messages_to(to)]


def test_a_signed_question_is_answered_in_plain_text_through_the_messages_api(post, twilio, channel_settings):
    status, content_type, body = post("my mum's been offered denosumab, what is it?")
    assert status == 200 and content_type.startswith("text/xml") and "<Response>" in body
    [reply] = twilio.messages_to(CARER)  # the whole turn as one WhatsApp message
    assert reply["from"] == channel_settings.whatsapp_from
    text = reply["body"]
    assert "Denosumab is a bone strengthening drug" in text
    assert "Source: Cancer Research UK" in text and "https://" in text  # sources stay readable
    assert "page last reviewed by Cancer Research UK on 30 January 2024" in text  # the source's own date
    assert "No clinician has checked it for this service yet" in text
    assert "**" not in text and "<" not in text  # no Markdown or HTML left for WhatsApp to show raw


@pytest.mark.parametrize("case", ["unsigned", "wrong token", "tampered body", "other account"])
def test_webhooks_without_a_valid_signature_are_refused_and_not_processed(post, twilio, assistant, case):
    kwargs = {
        "unsigned": {"signed": False},
        "wrong token": {"sign_with": "not-the-auth-token"},
        "tampered body": {"tamper": {"Body": "what is kyphoplasty?"}},
        "other account": {"tamper": {"AccountSid": "AC" + "9" * 32}},
    }[case]
    sender = f"whatsapp:+4479111234{len(case):02d}"
    status, _, _ = post("what is vertebroplasty?", sender=sender, **kwargs)
    assert status == 403
    time.sleep(0.5)
    assert twilio.messages_to(sender) == []


def test_a_numbered_reply_picks_the_button_of_the_last_turn(post, twilio):
    sender = "whatsapp:+447911123457"
    post("can I talk to a nurse?", sender=sender)
    [offer] = _bodies(twilio, sender)
    assert "1. Ask for a call back" in offer and "2. No, thank you" in offer
    assert "Reply with the number of your choice." in offer
    twilio.clear()
    post("1", sender=sender)  # "Ask for a call back": the call-back form starts
    [question] = _bodies(twilio, sender)
    assert "first name" in question.lower()
    twilio.clear()
    post("stop", sender=sender)
    twilio.clear()
    post("can I talk to a nurse?", sender=sender)
    twilio.clear()
    post("2", sender=sender)  # "No, thank you"
    [reply] = _bodies(twilio, sender)
    assert "first name" not in reply.lower() and "anything else" in reply


def test_the_conversation_id_does_not_reveal_the_phone_number(post, assistant):
    sender = "whatsapp:+447911123458"
    post("hello", sender=sender)
    from bot.web_session import pseudonym

    conversation = pseudonym(b"test-session-secret-0123456789abcdef", sender, "wa-")
    tracker = assistant.tracker(conversation)
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["hello"]
    assert "447911123458" not in json.dumps(tracker)


def test_a_provider_outage_is_retried(post, twilio):
    twilio.fail_next(2, status=503)  # the third attempt goes through
    post("what is kyphoplasty?", sender="whatsapp:+447911123459")
    assert twilio.refused == [503, 503]
    assert "Balloon kyphoplasty" in _bodies(twilio, "whatsapp:+447911123459")[0]


def test_a_reply_that_cannot_be_sent_is_kept_and_sent_later(post, twilio, handoffs_db, monkeypatch):
    sender = "whatsapp:+447911123460"
    twilio.fail_next(3, status=500)  # every attempt of the channel fails
    # a short answer, so the turn is one WhatsApp message (longer ones are split at 1,600 characters)
    status, _, _ = post("what is cementoplasty?", sender=sender)
    assert status == 200  # Twilio is told we have it; the reply is not lost
    assert _bodies(twilio, sender) == []
    [kept] = [row for row in undelivered.waiting(handoffs_db) if row["address"] == sender]
    assert kept["error"] == "HTTP 500" and "This is called cementoplasty" in kept["body"] and kept["attempts"] == 3
    config = TwilioConfig.from_settings()
    assert asyncio.run(undelivered.retry_all(config, handoffs_db)) == (1, 0)
    assert "This is called cementoplasty" in _bodies(twilio, sender)[0]
    assert undelivered.waiting(handoffs_db) == []


def test_a_red_flag_on_whatsapp_gets_the_emergency_reply(post, twilio):
    sender = "whatsapp:+447911123461"
    post("my husband has bad back pain and now his legs are numb and weak", sender=sender)
    [reply] = _bodies(twilio, sender)
    assert "999" in reply and "0808" not in reply


def test_an_overlong_message_is_refused_kindly(post, twilio):
    sender = "whatsapp:+447911123462"
    post("please read this " * 400, sender=sender)
    [reply] = _bodies(twilio, sender)
    assert "too long" in reply


def test_twilio_retrying_one_webhook_gets_it_processed_once(post, twilio, channel_settings, assistant):
    sender = "whatsapp:+447911123461"
    def message():  # a short answer: one WhatsApp message a turn
        return webhook_form(channel_settings.account_sid, sender, channel_settings.whatsapp_from,
                            "what is cementoplasty?")

    form = message()
    for _ in range(3):  # Twilio retries when it thinks the first try failed: same MessageSid each time
        assert post("", form=form)[0] == 200
    assert len(_bodies(twilio, sender)) == 1  # was: three answers, three turns
    post("", form=message())  # a new message (its own MessageSid) is answered as usual
    assert len(_bodies(twilio, sender)) == 2


def test_a_reply_is_kept_when_twilio_and_the_database_both_fail(post, twilio, handoffs_db):
    import sqlite3

    sender = "whatsapp:+447911123462"
    twilio.fail_next(3, status=500)
    writer = sqlite3.connect(handoffs_db, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # another writer holds the handoffs database past its 5 s wait
    try:
        status, _, _ = post("what is cementoplasty?", sender=sender)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert status == 200  # was: 500 and the reply lost (the undelivered table could not be written)
    assert _bodies(twilio, sender) == []
    assert undelivered.pending_path(handoffs_db).exists()
    assert asyncio.run(undelivered.retry_all(TwilioConfig.from_settings(), handoffs_db)) == (1, 0)
    assert len(_bodies(twilio, sender)) == 1  # the reply the turn gave (the answer, or "something went wrong")
    assert not undelivered.pending_path(handoffs_db).exists()
