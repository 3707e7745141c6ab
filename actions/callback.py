"""The nurse call-back form: checks each answer (``bot.helpline.callback``), lets any answer be
corrected, cancels on "stop" keeping nothing, and stores the handoff only with consent."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_state import (
    latest_intent,
    latest_text,
    off_the_loop,
    with_nurse,
)
from actions.helpline import say_helpline
from actions.red_flag_handoff import meant_answer, record_red_flag_handoff
from bot.helpline.callback import (
    SLOTS,
    about_whom,
    clean_time,
    field_to_change,
    name_in_answer,
    parse_contact,
)
from bot.helpline.hours import helpline_status
from bot.records.handoff_rules import CONFIRMED_NOW, NOT_NOW, union
from bot.records.handoffs import save_or_spool, spool_handoff

logger = logging.getLogger(__name__)

FORM_SLOTS = (*SLOTS, "callback_confirmed", "callback_contact_kind")
# the replies data/rules.yml gives a typed yes / no to the check-back outside the form
TYPED_CHECK_REPLIES = {CONFIRMED_NOW: "utter_safety_now", NOT_NOW: "utter_safety_typed_no"}


def _extras(text: str, tracker: Tracker, skip: str) -> dict:
    """Other answers given in the same message, so they are not asked again."""
    found: dict = {}
    if skip != "callback_contact" and not tracker.get_slot("callback_contact"):
        contact = parse_contact(text)
        if contact:
            found.update(callback_contact=contact.display, callback_contact_kind=contact.kind)
    if skip != "callback_about" and not tracker.get_slot("callback_about"):
        if about_whom(text) == "someone_else":  # "I'm Sue" must not make it about herself
            found["callback_about"] = "someone_else"
    return found


def clear_form() -> list:
    """Events that forget every answer of the form."""
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "handoff_reason")]


class ValidateCallbackForm(FormValidationAction):
    """Checks the answers; the slot stays empty (and is asked again) when an answer is not valid."""

    def name(self) -> str:
        return "validate_callback_form"

    async def run(self, dispatcher, tracker, domain) -> list:
        """A typed yes or no right after "Is this happening now?" (asked while the form runs) answers
        that question, not the form's: the same replies as the rules give outside the form (the 999
        advice and an emergency handoff for yes), and the form's question stays unanswered, so it is
        asked again. Anything else is validated as usual."""
        meant = meant_answer(tracker)
        if meant in TYPED_CHECK_REPLIES and meant != latest_intent(tracker):
            dispatcher.utter_message(response=TYPED_CHECK_REPLIES[meant])
            if meant == CONFIRMED_NOW:
                await record_red_flag_handoff(dispatcher, tracker)
            requested = tracker.get_slot("requested_slot")
            return [SlotSet(requested, None)] if requested else []
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if await with_nurse(tracker):
            return []  # already with a nurse: the submit action says so
        if tracker.get_slot("callback_consent") is False:
            return [s for s in domain_slots if s != "callback_confirmed"]
        return list(domain_slots)

    def validate_callback_name(self, value, dispatcher, tracker, domain) -> dict:
        text = latest_text(tracker)
        name = name_in_answer(text)
        if not name:
            dispatcher.utter_message(response="utter_callback_invalid_name")
            return {"callback_name": None}
        return {"callback_name": name, **_extras(text, tracker, "callback_name")}

    def validate_callback_contact(self, value, dispatcher, tracker, domain) -> dict:
        contact = parse_contact(latest_text(tracker))
        if not contact:
            dispatcher.utter_message(response="utter_callback_invalid_contact")
            return {"callback_contact": None, "callback_contact_kind": None}
        return {"callback_contact": contact.display, "callback_contact_kind": contact.kind,
                **_extras(latest_text(tracker), tracker, "callback_contact")}

    def validate_callback_time(self, value, dispatcher, tracker, domain) -> dict:
        good_time = clean_time(latest_text(tracker))
        if not good_time:
            dispatcher.utter_message(response="utter_callback_invalid_time")
            return {"callback_time": None}
        return {"callback_time": good_time, **_extras(latest_text(tracker), tracker, "callback_time")}

    def validate_callback_about(self, value, dispatcher, tracker, domain) -> dict:
        about = about_whom(latest_text(tracker))
        if not about:
            dispatcher.utter_message(response="utter_callback_invalid_about")
        return {"callback_about": about}

    def validate_callback_consent(self, value, dispatcher, tracker, domain) -> dict:
        return {"callback_consent": value if isinstance(value, bool) else None}

    def validate_callback_confirmed(self, value, dispatcher, tracker, domain) -> dict:
        if latest_intent(tracker) == "affirm":
            return {"callback_confirmed": True}
        field = field_to_change(latest_text(tracker))
        if field:
            extra = {"callback_contact_kind": None} if field == "callback_contact" else {}
            return {"callback_confirmed": None, field: None, **extra}
        dispatcher.utter_message(response="utter_callback_which_change")
        return {"callback_confirmed": None}


class ActionSubmitCallback(Action):
    """The form is done: store the handoff (only with consent), say what happens next."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if await with_nurse(tracker):
            dispatcher.utter_message(response="utter_callback_already")
            return clear_form()
        if tracker.get_slot("callback_consent") is not True or tracker.get_slot("callback_confirmed") is not True:
            dispatcher.utter_message(response="utter_callback_no_consent")
            say_helpline(dispatcher, offer_callback=False)
            return clear_form()
        topics, answers = conversation_topics(tracker.events)
        fields = dict(
            red_flags=(), channel=tracker.get_latest_input_channel() or "",
            about=tracker.get_slot("callback_about") or "", topics=topics, answers=answers, with_nurse=True,
            contact={"contact_name": tracker.get_slot("callback_name"), "contact": tracker.get_slot("callback_contact"),
                     "contact_kind": tracker.get_slot("callback_contact_kind"),
                     "good_time": tracker.get_slot("callback_time")},
            earlier_reason=tracker.get_slot("handoff_reason"),
        )
        try:  # off the event loop; a database that does not answer in time: the pending file
            kept = await off_the_loop(save_or_spool, tracker.sender_id, "routine", "callback", **fields)
        except asyncio.TimeoutError:
            logger.error("the handoffs database did not answer in time; keeping the call back in the pending file")
            kept = spool_handoff(tracker.sender_id, "routine", "callback", **fields)
        if not kept:
            dispatcher.utter_message(response="utter_callback_failed")
            say_helpline(dispatcher, offer_callback=False)
            return clear_form()
        status = helpline_status()
        dispatcher.utter_message(
            response="utter_callback_sent_open" if status.is_open else "utter_callback_sent_closed",
            callback_name=tracker.get_slot("callback_name"),
            callback_contact_kind=tracker.get_slot("callback_contact_kind"),
            next_open=status.next_open_text,
        )
        dispatcher.utter_message(response="utter_callback_safety_net")
        return clear_form()


