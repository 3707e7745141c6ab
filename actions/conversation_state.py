"""What the actions read from a tracker: the latest message's text and intent, and whether the
conversation is waiting for a nurse (``bot.handoffs``)."""
from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.handoffs import is_with_nurse

logger = logging.getLogger(__name__)


def latest_text(tracker: Tracker) -> str:
    """The latest user message's text ("" when there is none)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    """The latest user message's intent name, or None."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def with_nurse(tracker: Tracker) -> bool:
    """True while this conversation waits for a nurse; a database problem counts as False
    (the person then gets answers rather than silence)."""
    try:
        return is_with_nurse(tracker.sender_id)
    except Exception:  # noqa: BLE001
        logger.exception("could not read the handoff status")
        return False


def left_to_nurse(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """While the conversation waits for a nurse, say so and return True: the caller answers nothing."""
    if with_nurse(tracker):
        dispatcher.utter_message(response="utter_with_nurse")
        return True
    return False
