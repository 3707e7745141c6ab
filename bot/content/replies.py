"""One reply made of several ``domain.yml`` responses, and reading such replies back.

A topic answer goes out as **one** bot message (``actions/reply.py``): its text is every part in
reading order, and its custom data (``json_message``) holds the parts apart for the web widget.
This module is the framework-free half: filling a response the way Rasa does, joining parts into
one text, and, for whoever reads stored bot events (``bot/insight``, ``tools/conversation.py``,
the helpline offer), which responses a message holds (``response_names``) and which gaps it said
(``gaps_said``), for old one-response messages and new composed ones alike.

>>> responses = {"utter_x": [{"text": "Hello {name}, {missing}"}], "utter_y": [{"text": "See {name}."}]}
>>> fill("Hello {name}", {"name": "Sue"}), fill("Hello {name}, {missing}", {"name": "Sue"})
('Hello Sue', 'Hello {name}, {missing}')
>>> render(responses, "utter_y", name="you")
Part(response='utter_y', text='See you.', buttons=[])
>>> event = {"event": "bot", "text": "...", "metadata": {},
...          "data": {"custom": {"responses": ["utter_not_covered", "utter_helpline_closed"],
...                              "answer": {"gaps": [{"what": "doses", "text": "..."}]}}}}
>>> response_names(event), gaps_said(event)
(['utter_not_covered', 'utter_helpline_closed'], ['doses'])
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")  # as rasa/core/nlg/interpolator.py
NOT_COVERED = ("utter_not_covered", "utter_followup_not_covered")  # their ``gap`` is the gap's words
BLOCK = "\n\n"  # between the parts of one reply: a paragraph each (WhatsApp and the widget keep them apart)


@dataclass(frozen=True)
class Part:
    """One response of a reply, filled in: its name in ``domain.yml``, its text, its buttons."""

    response: str
    text: str
    buttons: list[dict] = field(default_factory=list)


def fill(template: str, values: dict) -> str:
    """``template`` with its ``{placeholders}`` filled from ``values``, as Rasa 3.6's
    ``interpolate_text`` does: a placeholder with no value leaves the whole template unfilled
    (Rasa logs it and sends it so; here it is logged as an error too)."""
    try:
        text = PLACEHOLDER.sub(r"{0[\1]}", template).format(values)
    except KeyError as missing:
        logger.error("no value for %s in a response; sent unfilled", missing)
        return template
    return template.format({}) if "0[" in text else text


def _suitable(variation: dict, slots: dict) -> bool:
    """A variation's slot conditions hold (Rasa's ``condition: [{type: slot, name, value}]``)."""
    return all(slots.get(c.get("name")) == c.get("value") for c in variation.get("condition") or []
               if c.get("type") == "slot")


def variation(responses: dict, name: str, slots: dict | None = None, channel: str | None = None) -> dict:
    """The variation of response ``name`` Rasa could send on ``channel`` with ``slots``: its
    channel's own variations first, else those for any channel; the first whose conditions hold
    (the answer's responses have one each; Rasa would pick one at random among several).

    Raises ``KeyError`` when ``domain.yml`` has no such response (or none suits)."""
    slots = slots or {}
    variations = [v for v in responses.get(name) or [] if isinstance(v, dict)]
    own = [v for v in variations if channel and v.get("channel") == channel]
    candidates = own or [v for v in variations if not v.get("channel")]
    for candidate in candidates:
        if _suitable(candidate, slots):
            return candidate
    raise KeyError(f"domain.yml has no usable response {name!r}")


def render(responses: dict, name: str, slots: dict | None = None, channel: str | None = None, /,
           **values) -> Part:
    """Response ``name`` filled with the conversation's ``slots`` and ``values`` (values win, as in Rasa)."""
    chosen = variation(responses, name, slots, channel)
    filled = {**(slots or {}), **values}
    buttons = [{**b, "title": fill(str(b.get("title", "")), filled), "payload": fill(str(b.get("payload", "")), filled)}
               for b in chosen.get("buttons") or []]
    return Part(name, fill(str(chosen.get("text") or ""), filled).strip(), buttons)


def joined(texts: Iterable[str]) -> str:
    """The non-empty ``texts`` as one text, a paragraph each.

    >>> joined(["Body.", "", "  ", "Source: A."])
    'Body.\\n\\nSource: A.'
    """
    return BLOCK.join(t.strip() for t in texts if t and t.strip())


# ------------------------------------------------------------------ reading bot events back

def _custom(event: dict) -> dict:
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else {}


def response_names(event: dict) -> list[str]:
    """The ``domain.yml`` responses a stored ``bot`` event (Rasa's dict) holds: the one Rasa sent
    (``metadata.utter_action``), or those a composed reply lists in ``custom.responses``."""
    names = [(event.get("metadata") or {}).get("utter_action")]
    names += [n for n in _custom(event).get("responses") or [] if isinstance(n, str)]
    return [n for n in names if n]


def gaps_said(event: dict) -> list[str]:
    """The gap words ("how long recovery takes...") a ``bot`` event said the content does not cover:
    a composed reply's ``custom.answer.gaps``, or an old one-gap message's ``metadata.gap``."""
    answer = _custom(event).get("answer")
    gaps = [g.get("what") for g in (answer.get("gaps") or [])] if isinstance(answer, dict) else []
    metadata = event.get("metadata") or {}
    if metadata.get("utter_action") in NOT_COVERED:
        gaps.append(metadata.get("gap"))
    return [g for g in gaps if isinstance(g, str) and g]


def said_last_turn(events: list[dict]) -> list[str]:
    """The responses of the ``bot`` events between the person's last two messages: what the
    assistant had said when the latest message came."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    start, end = (users[-2] + 1 if len(users) > 1 else 0), (users[-1] if users else len(events))
    return [name for e in events[start:end] if e.get("event") == "bot" for name in response_names(e)]


def said_this_turn(events: list[dict]) -> list[str]:
    """The responses of the ``bot`` events since the person's last message, in order."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    return [name for e in events[last_user + 1:] if e.get("event") == "bot" for name in response_names(e)]
