"""Our code that reads and deletes rows of Rasa's tracker store (the ``events`` table, SQLite or
PostgreSQL): the conversations for the insight page and the gap report, forgetting a conversation
on request, and the retention purge. It lives on the Rasa side because it knows Rasa's table
layout; ``bot/`` gets the turns through ``read_turns`` and never opens these tables itself.

>>> import tempfile, pathlib
>>> from bot.records.handoffs import save_handoff
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = save_handoff("conv-9", "routine", "callback", path=folder / "h.db")
>>> forget("conv-9", handoffs_db=folder / "h.db", tracker_db=folder / "t.db")  # doctest: +NORMALIZE_WHITESPACE
{'handoffs': 1, 'feedback': 0, 'undelivered': 0, 'pending handoffs': 0, 'pending undelivered': 0,
 'tracker events': 0}
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from bot import settings
from bot.insight.figures import Turn, TurnReader, add_bot_event
from bot.paths import tracker_db_path
from bot.records.db import as_url
from bot.records.retention import forget_records, purge_records, retention_days

logger = logging.getLogger(__name__)

SQLITE_WAIT_MS = 5000  # how long forget/purge wait for the Rasa server's reads to finish


def tracker_location() -> str | Path:
    """Rasa's tracker store: ``$BOT_TRACKER_URL`` (a database URL: set it to the PostgreSQL URL of
    ``deploy/endpoints.postgres.yml``), else the SQLite file ``bot.paths.tracker_db_path()``."""
    return settings.text("BOT_TRACKER_URL") or tracker_db_path()


def delete_events(tracker: Path | str, where: str, params: dict, forgetting: str | None = None,
                    marks_before: float | None = None) -> int:
    """Delete Rasa ``events`` rows matching ``where`` (SQL with ``:named`` parameters). With
    ``forgetting`` (a conversation id), first leave the mark that stops a turn in progress from
    writing it back, in the same transaction (``rasa36/forgotten.py``); with ``marks_before``, delete
    the marks older than that."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.pool import NullPool

    from bot.records.db import as_url
    from rasa36 import forgotten

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


def tracker_engine(tracker: Path | str | None = None):
    """An engine on the tracker store (``bot.records.retention.tracker_location()`` by default), or None
    when it does not exist yet."""
    tracker = tracker or tracker_location()
    if "://" not in str(tracker) and not Path(tracker).exists():
        return None
    return create_engine(as_url(tracker), future=True, poolclass=NullPool)


def read_turns(since: float, until: float, tracker: Path | str | None = None) -> list[Turn]:
    """Every person's message between ``since`` and ``until`` (epoch seconds) with what came
    back, oldest first: one streamed query over that window's ``user`` and ``bot`` events."""
    engine = tracker_engine(tracker)
    if engine is None:
        return []
    try:
        if not inspect(engine).has_table("events"):
            return []
        query = text("SELECT sender_id, type_name, data FROM events WHERE timestamp >= :since "
                     "AND timestamp < :until AND type_name IN ('user', 'bot') ORDER BY id")
        turns: list[Turn] = []
        current: dict[str, Turn] = {}
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, max_row_buffer=2000).execute(
                query, {"since": since, "until": until})
            for sender, kind, raw in result:
                try:
                    data = json.loads(raw)
                except (TypeError, ValueError):
                    continue
                if kind == "user":
                    intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name") or ""
                    turn = Turn(sender, float(data.get("timestamp") or 0), data.get("input_channel") or "other",
                                data.get("text") or "", intent)
                    turns.append(turn)
                    current[sender] = turn
                elif sender in current:
                    add_bot_event(current[sender], data)
        return turns
    finally:
        engine.dispose()


def turn_reader(tracker: Path | str | None = None) -> TurnReader:
    """``read_turns`` on ``tracker`` (default ``tracker_location()``), as ``bot.insight`` takes it."""
    return functools.partial(read_turns, tracker=tracker)


def forget(conversation_id: str, handoffs_db: Path | str | None = None, tracker_db: Path | str | None = None) -> dict:
    """Remove a conversation everywhere: our records (``bot.records.retention.forget_records``) and
    its tracker events (and a turn in progress cannot write them back: ``rasa36/forgotten.py``);
    returns how many went from each place."""
    return {
        **forget_records(conversation_id, handoffs_db),
        "tracker events": delete_events(tracker_db or tracker_location(), "sender_id = :sender",
                                        {"sender": conversation_id}, forgetting=conversation_id),
    }


def purge(days: int | None = None, handoffs_db: Path | str | None = None, tracker_db: Path | str | None = None,
          now: dt.datetime | None = None) -> dict:
    """``bot.records.retention.purge_records``, and the conversations last active more than
    ``days`` ago (default: the retention period); returns how many rows went."""
    days = retention_days() if days is None else days
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = (now - dt.timedelta(days=days)).timestamp()
    return {
        **purge_records(days, handoffs_db, now=now),
        "tracker events": delete_events(  # whole conversations whose last message is that old
            tracker_db or tracker_location(),
            "sender_id in (select sender_id from events group by sender_id having max(timestamp) < :cutoff)",
            {"cutoff": cutoff}, marks_before=cutoff),
    }
