"""Talking to the running assistant: one question in, everything the user saw out.

``ask_one`` sends a question as a new conversation through the REST channel of the real Rasa
server and reads the tracker for what was understood. ``label_for`` turns that into one of the
evaluation labels of ``../shared/eval/README.md``.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field

# Red-flag replies (domain.yml): emergencies and crises need help now; urgent ones are side effects
# of bone drugs that need the care team today.
EMERGENCY_ACTIONS = {
    "utter_emergency_spinal_cord", "utter_emergency_fracture", "utter_emergency_high_calcium",
    "utter_emergency_after_procedure", "utter_emergency_general", "utter_crisis",
}
URGENT_ACTIONS = {"utter_urgent_jaw", "utter_urgent_low_calcium"}
# Replies that hand the person to people: the helpline, their care team, 999.
HELPLINE_ACTIONS = {"utter_helpline_open", "utter_helpline_closed", "utter_helpline_open_no_callback",
                    "utter_helpline_closed_no_callback", "utter_callback_already", "utter_with_nurse"}
HANDOFF_ACTIONS = ({"utter_default", "utter_out_of_scope", "utter_english_only", "utter_alternative_claim",
                    "utter_not_covered"} | HELPLINE_ACTIONS | EMERGENCY_ACTIONS | URGENT_ACTIONS)


@dataclass
class Reply:
    """One question's outcome, as ``python -m bot ask`` prints it."""

    question: str
    label: str
    intent: str | None
    confidence: float | None
    emergency: bool
    handoff_offered: bool
    text: str
    sources: list[dict] = field(default_factory=list)
    topic: str | None = None
    clarifying: bool = False
    responses: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The JSON object printed for this question."""
        return asdict(self)


def _bot_events_since_last_user(tracker: dict) -> list[dict]:
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    return [e for e in events[last_user + 1 :] if e.get("event") == "bot"]


def label_for(topic_label: str | None, responses: list[str], emergency: bool) -> str:
    """The evaluation label the reply amounts to (always one of ../shared/eval/README.md's).

    A reply that gives no content answer (out of scope, "which of these did you mean?", small
    talk) is ``out_of_scope``; ``Reply.clarifying`` tells the "which did you mean?" case apart.

    >>> label_for("vertebroplasty", ["utter_source"], False)
    'vertebroplasty'
    >>> label_for(None, ["utter_out_of_scope"], False), label_for(None, [], False)
    ('out_of_scope', 'out_of_scope')
    >>> label_for(None, ["utter_crisis"], True), label_for(None, ["utter_urgent_jaw"], False)
    ('emergency', 'side_effects')
    """
    if emergency:
        return "emergency"
    if set(responses) & URGENT_ACTIONS:
        return "side_effects"
    return topic_label or "out_of_scope"


def ask_one(assistant, question: str) -> Reply:
    """Send ``question`` as a fresh conversation and describe what came back."""
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    messages = assistant.send(sender, question)
    tracker = assistant.tracker(sender)
    latest = tracker.get("latest_message") or {}
    intent = (latest.get("intent") or {}).get("name")
    confidence = (latest.get("intent") or {}).get("confidence")
    bot_events = _bot_events_since_last_user(tracker)
    responses = [((e.get("metadata") or {}).get("utter_action")) for e in bot_events]
    responses = [r for r in responses if r]
    customs = [(e.get("data") or {}).get("custom") or {} for e in bot_events]
    topic_info = next((c for c in customs if c.get("topic")), {})
    # "which of these did you mean?" (actions/actions.py marks it), not the helpline's buttons
    clarifying = any("clarify" in c for c in customs) and not topic_info
    emergency = bool(set(responses) & EMERGENCY_ACTIONS)
    texts = [m["text"] for m in messages if m.get("text")]
    buttons = [b.get("title", "") for m in messages for b in (m.get("buttons") or [])]
    if buttons:
        texts.append("[" + " | ".join(buttons) + "]")
    handoff = bool(set(responses) & HANDOFF_ACTIONS) or topic_info.get("topic") == "helpline"
    return Reply(
        question=question,
        label=label_for(topic_info.get("label"), responses, emergency),
        intent=intent,
        confidence=round(confidence, 4) if isinstance(confidence, (int, float)) else None,
        emergency=emergency,
        handoff_offered=handoff,
        text="\n".join(texts),
        sources=topic_info.get("sources") or [],
        topic=topic_info.get("topic"),
        clarifying=clarifying,
        responses=responses,
    )
