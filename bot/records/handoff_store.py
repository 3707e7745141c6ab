"""Handoffs to the nurse helpline as rows of the handoffs database (``bot/records/db.py``: a SQLite file
``var/handoffs.db`` by default, PostgreSQL when ``BOT_HANDOFFS_DB`` is a ``postgresql://`` URL),
separate from the read-only content database.

One open handoff per conversation: a red flag, a call-back request or a second miss in the
same conversation update it (the most urgent urgency wins, reasons and flags add up). It holds
who it is about, contact details only with consent, the topics asked and answers given, the red
flags seen and a short note for the nurse; never the person's words.

Status: ``new`` -> ``claimed`` (by whom) -> ``resolved``. While ``with_nurse`` is set the
assistant does not answer topic questions in that conversation; staff hand it back (resolving
also hands back). Several nodes may add to the same handoff while staff change it: additions are
made inside one transaction on the open row, and never reopen or revive a resolved one.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> first = store_handoff("conv-1", "routine", "second_miss", path=db)
>>> merged = store_handoff("conv-1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)
>>> merged["id"] == first["id"], merged["urgency"], json.loads(merged["reasons"])
(True, 'urgent', ['second_miss', 'red_flag'])
>>> claim(first["id"], "sam", path=db)["status"]
'claimed'
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.records import db as handoff_db
from bot.records.db import HANDOFFS, OPEN, TABLES
from bot.records.handoff_rules import (
    CONTACT_FIELDS,
    STATUSES,
    URGENCY_RANK,
    HandoffError,
    checked_reasons,
    json_list,
    most_urgent,
    nurse_note,
    union,
)

Where = Path | str | None  # a SQLite file, a database URL, or None for ``$BOT_HANDOFFS_DB``


def _open_row(conn, conversation_id: str, lock: bool = False) -> dict | None:
    query = select(HANDOFFS).where(HANDOFFS.c.conversation_id == conversation_id, OPEN)
    query = query.order_by(HANDOFFS.c.created.desc()).limit(1)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    return dict(row) if row else None


def open_handoff(conversation_id: str, path: Where = None) -> dict | None:
    """The conversation's handoff that is not resolved yet, or None."""
    with handoff_db.engine(path).connect() as conn:
        return _open_row(conn, conversation_id)


def is_with_nurse(conversation_id: str, path: Where = None) -> bool:
    """True while the conversation is with a nurse (a call back was asked and not handed back)."""
    record = open_handoff(conversation_id, path)
    return bool(record and record["with_nurse"])


def store_handoff(conversation_id: str, urgency: str, reason: str, *, red_flags=(), channel: str = "",
           about: str = "", contact: dict | None = None, topics=(), answers=(),
           with_nurse: bool = False, earlier_reason: str | None = None, path: Where = None) -> dict:
    """Create or add to the open handoff.

    ``contact`` (keys contact_name, contact, contact_kind, good_time) is stored only because the
    person consented: the caller must not pass it otherwise. ``earlier_reason`` is why the
    helpline was offered before this (a second miss, say). Raises ``ValueError`` on an unknown
    urgency or reason, and whatever the database raises when it cannot be written.

    The open row is read and changed in one transaction (locked on PostgreSQL; SQLite takes the
    write lock at the start). Only the columns a handoff gathers are written, so a claim made at
    the same moment stays; another node creating the open handoff first makes this one retry and
    add to it instead.
    """
    reasons = checked_reasons(urgency, reason, earlier_reason)
    for attempt in range(3):
        try:
            with handoff_db.engine(path).begin() as conn:
                existing = _open_row(conn, conversation_id, lock=True) or {}
                record = {
                    "updated": handoff_db.now(),
                    "channel": channel or existing.get("channel") or "",
                    "urgency": most_urgent(urgency, existing.get("urgency")),
                    "reasons": json.dumps(union(json_list(existing.get("reasons")), reasons)),
                    "about": about or existing.get("about") or "",
                    "topics": json.dumps(union(json_list(existing.get("topics")), topics)),
                    "answers": json.dumps(union(json_list(existing.get("answers")), answers)),
                    "red_flags": json.dumps(union(json_list(existing.get("red_flags")), red_flags)),
                }
                if with_nurse or not existing:
                    record["with_nurse"] = int(with_nurse)
                if contact:
                    record.update({k: contact.get(k) or "" for k in CONTACT_FIELDS}, consent=1)
                record["note"] = nurse_note({**existing, **record})
                if existing:
                    conn.execute(update(HANDOFFS).where(HANDOFFS.c.id == existing["id"]).values(**record))
                    handoff_id = existing["id"]
                else:
                    handoff_id = uuid.uuid4().hex[:12]
                    conn.execute(HANDOFFS.insert().values(id=handoff_id, created=handoff_db.now(), status="new",
                                                          conversation_id=conversation_id, **record))
                return dict(conn.execute(select(HANDOFFS).where(HANDOFFS.c.id == handoff_id)).mappings().one())
        except IntegrityError:  # another node opened this conversation's handoff first: add to it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def list_handoffs(path: Where = None, include_resolved: bool = True) -> list[dict]:
    """Handoffs, most urgent first, then oldest first; resolved ones last (or left out)."""
    rows = [r for r in handoff_db.rows("handoffs", path) if include_resolved or r["status"] != "resolved"]
    return sorted(rows, key=lambda r: (r["status"] == "resolved", URGENCY_RANK.get(r["urgency"], 9), r["created"]))


