"""Deleting what our records keep about people: old handoffs, feedback, undelivered messages and
staff audit lines after the retention period, and everything about one conversation on request
(handoffs, feedback, undelivered messages, the pending and quarantine files). Rasa's tracker
events go too, by ``rasa36/tracker_tables.py``'s ``forget`` and ``purge``, which call these.

>>> import tempfile, pathlib
>>> from bot.records.handoffs import save_handoff
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = save_handoff("conv-9", "routine", "callback", path=folder / "h.db")
>>> forget_records("conv-9", handoffs_db=folder / "h.db")
{'handoffs': 1, 'feedback': 0, 'undelivered': 0, 'pending handoffs': 0, 'pending undelivered': 0}
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from bot import settings
from bot.records.handoff_store import purge_older_than
from bot.records.handoffs import forget_conversation

logger = logging.getLogger(__name__)

RETENTION_ENV = "BOT_RETENTION_DAYS"


def retention_days() -> int:
    """``$BOT_RETENTION_DAYS`` or 90."""
    return settings.integer(RETENTION_ENV)


def forget_records(conversation_id: str, handoffs_db: Path | str | None = None) -> dict:
    """Remove a conversation from our records: its rows in the handoffs database and its lines in
    this node's pending and quarantine files; returns how many went from each place. (Its Rasa
    tracker events: ``rasa36.tracker_tables.forget``, which calls this.)"""
    from bot.records import spool, undelivered

    return {
        **forget_conversation(conversation_id, handoffs_db),
        "pending undelivered": spool.remove_matching(undelivered.pending_path(handoffs_db), conversation_id),
    }


def purge_records(days: int | None = None, handoffs_db: Path | str | None = None,
                  now: dt.datetime | None = None) -> dict:
    """Delete handoffs resolved (never open ones: ``bot.records.handoff_store.open_older_than``
    lists those), feedback, undelivered messages and staff audit lines created more than ``days``
    ago (default: the retention period), and ended staff sessions; returns how many rows went."""
    from bot.records.staff_sessions import purge_audit

    days = retention_days() if days is None else days
    now = now or dt.datetime.now(dt.timezone.utc)
    return {**purge_older_than(days, handoffs_db, now=now), **purge_audit(days, handoffs_db, now=now)}
