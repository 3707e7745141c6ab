"""Deleting what the assistant keeps about people: old handoffs after the retention period, and
everything about one conversation on request (tracker store, handoffs, feedback, undelivered
messages, the pending and quarantine files).

>>> import tempfile, pathlib
>>> from bot.handoffs import save_handoff
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = save_handoff("conv-9", "routine", "callback", path=folder / "h.db")
>>> forget("conv-9", handoffs_db=folder / "h.db", tracker_db=folder / "t.db")  # doctest: +NORMALIZE_WHITESPACE
{'handoffs': 1, 'feedback': 0, 'undelivered': 0, 'pending handoffs': 0, 'pending undelivered': 0,
 'tracker events': 0}
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path

from bot.handoffs import forget_conversation, purge_older_than
from bot.paths import tracker_db_path

logger = logging.getLogger(__name__)

RETENTION_ENV = "BOT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90
SQLITE_WAIT_MS = 5000  # how long forget/purge wait for the Rasa server's reads to finish


def retention_days() -> int:
    """``$BOT_RETENTION_DAYS`` or 90."""
    return int(os.environ.get(RETENTION_ENV, DEFAULT_RETENTION_DAYS))


def tracker_location() -> str | Path:
    """Rasa's tracker store: ``$BOT_TRACKER_URL`` (a database URL: set it to the PostgreSQL URL of
    ``deploy/endpoints.postgres.yml``), else the SQLite file ``bot.paths.tracker_db_path()``."""
    return os.environ.get("BOT_TRACKER_URL") or tracker_db_path()


def _tracker_delete(tracker: Path | str, where: str, params: dict, forgetting: str | None = None,
                    marks_before: float | None = None) -> int:
    """Delete Rasa ``events`` rows matching ``where`` (SQL with ``:named`` parameters). With
    ``forgetting`` (a conversation id), first leave the mark that stops a turn in progress from
    writing it back, in the same transaction (``bot/forgotten.py``); with ``marks_before``, delete
    the marks older than that."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.pool import NullPool

    from bot import forgotten
    from bot.handoff_db import as_url

    if "://" not in str(tracker) and not Path(tracker).exists():
        return 0
    engine = create_engine(as_url(tracker), future=True, poolclass=NullPool)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        sqlite = engine.dialect.name == "sqlite"
        forgotten.create_table(engine)
        with engine.connect() as conn:
            if sqlite:  # overwrite what is deleted instead of leaving it in free pages; wait for Rasa's reads
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
                conn.commit()
            if forgetting is not None:
                forgotten.serialise(conn, forgetting)
                forgotten.mark(conn, forgetting, time.time())
            deleted = conn.execute(text(f"delete from events where {where}"), params).rowcount
            if marks_before is not None:
                forgotten.purge_marks(conn, marks_before)
            conn.commit()
            if sqlite:  # the write-ahead log still holds the old pages: copy them back and empty it
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
                conn.commit()
                if busy:
                    logger.warning("tracker store busy: deleted rows may stay in its write-ahead log until "
                                   "the next checkpoint; run the command again when it is quieter")
            return deleted
    finally:
        engine.dispose()


def forget(conversation_id: str, handoffs_db: Path | str | None = None, tracker_db: Path | str | None = None) -> dict:
    """Remove a conversation everywhere: its rows in the handoffs database, its lines in this node's
    pending and quarantine files, its tracker events (and a turn in progress cannot write them
    back: ``bot/forgotten.py``); returns how many went from each place."""
    from bot import spool, undelivered

    return {
        **forget_conversation(conversation_id, handoffs_db),
        "pending undelivered": spool.remove_matching(undelivered.pending_path(handoffs_db), conversation_id),
        "tracker events": _tracker_delete(tracker_db or tracker_location(), "sender_id = :sender",
                                          {"sender": conversation_id}, forgetting=conversation_id),
    }


def purge(days: int | None = None, handoffs_db: Path | str | None = None, tracker_db: Path | str | None = None,
          now: dt.datetime | None = None) -> dict:
    """Delete handoffs resolved (never open ones: ``bot.handoffs.open_older_than`` lists those),
    feedback, undelivered messages and staff audit lines created, and conversations last active,
    more than ``days`` ago (default: the retention period), and ended staff sessions; returns how
    many rows went."""
    days = retention_days() if days is None else days
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = (now - dt.timedelta(days=days)).timestamp()
    from bot.staff_records import purge_audit

    return {
        **purge_older_than(days, handoffs_db, now=now),
        **purge_audit(days, handoffs_db, now=now),
        "tracker events": _tracker_delete(  # whole conversations whose last message is that old
            tracker_db or tracker_location(),
            "sender_id in (select sender_id from events group by sender_id having max(timestamp) < :cutoff)",
            {"cutoff": cutoff}, marks_before=cutoff),
    }
