"""The plain-SQL tracker store stores and returns exactly what Rasa's own SQLTrackerStore does.

Both run on the same conversation (two sessions, a form, slots, bot messages, saved turn by turn)
on SQLite and on PostgreSQL: the rows written must be identical, and reading them back through
our ``_retrieve`` and Rasa's must give the same events and the same state.
"""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
import sqlalchemy as sa

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from rasa36 import sql_tracker_store
from tests.conftest import new_postgres_db


def _run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    from bot.paths import project_root

    return Domain.load(str(project_root() / "domain.yml"))


def _turns():
    """One conversation, turn by turn: each item is the events one turn adds."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    def user(text, intent, confidence=0.93):
        return UserUttered(text, {"name": intent, "confidence": confidence},
                           parse_data={"intent": {"name": intent, "confidence": confidence},
                                       "entities": [], "text": text})

    return [
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        [user("what is denosumab?", "ask_denosumab"), ActionExecuted("action_answer_topic"),
         BotUttered("Denosumab is a targeted drug ...", {"name": "utter_x"}), SlotSet("last_topic", "denosumab"),
         ActionExecuted("action_listen")],
        [user("can a nurse call me back", "request_callback"), ActionExecuted("callback_form"),
         ActiveLoop("callback_form"), SlotSet("requested_slot", "callback_contact"), ActionExecuted("action_listen")],
        [UserUttered("ÅÄÖ 😀 <script>alert(1)</script> ' \" ; DROP TABLE events;--"),
         ActionExecuted("action_listen")],
        # a new session: retrieve returns only what follows it, retrieve_full_tracker everything
        [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("last_topic", "denosumab"),
         ActionExecuted("action_listen")],
        [user("thanks", "thank"), ActionExecuted("utter_thanks"), BotUttered("You're welcome."),
         ActionExecuted("action_listen")],
    ]


def _store(domain, backend, tmp_path, name, postgres_url=None):
    from rasa.core.tracker_store import SQLTrackerStore

    if backend == "sqlite":
        return SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / f"{name}.db"))
    url = sa.engine.make_url(postgres_url)
    return SQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
                           username=url.username, password=url.password)


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request, domain, tmp_path):
    """Two empty tracker stores of the same kind: (ours, a second one for Rasa's own methods)."""
    urls = [None, None]
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres")
        urls = [new_postgres_db(postgres), new_postgres_db(postgres)]
    stores = [_store(domain, request.param, tmp_path, name, url) for name, url in zip(("ours", "rasas"), urls)]
    yield stores
    for store in stores:
        store.engine.dispose()


def _rows(store):
    with store.engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id")).fetchall()


OURS = (sql_tracker_store._retrieve, sql_tracker_store.save)


def _rasas():
    return sql_tracker_store.RASA_METHODS["_retrieve"], sql_tracker_store.RASA_METHODS["save"]


def _save_turn_by_turn(store, domain, methods=OURS, sender="conversation-1", turns=None):
    """What a Rasa process does each turn: read the conversation, add the turn's events, save."""
    from rasa.shared.core.trackers import DialogueStateTracker

    retrieve, save = methods
    for turn in turns or _turns():
        tracker = _run(retrieve(store, sender, False)) or DialogueStateTracker(sender, domain.slots)
        for event in turn:
            tracker.update(event)
        _run(save(store, tracker))


def _events(tracker):
    return [event.as_dict() for event in tracker.events]


def test_the_patch_is_installed():
    from rasa.core.tracker_store import SQLTrackerStore

    assert SQLTrackerStore._retrieve is sql_tracker_store._retrieve
    assert SQLTrackerStore.save is sql_tracker_store.save


def test_saving_writes_the_same_rows_as_rasa(two_stores, domain):
    ours, rasas = two_stores
    turns = _turns()  # the same event objects (and timestamps) for both
    _save_turn_by_turn(ours, domain, turns=turns)
    _save_turn_by_turn(rasas, domain, _rasas(), turns=turns)
    ours_rows = _rows(ours)
    assert ours_rows == _rows(rasas)
    # each event written once although every turn saved the whole session
    assert len(ours_rows) == sum(len(turn) for turn in turns)
    assert [row.intent_name for row in ours_rows if row.type_name == "user"] == \
        ["ask_denosumab", "request_callback", None, "thank"]


@pytest.mark.parametrize("all_sessions", [False, True])
def test_reading_returns_what_rasa_returns(two_stores, domain, all_sessions):
    ours, _ = two_stores
    turns = _turns()
    _save_turn_by_turn(ours, domain, turns=turns)
    mine = _run(sql_tracker_store._retrieve(ours, "conversation-1", all_sessions))
    rasas = _run(sql_tracker_store.RASA_METHODS["_retrieve"](ours, "conversation-1", all_sessions))
    assert _events(mine) == _events(rasas)
    assert mine.current_state() == rasas.current_state()
    everything = [event.as_dict() for turn in turns for event in turn]
    if all_sessions:
        assert _events(mine) == everything
    else:  # from the latest session start on (by timestamp, as Rasa does)
        latest_start = [e for e in everything if e["event"] == "session_started"][-1]["timestamp"]
        assert _events(mine) == [e for e in everything if e["timestamp"] >= latest_start]
        assert _events(mine)[0]["event"] == "session_started"
    assert mine.get_slot("last_topic") == "denosumab"


def test_an_unknown_conversation_is_none_and_writes_nothing(two_stores):
    ours, _ = two_stores
    assert _run(ours.retrieve("nobody")) is None
    assert _run(ours.retrieve_full_tracker("nobody")) is None
    assert _rows(ours) == []


def test_one_conversation_never_sees_anothers_events(two_stores, domain):
    ours, _ = two_stores
    _save_turn_by_turn(ours, domain, sender="alice")
    _save_turn_by_turn(ours, domain, sender="bob")
    alice = _run(ours.retrieve_full_tracker("alice"))
    assert alice.sender_id == "alice"
    assert len(alice.events) == sum(len(turn) for turn in _turns())
    with ours.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(DISTINCT sender_id) FROM events")).scalar() == 2


def test_every_read_sees_writes_made_by_another_process(two_stores, domain):
    """Nothing is cached: a second store on the same database (another Rasa process) reads the
    turn the first one just saved."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted

    ours, _ = two_stores
    other = SQLTrackerStore(domain, dialect=ours.engine.dialect.name, host=ours.engine.url.host,
                            port=ours.engine.url.port, db=ours.engine.url.database,
                            username=ours.engine.url.username, password=ours.engine.url.password)
    _save_turn_by_turn(ours, domain)
    before = len(_run(other.retrieve("conversation-1")).events)
    tracker = _run(ours.retrieve("conversation-1"))
    tracker.update(ActionExecuted("action_listen"))
    _run(ours.save(tracker))
    assert len(_run(other.retrieve("conversation-1")).events) == before + 1
    other.engine.dispose()


def test_a_sqlite_tracker_file_uses_the_write_ahead_log(domain, tmp_path):
    store = _store(domain, "sqlite", tmp_path, "wal")
    assert sqlite3.connect(tmp_path / "wal.db").execute("PRAGMA journal_mode").fetchone() == ("wal",)
    store.engine.dispose()


def test_a_sqlite_tracker_file_keeps_its_connection_between_turns(domain, tmp_path):
    """Rasa opened a new SQLite connection for every read and write (~0.6 ms each)."""
    store = _store(domain, "sqlite", tmp_path, "pooled")
    opened = []
    sa.event.listen(store.engine, "connect", lambda *args: opened.append(1))
    _save_turn_by_turn(store, domain)  # six turns: six reads and six writes
    assert len(opened) <= 1
    store.engine.dispose()


def test_a_pooled_sqlite_connection_can_be_used_from_another_thread(domain, tmp_path):
    """Rasa runs some work in threads; a pooled connection must not be tied to the first one."""
    import threading

    store = _store(domain, "sqlite", tmp_path, "threads")
    _save_turn_by_turn(store, domain)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(len(_run(store.retrieve("conversation-1")).events)))
    thread.start()
    thread.join()
    assert seen and seen[0] > 0
    store.engine.dispose()
