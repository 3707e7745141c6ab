"""Messages a channel could not deliver, kept so none is lost silently (handoffs database,
``undelivered`` table): conversation, channel, address, text, the error, attempts, when.

``python -m bot undelivered`` lists them; ``--retry`` sends them again (WhatsApp, through
Twilio with the ``TWILIO_*`` settings) and marks the ones that went. Purged with the rest of a
conversation (``python -m bot forget`` / ``purge``).

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> record("wa-1", "whatsapp", "whatsapp:+447911123456", "Hello", "HTTP 503", 3, path=db)["error"]
'HTTP 503'
>>> [row["conversation_id"] for row in waiting(path=db)]
['wa-1']
"""
from __future__ import annotations

from pathlib import Path

from bot import handoffs


def record(conversation_id: str, channel: str, address: str, body: str, error: str, attempts: int,
           path: Path | None = None) -> dict:
    """Keep one message that could not be delivered; returns the stored row."""
    table = handoffs.open_db(path)["undelivered"]
    table.insert({"conversation_id": conversation_id, "channel": channel, "address": address, "body": body,
                  "error": error, "attempts": attempts, "created": handoffs._now()})
    return table.get(table.last_pk)


def waiting(path: Path | None = None) -> list[dict]:
    """Messages not delivered yet, oldest first."""
    return list(handoffs.open_db(path)["undelivered"].rows_where("delivered_at is null", order_by="id"))


def mark_delivered(row_id: int, path: Path | None = None) -> None:
    handoffs.open_db(path)["undelivered"].update(row_id, {"delivered_at": handoffs._now()})


def mark_failed_again(row_id: int, error: str, path: Path | None = None) -> None:
    table = handoffs.open_db(path)["undelivered"]
    table.update(row_id, {"error": error, "attempts": table.get(row_id)["attempts"] + 1})


async def retry_all(config, path: Path | None = None) -> tuple[int, int]:
    """Send every waiting WhatsApp message again; returns (delivered, still failing)."""
    import aiohttp

    from bot.twilio_api import DeliveryError, send_message

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
