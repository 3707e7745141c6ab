"""Safety first for messages a channel refuses (over the length cap, over a rate limit): the
red-flag check still reads them, off the event loop, and the person gets the urgent advice before
the channel's own reply (``bot/safety/refusals.py``). Used by every channel of ours."""
from __future__ import annotations

import asyncio
import logging

from bot.records.handoffs import record_red_flags
from bot.safety.refusals import Advice, urgent_advice

logger = logging.getLogger(__name__)


async def advice_for_refused(raw: object, conversation_id: str, channel: str) -> Advice | None:
    """The urgent advice for a refused message, or None; a handoff is recorded when there is some.
    Never raises: a fault here must not cost the person the channel's own reply."""
    loop = asyncio.get_running_loop()
    try:
        advice = await loop.run_in_executor(None, urgent_advice, raw)
        if advice is not None:
            await loop.run_in_executor(None, record, conversation_id, str(raw), channel)
        return advice
    except Exception as exc:  # noqa: BLE001
        logger.error("%s: could not check a refused message for red flags (%s)", channel, type(exc).__name__)
        return None


def record(conversation_id: str, raw: str, channel: str) -> None:
    """Add the refused message's red flags to the conversation's handoff (never raises)."""
    try:
        record_red_flags(conversation_id, raw, channel=channel)
    except Exception as error:  # noqa: BLE001 - the person already has the advice
        logger.error("could not record a refused message's red flag (%s)", type(error).__name__)
