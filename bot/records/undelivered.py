"""Messages a channel could not deliver, kept so none is lost silently (handoffs database,
``undelivered`` table, ``bot/records/db.py``): conversation, channel, address, text, the error, attempts, when.

``python -m bot undelivered`` lists them; ``--retry`` sends them again (WhatsApp, through
Twilio with the ``TWILIO_*`` settings) and marks the ones that went. Purged with the rest of a
conversation (``python -m bot forget`` / ``purge``).

When the database cannot be written either, ``keep`` puts the message in this node's pending
file (``undelivered.pending.jsonl`` beside the handoffs' one, ``bot/records/spool.py``); the next
``keep`` and every ``retry_all`` put it into the table first.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> record("wa-1", "whatsapp", "whatsapp:+447911123456", "Hello", "HTTP 503", 3, path=db)["error"]
'HTTP 503'
>>> [row["conversation_id"] for row in waiting(path=db)]
['wa-1']
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select, update

from bot.records import db as handoff_db
from bot.records import handoff_spool, spool
from bot.records.db import UNDELIVERED

logger = logging.getLogger(__name__)

FIELDS = ("conversation_id", "channel", "address", "body", "error", "attempts")


def pending_path(path: Path | str | None = None) -> Path:
    """This node's file of undelivered messages that could not be put in the database."""
    return handoff_spool.pending_path(path).with_name("undelivered.pending.jsonl")


def keep(conversation_id: str, channel: str, address: str, body: str, error: str, attempts: int,
         path: Path | str | None = None) -> bool:
    """``record``, or the pending file when the database cannot be written; False (logged) only
    when neither could keep the message."""
    item = dict(zip(FIELDS, (conversation_id, channel, address, body, error, attempts)))
    try:
        replay_pending(path)
        record(conversation_id, channel, address, body, error, attempts, path=path)
        return True
    except Exception as failure:  # noqa: BLE001
        logger.error("undelivered message: database write failed (%s); keeping it in the pending file",
                     type(failure).__name__)
    return spool.append(pending_path(path), item)


def replay_pending(path: Path | str | None = None) -> dict[str, int]:
    """Put the messages of the pending file into the table (see ``bot/records/spool.py``)."""
    return spool.replay(pending_path(path), lambda item: record(**{k: item[k] for k in FIELDS}, path=path))


def record(conversation_id: str, channel: str, address: str, body: str, error: str, attempts: int,
           path: Path | str | None = None) -> dict:
    """Keep one message that could not be delivered; returns the stored row."""
    with handoff_db.engine(path).begin() as conn:
        row_id = conn.execute(UNDELIVERED.insert().values(
            conversation_id=conversation_id, channel=channel, address=address, body=body, error=error,
            attempts=attempts, created=handoff_db.now())).inserted_primary_key[0]
    return handoff_db.rows("undelivered", path, id=row_id)[0]


def waiting(path: Path | str | None = None) -> list[dict]:
    """Messages not delivered yet, oldest first."""
    with handoff_db.engine(path).connect() as conn:
        query = select(UNDELIVERED).where(UNDELIVERED.c.delivered_at.is_(None)).order_by(UNDELIVERED.c.id)
        return [dict(row) for row in conn.execute(query).mappings()]


def mark_delivered(row_id: int, path: Path | str | None = None) -> None:
    with handoff_db.engine(path).begin() as conn:
        conn.execute(update(UNDELIVERED).where(UNDELIVERED.c.id == row_id).values(delivered_at=handoff_db.now()))


def mark_failed_again(row_id: int, error: str, path: Path | str | None = None) -> None:
    with handoff_db.engine(path).begin() as conn:
        conn.execute(update(UNDELIVERED).where(UNDELIVERED.c.id == row_id)
                     .values(error=error, attempts=UNDELIVERED.c.attempts + 1))


async def retry_all(config, path: Path | str | None = None) -> tuple[int, int]:
    """Send every waiting WhatsApp message again; returns (delivered, still failing)."""
    import aiohttp

    from bot.twilio_api import DeliveryError, send_message

    replay_pending(path)
    sent = failed = 0
    async with aiohttp.ClientSession() as session:
        for row in waiting(path):
            try:
                await send_message(config, row["address"], row["body"], session)
            except DeliveryError as exc:
                mark_failed_again(row["id"], str(exc), path)
                failed += 1
            else:
                mark_delivered(row["id"], path)
                sent += 1
    return sent, failed
