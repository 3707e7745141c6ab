"""Deleting what the assistant keeps about people: old handoffs after the retention period, and
everything about one conversation on request (tracker store, handoffs, feedback).

>>> import tempfile, pathlib
>>> from bot.handoffs import save_handoff
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = save_handoff("conv-9", "routine", "callback", path=folder / "h.db")
>>> forget("conv-9", handoffs_db=folder / "h.db", tracker_db=folder / "t.db")
{'handoffs': 1, 'feedback': 0, 'undelivered': 0, 'tracker events': 0}
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from bot.handoffs import forget_conversation, purge_older_than
from bot.paths import tracker_db_path

RETENTION_ENV = "BOT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90


def retention_days() -> int:
    """``$BOT_RETENTION_DAYS`` or 90."""
    return int(os.environ.get(RETENTION_ENV, DEFAULT_RETENTION_DAYS))


def _tracker_delete(tracker_db: Path, where: str, params: list) -> int:
    if not Path(tracker_db).exists():
        return 0
    with sqlite3.connect(tracker_db, timeout=10) as connection:
        if not connection.execute("select 1 from sqlite_master where name = 'events'").fetchone():
            return 0
        return connection.execute(f"delete from events where {where}", params).rowcount


def forget(conversation_id: str, handoffs_db: Path | None = None, tracker_db: Path | None = None) -> dict:
    """Remove a conversation everywhere; returns how many rows went from each place."""
    return {
        **forget_conversation(conversation_id, handoffs_db),
        "tracker events": _tracker_delete(tracker_db or tracker_db_path(), "sender_id = ?", [conversation_id]),
    }


def purge(days: int | None = None, handoffs_db: Path | None = None, tracker_db: Path | None = None,
          now: dt.datetime | None = None) -> dict:
    """Delete handoffs created, and conversations last active, more than ``days`` ago (default: the
    retention period); returns how many rows went."""
    days = retention_days() if days is None else days
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = (now - dt.timedelta(days=days)).timestamp()
    return {
        **purge_older_than(days, handoffs_db, now=now),
        "tracker events": _tracker_delete(  # whole conversations whose last message is that old
            tracker_db or tracker_db_path(),
            "sender_id in (select sender_id from events group by sender_id having max(timestamp) < ?)", [cutoff]),
    }
