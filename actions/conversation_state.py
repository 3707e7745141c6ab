"""What the actions read from a tracker: the latest message's text and intent, and whether the
conversation is waiting for a nurse (``bot.records.handoffs``).

The handoffs database is only ever called off the action server's event loop (``off_the_loop``:
a small thread pool, at most ``BOT_HANDOFFS_DB_TIMEOUT`` seconds, 1.5 by default, well inside
Rasa's action time-out), so a database that stops answering (a SQLite file another writer holds,
a PostgreSQL that accepts connections and never replies) delays only its own conversation.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import settings
from bot.records.handoff_store import is_with_nurse

logger = logging.getLogger(__name__)

TIMEOUT_ENV = "BOT_HANDOFFS_DB_TIMEOUT"
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="handoffs-db")


async def off_the_loop(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in the handoffs thread pool; ``asyncio.TimeoutError`` after
    ``$BOT_HANDOFFS_DB_TIMEOUT`` seconds (the call may go on in its thread; one still queued is dropped)."""
    timeout = settings.number(TIMEOUT_ENV)
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(_POOL, call), timeout)


def latest_text(tracker: Tracker) -> str:
    """The latest user message's text ("" when there is none)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    """The latest user message's intent name, or None."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


async def with_nurse(tracker: Tracker) -> bool:
    """True while this conversation waits for a nurse; a database problem or no answer in time
    counts as False (the person then gets answers rather than silence)."""
    try:
        return await off_the_loop(is_with_nurse, tracker.sender_id)
    except asyncio.TimeoutError:
        logger.error("the handoffs database did not answer in time; answering as if not with a nurse")
        return False
    except Exception:  # noqa: BLE001
        logger.exception("could not read the handoff status")
        return False


async def left_to_nurse(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """While the conversation waits for a nurse, say so and return True: the caller answers nothing."""
    if await with_nurse(tracker):
        dispatcher.utter_message(response="utter_with_nurse")
        return True
    return False
