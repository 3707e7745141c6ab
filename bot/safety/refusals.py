"""The red-flag check for messages a channel does not pass to the assistant: one over the length
cap, or one refused by a rate limit. Such a message is still checked first; if it shows a red
flag the person gets the urgent advice (the same ``domain.yml`` response the assistant would send)
before the channel's own reply, and a handoff is recorded.

>>> urgent_advice("my legs have gone weak " * 300).response
'utter_emergency_spinal_cord'
>>> urgent_advice("what is denosumab? " * 300) is None
True
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import yaml

from bot.paths import project_root
from bot.safety import check

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Advice:
    """The urgent reply for a refused message: the response's name, its text and buttons."""

    response: str
    text: str
    buttons: tuple[dict, ...] = ()


@functools.lru_cache(maxsize=1)
def _responses() -> dict:
    domain = yaml.safe_load((project_root() / "domain.yml").read_text(encoding="utf-8"))
    return domain.get("responses") or {}


def response(name: str) -> Advice:
    """A ``domain.yml`` response by name (its first variant)."""
    first = _responses()[name][0]
    return Advice(name, first.get("text", ""), tuple(first.get("buttons") or ()))


def urgent_advice(raw: object) -> Advice | None:
    """The urgent advice for ``raw`` (any text a person sent), or None when it shows no red flag.

    When the check is not sure it would normally ask "is this happening now?"; a refused message
    gets no follow-up, so it gets the safe advice itself (``utter_safety_now``). A crisis beside a
    physical sign adds the crisis reply after the sign's."""
    if not isinstance(raw, str):
        return None
    result = check(raw)
    if not result.flagged:
        return None
    advice = response("utter_safety_now" if result.decision == "check" else f"utter_{result.intent}")
    if result.also:  # a crisis beside the physical sign: its reply follows the sign's, in the same message
        advice = Advice(advice.response, advice.text + "\n\n" + response(f"utter_{result.also}").text, advice.buttons)
    return advice
