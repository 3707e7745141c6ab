"""The database behind handoffs, feedback, undelivered messages and staff accounts.

A SQLite file by default (``var/handoffs.db``); PostgreSQL when ``BOT_HANDOFFS_DB`` is a
``postgresql://`` URL, so that several nodes (each with its own action server) share one queue
for the helpline. Both are reached through SQLAlchemy Core with the same tables, created on first
use. The content database is a different thing: read-only SQLite per node (``bot/store.py``).

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

import logging
import os
import threading
from pathlib import Path

from sqlalchemy import Column, Index, Integer, MetaData, Table, Text, event, inspect, select
from sqlalchemy.engine import Engine, make_url

from bot.paths import project_root

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
Index("idx_handoffs_conversation_id", HANDOFFS.c.conversation_id)
Index("idx_handoffs_status_urgency_created", HANDOFFS.c.status, HANDOFFS.c.urgency, HANDOFFS.c.created)
# At most one open handoff per conversation, also when two nodes add to it at the same moment.
ONE_OPEN = Index("handoffs_one_open_per_conversation", HANDOFFS.c.conversation_id, unique=True,
                 sqlite_where=HANDOFFS.c.status != "resolved", postgresql_where=HANDOFFS.c.status != "resolved")

FEEDBACK = Table(  # "was this helpful?" (bot/feedback.py)
    "feedback", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", Text, nullable=False, index=True),
    Column("topic", Text), Column("helpful", Integer), Column("channel", Text),
    Column("created", Text, nullable=False, index=True),
)
UNDELIVERED = Table(  # messages a channel could not send (bot/undelivered.py)
    "undelivered", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", Text, nullable=False, index=True),
    *(Column(name, Text) for name in ("channel", "address", "body", "error")),
    Column("attempts", Integer),
    Column("created", Text, nullable=False, index=True),
    Column("delivered_at", Text),
)
STAFF = Table(  # helpline accounts for the triage page (bot/staff.py)
    "staff", METADATA,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created", Text),
    Column("roles", Text),  # comma-separated: triage, insight, content (bot/staff.py ROLES)
)
SEEN_WEBHOOKS = Table(  # provider message ids already processed, for a while (bot/seen_webhooks.py)
    "seen_webhooks", METADATA,
    Column("message_id", Text, primary_key=True),
    Column("seen_at", Text, nullable=False, index=True),
)
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
    return as_url(where or os.environ.get(ENV) or project_root() / "var" / "handoffs.db")


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
        if found is None or (is_sqlite(key) and not sqlite_file(key).exists()):
            found = _ENGINES[key] = _create(key)
        return found


def _create(key: str) -> Engine:
    from sqlalchemy import create_engine

    if is_sqlite(key):
        sqlite_file(key).parent.mkdir(parents=True, exist_ok=True)
        made = create_engine(key, future=True)
        _serialise_sqlite_writers(made)
    else:
        made = create_engine(key, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5,
                             connect_args={"connect_timeout": 3})  # never outlast the action's own timeout
    METADATA.create_all(made)
    _add_missing_columns(made)
    _add_missing_indexes(made)
    _migrate_staff_roles(made)
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


def _add_missing_columns(made: Engine) -> None:
    """A database made by an older version gets the columns added since."""
    for table in METADATA.sorted_tables:
        have = {column["name"] for column in inspect(made).get_columns(table.name)}
        with made.begin() as conn:
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=made.dialect)
                    conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')


def _migrate_staff_roles(made: Engine) -> int:
    """Migration for the ``roles`` column of ``staff`` (issue 25): accounts made before roles
    existed could use the triage queue and nothing else, so they get exactly the ``triage`` role.
    Idempotent; returns how many accounts it changed."""
    with made.begin() as conn:
        changed = conn.execute(STAFF.update().where(STAFF.c.roles.is_(None)).values(roles="triage")).rowcount
    if changed:
        logger.warning("staff accounts made before roles existed: %d given the triage role", changed)
    return changed


def _add_missing_indexes(made: Engine) -> None:
    """A database made by an older version gets the indexes added since (``create_all`` makes them
    only with a new table). Before the one-open-handoff index, a conversation's extra open
    handoffs are folded into one (``bot.handoffs.fold_duplicate_open_handoffs``), else it could not
    be made and no handoff could be stored."""
    from bot.handoffs import fold_duplicate_open_handoffs  # the merge rules live with the handoffs

    with made.begin() as conn:
        folded = fold_duplicate_open_handoffs(conn)
        if folded:
            logger.warning("folded %d duplicate open handoffs made by an older version into one per conversation",
                           folded)
        for table in METADATA.sorted_tables:
            have = {(tuple(found["column_names"]), bool(found["unique"]))
                    for found in inspect(conn).get_indexes(table.name)}
            for index in table.indexes:  # one an older version made under another name counts
                if (tuple(column.name for column in index.columns), bool(index.unique)) not in have:
                    index.create(conn, checkfirst=True)


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
