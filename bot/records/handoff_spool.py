"""Handoffs kept in this node's pending file while the handoffs database cannot be written, and
put into it later: by the next successful write, and by a timer every 30 s, so none is lost.
Lines that are not handoffs go to a quarantine file, never in the way (``bot/records/spool.py``).
"""
from __future__ import annotations

import logging
from pathlib import Path

from bot import settings
from bot.records import db as handoff_db
from bot.records import handoff_store, replay_timer, spool
from bot.records.handoff_store import Where

logger = logging.getLogger(__name__)

def pending_path(path: Where = None) -> Path:
    """Where handoffs wait when the database cannot be written: beside a SQLite file
    (``handoffs.pending.jsonl``); for a server database, on this node: ``$BOT_HANDOFFS_SPOOL`` or
    ``var/handoffs.pending.jsonl``."""
    file = handoff_db.sqlite_file(path)
    if file is None:
        return settings.path("BOT_HANDOFFS_SPOOL")
    return file.with_name(file.stem + ".pending.jsonl")


def keep_pending(conversation_id: str, urgency: str, reason: str, path: Where, fields: dict) -> bool:
    """Append a handoff to the pending file (``bot/records/spool.py``: mode 0600, whole lines, synced);
    False if even that fails (a full disk: nothing was kept anywhere). Starts the replay timer."""
    try:
        target = pending_path(path)
    except Exception as error:  # noqa: BLE001
        logger.error("handoff could not be kept at all (%s)", type(error).__name__)
        return False
    kept = spool.append(target, {"conversation_id": conversation_id, "urgency": urgency, "reason": reason,
                                 "fields": {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}})
    if kept:
        start_replay_timer(path)
    else:
        logger.error("HANDOFF NOT KEPT: neither the handoffs database nor the pending file could be written")
    return kept


def _replay_one(item: dict, path: Where) -> None:
    """Store one pending line; ``ValueError``/``TypeError``/``KeyError`` when it is not a handoff."""
    fields = item["fields"]
    if not isinstance(fields, dict):
        raise TypeError("fields is not an object")
    handoff_store.store_handoff(str(item["conversation_id"]), item["urgency"], item["reason"], path=path, **fields)


def replay_pending(path: Where = None) -> dict[str, int]:
    """Put the handoffs waiting in the pending file into the database (bad lines to the
    quarantine file, logged); returns how many were replayed and quarantined. Raises the
    database's error when it still cannot be written (the rest stay pending, in order)."""
    return spool.replay(pending_path(path), lambda item: _replay_one(item, path))


def replay_quietly(path: Where) -> None:
    """``replay_pending``, never raising: the new handoff is written (or spooled) after it anyway."""
    try:
        replay_pending(path)
    except Exception as error:  # noqa: BLE001 - the database is still down: the new write will tell
        logger.error("pending handoffs could not be replayed yet (%s)", type(error).__name__)


def pending_status(path: Where = None) -> dict[str, int]:
    """How many handoffs wait in this node's pending file and how many are quarantined (bad lines)."""
    return spool.counts(pending_path(path))


def start_replay_timer(path: Where = None, seconds: float | None = None) -> None:
    """Replay this pending file in a background thread until it is empty (``bot/records/replay_timer.py``);
    started when a handoff is kept here, and by the action server at start-up."""
    replay_timer.start(pending_path(path), lambda: replay_quietly(path), seconds)


def forget_pending(conversation_id: str, path: Where = None) -> int:
    """Remove a conversation's lines from the pending and quarantine files; returns how many went."""
    return spool.remove_matching(pending_path(path), conversation_id)
