"""Handoffs to the nurse helpline, in the handoffs database (``bot/handoff_db.py``: a SQLite file
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
>>> first = save_handoff("conv-1", "routine", "second_miss", path=db)
>>> merged = save_handoff("conv-1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)
>>> merged["id"] == first["id"], merged["urgency"], json.loads(merged["reasons"])
(True, 'urgent', ['second_miss', 'red_flag'])
>>> claim(first["id"], "sam", path=db)["status"]
'claimed'
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot import handoff_db, spool
from bot.handoff_db import HANDOFFS, TABLES
from bot.paths import project_root

logger = logging.getLogger(__name__)

URGENCY_RANK = {"emergency": 0, "crisis": 1, "urgent": 2, "routine": 3}
STATUSES = ("new", "claimed", "resolved")
REASONS = ("red_flag", "callback", "second_miss", "talk_to_nurse", "out_of_scope")
CONTACT_FIELDS = ("contact_name", "contact", "contact_kind", "good_time")
Where = Path | str | None  # a SQLite file, a database URL, or None for ``$BOT_HANDOFFS_DB``


class HandoffError(Exception):
    """A handoff that does not exist, or a change its status does not allow."""


def pending_path(path: Where = None) -> Path:
    """Where handoffs wait when the database cannot be written: beside a SQLite file
    (``handoffs.pending.jsonl``); for a server database, on this node: ``$BOT_HANDOFFS_SPOOL`` or
    ``var/handoffs.pending.jsonl``."""
    file = handoff_db.sqlite_file(path)
    if file is None:
        return Path(os.environ.get("BOT_HANDOFFS_SPOOL") or project_root() / "var" / "handoffs.pending.jsonl")
    return file.with_name(file.stem + ".pending.jsonl")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _loads(value: str | None) -> list:
    return json.loads(value) if value else []


def _union(*lists) -> list:
    return list(dict.fromkeys(item for items in lists for item in items))


def _most_urgent(*urgencies: str | None) -> str:
    """The most urgent of the urgencies given (empty ones ignored).

    >>> _most_urgent("routine", None, "urgent")
    'urgent'
    """
    return min(filter(None, urgencies), key=lambda urgency: URGENCY_RANK.get(urgency, len(URGENCY_RANK)))


_OPEN = HANDOFFS.c.status != "resolved"


def _open_row(conn, conversation_id: str, lock: bool = False) -> dict | None:
    query = select(HANDOFFS).where(HANDOFFS.c.conversation_id == conversation_id, _OPEN)
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


def save_handoff(conversation_id: str, urgency: str, reason: str, path: Where = None, **fields) -> dict:
    """Create the conversation's open handoff or add to it (after any handoffs waiting in the
    pending file: a line that is not a handoff is quarantined, never in the way); returns the
    stored record. ``fields``: see ``_store``."""
    replay_quietly(path)
    return _store(conversation_id, urgency, reason, path=path, **fields)


def _checked(urgency: str, reason: str, earlier_reason: str | None = None) -> list[str]:
    """The reasons, oldest first; ``ValueError`` on an unknown urgency or reason (a bug, never spooled)."""
    if urgency not in URGENCY_RANK:
        raise ValueError(f"unknown urgency {urgency!r}")
    reasons = [r for r in (earlier_reason, reason) if r]
    if any(r not in REASONS for r in reasons):
        raise ValueError(f"unknown reason in {reasons!r}")
    return reasons


def _store(conversation_id: str, urgency: str, reason: str, *, red_flags=(), channel: str = "",
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
    reasons = _checked(urgency, reason, earlier_reason)
    for attempt in range(3):
        try:
            with handoff_db.engine(path).begin() as conn:
                existing = _open_row(conn, conversation_id, lock=True) or {}
                record = {
                    "updated": _now(),
                    "channel": channel or existing.get("channel") or "",
                    "urgency": _most_urgent(urgency, existing.get("urgency")),
                    "reasons": json.dumps(_union(_loads(existing.get("reasons")), reasons)),
                    "about": about or existing.get("about") or "",
                    "topics": json.dumps(_union(_loads(existing.get("topics")), topics)),
                    "answers": json.dumps(_union(_loads(existing.get("answers")), answers)),
                    "red_flags": json.dumps(_union(_loads(existing.get("red_flags")), red_flags)),
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
                    conn.execute(HANDOFFS.insert().values(id=handoff_id, created=_now(), status="new",
                                                          conversation_id=conversation_id, **record))
                return dict(conn.execute(select(HANDOFFS).where(HANDOFFS.c.id == handoff_id)).mappings().one())
        except IntegrityError:  # another node opened this conversation's handoff first: add to it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def save_or_spool(conversation_id: str, urgency: str, reason: str, path: Where = None, **fields) -> bool:
    """``save_handoff``, but if the database cannot be written the handoff is appended to the
    pending file (replayed by the next successful write, and every 30 s by a timer) so it is never
    lost. Returns True when the handoff is safely kept somewhere; False when nothing could be
    written at all (a full disk): the caller must not tell the person it was sent. Errors are logged without personal details."""
    _checked(urgency, reason, fields.get("earlier_reason"))
    try:
        save_handoff(conversation_id, urgency, reason, path=path, **fields)
        return True
    except Exception as error:  # noqa: BLE001 - any storage failure; the caller still helps the person
        logger.error("handoff database write failed (%s); keeping it in the pending file", type(error).__name__)
    return _spool(conversation_id, urgency, reason, path, fields)


def _spool(conversation_id: str, urgency: str, reason: str, path: Where, fields: dict) -> bool:
    """Append a handoff to the pending file (``bot/spool.py``: mode 0600, whole lines, synced);
    False if even that fails (a full disk: nothing was kept anywhere). Starts the replay timer."""
    try:
        target = pending_path(path)
    except Exception as error:  # noqa: BLE001
        logger.error("handoff could not be kept at all (%s)", type(error).__name__)
        return False
    kept = spool.append(target, {"conversation_id": conversation_id, "urgency": urgency, "reason": reason,
                                 "fields": {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}})
    if kept:
        from bot.replay_timer import start_replay_timer

        start_replay_timer(path)
    else:
        logger.error("HANDOFF NOT KEPT: neither the handoffs database nor the pending file could be written")
    return kept


def spool_handoff(conversation_id: str, urgency: str, reason: str, path: Where = None, **fields) -> bool:
    """Put a handoff straight in the pending file (the database did not answer in time); True when kept."""
    _checked(urgency, reason, fields.get("earlier_reason"))
    return _spool(conversation_id, urgency, reason, path, fields)


def _replay_one(item: dict, path: Where) -> None:
    """Store one pending line; ``ValueError``/``TypeError``/``KeyError`` when it is not a handoff."""
    fields = item["fields"]
    if not isinstance(fields, dict):
        raise TypeError("fields is not an object")
    _store(str(item["conversation_id"]), item["urgency"], item["reason"], path=path, **fields)


def replay_pending(path: Where = None) -> dict[str, int]:
    """Put the handoffs waiting in the pending file into the database (bad lines to the
    quarantine file, logged); returns how many were replayed and quarantined. Raises the
    database's error when it still cannot be written (the rest stay pending, in order)."""
    return spool.replay(pending_path(path), lambda item: _replay_one(item, path))


