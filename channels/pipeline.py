"""What every channel does with a person's message, in one place, so the three channels cannot drift:

1. ``incoming`` (``bot/incoming.py``): the text Rasa gets, or None (not text, empty: the channel
   ignores it kindly), or ``/message_too_long``.
2. The rate limit the channel gives (``bot/rate_limit.py``).
3. **Safety first for what is refused**: a message over a limit or over the length cap is still
   read by the red-flag check, and its urgent advice comes before the channel's own reply
   (``channels/refused.py``).
4. The turn, in arrival order with the process's other turns (``serving/turns.py``); a failure is
   logged, never shown.
5. **Never silent**: when the turn sent nothing (the action server down or too slow) the channel
   sends ``content/messaging.yml``'s ``something_went_wrong`` (helpline and emergency numbers).

A channel calls ``admit``, says what it returns, then ``run_turn``; it keeps only its own wire
format (JSON, socket.io events, TwiML and the Twilio API).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.content.plain_text import messaging_words
from bot.incoming import TOO_LONG, incoming
from bot.safety.refusals import Advice
from channels.refused import advice_for_refused
from serving.turns import process_turns

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Admitted:
    """What to do with one message: ``text`` for Rasa (None: nothing to answer), the urgent
    ``advice`` to send first (or None), and whether the rate limit refused it (``limited``: send
    ``slow_down`` after any advice and stop)."""

    text: str | None
    advice: Advice | None = None
    limited: bool = False

    @property
    def too_long(self) -> bool:
        return self.text == TOO_LONG


async def admit(raw: object, conversation_id: str, channel: str,
                allowed: Callable[[], Awaitable[bool]]) -> Admitted:
    """Steps 1-3 for ``raw`` (what the person sent) in ``conversation_id``; ``allowed`` asks the
    channel's rate limit. Never raises."""
    text = incoming(raw)
    if text is None:
        return Admitted(None)
    limited = not await allowed()
    advice = await advice_for_refused(raw, conversation_id, channel) if limited or text == TOO_LONG else None
    return Admitted(text, advice, limited)


async def run_turn(channel: str, turn: Callable[[], Awaitable[object]]) -> None:
    """Step 4: ``turn()`` (Rasa's ``on_new_message``) in its place among this process's turns;
    a failure is logged without the person's words, and the channel then sends ``fallback()``."""
    try:
        async with process_turns().turn():
            await turn()
    except Exception as exc:  # noqa: BLE001 - the person still gets an answer
        logger.error("%s: the assistant failed on a message (%s)", channel, type(exc).__name__)


def slow_down() -> str:
    """The reply to a message over a rate limit."""
    return messaging_words()["slow_down"]


def fallback() -> str:
    """Step 5: the reply when a turn sent nothing."""
    return messaging_words()["something_went_wrong"]