def get_handoff(handoff_id: str, path: Where = None) -> dict:
    """One handoff by id; ``HandoffError`` if there is none."""
    found = handoff_db.rows("handoffs", path, id=handoff_id)
    if not found:
        raise HandoffError(f"no handoff {handoff_id!r}")
    return found[0]


def _change(handoff_id: str, changes: dict, path: Where, allowed=STATUSES, hand_back_by: str = "") -> dict:
    """Apply ``changes`` if the handoff's status (read and written in one transaction) is one of
    ``allowed``; ``HandoffError`` otherwise. With ``hand_back_by``, a conversation that is with a
    nurse is handed back too."""
    with handoff_db.engine(path).begin() as conn:
        row = conn.execute(select(HANDOFFS).where(HANDOFFS.c.id == handoff_id).with_for_update()).mappings().first()
        if row is None:
            raise HandoffError(f"no handoff {handoff_id!r}")
        if row["status"] not in allowed:
            raise HandoffError(f"this handoff is already {row['status']}")
        if hand_back_by and row["with_nurse"]:
            changes = {**changes, "with_nurse": 0, "handed_back_by": hand_back_by, "handed_back_at": handoff_db.now()}
        conn.execute(update(HANDOFFS).where(HANDOFFS.c.id == handoff_id).values(**changes, updated=handoff_db.now()))
    return get_handoff(handoff_id, path)


def claim(handoff_id: str, staff: str, path: Where = None) -> dict:
    """Mark a new or claimed handoff as claimed by ``staff``."""
    return _change(handoff_id, {"status": "claimed", "claimed_by": staff, "claimed_at": handoff_db.now()}, path,
                   allowed=("new", "claimed"))


def hand_back(handoff_id: str, staff: str, path: Where = None) -> dict:
    """Let the assistant answer topic questions in this conversation again."""
    return _change(handoff_id, {"with_nurse": 0, "handed_back_by": staff, "handed_back_at": handoff_db.now()}, path)


def resolve(handoff_id: str, staff: str, path: Where = None) -> dict:
    """Close the handoff; the conversation goes back to the assistant."""
    return _change(handoff_id, {"status": "resolved", "resolved_by": staff, "resolved_at": handoff_db.now()}, path,
                   hand_back_by=staff)


def _delete_where(path: Where, condition) -> dict[str, int]:
    counts = {}
    with handoff_db.engine(path).begin() as conn:
        for name in handoff_db.ABOUT_CONVERSATIONS:
            table = TABLES[name]
            counts[name] = conn.execute(delete(table).where(condition(table))).rowcount
    return counts


def _cutoff(days: int, now: dt.datetime | None) -> str:
    return ((now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)).isoformat(timespec="seconds")


def _purgeable(table, cutoff: str):
    """Handoffs: resolved, and resolved before ``cutoff`` (never an open one); the rest: created before it."""
    if table is not HANDOFFS:
        return table.c.created < cutoff
    return (HANDOFFS.c.status == "resolved") & (
        func.coalesce(HANDOFFS.c.resolved_at, HANDOFFS.c.updated, HANDOFFS.c.created) < cutoff)


def purge_older_than(days: int, path: Where = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete handoffs resolved more than ``days`` days ago (an open handoff is never deleted,
    however old: see ``open_older_than``), and feedback and undelivered messages created more
    than ``days`` ago; returns how many went from each table."""
    cutoff = _cutoff(days, now)
    return _delete_where(path, lambda table: _purgeable(table, cutoff))


def open_older_than(days: int, path: Where = None, now: dt.datetime | None = None) -> list[dict]:
    """Open (new or claimed) handoffs created more than ``days`` days ago, which purge keeps: for
    staff to resolve. Most urgent first, then oldest."""
    cutoff = _cutoff(days, now)
    return [r for r in list_handoffs(path, include_resolved=False) if r["created"] < cutoff]


def delete_conversation(conversation_id: str, path: Where = None) -> dict[str, int]:
    """Delete a conversation's rows in the handoffs database (handoffs, feedback, undelivered);
    returns how many went from each table."""
    return _delete_where(path, lambda table: table.c.conversation_id == conversation_id)