def replay_quietly(path: Where) -> None:
    """``replay_pending``, never raising: the new handoff is written (or spooled) after it anyway."""
    try:
        replay_pending(path)
    except Exception as error:  # noqa: BLE001 - the database is still down: the new write will tell
        logger.error("pending handoffs could not be replayed yet (%s)", type(error).__name__)


def pending_status(path: Where = None) -> dict[str, int]:
    """How many handoffs wait in this node's pending file and how many are quarantined (bad lines)."""
    return spool.counts(pending_path(path))


def fold_duplicate_open_handoffs(conn) -> int:
    """Fold a conversation's extra open handoffs into its oldest open one; returns how many were folded.

    Databases made before one open handoff per conversation was enforced (the unique index in
    ``bot/handoff_db.py``) can hold several for one conversation, and the index cannot be made
    until they are one. Nothing is lost: the oldest keeps the most urgent urgency, every reason,
    flag, topic and answer, the contact details given with consent, a claim, and "with the
    nurse"; the others are resolved by "system: merged into <id>" (kept for the record). Runs
    inside the caller's transaction, before the index is made.
    """
    from sqlalchemy import func

    duplicated = select(HANDOFFS.c.conversation_id).where(_OPEN).group_by(HANDOFFS.c.conversation_id)
    folded = 0
    for conversation_id in conn.execute(duplicated.having(func.count() > 1)).scalars().all():
        query = select(HANDOFFS).where(HANDOFFS.c.conversation_id == conversation_id, _OPEN)
        query = query.order_by(HANDOFFS.c.created, HANDOFFS.c.id).with_for_update()
        rows = [dict(row) for row in conn.execute(query).mappings()]
        if len(rows) < 2:  # another node folded them first
            continue
        kept, others = rows[0], rows[1:]
        for other in others:
            kept["urgency"] = _most_urgent(kept["urgency"], other["urgency"])
            for column in ("reasons", "topics", "answers", "red_flags"):
                kept[column] = json.dumps(_union(_loads(kept[column]), _loads(other[column])))
            for column in ("channel", "about"):
                kept[column] = kept[column] or other[column]
            if not kept["consent"] and other["consent"]:
                kept.update({k: other[k] for k in CONTACT_FIELDS}, consent=other["consent"])
            if kept["status"] != "claimed" and other["status"] == "claimed":
                kept.update(status="claimed", claimed_by=other["claimed_by"], claimed_at=other["claimed_at"])
            kept["with_nurse"] = int(bool(kept["with_nurse"]) or bool(other["with_nurse"]))
        kept.update(updated=_now(), note=nurse_note(kept))
        conn.execute(update(HANDOFFS).where(HANDOFFS.c.id == kept["id"]).values(
            **{k: v for k, v in kept.items() if k != "id"}))
        conn.execute(update(HANDOFFS).where(HANDOFFS.c.id.in_([o["id"] for o in others])).values(
            status="resolved", resolved_by=f"system: merged into {kept['id']}", resolved_at=_now(), with_nurse=0,
            updated=_now()))
        folded += len(others)
    return folded


