"""Keeping a handoff to the nurse helpline, never losing it: stored in the handoffs database
(``bot/records/handoff_store.py``), after any handoffs still waiting in this node's pending file;
kept in that file when the database cannot be written (``bot/records/handoff_spool.py``). Merge
rules, urgencies and the nurse's note: ``bot/records/handoff_rules.py``.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> first = save_handoff("conv-1", "routine", "second_miss", path=db)
>>> save_handoff("conv-1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)["id"] == first["id"]
True
"""
from __future__ import annotations

import logging

from bot.records import handoff_spool, handoff_store
from bot.records.handoff_rules import checked_reasons, red_flag_handoff
from bot.records.handoff_spool import keep_pending, replay_quietly
from bot.records.handoff_store import Where, delete_conversation

logger = logging.getLogger(__name__)

def save_handoff(conversation_id: str, urgency: str, reason: str, path: Where = None, **fields) -> dict:
    """Create the conversation's open handoff or add to it (after any handoffs waiting in the
    pending file: a line that is not a handoff is quarantined, never in the way); returns the
    stored record. ``fields``: see ``_store``."""
    replay_quietly(path)
    return handoff_store.store_handoff(conversation_id, urgency, reason, path=path, **fields)


def save_or_spool(conversation_id: str, urgency: str, reason: str, path: Where = None, **fields) -> bool:
    """``save_handoff``, but if the database cannot be written the handoff is appended to the
    pending file (replayed by the next successful write, and every 30 s by a timer) so it is never
    lost. Returns True when the handoff is safely kept somewhere; False when nothing could be
    written at all (a full disk): the caller must not tell the person it was sent. Errors are logged without personal details."""
    checked_reasons(urgency, reason, fields.get("earlier_reason"))
    try:
        save_handoff(conversation_id, urgency, reason, path=path, **fields)
        return True
    except Exception as error:  # noqa: BLE001 - any storage failure; the caller still helps the person
        logger.error("handoff database write failed (%s); keeping it in the pending file", type(error).__name__)
    return keep_pending(conversation_id, urgency, reason, path, fields)


def spool_handoff(conversation_id: str, urgency: str, reason: str, path: Where = None, **fields) -> bool:
    """Put a handoff straight in the pending file (the database did not answer in time); True when kept."""
    checked_reasons(urgency, reason, fields.get("earlier_reason"))
    return keep_pending(conversation_id, urgency, reason, path, fields)


def record_red_flags(conversation_id: str, message: str, channel: str = "", path: Where = None,
                     intent: str | None = None) -> dict | None:
    """Check ``message`` for red flags (``red_flag_handoff``) and add them to the conversation's
    handoff; None when there are none. The message itself is not stored. When the database
    cannot be written the handoff waits in the pending file (None returned)."""
    found = red_flag_handoff(message, intent)
    if found is None:
        return None
    urgency, flags = found
    fields = {"red_flags": flags, "channel": channel}
    try:
        return save_handoff(conversation_id, urgency, "red_flag", path=path, **fields)
    except Exception as error:  # noqa: BLE001 - the person already has the urgent advice
        logger.error("red-flag handoff write failed (%s); keeping it in the pending file", type(error).__name__)
        keep_pending(conversation_id, urgency, "red_flag", path, fields)
        return None


def forget_conversation(conversation_id: str, path: Where = None) -> dict[str, int]:
    """Delete everything stored about a conversation here: its rows in the handoffs database and
    its lines in this node's pending and quarantine files; returns how many went from each."""
    pending = handoff_spool.forget_pending(conversation_id, path)  # first: none can be replayed after
    counts = delete_conversation(conversation_id, path)
    return {**counts, "pending handoffs": pending}
