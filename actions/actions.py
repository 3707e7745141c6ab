"""Custom actions. Each one reads the tracker, asks ``bot`` for the content, and sends it using
response templates from ``domain.yml`` (topic bodies come from ``content/``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_state import (
    latest_intent,
    latest_text,
    left_to_nurse,
    off_the_loop,
)
from actions.helpline import say_helpline
from bot.content.answers import answer_for, candidate_topics, followup, topic_for_intent
from bot.records.handoff_rules import red_flag_handoff
from bot.records.handoffs import save_or_spool, spool_handoff
from bot.understanding.question import subject_of

logger = logging.getLogger(__name__)


class ActionAnswerTopic(Action):
    """Answer an ``ask_<topic>`` intent: body, sources, review date, and what it does not cover."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if await left_to_nurse(dispatcher, tracker):
            return []
        topic_id = topic_for_intent(latest_intent(tracker))
        if topic_id is None:
            dispatcher.utter_message(response="utter_default")
            return []
        events = send_answer(dispatcher, answer_for(topic_id, latest_text(tracker)),
                             offer_helpline=topic_id != "helpline")  # the helpline rule offers it itself
        return events + [SlotSet("last_subject", subject_of(latest_text(tracker)) or topic_id)]


def send_answer(dispatcher: CollectingDispatcher, answer, offer_helpline: bool = True) -> list:
    """Speak a ``bot.content.answers.Answer``: body, each source (with its own date), when this service
    wrote it and whether a clinician has checked it, then each gap and, when there is a gap, the
    helpline with its hours (once; not when the caller offers it)."""
    # where each paragraph comes from: the web widget shows it as a disclosure under the paragraph
    dispatcher.utter_message(text=answer.body, json_message={"where_from": answer.where_from})
    for source in answer.sources:
        dispatcher.utter_message(
            response="utter_source" if source["url"] else "utter_source_no_link",
            citation=source["citation"],
            section=source["section"],
            dated=source["dated"],
            url=source["url"],
        )
    reviewed = bool(answer.reviewed_on)
    dispatcher.utter_message(
        response="utter_written_reviewed" if reviewed else "utter_written_unreviewed",
        written=answer.written,
        reviewed_on=answer.reviewed_on,
        reviewed_by=answer.reviewed_by,
        json_message={
            "topic": answer.topic_id,
            "label": answer.label,
            "sources": [{k: s[k] for k in ("source", "title", "publisher", "section", "url")} for s in answer.sources],
            "written": answer.written,
            "clinically_reviewed": reviewed,
        },
    )
    for gap in answer.gaps:
        dispatcher.utter_message(response="utter_not_covered", gap=gap)
    if answer.gaps and offer_helpline:
        say_helpline(dispatcher)
    return [SlotSet("last_topic", answer.topic_id)]


class ActionAnswerFollowup(Action):
    """A follow-up about the last topic: name what it does not cover, give the topic again, or
    (unfamiliar subject, or no topic yet) say kindly that it can't help or ask which topic."""

    def name(self) -> str:
        return "action_answer_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if await left_to_nurse(dispatcher, tracker):
            return []
        # about the subject named earlier (kyphoplasty), even when the last answer was about NHS access
        decision = followup(tracker.get_slot("last_subject") or tracker.get_slot("last_topic"), latest_text(tracker))
        if decision.kind in ("out_of_scope", "clarify") and tracker.get_slot("last_subject"):
            decision = followup(tracker.get_slot("last_topic"), latest_text(tracker))
        if decision.kind == "clarify":
            return await ActionAskWhichTopic().run(dispatcher, tracker, domain)
        if decision.kind == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
            say_helpline(dispatcher)
            return [SlotSet("handoff_reason", "out_of_scope")]
        if decision.kind == "answer":
            return send_answer(dispatcher, decision.answer)
        for gap in decision.answer.gaps:
            dispatcher.utter_message(response="utter_followup_not_covered", title=decision.answer.title, gap=gap)
        say_helpline(dispatcher)
        return []


class ActionAskWhichTopic(Action):
    """First stage of the two-stage fallback: offer the likeliest topics as buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if await left_to_nurse(dispatcher, tracker):
            return []
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        topics = candidate_topics(ranking, latest_text(tracker))
        if not topics:  # not even a likely guess: offer the main subjects and a nurse
            dispatcher.utter_message(response="utter_clarify_no_topic", json_message={"clarify": []})
            return []
        template = (domain.get("responses", {}).get("utter_clarify_topic") or [{}])[0]
        buttons = [{"title": t["title"], "payload": f"/ask_{t['id']}"} for t in topics]
        buttons += template.get("buttons", [])
        dispatcher.utter_message(text=template.get("text"), buttons=buttons,
                                 json_message={"clarify": [t["id"] for t in topics]})
        return []


class ActionRecordHandoff(Action):
    """Write a handoff record for the red flags in the latest message (no words of the person)."""

    def name(self) -> str:
        return "action_record_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        latest = tracker.latest_message or {}
        try:
            found = await asyncio.get_running_loop().run_in_executor(  # CPU work: off the loop too
                None, red_flag_handoff, latest.get("text") or "", latest_intent(tracker))
            if found is None:
                return []
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
        return []