def nurse_note(record: dict) -> str:
    """A short structured note: urgency, why, about whom, flags, topics, how and when to reach them.

    >>> print(nurse_note({"urgency": "routine", "reasons": '["callback"]', "about": "someone_else",
    ...                   "topics": '["denosumab"]', "red_flags": "[]", "contact_kind": "phone", "good_time": "mornings"}))
    ROUTINE · call back requested · about someone they care for
    Topics asked: denosumab
    Red flags: none
    Contact: by phone, mornings
    """
    reasons = {"red_flag": "red flag", "callback": "call back requested", "second_miss": "assistant could not help",
               "talk_to_nurse": "asked for a nurse", "out_of_scope": "question outside the information"}
    about = {"self": "about themselves", "someone_else": "about someone they care for"}.get(record.get("about") or "", "")
    head = " · ".join(filter(None, [(record.get("urgency") or "").upper(),
                                    ", ".join(reasons.get(r, r) for r in _loads(record.get("reasons"))), about]))
    lines = [head,
             "Topics asked: " + (", ".join(_loads(record.get("topics"))) or "none"),
             "Red flags: " + (", ".join(_loads(record.get("red_flags"))) or "none")]
    if record.get("contact_kind"):
        lines.append("Contact: by " + ", ".join(filter(None, [record["contact_kind"], record.get("good_time")])))
    return "\n".join(lines)


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
            changes = {**changes, "with_nurse": 0, "handed_back_by": hand_back_by, "handed_back_at": _now()}
        conn.execute(update(HANDOFFS).where(HANDOFFS.c.id == handoff_id).values(**changes, updated=_now()))
    return get_handoff(handoff_id, path)


def claim(handoff_id: str, staff: str, path: Where = None) -> dict:
    """Mark a new or claimed handoff as claimed by ``staff``."""
    return _change(handoff_id, {"status": "claimed", "claimed_by": staff, "claimed_at": _now()}, path,
                   allowed=("new", "claimed"))


