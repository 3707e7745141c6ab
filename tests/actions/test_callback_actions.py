"""The call-back form's actions and the helpline offer: exact responses and events (trackers
built by tests/factories.py, the real handoffs database in a temporary folder)."""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerTopic
from actions.callback import (
    ActionCancelCallback,
    ActionSubmitCallback,
    ValidateCallbackForm,
    clear_form,
)
from actions.helpline import ActionDefaultFallback, ActionOfferHelpline
from bot.records import handoff_store, handoffs
from tests.factories import domain_dict, make_tracker

SATURDAY, MONDAY_MORNING = "2026-11-28T11:00:00", "2026-11-30T10:00:00"
FILLED = {"callback_name": "Sue", "callback_contact": "07911 123456", "callback_contact_kind": "phone",
          "callback_time": "mornings", "callback_about": "someone_else", "callback_consent": True,
          "callback_confirmed": True}


@pytest.fixture(autouse=True)
def _env(store, monkeypatch, tmp_path):
    monkeypatch.setattr("bot.content.answers.default_store", lambda: store)
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "handoffs.db"))
    monkeypatch.setenv("BOT_CLOCK", SATURDAY)


def _run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain_dict())
    if asyncio.iscoroutine(events):  # the actions that read or write handoffs are asynchronous
        events = asyncio.run(events)
    return [m.get("response") for m in dispatcher.messages], dispatcher.messages, events


def _validate(slot, text, intent="inform", slots=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, intent, slots=slots or {})
    result = getattr(ValidateCallbackForm(), f"validate_{slot}")(text, dispatcher, tracker, domain_dict())
    return result, [m.get("response") for m in dispatcher.messages]


@pytest.mark.parametrize(
    "slot, text, expected, response",
    [
        ("callback_name", "I'm Sue", {"callback_name": "Sue"}, None),
        ("callback_name", "12345", {"callback_name": None}, "utter_callback_invalid_name"),
        # nothing asked twice: a contact (and who it is about) given with the name are kept
        ("callback_name", "Sue, 07911 123456, it's about my mum",
         {"callback_name": "Sue", "callback_contact": "07911 123456", "callback_contact_kind": "phone",
          "callback_about": "someone_else"}, None),
        ("callback_name", "Sue and my email is sue@example.org",
         {"callback_name": "Sue", "callback_contact": "sue@example.org", "callback_contact_kind": "email"}, None),
        ("callback_contact", "+44 7911 123456",
         {"callback_contact": "07911 123456", "callback_contact_kind": "phone"}, None),
        ("callback_contact", "sue@example", {"callback_contact": None, "callback_contact_kind": None},
         "utter_callback_invalid_contact"),
        ("callback_contact", "999", {"callback_contact": None, "callback_contact_kind": None},
         "utter_callback_invalid_contact"),
        ("callback_time", "weekday mornings", {"callback_time": "weekday mornings"}, None),
        ("callback_time", "   ", {"callback_time": None}, "utter_callback_invalid_time"),
        ("callback_about", "someone I care for", {"callback_about": "someone_else"}, None),
        ("callback_about", "about me", {"callback_about": "self"}, None),
        ("callback_about", "banana", {"callback_about": None}, "utter_callback_invalid_about"),
    ],
)
def test_answers_are_checked(slot, text, expected, response):
    result, responses = _validate(slot, text)
    assert result == expected
    assert responses == ([response] if response else [])


@pytest.mark.parametrize(
    "text, intent, expected, response",
    [
        ("/affirm", "affirm", {"callback_confirmed": True}, None),
        ("change the number", "inform", {"callback_confirmed": None, "callback_contact": None,
                                         "callback_contact_kind": None}, None),
        ("change the name", "inform", {"callback_confirmed": None, "callback_name": None}, None),
        ("change the time", "inform", {"callback_confirmed": None, "callback_time": None}, None),
        ("change who it is about", "inform", {"callback_confirmed": None, "callback_about": None}, None),
        ("no", "deny", {"callback_confirmed": None}, "utter_callback_which_change"),
    ],
)
def test_any_answer_can_be_corrected_before_it_is_sent(text, intent, expected, response):
    result, responses = _validate("callback_confirmed", text, intent)
    assert result == expected
    assert responses == ([response] if response else [])


def test_refused_consent_skips_the_summary_and_a_nurse_conversation_asks_nothing(tmp_path):
    form, slots = ValidateCallbackForm(), ["callback_name", "callback_consent", "callback_confirmed"]
    ask = lambda tracker: asyncio.run(form.required_slots(slots, CollectingDispatcher(), tracker, {}))  # noqa: E731
    assert ask(make_tracker("hi")) == slots
    assert ask(make_tracker("no", "deny", slots={"callback_consent": False})) == ["callback_name", "callback_consent"]
    handoffs.save_handoff("test-user", "routine", "callback", with_nurse=True)
    assert ask(make_tracker("hi")) == []


def _submit(slots, events_before=()):
    tracker = make_tracker("/affirm", "affirm", slots=slots)
    tracker.events[:0] = list(events_before)
    return _run(ActionSubmitCallback(), tracker)


