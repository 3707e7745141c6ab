"""Offering the nurse helpline with its real opening hours (``bot.helpline.hours``), and the last step of
the two-stage fallback. Never used for emergencies or crises: those have their own replies."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_state import latest_intent, with_nurse
from bot.content.replies import said_last_turn, said_this_turn
from bot.helpline.hours import helpline_status
from bot.records.handoff_rules import CONFIRMED_NOW, NOT_NOW, meant_intent

REASON_BY_INTENT = {"ask_helpline": "talk_to_nurse", "urgent_jaw": "red_flag", "urgent_low_calcium": "red_flag"}
OFFERS = {"utter_helpline_open", "utter_helpline_closed", "utter_helpline_open_no_callback",
          "utter_helpline_closed_no_callback"}
WITH_NURSE = {"utter_with_nurse", "utter_callback_already"}
CALLBACK_OFFERS = {"utter_helpline_open", "utter_helpline_closed"}  # the offers with "Ask for a call back"


def helpline_response(offer_callback: bool = True) -> tuple[str, dict]:
    """The helpline offer's response name and values. Open now: the number (and a call-back
    offer). Closed: when it next opens, email, call-back offer."""
    status = helpline_status()
    if status.is_open:
        name = "utter_helpline_open" if offer_callback else "utter_helpline_open_no_callback"
        return name, {"phone": status.phone}
    name = "utter_helpline_closed" if offer_callback else "utter_helpline_closed_no_callback"
    return name, {"phone": status.phone, "next_open": status.next_open_text}


def say_helpline(dispatcher: CollectingDispatcher, offer_callback: bool = True) -> None:
    """The helpline offer as a message of its own (``helpline_response``)."""
    name, values = helpline_response(offer_callback)
    dispatcher.utter_message(response=name, **values)


async def offer_helpline(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list:
    """The helpline offer, or "your request is already with a nurse"; remembers why it was offered.
    Says nothing when this turn has already said either (the helpline topic's answer carries the
    offer, and "your request is with the nurse helpline" is said once): never the offer twice."""
    said = set(said_this_turn(tracker.events or []))
    if said & OFFERS:
        return [SlotSet("handoff_reason", reason)]
    if said & WITH_NURSE:
        return []
    if await with_nurse(tracker):
        dispatcher.utter_message(response="utter_callback_already")
        return []
    say_helpline(dispatcher)
    return [SlotSet("handoff_reason", reason)]


class ActionOfferHelpline(Action):
    """After "can I talk to a nurse?" or an urgent flag (whose advice is a plain response, sent even when
    this server is down, so the offer follows as a message of its own)."""

    def name(self) -> str:
        return "action_offer_helpline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        return await offer_helpline(dispatcher, tracker, REASON_BY_INTENT.get(latest_intent(tracker), "talk_to_nurse"))


class ActionDefaultFallback(Action):
    """The second miss of the two-stage fallback (and Rasa's core fallback): say so kindly and
    offer the helpline with its hours. The message is reverted, as Rasa's own fallback does."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        return [UserUtteranceReverted(), *await say_with_offer(dispatcher, tracker, domain, "utter_default",
                                                               "second_miss")]


async def say_with_offer(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], name: str,
                         reason: str) -> list:
    """Response ``name`` and the helpline offer as one message (or, while a nurse has been asked
    already, with "your request is with the nurses"); returns the events that note why it was offered."""
    from actions import reply  # actions.reply reads this module's helpline_response

    asked = await with_nurse(tracker)
    reply.send_with_offer(dispatcher, reply.Speaker(domain, tracker), name, with_nurse=asked)
    return [] if asked else [SlotSet("handoff_reason", reason)]


class ActionNotCovered(Action):
    """A question the content does not cover (``out_of_scope``): "I can't help with that here" and the
    helpline offer, one message."""

    def name(self) -> str:
        return "action_not_covered"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        return await say_with_offer(dispatcher, tracker, domain, "utter_out_of_scope", "out_of_scope")


class ActionAnswerYesOrNo(Action):
    """A "yes" or "no" typed or tapped. When the assistant's last message offered a call-back (with a
    topic answer, the helpline, "I can't help with that here"...), yes starts the call-back form and no
    is taken kindly ("anything else?"); with nothing offered, yes gets "anything else?" and no a goodbye.
    A request already with the nurses gets "your request is with the nurses", not a second form. (A yes
    or no to "Is this happening now?" has rules of its own, plain responses in data/rules.yml; when an
    action sent that check, beside the crisis reply, the yes or no is answered here.)"""

    def name(self) -> str:
        return "action_answer_yes_or_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        said = said_last_turn([dict(e) for e in tracker.events or []])
        meant = meant_intent(latest_intent(tracker), said)
        if meant == CONFIRMED_NOW:  # "yes" to a check-back sent by an action (beside the crisis reply)
            dispatcher.utter_message(response="utter_safety_now")
            return [FollowupAction("action_record_handoff")]
        if meant == NOT_NOW:
            dispatcher.utter_message(response="utter_safety_typed_no")
            return []
        offered = bool(set(said) & CALLBACK_OFFERS)
        yes = latest_intent(tracker) == "affirm"
        if offered and yes:
            if await with_nurse(tracker):  # asked already: never a second call-back request
                dispatcher.utter_message(response="utter_callback_already")
                return []
            return [FollowupAction("callback_form")]
        dispatcher.utter_message(response="utter_anything_else" if offered or yes else "utter_goodbye")
        return []
