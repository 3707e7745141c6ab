"""Keeping the promise "I haven't kept your details": when a call-back request ends without being
sent (consent refused, "stop", or it could not be stored), the name, contact and good time typed
into the form are removed from the stored conversation, not left there for the retention period.

Works on conversation events as Rasa stores them (``event.as_dict()``: ``{"event": "user",
"text": ...}``, ``{"event": "slot", "name": ..., "value": ...}``, ``{"event": "bot", "text": ...,
"metadata": {"utter_action": ...}}``, ``{"event": "active_loop", "name": ...}``) and returns which
ones to rewrite; the tracker store (``rasa36/sql_tracker_store.py``) rewrites them in place, so
the number of stored events - which Rasa counts to know what is new - never changes.

What is removed, for each form that ended unsent: every message the person typed from the one that
started the form to the end of the form (text and what was read from it); the values of the
personal slots; and those values wherever the assistant repeated them in the same stretch (the
"is this right?" summary). The rest of the conversation stays as it was.

>>> events = [
...     {"event": "user", "text": "can a nurse call me"},
...     {"event": "active_loop", "name": "callback_form"},
...     {"event": "user", "text": "Sue", "parse_data": {"text": "Sue", "entities": []}},
...     {"event": "slot", "name": "callback_name", "value": "Sue"},
...     {"event": "bot", "text": "Thanks Sue.", "metadata": {"utter_action": "utter_ask_callback_contact"}},
...     {"event": "user", "text": "stop"},
...     {"event": "bot", "text": "OK, I've cancelled that.", "metadata": {"utter_action": "utter_callback_cancelled"}},
... ]
>>> changed = details_to_forget(events)
>>> sorted(changed), changed[3]["value"], changed[4]["text"]
([0, 2, 3, 4, 5], '[removed]', 'Thanks [removed].')
>>> details_to_forget([{**e, **changed.get(i, {})} for i, e in enumerate(events)])  # already done
{}
"""
from __future__ import annotations

import copy
import json

REMOVED = "[removed]"
FORM = "callback_form"
PERSONAL_SLOTS = ("callback_name", "callback_contact", "callback_time")
# The replies that end a form without sending it (domain.yml). Every one of them tells the person
# their details were not kept, or that the request could not be sent.
NOT_SENT = frozenset({"utter_callback_no_consent", "utter_callback_cancelled", "utter_callback_failed"})


def _utter_action(event: dict) -> str | None:
    return (event.get("metadata") or {}).get("utter_action") if event.get("event") == "bot" else None


def ends_unsent(events: list[dict]) -> bool:
    """Whether ``events`` (typically one turn's) contain a reply that ends a form unsent."""
    return any(_utter_action(event) in NOT_SENT for event in events)


def _unsent_stretches(events: list[dict]) -> list[tuple[int, int]]:
    """(first, last) indexes of each form that ended unsent: from the person's message that started
    the form to the reply that ended it."""
    stretches = []
    for end, event in enumerate(events):
        if _utter_action(event) not in NOT_SENT:
            continue
        start = next((i for i in range(end, -1, -1)
                      if events[i].get("event") == "active_loop" and events[i].get("name") == FORM), None)
        if start is None:
            continue
        start = next((i for i in range(start, -1, -1) if events[i].get("event") == "user"), start)
        stretches.append((start, end))
    return stretches


def _forget_in_user(event: dict) -> dict:
    event = copy.deepcopy(event)
    event["text"] = REMOVED
    if isinstance(event.get("parse_data"), dict):
        event["parse_data"]["text"] = REMOVED
        event["parse_data"]["entities"] = []
    return event


def _forget_values(event: dict, values: list[str]) -> dict:
    """``event`` with each of ``values`` replaced wherever it appears as text."""
    text = json.dumps(event, ensure_ascii=False)
    for value in values:
        text = text.replace(json.dumps(value, ensure_ascii=False)[1:-1], REMOVED)
    return json.loads(text)


def details_to_forget(events: list[dict]) -> dict[int, dict]:
    """For each event that must be rewritten, its index and the rewritten event (empty when nothing
    is left to forget, so calling it again changes nothing)."""
    changed: dict[int, dict] = {}
    for start, end in _unsent_stretches(events):
        values = sorted({str(e["value"]) for e in events[start:end + 1]
                         if e.get("event") == "slot" and e.get("name") in PERSONAL_SLOTS
                         and e.get("value") not in (None, "", REMOVED)}, key=len, reverse=True)
        for index in range(start, end + 1):
            event = events[index]
            kind = event.get("event")
            if kind == "user" and event.get("text") != REMOVED:
                new = _forget_in_user(event)
            elif kind == "slot" and event.get("name") in PERSONAL_SLOTS and event.get("value") not in (None, REMOVED):
                new = {**event, "value": REMOVED}
            elif kind == "bot" and values:
                new = _forget_values(event, values)
            else:
                continue
            if new != event:
                changed[index] = new
    return changed
