"""Rasa 3.6's ``SQLTrackerStore``, reading and writing the same rows with plain SQL statements.

Under load the stock store spent about 29% of the Rasa server's CPU (py-spy, 20 concurrent
conversations) building ORM queries, generating their cache keys and making an ORM object per
stored event, on every turn: once to read the conversation, once to count what is already stored,
once to write the new events. This module replaces its ``_retrieve`` and ``save`` with the same
queries written as SQL text (same table, same columns, same filters, same order), so what is
stored and what comes back are unchanged; ``tests/rasa36/test_sql_tracker_store.py`` compares both with
Rasa's own methods on SQLite and PostgreSQL.

Nothing is cached between turns: every turn reads the database, so several Rasa processes (and
``python -m bot forget``) always see each other's writes.

A SQLite tracker file keeps its connections open between turns (Rasa opened a new one for every
read and write) and is switched to write-ahead logging once, when the store is created: one sync
per turn instead of several, and readers (the privacy commands) no longer wait for writers.
``synchronous`` stays FULL, so a saved turn survives a crash or power cut as before.

``endpoints.yml`` names the store by this module's ``TunedSQLTrackerStore`` rather than Rasa's
``type: SQL``: it adds what is ours whether or not the patches are installed (``rasa36.apply()``
installs ``apply`` below before the server makes the store).

>>> _events_since_session_start(count=True).text.split()[:2]
['SELECT', 'count(*)']
"""
from __future__ import annotations

import itertools
import json
import logging
from functools import lru_cache
from typing import Optional, Text

from rasa.core.tracker_store import SQLTrackerStore

from rasa36 import fast_json

logger = logging.getLogger(__name__)

_SESSION_STARTED = "session_started"  # rasa.shared.core.events.SessionStarted.type_name


@lru_cache(maxsize=None)
def _events_since_session_start(count: bool = False, all_sessions: bool = False):
    """Rasa's event query (``SQLTrackerStore._event_query``) as one SQL statement.

    The events of ``:sender_id`` from its latest ``session_started`` event on (or all of them if
    there is none, or if ``all_sessions``), in the order they were stored; or how many there are.
    """
    import sqlalchemy as sa

    columns = "count(*)" if count else "events.data"
    if all_sessions:
        where = "events.sender_id = :sender_id"
    else:
        where = ("events.sender_id = :sender_id AND (events.timestamp >= latest.session_start "
                 "OR latest.session_start IS NULL)")
    order = "" if count else " ORDER BY events.id"
    return sa.text(
        f"SELECT {columns} FROM events, (SELECT max(timestamp) AS session_start FROM events "
        f"WHERE sender_id = :sender_id AND type_name = :session_started) AS latest "
        f"WHERE {where}{order}")


def _params(sender_id: Text) -> dict:
    return {"sender_id": sender_id, "session_started": _SESSION_STARTED}


async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool):
    """The conversation's tracker from its stored events, or None if none are stored."""
    from rasa.shared.core.trackers import DialogueStateTracker

    query = _events_since_session_start(all_sessions=fetch_events_from_all_sessions)
    with self.session_scope() as session:
        rows = session.execute(query, _params(sender_id)).fetchall()
    if self.domain and rows:
        return DialogueStateTracker.from_dict(sender_id, fast_json.loads_rows(data for (data,) in rows),
                                              self.domain.slots)
    return None


async def save(self, tracker) -> None:
    """Store the tracker's events that are not stored yet (Rasa's rule: those past the count).

    If the conversation was forgotten (``rasa36/forgotten.py``) while this turn was in progress, its
    events from before that moment are deleted again in the same transaction, so a forgotten
    conversation is never written back."""
    from rasa36 import forgotten

    await self.stream_events(tracker)
    table = self.SQLEvent.__table__
    with self.session_scope() as session:
        forgotten.serialise(session, tracker.sender_id)
        stored = session.execute(_events_since_session_start(count=True), _params(tracker.sender_id)).scalar()
        rows = []
        for event in itertools.islice(tracker.events, stored, len(tracker.events)):
            data = event.as_dict()
            rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                         "timestamp": data.get("timestamp"), "action_name": data.get("name"),
                         "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                         "data": json.dumps(data)})
        if rows:
            session.execute(table.insert(), rows)
            forgotten.drop_events_before_forget(session, tracker.sender_id)
        session.commit()


def tune_sqlite(store) -> Optional[str]:
    """For a SQLite tracker file: keep connections open between turns and switch the file to WAL.

    Rasa's engine opens and closes a SQLite connection for every read and every write (SQLAlchemy
    1.4's NullPool for files), about 0.6 ms each here. The store gets an engine with a small
    pool instead (same URL; a pooled connection is only ever used by one session at a time).
    WAL is a property of the file, so this is done once. Returns the journal mode, or None when
    the store is not a SQLite file (PostgreSQL is left as Rasa configures it).
    """
    import sqlalchemy as sa

    url = store.engine.url
    if store.engine.dialect.name != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    store.engine.dispose()
    store.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=8,
                                    connect_args={"check_same_thread": False})
    store.sessionmaker = sa.orm.sessionmaker(bind=store.engine)
    with store.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()


