"""No personal details in logs: the scrubbing rules as a table, the record factory in this process,
and a canary conversation (phone number, email, NHS number) through the real servers, including a
call-back form and actions that raise, after which neither server's log holds any of it."""
from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.request
import uuid

import pytest

from bot import log_privacy
from tools.servers import default_model

PHONE, EMAIL, NHS = "07700 900461", "canary.sue@example.org", "943 476 5919"
CANARIES = [PHONE, PHONE.replace(" ", ""), "900461", EMAIL, "canary.sue", NHS, NHS.replace(" ", "")]


@pytest.mark.parametrize("text, expected", [
    (f"call me on {PHONE}", "call me on [phone]"),
    ("+44 7700 900461 after 5", "[phone] after 5"),
    ("(020) 7946 0958", "[phone]"),
    ("0207-946-0958", "[phone]"),
    (f"write to {EMAIL}", "write to [email]"),
    (f"action_{PHONE}", "action_[phone]"),
    (f"NHS number {NHS}", "NHS number [nhs-number]"),
    ("nhs no 943-476-5919.", "nhs no [nhs-number]."),
    # found by phonenumbers' matcher: no leading 0, WhatsApp's WaId, dots (issue 22)
    ("WaId=447700900123 From=whatsapp:+447700900123", "WaId=[phone] From=whatsapp:[phone]"),
    ("my number is 7700 900123", "my number is [phone]"),
    ("ring 07700.900.123 after six", "ring [phone] after six"),
    ("tel. 0113.496.0000", "tel. [phone]"),
    ("+1 (415) 523-8886", "[phone]"),
    # postcodes and dates of birth
    ("I live at LS1 4AP", "I live at [postcode]"),
    ("postcode sw1a1aa", "postcode [postcode]"),
    ("dob 12/03/1961", "dob [date]"),
    ("born 03.07.58 in Leeds", "born [date] in Leeds"),
    ("date of birth 12th March 1961", "date of birth [date]"),
    ("born March 12, 1961", "born [date]"),
    ("she was born on 1 Jan 1950", "she was born on [date]"),
    # what logs are made of stays as it was
    ("2026-11-23 08:18:24 INFO pid 12345 on 127.0.0.1:5005", "2026-11-23 08:18:24 INFO pid 12345 on 127.0.0.1:5005"),
    ("took 0.123456789 s; rasa 3.6.21; sqlite 3.40.1", "took 0.123456789 s; rasa 3.6.21; sqlite 3.40.1"),
    ("conversation 1f0e3c2a9b8d7e6f5a4b3c2d1e0f9a8b", "conversation 1f0e3c2a9b8d7e6f5a4b3c2d1e0f9a8b"),
    ("garbage collector: 569066 objects; 12000 messages in 2024", "garbage collector: 569066 objects; 12000 messages in 2024"),
    ("handoff 42 claimed by sam at 14:05; p95 1280 ms", "handoff 42 claimed by sam at 14:05; p95 1280 ms"),
])
def test_redact(text, expected):
    assert log_privacy.redact(text) == expected


def test_every_record_is_scrubbed_including_arguments_and_tracebacks():
    log_privacy.install()
    log_privacy.install()  # idempotent
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.log_privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("contact %s or %s", PHONE, EMAIL)
        try:
            raise ValueError(f"bad contact {PHONE!r} / {NHS}")
        except ValueError:
            logger.exception("failed for %s", EMAIL)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "INFO contact [phone] or [email]" in output
    assert "ValueError: bad contact '[phone]' / [nhs-number]" in output  # the traceback is still there
    assert not [canary for canary in CANARIES if canary in output]


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
            return resp.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.servers
@pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`")
def test_a_canary_conversation_leaves_no_personal_details_in_any_log(assistant):
    sender = f"canary-{uuid.uuid4().hex[:8]}"
    for message in [f"my NHS number is {NHS}, what is denosumab?", "can I talk to a nurse?",
                    "/request_callback", "Sue", PHONE, "mornings", "about me", "/affirm",
                    "change the contact", EMAIL, "/affirm", f"my email is {EMAIL} and phone {PHONE}"]:
        assert assistant.send(sender, message), message
    tracker = {"sender_id": sender, "slots": {}, "latest_message": {"text": f"{PHONE} {EMAIL} {NHS}"},
               "events": [], "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": None}
    # actions that raise on the action server: an unknown action named with the canary (Rasa SDK
    # logs the name), and a tracker the action cannot read (a traceback is logged)
    assert _post(f"{assistant.actions_url}/webhook",
                 {"next_action": f"action_{PHONE} {EMAIL} {NHS}", "tracker": tracker, "domain": {}}) >= 400
    broken = dict(tracker, latest_message=f"{PHONE} {EMAIL} {NHS}")
    assert _post(f"{assistant.actions_url}/webhook",
                 {"next_action": "action_answer_topic", "tracker": broken, "domain": {}}) >= 400

    logs = {name: path.read_text(encoding="utf-8", errors="replace") for name, path in assistant.logs.items()}
    assert "No registered action found for name 'action_[phone] [email] [nhs-number]'" in logs["actions"]
    assert "Traceback" in logs["actions"]  # the second raise was logged, scrubbed
    leaks = {name: [c for c in CANARIES if c in text] for name, text in logs.items()}
    assert leaks == {"rasa": [], "actions": []}
