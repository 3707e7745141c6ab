"""Staff sessions of the triage page and the audit log, in the handoffs database next to the
staff accounts (tables ``staff_sessions`` and ``staff_audit``, made on first use).

A session is a random id kept server-side; the page's signed cookie only carries that id. It ends
when its account is removed or its password reset, on signing out, after ``idle_s`` without a
request, and ``absolute_s`` after signing in, whatever the cookie says.

The audit log says who viewed or changed which handoff, when and through what (``web``/``cli``);
it holds handoff ids and staff names, never a patient's name, contact or words.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> from bot.records.staff_accounts import add_staff
>>> add_staff("sam", "correct horse battery", path=db)
>>> sid = start_session("sam", db)
>>> session_user(sid, db), session_user("forged", db)
('sam', None)
>>> record("sam", "claim", "h123", path=db); [(r["staff"], r["action"], r["handoff_id"]) for r in audit_log(db)]
[('sam', 'claim', 'h123')]
"""
from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    select,
    update,
)

from bot.records import db as handoff_db
from bot.records.db import STAFF
from bot.records.staff_roles import parse_roles

Where = Path | str | None

IDLE_S = 30 * 60
ABSOLUTE_S = 10 * 60 * 60
_TOUCH_EVERY_S = 15  # last_seen is written at most this often per session

METADATA = MetaData()
SESSIONS = Table(
    "staff_sessions", METADATA,
    Column("id", Text, primary_key=True),
    Column("username", Text, nullable=False, index=True),
    Column("created", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)
AUDIT = Table(
    "staff_audit", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False, index=True),
    Column("staff", Text, nullable=False, index=True),
    Column("action", Text, nullable=False),   # sign_in, sign_out, view_queue, view, claim, resolve, hand-back,
                                              # view_insight, download_insight, view_gaps, refused
    Column("handoff_id", Text, index=True),   # one handoff; for view_queue, the ids shown, comma-separated
    Column("via", Text),                      # web or cli
)
_READY: dict[str, object] = {}  # database URL -> the engine its tables were made for
_LOCK = threading.Lock()


def _engine(where: Where):
    made = handoff_db.engine(where)
    key = handoff_db.url(where)
    with _LOCK:
        if _READY.get(key) is not made:
            METADATA.create_all(made)
            _READY[key] = made
    return made


def start_session(username: str, where: Where = None, now: float | None = None) -> str:
    """A new session id for ``username`` (ended sessions older than a day are cleared on the way)."""
    now = time.time() if now is None else now
    session_id = secrets.token_urlsafe(32)
    with _engine(where).begin() as conn:
        conn.execute(delete(SESSIONS).where(SESSIONS.c.created < now - ABSOLUTE_S - 86400))
        conn.execute(SESSIONS.insert().values(id=session_id, username=username, created=now, last_seen=now))
    return session_id


def session_user(session_id: object, where: Where = None, idle_s: float = IDLE_S, absolute_s: float = ABSOLUTE_S,
                 now: float | None = None) -> str | None:
    """The username of a live session whose account still exists, else None (the session is then
    ended). Counts as activity for the idle time-out."""
    found = session_account(session_id, where, idle_s, absolute_s, now)
    return found[0] if found else None


def session_account(session_id: object, where: Where = None, idle_s: float = IDLE_S, absolute_s: float = ABSOLUTE_S,
                    now: float | None = None) -> tuple[str, frozenset[str]] | None:
    """``(username, roles)`` of a live session whose account still exists, the roles as the
    account has them now (read in the same query), else None (the session is then ended)."""
    if not isinstance(session_id, str) or not session_id:
        return None
    now = time.time() if now is None else now
    query = (select(SESSIONS, STAFF.c.username.label("account"), STAFF.c.roles).select_from(SESSIONS.outerjoin(
        STAFF, STAFF.c.username == SESSIONS.c.username)).where(SESSIONS.c.id == session_id))
    with _engine(where).begin() as conn:
        row = conn.execute(query).mappings().first()
        if row is None:
            return None
        if row["account"] is None or now - row["last_seen"] > idle_s or now - row["created"] > absolute_s:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.id == session_id))
            return None
        if now - row["last_seen"] > _TOUCH_EVERY_S:
            conn.execute(update(SESSIONS).where(SESSIONS.c.id == session_id).values(last_seen=now))
        return row["username"], parse_roles(row["roles"])


def end_session(session_id: object, where: Where = None) -> None:
    """End one session (signing out)."""
    if isinstance(session_id, str):
        with _engine(where).begin() as conn:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.id == session_id))


def end_sessions_of(username: str, where: Where = None) -> int:
    """End every session of ``username`` (account removed, password reset); returns how many."""
    with _engine(where).begin() as conn:
        return conn.execute(delete(SESSIONS).where(SESSIONS.c.username == username)).rowcount


def record(staff: str, action: str, handoff_id: str | None = None, via: str = "web", path: Where = None,
           at: dt.datetime | None = None) -> None:
    """Add one line to the audit log (``at``: when, default now)."""
    at = at or dt.datetime.now(dt.timezone.utc)
    with _engine(path).begin() as conn:
        conn.execute(AUDIT.insert().values(at=at.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
                                           staff=staff, action=action, handoff_id=handoff_id, via=via))


def purge_audit(days: int, where: Where = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete audit lines older than ``days`` days, and staff sessions past their absolute
    time-out; returns how many went from each (``python -m bot purge`` calls it)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = (now - dt.timedelta(days=days)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    with _engine(where).begin() as conn:
        lines = conn.execute(AUDIT.delete().where(AUDIT.c.at < cutoff)).rowcount
        sessions = conn.execute(SESSIONS.delete().where(SESSIONS.c.created < now.timestamp() - ABSOLUTE_S)).rowcount
    return {"staff audit lines": lines, "staff sessions": sessions}


def audit_log(where: Where = None, staff: str | None = None, handoff_id: str | None = None,
              limit: int = 200) -> list[dict]:
    """The latest ``limit`` audit lines, oldest first, optionally for one member of staff or one
    handoff (also found inside the queue views that showed it)."""
    query = select(AUDIT)
    if staff:
        query = query.where(AUDIT.c.staff == staff)
    if handoff_id:
        query = query.where((AUDIT.c.handoff_id == handoff_id) | AUDIT.c.handoff_id.contains(handoff_id, autoescape=True))
    with _engine(where).connect() as conn:
        found = [dict(r) for r in conn.execute(query.order_by(AUDIT.c.id.desc()).limit(limit)).mappings()]
    return found[::-1]
