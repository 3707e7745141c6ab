"""Forgotten conversations in the tracker store: a turn in progress when ``forget`` runs must not
write the conversation back.

Rasa's SQL tracker store saves a turn by counting the conversation's stored events and writing
those of its in-memory tracker past that count. If ``python -m bot forget`` deletes the rows
while a turn is being processed, the count is 0 and the whole conversation (name, number) is
written back. So ``forget`` leaves a mark in the tracker database (table
``forgotten_conversations``: a SHA-256 of the conversation id and when it was forgotten, never
the id itself), and each save, in the same transaction as its insert, deletes the conversation's
events from before that moment. Saves and ``forget`` of one conversation are serialised: on
PostgreSQL by a transaction-scoped advisory lock on the conversation, on SQLite by the database's
single writer (the check runs after the insert has taken the write lock). Marks older than the
retention period go with ``purge``.

>>> sender_key("wa-123")[:16]
'20edc6063250d038'
"""
from __future__ import annotations

import hashlib

from sqlalchemy import text

TABLE = "forgotten_conversations"
CREATE = text(f"CREATE TABLE IF NOT EXISTS {TABLE} (sender_key VARCHAR(64) PRIMARY KEY, forgotten_at FLOAT NOT NULL)")


def sender_key(sender_id: str) -> str:
    """How a forgotten conversation is named in the mark: a SHA-256 of its id (hex)."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def create_table(engine) -> None:
    """Make the marks table if it is not there (the tracker store does it when it starts). On PostgreSQL two
    processes starting together would race inside ``CREATE TABLE IF NOT EXISTS`` (one fails with a unique
    violation on ``pg_type``, seen in CI 2026-12-07 with two Rasa servers), so creation holds an advisory lock."""
    with engine.begin() as conn:
        if _dialect(conn) == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": TABLE})
        conn.execute(CREATE)


def _dialect(conn) -> str:
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    return bind.dialect.name


def serialise(conn, sender_id: str) -> None:
    """Inside a transaction: wait for any other save or ``forget`` of this conversation
    (PostgreSQL advisory lock until the transaction ends; nothing to do on SQLite)."""
    if _dialect(conn) == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": sender_key(sender_id)})


def mark(conn, sender_id: str, when: float) -> None:
    """Inside ``forget``'s transaction: the conversation was forgotten at ``when`` (epoch seconds)."""
    key = sender_key(sender_id)
    conn.execute(text(f"DELETE FROM {TABLE} WHERE sender_key = :key"), {"key": key})
    conn.execute(text(f"INSERT INTO {TABLE} (sender_key, forgotten_at) VALUES (:key, :when)"),
                 {"key": key, "when": when})


def drop_events_before_forget(conn, sender_id: str) -> int:
    """Inside a save's transaction, after its insert: delete the conversation's events from before
    it was forgotten (none when it never was); returns how many went."""
    found = conn.execute(text(f"SELECT forgotten_at FROM {TABLE} WHERE sender_key = :key"),
                         {"key": sender_key(sender_id)}).scalar()
    if found is None:
        return 0
    return conn.execute(text("DELETE FROM events WHERE sender_id = :sender AND timestamp <= :when"),
                        {"sender": sender_id, "when": found}).rowcount


def purge_marks(conn, before: float) -> int:
    """Delete marks older than ``before`` (epoch seconds); returns how many went."""
    return conn.execute(text(f"DELETE FROM {TABLE} WHERE forgotten_at < :before"), {"before": before}).rowcount
