"""The rules of a handoff to the nurse helpline, with no database: urgencies and reasons, how two
records of one conversation merge (the most urgent urgency wins, reasons and flags add up), the
short note for the nurse, and which red flags make which handoff.

>>> most_urgent("routine", None, "urgent"), union(["a", "b"], ["b", "c"])
('urgent', ['a', 'b', 'c'])
"""
from __future__ import annotations

import json

URGENCY_RANK = {"emergency": 0, "crisis": 1, "urgent": 2, "routine": 3}

STATUSES = ("new", "claimed", "resolved")

REASONS = ("red_flag", "callback", "second_miss", "talk_to_nurse", "out_of_scope")

CONTACT_FIELDS = ("contact_name", "contact", "contact_kind", "good_time")


class HandoffError(Exception):
    """A handoff that does not exist, or a change its status does not allow."""


def json_list(value: str | None) -> list:
    return json.loads(value) if value else []


def union(*lists) -> list:
    return list(dict.fromkeys(item for items in lists for item in items))


def most_urgent(*urgencies: str | None) -> str:
    """The most urgent of the urgencies given (empty ones ignored).

    >>> most_urgent("routine", None, "urgent")
    'urgent'
    """
    return min(filter(None, urgencies), key=lambda urgency: URGENCY_RANK.get(urgency, len(URGENCY_RANK)))


def checked_reasons(urgency: str, reason: str, earlier_reason: str | None = None) -> list[str]:
    """The reasons, oldest first; ``ValueError`` on an unknown urgency or reason (a bug, never spooled)."""
    if urgency not in URGENCY_RANK:
        raise ValueError(f"unknown urgency {urgency!r}")
    reasons = [r for r in (earlier_reason, reason) if r]
    if any(r not in REASONS for r in reasons):
        raise ValueError(f"unknown reason in {reasons!r}")
    return reasons


def nurse_note(record: dict) -> str:
    """A short structured note: urgency, why, about whom, flags, topics, how and when to reach them.

    >>> print(nurse_note({"urgency": "routine", "reasons": '["callback"]', "about": "someone_else",
    ...                   "topics": '["denosumab"]', "red_flags": "[]", "contact_kind": "phone", "good_time": "mornings"}))
    ROUTINE · call back requested · about someone they care for
    Topics asked: denosumab
    Red flags: none
    Contact: by phone, mornings
    """
    reasons = {"red_flag": "red flag", "callback": "call back requested", "second_miss": "assistant could not help",
               "talk_to_nurse": "asked for a nurse", "out_of_scope": "question outside the information"}
    about = {"self": "about themselves", "someone_else": "about someone they care for"}.get(record.get("about") or "", "")
    head = " · ".join(filter(None, [(record.get("urgency") or "").upper(),
                                    ", ".join(reasons.get(r, r) for r in json_list(record.get("reasons"))), about]))
    lines = [head,
             "Topics asked: " + (", ".join(json_list(record.get("topics"))) or "none"),
             "Red flags: " + (", ".join(json_list(record.get("red_flags"))) or "none")]
    if record.get("contact_kind"):
        lines.append("Contact: by " + ", ".join(filter(None, [record["contact_kind"], record.get("good_time")])))
    return "\n".join(lines)


# The handoff's urgency for each red-flag urgency (bot/safety/): 999 situations are emergencies to the nurses.
HANDOFF_URGENCY = {"call_999": "emergency", "emergency": "emergency", "crisis": "crisis", "urgent": "urgent"}

CONFIRMED_NOW = "safety_now"  # the person answered "yes, it's happening now" to the check-back
CHECK_RESPONSE = "utter_safety_check"  # the check-back itself: "... Is this happening now?"
NOT_NOW = "safety_not_now"  # "no, not now"
TYPED_ANSWERS = {"affirm": CONFIRMED_NOW, "deny": NOT_NOW}


def meant_intent(intent: str | None, said_last_turn: list[str]) -> str | None:
    """``intent``, or what a typed "yes" or "no" means right after the check-back ("Is this happening
    now?", in ``said_last_turn``): the same as its buttons, ``safety_now`` or ``safety_not_now``."""
    if CHECK_RESPONSE in said_last_turn and intent in TYPED_ANSWERS:
        return TYPED_ANSWERS[intent]
    return intent


def red_flag_handoff(message: str, intent: str | None = None) -> tuple[str, list[str]] | None:
    """The handoff's urgency and red flags for ``message``, or None when it has none. The urgency
    is the most urgent sign's; "yes, it's happening now" (``intent`` ``safety_now``) makes it an
    emergency."""
    return red_flags_checked(message, intent)[0]


def red_flags_checked(message: str, intent: str | None = None) -> tuple[tuple[str, list[str]] | None, str | None]:
    """``red_flag_handoff``'s answer, and the intent of the second reply beside the first
    (``SafetyResult.also``: a crisis beside an emergency sign, or an urgent sign beside a crisis; None
    when there is one), from one check of ``message``."""
    from bot.safety import check

    if intent == CONFIRMED_NOW:
        return ("emergency", ["confirmed_happening_now"]), None
    result = check(message)
    if not result.flagged:
        return None, None
    flags = [s.id for s in result.flags]
    if result.also and "statistical_crisis" in result.reasons:
        flags.append("statistical_crisis")  # the crisis model saw a crisis beside a physical sign
    return (HANDOFF_URGENCY[result.urgency or "emergency"], flags or [
        "statistical_crisis" if "statistical_crisis" in result.reasons else f"statistical_{result.decision}"]), \
        result.also
