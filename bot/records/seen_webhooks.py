"""Webhooks already processed, by the provider's message id (Twilio's ``MessageSid``), so that a
provider's retry of one webhook is not processed twice, by any process: the ids are rows of the
handoffs database (``seen_webhooks``), kept for ``KEEP_HOURS`` (a day; Twilio retries within
minutes) and deleted after.

If the database cannot be reached the message counts as new (answering twice is better than
never); the error type is logged.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> first_time("SM1", path=db), first_time("SM1", path=db), first_time("SM2", path=db)
(True, False, True)
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.records import db as handoff_db
from bot.records.db import SEEN_WEBHOOKS

logger = logging.getLogger(__name__)

KEEP_HOURS = 24


def first_time(message_id: str, path: Path | str | None = None, now: dt.datetime | None = None) -> bool:
    """Note ``message_id`` as seen; True if no process had seen it in the last ``KEEP_HOURS``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    expired = (now - dt.timedelta(hours=KEEP_HOURS)).isoformat(timespec="seconds")
    try:
        with handoff_db.engine(path).begin() as conn:
            conn.execute(delete(SEEN_WEBHOOKS).where(SEEN_WEBHOOKS.c.seen_at < expired))
            conn.execute(SEEN_WEBHOOKS.insert().values(message_id=message_id,
                                                       seen_at=now.isoformat(timespec="seconds")))
        return True
    except IntegrityError:
        return False
    except Exception as error:  # noqa: BLE001 - process it rather than drop it
        logger.error("could not check for a repeated webhook (%s); processing it", type(error).__name__)
        return True


def forget_seen(message_id: str, path: Path | str | None = None) -> None:
    """Let the provider's retry of ``message_id`` be processed after all (best effort, logged)."""
    try:
        with handoff_db.engine(path).begin() as conn:
            conn.execute(delete(SEEN_WEBHOOKS).where(SEEN_WEBHOOKS.c.message_id == message_id))
    except Exception as error:  # noqa: BLE001
        logger.error("could not un-note a webhook (%s)", type(error).__name__)