class ActionCancelCallback(Action):
    """"stop" during the form: leave it and forget every answer."""

    def name(self) -> str:
        return "action_cancel_callback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        dispatcher.utter_message(response="utter_callback_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_form()]


def conversation_topics(events: list[dict]) -> tuple[list[str], list[str]]:
    """From a Rasa tracker's event dicts: the topics the person asked about (``ask_<topic>``
    intents, not counting answers to a form) and the answers given ("topic: source, section").
    Never the person's words.

    >>> events = [{"event": "user", "text": "zometa?", "parse_data": {"intent": {"name": "ask_bisphosphonates"}}},
    ...           {"event": "bot", "data": {"custom": {"topic": "bisphosphonates",
    ...            "sources": [{"source": "cruk_2024", "section": "Bisphosphonates"}]}}}]
    >>> conversation_topics(events)
    (['bisphosphonates'], ['bisphosphonates: cruk_2024, Bisphosphonates'])
    """
    asked, answered, in_form = [], [], False
    for event in events:
        if event.get("event") == "active_loop":
            in_form = bool(event.get("name"))
        elif event.get("event") == "user" and not in_form:  # answers to the form are not questions
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent.startswith("ask_"):
                asked.append(intent[4:])
        elif event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom") or {}
            if isinstance(custom, dict) and custom.get("topic"):
                sources = "; ".join(f"{s.get('source')}, {s.get('section')}" for s in custom.get("sources") or [])
                answered.append(f"{custom['topic']}: {sources}")
    return union(asked), union(answered)
