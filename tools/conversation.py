"""Talking to the running assistant: one question in, everything the user saw out.

``ask_one`` sends a question as a new conversation through the REST channel of the real Rasa
server and reads the tracker for what was understood. ``label_for`` turns that into one of the
evaluation labels of ``../shared/eval/README.md``.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field

from bot.content.replies import response_names
from bot.content.responses import (
    EMERGENCY_ACTIONS,
    HANDOFF_ACTIONS,
    URGENCY_OF_ACTION,
    URGENCY_ORDER,
    URGENT_ACTIONS,
)


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
    urgency: str | None = None
    sources: list[dict] = field(default_factory=list)
    topic: str | None = None
    clarifying: bool = False
    responses: list[str] = field(default_factory=list)
    note: str = ""
    # the classifier's own ranking and the decision taken on it (components/question_reader.py)
    understanding: dict = field(default_factory=dict)

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

    A topic answered after urgent advice alone (the 24-hour line today, ``action_record_handoff``) is
    that topic: the question was answered, and the reply is still counted as emergency advice.

    >>> label_for("vertebroplasty", ["utter_urgent_spinal_pain", "utter_source"], True)
    'vertebroplasty'
    """
    if topic_label and urgency_of(responses) == "urgent":
        return topic_label
    if emergency:
        return "emergency"
    if set(responses) & URGENT_ACTIONS:
        return "side_effects"
    return topic_label or "out_of_scope"


def urgency_of(responses: list[str]) -> str | None:
    """The most urgent advice among a turn's responses (``call_999``, ``emergency``, ``crisis``,
    ``urgent`` or ``check`` for the check-back), or None.

    >>> urgency_of(["utter_safety_check"]), urgency_of(["utter_crisis", "utter_emergency_general"])
    ('check', 'call_999')
    """
    found = [URGENCY_OF_ACTION[r] for r in responses if r in URGENCY_OF_ACTION]
    return min(found, key=URGENCY_ORDER.index) if found else None


def ask_one(assistant, question: str) -> Reply:
    """Send ``question`` as a fresh conversation and describe what came back.

    Never raises for one question: a message the channel refuses (empty, say) or a fault is
    recorded as what the person would see, with a ``note``."""
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    try:
        messages = assistant.send(sender, question)
    except Exception as exc:  # noqa: BLE001 - e.g. HTTP 400 for an empty message: record it and go on
        return Reply(question=question, label="out_of_scope", intent=None, confidence=None, emergency=False,
                     handoff_offered=False, text="", note=f"the channel sent no reply ({_describe(exc)})")
    tracker = assistant.tracker(sender)
    latest = tracker.get("latest_message") or {}
    intent = (latest.get("intent") or {}).get("name")
    confidence = (latest.get("intent") or {}).get("confidence")
    bot_events = _bot_events_since_last_user(tracker)
    # Rasa's response name, or the responses one composed reply holds (actions/reply.py)
    responses = [name for e in bot_events for name in response_names(e)]
    customs = [(e.get("data") or {}).get("custom") or {} for e in bot_events]
    topic_info = next((c for c in customs if c.get("topic")), {})
    # "which of these did you mean?" (actions/actions.py marks it), not the helpline's buttons
    clarifying = any("clarify" in c for c in customs) and not topic_info
    emergency = bool(set(responses) & EMERGENCY_ACTIONS)
    urgency = urgency_of(responses)
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
        urgency=urgency,
        text="\n".join(texts),
        sources=topic_info.get("sources") or [],
        topic=topic_info.get("topic"),
        clarifying=clarifying,
        responses=responses,
        understanding=latest.get("understanding") or {},
    )


def _describe(exc: Exception) -> str:
    """An HTTP error's status and the server's short message, else the exception's type."""
    code = getattr(exc, "code", None)
    if code is None:
        return type(exc).__name__
    try:
        body = exc.read().decode("utf-8", "replace")[:200]  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        body = ""
    return f"HTTP {code}: {body}".strip()