RASA_METHODS: dict = {}  # Rasa's own __init__, _retrieve and save, kept for the tests' comparison


def _init_and_tune_sqlite(self, *args, **kwargs) -> None:
    from rasa36 import forgotten

    RASA_METHODS["__init__"](self, *args, **kwargs)
    forgotten.create_table(self.engine)  # save() reads it on every turn
    try:
        tune_sqlite(self)
    except Exception as error:  # the store still works, as Rasa configured it
        logger.warning("Could not tune the SQLite tracker store: %s", type(error).__name__)


def apply() -> None:
    """Install on ``rasa.core.tracker_store.SQLTrackerStore`` (idempotent): every SQL tracker store
    reads and writes this way, and those made afterwards are tuned (``tune_sqlite``)."""
    if RASA_METHODS:
        return
    RASA_METHODS.update(__init__=SQLTrackerStore.__init__, _retrieve=SQLTrackerStore._retrieve,
                        save=SQLTrackerStore.save)
    SQLTrackerStore.__init__ = _init_and_tune_sqlite
    SQLTrackerStore._retrieve = _retrieve
    SQLTrackerStore.save = save


class AnotherProcessHasTheTrackerFile(RuntimeError):
    """A second Rasa process was started on a SQLite tracker file that one is already using."""


_HELD: dict[str, int] = {}  # SQLite tracker files this process holds (path -> the locked descriptor)


def hold_sqlite_file(database: str) -> None:
    """Take the SQLite tracker file for this process (an exclusive ``flock`` on ``<file>.rasa.lock``,
    held until the process ends); ``AnotherProcessHasTheTrackerFile`` if another process has it.

    With ``endpoints.yml`` (a SQLite tracker file, and Rasa's in-memory lock store, which locks a
    conversation within one process only), two Rasa processes could take two messages of one
    conversation at once and each save its own turn over the other's: turns were lost. So the
    second one refuses to start; several processes need ``deploy/endpoints.postgres.yml``.
    """
    import fcntl
    import os
    from pathlib import Path

    path = str(Path(database).resolve())
    if path in _HELD:
        return
    fd = os.open(path + ".rasa.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        message = (f"another Rasa process is already using the SQLite tracker store {path}. One SQLite tracker "
                   f"file (endpoints.yml) is for one Rasa process: its conversation locks are in that process's "
                   f"memory, so a second process would lose turns. Stop the other process, give this one its "
                   f"own tracker file, or run several processes with deploy/endpoints.postgres.yml "
                   f"(PostgreSQL and Redis).")
        logger.critical(message)
        raise AnotherProcessHasTheTrackerFile(message) from None
    _HELD[path] = fd


class TunedSQLTrackerStore(SQLTrackerStore):
    """Rasa's ``SQLTrackerStore``, named in ``endpoints.yml`` as
    ``type: rasa36.sql_tracker_store.TunedSQLTrackerStore``. Rasa calls it with the same
    arguments as for ``type: SQL``; with the patches installed (``rasa36.apply()``) it reads and
    writes through ``_retrieve``/``save`` above, else through Rasa's own. Either way it adds two
    things: on a SQLite file it takes the file for this
    process (``hold_sqlite_file``: a second Rasa process on the same file refuses to start); and after
    a turn that ended a call-back request unsent, the details typed into the form are removed from
    the stored events (``bot/helpline/callback_privacy.py``), in place."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        if self.engine.dialect.name == "sqlite" and url.database not in (None, "", ":memory:"):
            try:
                hold_sqlite_file(url.database)
            except AnotherProcessHasTheTrackerFile:
                self.engine.dispose()
                raise

    async def save(self, tracker) -> None:
        """Store the turn (as ``SQLTrackerStore.save``), then forget unsent call-back details."""
        await super().save(tracker)
        if _ends_unsent_turn(tracker):
            forget_unsent_details(self, tracker.sender_id)


def _ends_unsent_turn(tracker) -> bool:
    """Whether this turn's events (those after the person's latest message) end a form unsent."""
    from bot.helpline.callback_privacy import ends_unsent

    turn = []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            break
        turn.append(event.as_dict())
    return ends_unsent(turn)


def forget_unsent_details(store, sender_id: str) -> int:
    """Rewrite, in place, the stored events of ``sender_id`` that hold details of a call-back
    request that was not sent; returns how many rows were rewritten."""
    import sqlalchemy as sa

    from bot.helpline.callback_privacy import details_to_forget

    with store.session_scope() as session:
        rows = session.execute(sa.text("SELECT id, data FROM events WHERE sender_id = :sender_id ORDER BY id"),
                               {"sender_id": sender_id}).fetchall()
        changed = details_to_forget([json.loads(data) for _, data in rows])
        for index, event in changed.items():
            session.execute(sa.text("UPDATE events SET data = :data WHERE id = :id"),
                            {"data": json.dumps(event), "id": rows[index][0]})
        session.commit()
    if changed:
        logger.info("forgot the details of a call-back request that was not sent (%d events)", len(changed))
    return len(changed)
