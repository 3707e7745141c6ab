"""The handoff record for a red flag, shared by ``action_record_handoff`` and the call-back form
(a typed "yes" to "Is this happening now?" while the form runs is answered by the form's validator)."""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_state import latest_intent, off_the_loop
from bot.content.replies import said_last_turn
from bot.records.handoff_rules import meant_intent, red_flags_checked
from bot.records.handoffs import save_or_spool, spool_handoff

logger = logging.getLogger(__name__)


def meant_answer(tracker: Tracker) -> str | None:
    """What the latest message means, read with what the assistant had just said: ``safety_now`` or
    ``safety_not_now`` for a typed yes or no right after the check-back, else its intent."""
    return meant_intent(latest_intent(tracker), said_last_turn([dict(e) for e in tracker.events or []]))


async def record_red_flag_handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Check the latest message again and store a handoff for its red flags (no words of the person);
    send the second reply when a crisis stands beside a physical sign (``SafetyResult.also``). Never
    raises: the person already has the urgent advice."""
    latest = tracker.latest_message or {}
    try:
        found, also = await asyncio.get_running_loop().run_in_executor(  # CPU work: off the loop too
            None, red_flags_checked, latest.get("text") or "", meant_answer(tracker))
    except Exception:  # the rule's reply is given already; never fail the turn
        logger.exception("could not check the message again: no second reply beside the sign's, no handoff")
        return
    if also:  # a crisis beside an emergency sign (or an urgent sign beside a crisis): that reply too
        dispatcher.utter_message(response=f"utter_{also}")
    try:
        if found is None:
            return
        urgency, flags = found
        fields = {"red_flags": flags, "channel": tracker.get_latest_input_channel() or ""}
        try:
            await off_the_loop(save_or_spool, tracker.sender_id, urgency, "red_flag", **fields)
        except asyncio.TimeoutError:
            logger.error("the handoffs database did not answer in time; keeping the red-flag handoff "
                         "in the pending file")
            spool_handoff(tracker.sender_id, urgency, "red_flag", **fields)
    except Exception:  # the person already has the urgent advice; never fail the turn
        logger.exception("could not store a handoff for a red flag")
