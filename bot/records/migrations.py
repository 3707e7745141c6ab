"""Bringing a handoffs database made by an older version up to date, one numbered step at a time.

``migrate`` runs the steps the database has not had yet, in order, each in its own transaction,
and records the version reached in the ``schema_version`` table; every step is idempotent, so a
database from before versions were recorded (version 0) takes them all safely. It is an explicit
step: ``python -m bot migrate``, and at start-up by every process that writes to the database (the
Rasa server, the action server, the staff site, each staff command; the deploy units also run it
before the services start). A new database is made at
the current version (``bot/records/db.py``) and needs none.

>>> import tempfile, pathlib
>>> migrate(pathlib.Path(tempfile.mkdtemp()) / "h.db")
[]
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import func, inspect, select, update

from bot.records import db as handoff_db
from bot.records.db import HANDOFFS, METADATA, OPEN, SCHEMA, STAFF
from bot.records.handoff_rules import (
    CONTACT_FIELDS,
    json_list,
    most_urgent,
    nurse_note,
    union,
)

logger = logging.getLogger(__name__)



def add_missing_columns(conn) -> None:
    """Step 1: the columns added to a table since the database was made."""
    for table in METADATA.sorted_tables:
        have = {column["name"] for column in inspect(conn).get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')


def add_missing_indexes(conn) -> None:
    """Step 2: the indexes added since (``create_all`` makes them only with a new table). Before
    the one-open-handoff index, a conversation's extra open handoffs are folded into one, else it
    could not be made and no handoff could be stored."""
    folded = fold_duplicate_open_handoffs(conn)
    if folded:
        logger.warning("folded %d duplicate open handoffs made by an older version into one per conversation",
                       folded)
    for table in METADATA.sorted_tables:
        have = {(tuple(found["column_names"]), bool(found["unique"])) for found in inspect(conn).get_indexes(table.name)}
        for index in table.indexes:  # one an older version made under another name counts
            if (tuple(column.name for column in index.columns), bool(index.unique)) not in have:
                index.create(conn, checkfirst=True)


def give_old_accounts_triage(conn) -> None:
    """Step 3 (issue 25): accounts made before roles existed could use the triage queue and
    nothing else, so they get exactly the ``triage`` role."""
    changed = conn.execute(STAFF.update().where(STAFF.c.roles.is_(None)).values(roles="triage")).rowcount
    if changed:
        logger.warning("staff accounts made before roles existed: %d given the triage role", changed)


STEPS = (add_missing_columns, add_missing_indexes, give_old_accounts_triage)  # version n = STEPS[:n] applied


def migrate(where: Path | str | None = None) -> list[str]:
    """Apply the steps the database has not had; returns their names (``[]`` when it was up to date).

    Several processes may migrate at once (a node's services start together): each step runs in a
    transaction that first takes the version table's lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
    ``LOCK TABLE``) and reads the version again, so a step another process applied is skipped."""
    engine = handoff_db.engine(where)
    done = []
    for version, step in enumerate(STEPS, start=1):
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"LOCK TABLE {SCHEMA.name} IN SHARE ROW EXCLUSIVE MODE")
            if handoff_db.schema_version(conn) >= version:
                continue
            step(conn)
            conn.execute(SCHEMA.insert().values(version=version, applied=handoff_db.now()))
        done.append(step.__name__)
        logger.info("handoffs database: migration %d (%s) applied", version, step.__name__)
    return done


def fold_duplicate_open_handoffs(conn) -> int:
    """Fold a conversation's extra open handoffs into its oldest open one; returns how many were folded.

    Databases made before one open handoff per conversation was enforced (the unique index in
    ``bot/records/db.py``) can hold several for one conversation, and the index cannot be made
    until they are one. Nothing is lost: the oldest keeps the most urgent urgency, every reason,
    flag, topic and answer, the contact details given with consent, a claim, and "with the
    nurse"; the others are resolved by "system: merged into <id>" (kept for the record). Runs
    inside the caller's transaction, before the index is made.
    """
    duplicated = select(HANDOFFS.c.conversation_id).where(OPEN).group_by(HANDOFFS.c.conversation_id)
    folded = 0
    for conversation_id in conn.execute(duplicated.having(func.count() > 1)).scalars().all():
        query = select(HANDOFFS).where(HANDOFFS.c.conversation_id == conversation_id, OPEN)
        query = query.order_by(HANDOFFS.c.created, HANDOFFS.c.id).with_for_update()
        rows = [dict(row) for row in conn.execute(query).mappings()]
        if len(rows) < 2:  # another node folded them first
            continue
        kept, others = rows[0], rows[1:]
        for other in others:
            kept["urgency"] = most_urgent(kept["urgency"], other["urgency"])
            for column in ("reasons", "topics", "answers", "red_flags"):
                kept[column] = json.dumps(union(json_list(kept[column]), json_list(other[column])))
            for column in ("channel", "about"):
                kept[column] = kept[column] or other[column]
            if not kept["consent"] and other["consent"]:
                kept.update({k: other[k] for k in CONTACT_FIELDS}, consent=other["consent"])
            if kept["status"] != "claimed" and other["status"] == "claimed":
                kept.update(status="claimed", claimed_by=other["claimed_by"], claimed_at=other["claimed_at"])
            kept["with_nurse"] = int(bool(kept["with_nurse"]) or bool(other["with_nurse"]))
        kept.update(updated=handoff_db.now(), note=nurse_note(kept))
        conn.execute(update(HANDOFFS).where(HANDOFFS.c.id == kept["id"]).values(
            **{k: v for k, v in kept.items() if k != "id"}))
        conn.execute(update(HANDOFFS).where(HANDOFFS.c.id.in_([o["id"] for o in others])).values(
            status="resolved", resolved_by=f"system: merged into {kept['id']}", resolved_at=handoff_db.now(), with_nurse=0,
            updated=handoff_db.now()))
        folded += len(others)
    return folded
