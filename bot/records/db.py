"""The database behind handoffs, feedback, undelivered messages and staff accounts.

A SQLite file by default (``var/handoffs.db``); PostgreSQL when ``BOT_HANDOFFS_DB`` is a
``postgresql://`` URL, so that several nodes (each with its own action server) share one queue
for the helpline. Both are reached through SQLAlchemy Core with the same tables, created on first
use (``bot/records/migrations.py`` brings an older database up to date). The content database is a different thing: read-only SQLite per node (``bot/content/store.py``).

>>> import tempfile, pathlib
>>> where = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> url(where).startswith("sqlite:///"), url("postgresql://u@db:5432/bones")
(True, 'postgresql://u@db:5432/bones')
>>> with engine(where).begin() as conn:
...     _ = conn.execute(FEEDBACK.insert().values(conversation_id="c", topic="denosumab", helpful=1, created="now"))
>>> [row["topic"] for row in rows("feedback", where, conversation_id="c")]
['denosumab']
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from bot import settings

logger = logging.getLogger(__name__)

METADATA = MetaData()

HANDOFFS = Table(
    "handoffs", METADATA,
    Column("id", Text, primary_key=True),
    *(Column(name, Text, nullable=name not in {"created", "conversation_id", "urgency", "status"})
      for name in ("created", "updated", "conversation_id", "channel", "urgency", "reasons", "about",
                   "contact_name", "contact", "contact_kind", "good_time")),
    Column("consent", Integer),
    *(Column(name, Text) for name in ("topics", "answers", "red_flags", "note")),
    Column("status", Text, nullable=False),
    *(Column(name, Text) for name in ("claimed_by", "claimed_at", "resolved_by", "resolved_at")),
    Column("with_nurse", Integer),
    Column("handed_back_by", Text),
    Column("handed_back_at", Text),
)
OPEN = HANDOFFS.c.status != "resolved"  # new or claimed
Index("idx_handoffs_conversation_id", HANDOFFS.c.conversation_id)
Index("idx_handoffs_status_urgency_created", HANDOFFS.c.status, HANDOFFS.c.urgency, HANDOFFS.c.created)
# At most one open handoff per conversation, also when two nodes add to it at the same moment.
ONE_OPEN = Index("handoffs_one_open_per_conversation", HANDOFFS.c.conversation_id, unique=True,
                 sqlite_where=HANDOFFS.c.status != "resolved", postgresql_where=HANDOFFS.c.status != "resolved")

FEEDBACK = Table(  # "was this helpful?" (bot/records/feedback.py)
    "feedback", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", Text, nullable=False, index=True),
    Column("topic", Text), Column("helpful", Integer), Column("channel", Text),
    Column("created", Text, nullable=False, index=True),
)
UNDELIVERED = Table(  # messages a channel could not send (bot/records/undelivered.py)
    "undelivered", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", Text, nullable=False, index=True),
    *(Column(name, Text) for name in ("channel", "address", "body", "error")),
    Column("attempts", Integer),
    Column("created", Text, nullable=False, index=True),
    Column("delivered_at", Text),
)
STAFF = Table(  # helpline accounts for the triage page (bot/records/staff_accounts.py)
    "staff", METADATA,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created", Text),
    Column("roles", Text),  # comma-separated: triage, insight, content (bot/records/staff_accounts.py ROLES)
)
SEEN_WEBHOOKS = Table(  # provider message ids already processed, for a while (bot/records/seen_webhooks.py)
    "seen_webhooks", METADATA,
    Column("message_id", Text, primary_key=True),
    Column("seen_at", Text, nullable=False, index=True),
)
SCHEMA = Table(  # the version of these tables that bot/records/migrations.py last brought the database to
    "schema_version", METADATA,
    Column("version", Integer, primary_key=True),
    Column("applied", Text, nullable=False),
)
SCHEMA_VERSION = 3  # the number of steps in bot/records/migrations.py (a test keeps them in step)
TABLES = {table.name: table for table in (HANDOFFS, FEEDBACK, UNDELIVERED, STAFF, SEEN_WEBHOOKS)}
ABOUT_CONVERSATIONS = ("handoffs", "feedback", "undelivered")  # what forget/purge clear

ENV = "BOT_HANDOFFS_DB"


def as_url(where: Path | str) -> str:
    """A database URL as it is; a file path as a SQLite URL.

    >>> as_url("postgresql://u@db/bones"), as_url("/srv/bones/handoffs.db")
    ('postgresql://u@db/bones', 'sqlite:////srv/bones/handoffs.db')
    """
    where = str(where)
    return where if "://" in where else f"sqlite:///{Path(where).resolve()}"


def url(where: Path | str | None = None) -> str:
    """The database URL for ``where`` (a file path or a URL), else ``$BOT_HANDOFFS_DB``, else
    ``var/handoffs.db``."""
    return as_url(where or settings.text(ENV))


def is_sqlite(where: Path | str | None = None) -> bool:
    return url(where).startswith("sqlite")


def sqlite_file(where: Path | str | None = None) -> Path | None:
    """The SQLite file, or None for a server database."""
    return Path(make_url(url(where)).database) if is_sqlite(where) else None


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def engine(where: Path | str | None = None) -> Engine:
    """One engine per database per process; tables and indexes are created on first use."""
    key = url(where)
    with _LOCK:
        found = _ENGINES.get(key)
        file = sqlite_file(key)  # None for a server database
        if found is None or (file is not None and not file.exists()):
            found = _ENGINES[key] = _create(key)
        return found


def _create(key: str) -> Engine:
    from sqlalchemy import create_engine

    file = sqlite_file(key)  # None for a server database
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        made = create_engine(key, future=True)
        _serialise_sqlite_writers(made)
    else:
        made = create_engine(key, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5,
                             connect_args={"connect_timeout": 3})  # never outlast the action's own timeout
    fresh = not set(inspect(made).get_table_names()) & set(TABLES)  # none of ours yet (Rasa's may be there)
    METADATA.create_all(made)
    if fresh:  # made just now from these tables: nothing to migrate
        try:
            with made.begin() as conn:
                if not schema_version(conn):
                    conn.execute(SCHEMA.insert().values(version=SCHEMA_VERSION, applied=now()))
        except IntegrityError:  # another process made it at the same moment
            pass
    else:
        _warn_if_behind(made)
    return made


def _serialise_sqlite_writers(made: Engine) -> None:
    """SQLite: every transaction starts with ``BEGIN IMMEDIATE`` and waits up to 5 s for another
    writer, so a read-then-write (adding to a handoff) never fails half-way with "locked".
    Deleted rows are overwritten, not left readable in the file's free pages (``forget``)."""
    @event.listens_for(made, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        dbapi_connection.execute("PRAGMA busy_timeout = 5000")
        dbapi_connection.execute("PRAGMA secure_delete = ON")

    @event.listens_for(made, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def schema_version(conn) -> int:
    """The version the database's tables are at (0: made before versions were recorded)."""
    from sqlalchemy import func

    return conn.execute(select(func.max(SCHEMA.c.version))).scalar() or 0


def _warn_if_behind(made: Engine) -> None:
    """A database made by an older version is not changed here: ``python -m bot migrate`` (run by
    the servers at start-up) brings it up to date. Until then this says so, once per engine."""
    with made.connect() as conn:
        behind = SCHEMA_VERSION - schema_version(conn)
    if behind > 0:
        logger.warning("the handoffs database is %d schema version(s) behind: `python -m bot migrate` brings it "
                       "up to date", behind)


def now() -> str:
    """The time to store in a row: UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def close(where: Path | str | None = None) -> None:
    """Close this process's connections to the database (tests, and a clean shutdown)."""
    with _LOCK:
        found = _ENGINES.pop(url(where), None)
    if found is not None:
        found.dispose()


def rows(table: str, where: Path | str | None = None, **equal) -> list[dict]:
    """Rows of ``table`` whose columns equal ``equal``, in insertion/primary-key order.

    >>> rows("staff", where=__import__("tempfile").mkdtemp() + "/h.db")
    []
    """
    chosen = TABLES[table]
    query = select(chosen).where(*(chosen.c[name] == value for name, value in equal.items()))
    with engine(where).connect() as conn:
        return [dict(row) for row in conn.execute(query.order_by(*chosen.primary_key.columns)).mappings()]
