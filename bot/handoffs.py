"""Handoff records for the nurses, in a SQLite database of their own (``var/handoffs.db``).

Every emergency, crisis or urgent message creates one, marked with its urgency. The record
holds the red flags seen, never the person's words (no transcript without consent).

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> record = create_handoff("conv-1", "emergency", ["spinal_cord_compression"], channel="rest", path=db)
>>> [h["urgency"] for h in list_handoffs(path=db)]
['emergency']
>>> record_red_flags("conv-2", "my jaw hurts on zometa", path=db)["urgency"]
'urgent'
"""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

import sqlite_utils

from bot.paths import project_root

URGENCY_RANK = {"emergency": 0, "crisis": 1, "urgent": 2, "routine": 3}


def handoffs_db_path() -> Path:
    """``BOT_HANDOFFS_DB`` or ``var/handoffs.db``."""
    return Path(os.environ.get("BOT_HANDOFFS_DB", project_root() / "var" / "handoffs.db"))


def _db(path: Path | None) -> sqlite_utils.Database:
    path = Path(path or handoffs_db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    if "handoffs" not in db.table_names():
        db["handoffs"].create(
            {"id": str, "created": str, "conversation_id": str, "channel": str, "urgency": str,
             "reasons": str, "note": str, "status": str},
            pk="id",
        )
        db["handoffs"].create_index(["urgency", "created"])
    return db


def create_handoff(conversation_id: str, urgency: str, reasons: list[str], channel: str = "",
                   note: str = "", path: Path | None = None) -> dict:
    """Store a new handoff and return it. ``urgency`` is emergency, crisis, urgent or routine."""
    if urgency not in URGENCY_RANK:
        raise ValueError(f"unknown urgency {urgency!r}")
    record = {
        "id": uuid.uuid4().hex,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "conversation_id": conversation_id,
        "channel": channel or "",
        "urgency": urgency,
        "reasons": json.dumps(list(reasons)),
        "note": note,
        "status": "new",
    }
    _db(path)["handoffs"].insert(record)
    return record


def list_handoffs(path: Path | None = None) -> list[dict]:
    """All handoffs, most urgent first, then oldest first."""
    rows = list(_db(path)["handoffs"].rows)
    return sorted(rows, key=lambda r: (URGENCY_RANK.get(r["urgency"], 9), r["created"]))


def record_red_flags(conversation_id: str, message: str, channel: str = "", path: Path | None = None) -> dict | None:
    """Check ``message`` for red flags and store one handoff for them; None when there are none.

    The urgency is the most urgent flag's; the note lists what was seen. The message itself is
    not stored.
    """
    from bot.safety import URGENCY_ORDER, check

    flags = check(message).flags
    if not flags:
        return None
    urgency = min((f.urgency for f in flags), key=URGENCY_ORDER.index)
    note = "; ".join(dict.fromkeys(f.description for f in flags))
    return create_handoff(conversation_id, urgency, [f.id for f in flags], channel=channel, note=note, path=path)
