""""Was this helpful?" answers from the web widget, kept in the handoffs database
(``feedback`` table): conversation, topic, yes/no, channel, time. Never the person's words.
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

from bot import handoffs
from bot.handoffs import open_db


class FeedbackError(ValueError):
    """Feedback that names no known topic or is not a yes/no."""


def record_feedback(conversation_id: str, topic: str, helpful: bool, channel: str = "",
                    path: Path | None = None, known_topics: set[str] | None = None) -> dict:
    """Store one answer; returns the stored row. Raises ``FeedbackError`` for a bad topic/value."""
    if not isinstance(helpful, bool):
        raise FeedbackError("helpful must be true or false")
    if not isinstance(topic, str) or not topic or (known_topics is not None and topic not in known_topics):
        raise FeedbackError("unknown topic")
    row = {"conversation_id": conversation_id, "topic": topic, "helpful": int(helpful),
           "channel": channel, "created": handoffs._now()}
    table = open_db(path)["feedback"]
    table.insert(row)
    return table.get(table.last_pk)


def summary(path: Path | None = None) -> list[dict]:
    """Per topic, how many said helpful and not helpful, most answered first."""
    return list(open_db(path).query(
        "select topic, sum(helpful) as helpful, sum(1 - helpful) as not_helpful from feedback "
        "group by topic order by count(*) desc, topic"))
