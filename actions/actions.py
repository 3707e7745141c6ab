"""Custom actions. Each one reads the tracker, asks ``bot`` for the content, and sends it using
response templates from ``domain.yml`` (topic bodies come from ``content/``)."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import reply
from actions.conversation_state import (
    latest_intent,
    latest_text,
    left_to_nurse,
    with_nurse,
)
from actions.helpline import say_with_offer
from actions.red_flag_handoff import record_red_flag_handoff
from actions.reply import Speaker
from bot.content.answers import answer_for, candidate_topics, followup, topic_for_intent
from bot.understanding.decision import choose_without_conversation, topic_beside_advice
from bot.understanding.language import named_in_another_language
from bot.understanding.question import carried_ask, followup_topic, subject_of

logger = logging.getLogger(__name__)


class ActionAnswerTopic(Action):
    """Answer an ``ask_<topic>`` intent, in one message (``actions/reply.py``): body, sources,
    review date, what it does not cover and, when it says so or is the helpline topic, the helpline."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if await left_to_nurse(dispatcher, tracker):
            return []
        # "and zoledronic acid?" right after NHS access: NHS access again, now about zoledronic acid
        topic_id = carried_ask(tracker.get_slot("last_topic"), latest_text(tracker)) or \
            topic_for_intent(latest_intent(tracker))
        if topic_id is None:
            dispatcher.utter_message(response="utter_default")
            return []
        if named_in_another_language(latest_text(tracker)):  # "cimentoplastie : qu'est-ce que c'est ?"
            dispatcher.utter_message(response="utter_english_only_answering")
        events = send_answer(dispatcher, Speaker(domain, tracker), answer_for(topic_id, latest_text(tracker)))
        return events + [SlotSet("last_subject", subject_of(latest_text(tracker)) or topic_id)]


def send_answer(dispatcher: CollectingDispatcher, speaker: Speaker, answer) -> list:
    """Speak a ``bot.content.answers.Answer`` as one message: body, each source (with its own
    date), when this service wrote it and whether a clinician has checked it, each gap and, when
    there is a gap or it is the helpline topic, the helpline with its hours (once: after the
    helpline topic, ``action_offer_helpline`` sees it was offered and says nothing more)."""
    reply.send_answer(dispatcher, speaker, answer, offer=bool(answer.gaps) or answer.topic_id == "helpline")
    return [SlotSet("last_topic", answer.topic_id)]


class ActionAnswerFollowup(Action):
    """A follow-up about the last topic, in one message: name what it does not cover, give the
    topic again, or (unfamiliar subject, or no topic yet) say kindly that it can't help or ask which topic."""

    def name(self) -> str:
        return "action_answer_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if await left_to_nurse(dispatcher, tracker):
            return []
        if not (tracker.get_slot("last_subject") or tracker.get_slot("last_topic")):
            fresh = await _read_afresh(dispatcher, tracker, domain)
            if fresh is not None:
                return fresh
        subject = tracker.get_slot("last_subject") or tracker.get_slot("last_topic")
        asked = followup_topic(subject, latest_text(tracker))  # "how is it given?" after bisphosphonates
        if asked:
            return send_answer(dispatcher, Speaker(domain, tracker), answer_for(asked, latest_text(tracker)))
        carried = carried_ask(tracker.get_slot("last_topic"), latest_text(tracker))  # "and zometa?"
        if carried:
            events = send_answer(dispatcher, Speaker(domain, tracker), answer_for(carried, latest_text(tracker)))
            return events + [SlotSet("last_subject", subject_of(latest_text(tracker)))]
        # about the subject named earlier (kyphoplasty), even when the last answer was about NHS access
        decision = followup(subject, latest_text(tracker))
        if decision.kind in ("out_of_scope", "clarify") and tracker.get_slot("last_subject"):
            decision = followup(tracker.get_slot("last_topic"), latest_text(tracker))
        if decision.kind == "clarify":
            return await ActionAskWhichTopic().run(dispatcher, tracker, domain)
        speaker = Speaker(domain, tracker)
        if decision.kind == "out_of_scope":
            return await say_with_offer(dispatcher, tracker, domain, "utter_out_of_scope", "out_of_scope")
        if decision.kind == "answer":
            return send_answer(dispatcher, speaker, decision.answer)
        reply.send_followup_gaps(dispatcher, speaker, decision.answer)
        return []


async def _read_afresh(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list | None:
    """A "follow-up" with nothing before it ("how is pain assessed?"): the question read as a new one
    (``choose_without_conversation``) and, when that points clearly to a topic, its answer; None to
    go on as a follow-up ("how long is recovery?" still asks which procedure, or says kindly it can't help)."""
    text = latest_text(tracker)
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    choice = choose_without_conversation(text, ranking)
    if choice is None or choice.kind != "answer":
        return None
    assert choice.topic is not None  # an answer always names its topic
    events = send_answer(dispatcher, Speaker(domain, tracker), answer_for(choice.topic, text))
    return events + [SlotSet("last_subject", subject_of(text) or choice.topic)]


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
    """Write a handoff record for the red flags in the latest message (no words of the person). When
    the message shows a crisis and a physical sign, the rule has given the more urgent one's reply and
    this sends the other's (``SafetyResult.also``): it needs the action server, the first does not.
    After urgent advice alone, a question about a named procedure or medicine is answered too
    (``topic_beside_advice``), outside the call-back form and while no nurse has the conversation."""

    def name(self) -> str:
        return "action_record_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        await record_red_flag_handoff(dispatcher, tracker)
        text = latest_text(tracker)
        understood = (tracker.latest_message or {}).get("understanding") or {}
        topic = topic_beside_advice(text, latest_intent(tracker), understood)
        if topic is None or (tracker.active_loop or {}).get("name") or await with_nurse(tracker):
            return []  # the advice alone; and never an answer inside the call-back form or while a nurse has it
        # urgent advice (the 24-hour line today) given, and a question about a named treatment: answer it too,
        # without the helpline offer and without making it the subject of what comes next ("is that serious?"
        # is about the advice, not the treatment)
        dispatcher.utter_message(response="utter_answer_after_urgent_advice")
        reply.send_answer(dispatcher, Speaker(domain, tracker), answer_for(topic, text), offer=False)
        return []