def test_submit_with_consent_stores_the_handoff_and_says_what_happens_next():
    earlier = [
        {"event": "user", "text": "my mum has xgeva", "parse_data": {"intent": {"name": "ask_denosumab"}}},
        {"event": "bot", "text": "...", "data": {"custom": {"topic": "denosumab", "sources": [
            {"source": "cruk_2024", "section": "Denosumab"}]}}},
    ]
    responses, messages, events = _submit(FILLED | {"handoff_reason": "second_miss"}, earlier)
    assert responses == ["utter_callback_sent_closed", "utter_callback_safety_net"]
    assert messages[0]["next_open"] == "on Monday at 9am" and messages[0]["callback_contact_kind"] == "phone"
    assert SlotSet("callback_contact", None) in events and SlotSet("handoff_reason", None) in events
    [record] = handoff_store.list_handoffs()
    assert (record["contact_name"], record["contact"], record["good_time"], record["consent"]) == (
        "Sue", "07911 123456", "mornings", 1)
    assert record["about"] == "someone_else" and record["urgency"] == "routine"
    assert json.loads(record["reasons"]) == ["second_miss", "callback"]
    assert json.loads(record["topics"]) == ["denosumab"]
    assert json.loads(record["answers"]) == ["denosumab: cruk_2024, Denosumab"]
    assert "my mum has xgeva" not in json.dumps(record)  # never the person's words
    assert handoff_store.is_with_nurse("test-user")


def test_submit_when_the_helpline_is_open_says_so(monkeypatch):
    monkeypatch.setenv("BOT_CLOCK", MONDAY_MORNING)
    responses, _, _ = _submit(FILLED)
    assert responses == ["utter_callback_sent_open", "utter_callback_safety_net"]


def test_refused_consent_keeps_nothing_and_gives_the_helpline():
    responses, messages, events = _submit(FILLED | {"callback_consent": False, "callback_confirmed": None})
    assert responses == ["utter_callback_no_consent", "utter_helpline_closed_no_callback"]
    assert handoff_store.list_handoffs() == []
    assert events == clear_form() and all(e["value"] is None for e in events)


def test_a_failed_write_still_gives_the_helpline_and_logs_no_personal_details(monkeypatch, tmp_path, caplog):
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(blocked / "handoffs.db"))
    responses, messages, _ = _submit(FILLED)
    assert responses == ["utter_callback_failed", "utter_helpline_closed_no_callback"]
    assert messages[1]["phone"] == "0808 800 4040" and messages[1]["next_open"] == "on Monday at 9am"
    assert "07911" not in caplog.text and "Sue" not in caplog.text
    assert "handoff" in caplog.text


def test_stop_cancels_the_form_and_keeps_nothing():
    tracker = make_tracker("stop", "stop", slots={"callback_name": "Sue", "callback_contact": "07911 123456"})
    responses, _, events = _run(ActionCancelCallback(), tracker)
    assert responses == ["utter_callback_cancelled"]
    assert events[:2] == [ActiveLoop(None), SlotSet("requested_slot", None)]
    assert SlotSet("callback_name", None) in events and SlotSet("callback_contact", None) in events
    assert handoff_store.list_handoffs() == []


def test_while_with_a_nurse_topic_questions_are_left_to_the_nurse():
    handoffs.save_handoff("test-user", "routine", "callback", with_nurse=True)
    responses, _, events = _run(ActionAnswerTopic(), make_tracker("what is denosumab", "ask_denosumab"))
    assert responses == ["utter_with_nurse"] and events == []
    responses, _, _ = _run(ActionOfferHelpline(), make_tracker("can I talk to a nurse", "ask_helpline"))
    assert responses == ["utter_callback_already"]


@pytest.mark.parametrize(
    "clock, intent, response, reason",
    [
        (SATURDAY, "ask_helpline", "utter_helpline_closed", "talk_to_nurse"),
        (MONDAY_MORNING, "ask_helpline", "utter_helpline_open", "talk_to_nurse"),
        ("2026-11-27T16:59:00", "urgent_jaw", "utter_helpline_open", "red_flag"),
        ("2026-11-27T17:00:00", "urgent_jaw", "utter_helpline_closed", "red_flag"),
    ],
)
def test_the_helpline_offer_knows_the_hours(monkeypatch, clock, intent, response, reason):
    monkeypatch.setenv("BOT_CLOCK", clock)
    responses, messages, events = _run(ActionOfferHelpline(), make_tracker("...", intent))
    assert responses == [response] and messages[0]["phone"] == "0808 800 4040"
    assert events == [SlotSet("handoff_reason", reason)]
    titles = [b["title"] for b in domain_dict()["responses"][response][0]["buttons"]]
    assert titles == ["Ask for a call back", "No, thank you"]


def test_christmas_names_the_day_after_the_bank_holidays(monkeypatch):
    monkeypatch.setenv("BOT_CLOCK", "2026-12-25T10:00:00")
    _, messages, _ = _run(ActionOfferHelpline(), make_tracker("...", "ask_helpline"))
    assert messages[0]["next_open"] == "on Tuesday at 9am"


def test_second_miss_says_so_and_offers_the_helpline():
    _, messages, events = _run(ActionDefaultFallback(), make_tracker("qwfp", "nlu_fallback"))
    assert [m["custom"]["responses"] for m in messages] == [["utter_default", "utter_helpline_closed"]]
    assert events == [UserUtteranceReverted(), SlotSet("handoff_reason", "second_miss")]


def test_a_question_not_covered_gets_the_offer_with_the_hours(monkeypatch):
    from actions.helpline import ActionNotCovered

    monkeypatch.setenv("BOT_CLOCK", "2026-12-25T10:00:00")
    _, [message], events = _run(ActionNotCovered(), make_tracker("...", "out_of_scope"))
    assert message["custom"]["responses"] == ["utter_out_of_scope", "utter_helpline_closed"]
    assert "on Tuesday at 9am" in message["text"] and "0808 800 4040" in message["text"]
    assert events == [SlotSet("handoff_reason", "out_of_scope")]


def test_emergency_replies_never_mention_the_nine_to_five_line():
    responses = domain_dict()["responses"]
    for name in [n for n in responses if n.startswith(("utter_emergency", "utter_crisis"))]:
        assert "0808 800 4040" not in json.dumps(responses[name]) and "9 to 5" not in json.dumps(responses[name])