def hand_back(handoff_id: str, staff: str, path: Where = None) -> dict:
    """Let the assistant answer topic questions in this conversation again."""
    return _change(handoff_id, {"with_nurse": 0, "handed_back_by": staff, "handed_back_at": _now()}, path)


def resolve(handoff_id: str, staff: str, path: Where = None) -> dict:
    """Close the handoff; the conversation goes back to the assistant."""
    return _change(handoff_id, {"status": "resolved", "resolved_by": staff, "resolved_at": _now()}, path,
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
    from sqlalchemy import func

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


def forget_conversation(conversation_id: str, path: Where = None) -> dict[str, int]:
    """Delete everything stored about a conversation here: its rows in the handoffs database and
    its lines in this node's pending and quarantine files; returns how many went from each."""
    pending = spool.remove_matching(pending_path(path), conversation_id)  # first: none can be replayed after
    counts = _delete_where(path, lambda table: table.c.conversation_id == conversation_id)
    return {**counts, "pending handoffs": pending}


# The handoff's urgency for each red-flag urgency (bot/safety/): 999 situations are emergencies to the nurses.
HANDOFF_URGENCY = {"call_999": "emergency", "emergency": "emergency", "crisis": "crisis", "urgent": "urgent"}
CONFIRMED_NOW = "safety_now"  # the person answered "yes, it's happening now" to the check-back


def red_flag_handoff(message: str, intent: str | None = None) -> tuple[str, list[str]] | None:
    """The handoff's urgency and red flags for ``message``, or None when it has none. The urgency
    is the most urgent sign's; "yes, it's happening now" (``intent`` ``safety_now``) makes it an
    emergency."""
    from bot.safety import check

    if intent == CONFIRMED_NOW:
        return "emergency", ["confirmed_happening_now"]
    result = check(message)
    if not result.flagged:
        return None
    return HANDOFF_URGENCY[result.urgency or "emergency"], [s.id for s in result.flags] or [f"statistical_{result.decision}"]


def record_red_flags(conversation_id: str, message: str, channel: str = "", path: Where = None,
                     intent: str | None = None) -> dict | None:
    """Check ``message`` for red flags (``red_flag_handoff``) and add them to the conversation's
    handoff; None when there are none. The message itself is not stored. When the database
    cannot be written the handoff waits in the pending file (None returned)."""
    found = red_flag_handoff(message, intent)
    if found is None:
        return None
    urgency, flags = found
    fields = {"red_flags": flags, "channel": channel}
    try:
        return save_handoff(conversation_id, urgency, "red_flag", path=path, **fields)
    except Exception as error:  # noqa: BLE001 - the person already has the urgent advice
        logger.error("red-flag handoff write failed (%s); keeping it in the pending file", type(error).__name__)
        _spool(conversation_id, urgency, "red_flag", path, fields)
        return None


def conversation_topics(events: list[dict]) -> tuple[list[str], list[str]]:
    """From a Rasa tracker's event dicts: the topics the person asked about (``ask_<topic>``
    intents, not counting answers to a form) and the answers given ("topic: source, section").
    Never the person's words.

    >>> events = [{"event": "user", "text": "zometa?", "parse_data": {"intent": {"name": "ask_bisphosphonates"}}},
    ...           {"event": "bot", "data": {"custom": {"topic": "bisphosphonates",
    ...            "sources": [{"source": "cruk_2024", "section": "Bisphosphonates"}]}}}]
    >>> conversation_topics(events)
    (['bisphosphonates'], ['bisphosphonates: cruk_2024, Bisphosphonates'])
    """
    asked, answered, in_form = [], [], False
    for event in events:
        if event.get("event") == "active_loop":
            in_form = bool(event.get("name"))
        elif event.get("event") == "user" and not in_form:  # answers to the form are not questions
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent.startswith("ask_"):
                asked.append(intent[4:])
        elif event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom") or {}
            if isinstance(custom, dict) and custom.get("topic"):
                sources = "; ".join(f"{s.get('source')}, {s.get('section')}" for s in custom.get("sources") or [])
                answered.append(f"{custom['topic']}: {sources}")
    return _union(asked), _union(answered)
