""""Was this helpful?" answers from the web widget, kept in the handoffs database
(``feedback`` table, ``bot/records/db.py``): conversation, topic, yes/no, channel, time. Never the person's words.
``python -m bot forget`` and ``purge`` delete them with the rest of a conversation.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> record_feedback("conv-1", "denosumab", True, channel="webchat", path=db)["helpful"]
1
>>> summary(path=db)
[{'topic': 'denosumab', 'helpful': 1, 'not_helpful': 0}]
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.records import db as handoff_db
from bot.records.db import FEEDBACK


class FeedbackError(ValueError):
    """Feedback that names no known topic or is not a yes/no."""


def record_feedback(conversation_id: str, topic: str, helpful: bool, channel: str = "",
                    path: Path | str | None = None, known_topics: set[str] | None = None) -> dict:
    """Store one answer; returns the stored row. Raises ``FeedbackError`` for a bad topic/value."""
    if not isinstance(helpful, bool):
        raise FeedbackError("helpful must be true or false")
    if not isinstance(topic, str) or not topic or (known_topics is not None and topic not in known_topics):
        raise FeedbackError("unknown topic")
    row = {"conversation_id": conversation_id, "topic": topic, "helpful": int(helpful),
           "channel": channel, "created": handoff_db.now()}
    with handoff_db.engine(path).begin() as conn:
        row_id = conn.execute(FEEDBACK.insert().values(**row)).inserted_primary_key[0]
    return handoff_db.rows("feedback", path, id=row_id)[0]


def summary(path: Path | str | None = None) -> list[dict]:
    """Per topic, how many said helpful and not helpful, most answered first."""
    query = (select(FEEDBACK.c.topic, func.sum(FEEDBACK.c.helpful).label("helpful"),
                    func.sum(1 - FEEDBACK.c.helpful).label("not_helpful"))
             .group_by(FEEDBACK.c.topic).order_by(func.count().desc(), FEEDBACK.c.topic))
    with handoff_db.engine(path).connect() as conn:
        return [{**row, "helpful": int(row["helpful"]), "not_helpful": int(row["not_helpful"])}
                for row in conn.execute(query).mappings()]
