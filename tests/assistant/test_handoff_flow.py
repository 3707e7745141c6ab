"""End to end through the real servers: the helpline offer, the call-back form, the handoff the
nurses see, staff handing the conversation back (with the triage CLI), and the bot answering
again. The servers' clock is fixed at a Saturday (conftest.py), so the helpline is closed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from bot.records import handoff_store
from tools.servers import default_model

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`"),
]


def _sender():
    return f"flow-{uuid.uuid4().hex[:10]}"


class Chat:
    """One person's conversation: ``say`` returns the reply text and remembers the responses."""

    def __init__(self, assistant):
        self.assistant, self.sender = assistant, _sender()

    def say(self, message: str) -> str:
        self.messages = self.assistant.send(self.sender, message)
        return "\n".join(m.get("text") or "" for m in self.messages)

    def responses(self) -> list[str]:
        """Response names of the bot's messages since the last user message."""
        events = self.assistant.tracker(self.sender)["events"]
        last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
        return [(e.get("metadata") or {}).get("utter_action") for e in events[last_user:] if e["event"] == "bot"]


def _triage(*args, db) -> str:
    env = dict(os.environ, BOT_HANDOFFS_DB=str(db))
    return subprocess.run([sys.executable, "-m", "bot", "triage", *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def test_question_then_call_back_then_staff_hand_back_then_answers_again(assistant, handoffs_db):
    chat = Chat(assistant)
    assert "Denosumab" in chat.say("my mum has been offered denosumab, what is it?")
    text = chat.say("can I talk to a nurse?")
    assert "closed now" in text and "on Monday at 9am" in text and "0808 800 4040" in text
    assert [b["title"] for m in chat.messages for b in m.get("buttons") or []] == ["Ask for a call back", "No, thank you"]

    assert "first name" in chat.say("/request_callback")
    assert "UK phone number or an email" in chat.say("Sue")
    assert "doesn't look like a UK phone number" in chat.say("0791")          # invalid: asked again
    assert "good time" in chat.say("07911 123456")
    assert "about you, or about someone you care for" in chat.say("weekday mornings")
    assert "Do you agree?" in chat.say("someone I care for")
    summary = chat.say("/affirm")
    assert "Name: Sue" in summary and "Contact: 07911 123456" in summary and "someone you care for" in summary
    assert "good time" in chat.say("change the time")                        # a correction
    assert "Good time: afternoons" in chat.say("afternoons")
    done = chat.say("/affirm")
    assert "sent your request" in done and "opens again on Monday at 9am" in done and "999" in done

    record = handoff_store.open_handoff(chat.sender, handoffs_db)
    assert (record["contact_name"], record["contact"], record["good_time"], record["about"]) == (
        "Sue", "07911 123456", "afternoons", "someone_else")
    assert json.loads(record["reasons"]) == ["talk_to_nurse", "callback"]
    assert json.loads(record["topics"]) == ["denosumab", "helpline"] and record["channel"] == "rest"
    assert record["with_nurse"] == 1 and record["status"] == "new"

    # with a nurse: no topic answers, but red flags are still answered first
    assert "leave your questions to the nurse" in chat.say("what is zoledronic acid?")
    assert "spinal cord compression" in chat.say("his legs have gone numb and weak")

    # staff claim it and hand it back from a terminal
    assert record["id"] in _triage("list", db=handoffs_db)
    _triage("claim", record["id"], "--as", "sam", db=handoffs_db)
    _triage("hand-back", record["id"], "--as", "sam", db=handoffs_db)
    text = chat.say("what is zoledronic acid?")
    assert "leave your questions" not in text and "Source: Cancer Research UK" in text


@pytest.mark.parametrize("question", ["how long is recovery after kyphoplasty?", "what's the best chemo for bowel cancer?"])
def test_a_typed_yes_to_the_offer_in_an_answer_starts_the_call_back(assistant, question):
    chat = Chat(assistant)
    chat.say(question)
    assert "/request_callback" in [b["payload"] for m in chat.messages for b in m.get("buttons") or []]
    assert "first name" in chat.say("yes please")
    assert "UK phone number or an email" in chat.say("Sue")


def test_stop_cancels_the_form_and_nothing_is_kept(assistant, handoffs_db):
    chat = Chat(assistant)
    chat.say("please can a nurse ring me back")
    chat.say("Sue")
    assert "cancelled that and kept none of the details" in chat.say("stop")
    assert handoff_store.open_handoff(chat.sender, handoffs_db) is None
    assert "Vertebroplasty" in chat.say("what is vertebroplasty?")  # and the bot carries on
    slots = assistant.tracker(chat.sender)["slots"]
    assert slots["callback_name"] is None and slots["requested_slot"] is None


def test_refusing_consent_keeps_nothing_and_gives_the_helpline(assistant, handoffs_db):
    chat = Chat(assistant)
    chat.say("I'd like a call back")
    for answer in ("Sue", "sue@example.org", "any time", "about me"):
        chat.say(answer)
    text = chat.say("/deny")
    assert "haven't kept your details" in text and "0808 800 4040" in text and "Monday at 9am" in text
    assert handoff_store.open_handoff(chat.sender, handoffs_db) is None


def test_a_red_flag_interrupts_the_form_which_then_goes_on(assistant, handoffs_db):
    chat = Chat(assistant)
    chat.say("can someone phone me back please")
    chat.say("Sue")
    text = chat.say("my back is agony and I can't feel my legs")
    assert "spinal cord compression" in text and "999" in text and "0808" not in text
    assert chat.responses()[0] == "utter_emergency_spinal_cord"
    assert handoff_store.open_handoff(chat.sender, handoffs_db)["urgency"] == "emergency"
    assert chat.assistant.tracker(chat.sender)["slots"]["callback_name"] == "Sue"  # the answers so far are kept
    assert "good time" in chat.say("07911 123456")                                   # the form goes on


@pytest.mark.parametrize("typed, reply", [("yes", "utter_safety_now"), ("no", "utter_safety_typed_no")])
@pytest.mark.parametrize("stage_answers", [(), ("Sue", "sue@example.org", "any time", "about me")],
                         ids=["asked the name", "asked for consent"])
def test_a_typed_answer_to_the_check_back_during_the_form_is_an_answer_to_the_check(assistant, handoffs_db,
                                                                                     stage_answers, typed, reply):
    """"Is this happening now?" asked while the form runs: a typed "yes" or "no" is not the form's
    answer (not a name, not consent) but the same as outside the form: for yes the 999 advice and an
    emergency handoff; then the form asks its question again."""
    chat = Chat(assistant)
    chat.say("can a nurse call me back please")
    for answer in stage_answers:
        chat.say(answer)
    requested = assistant.tracker(chat.sender)["slots"]["requested_slot"]
    chat.say("I think I might have a fever")
    assert chat.responses()[0] == "utter_safety_check"
    chat.say(typed)
    said = chat.responses()
    assert said[0] == reply, said
    assert f"utter_ask_{requested}" in said, said                  # the form's question again
    handoff = handoff_store.open_handoff(chat.sender, handoffs_db)
    assert handoff is not None and handoff["urgency"] == "emergency"  # from the check-back itself
    assert ("confirmed_happening_now" in str(handoff["red_flags"])) == (typed == "yes"), handoff["red_flags"]
    slots = assistant.tracker(chat.sender)["slots"]
    assert slots[requested] is None and slots["requested_slot"] == requested
