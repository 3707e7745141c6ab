"""``forget`` is complete and safe against a turn in progress: real tracker stores (Rasa's
SQLTrackerStore with rasa36/sql_tracker_store.py) on one SQLite file or one PostgreSQL
database, a real pending file, the real ``rasa36.tracker_tables.forget``."""
from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)

from bot.records import handoff_spool, handoff_store, handoffs, spool
from rasa36.tracker_tables import forget
from tests.conftest import new_postgres_db
from tests.rasa36.test_sql_tracker_store import _store, _turns, domain  # noqa: F401 - the fixture

CANARY = "07700 900463"


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_db(request, tmp_path):
    """Where the conversations are: (backend, what ``forget`` is given, the URL)."""
    if request.param == "sqlite":
        return "sqlite", tmp_path / "tracker.db", f"sqlite:///{tmp_path / 'tracker.db'}"
    url = new_postgres_db(request.getfixturevalue("postgres"))
    return "postgresql", url, url


def _stored(url: str, sender: str) -> list[dict]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as conn:
        rows = [json.loads(data) for (data,) in conn.execute(
            sa.text("select data from events where sender_id = :s order by id"), {"s": sender})]
    engine.dispose()
    return rows


def test_forget_during_a_turn_does_not_write_the_conversation_back(domain, tracker_db, tmp_path):  # noqa: F811
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    backend, where, url = tracker_db
    one = _store(domain, backend, tmp_path, "tracker", url)       # two Rasa processes, one database
    other = _store(domain, backend, tmp_path, "tracker", url)
    earlier = DialogueStateTracker.from_events("sue", [e for turn in _turns()[:2] for e in turn], domain.slots)
    asyncio.run(one.save(earlier))
    # a turn in progress in the other process: read, the person's message added, not saved yet
    live = asyncio.run(other.retrieve("sue"))
    live.update(UserUttered(f"call me on {CANARY}", {"name": "inform", "confidence": 0.9}))
    live.update(ActionExecuted("action_answer_topic"))

    removed = forget("sue", handoffs_db=tmp_path / "handoffs.db", tracker_db=where)
    assert removed["tracker events"] == 8

    live.update(BotUttered("Thank you."))  # the turn ends after the forget and is saved
    asyncio.run(other.save(live))
    stored = _stored(url, "sue")
    assert CANARY not in json.dumps(stored)  # was: the whole conversation written back
    assert [e["event"] for e in stored] == ["bot"]  # only what happened after the forget
    # the next turn starts from what is stored, and is saved as usual
    following = asyncio.run(one.retrieve("sue"))
    following.update(UserUttered("hello", {"name": "greet", "confidence": 0.9}))
    asyncio.run(one.save(following))
    assert [e["event"] for e in _stored(url, "sue")] == ["bot", "user"]
    for store in (one, other):
        store.engine.dispose()


def test_forget_removes_the_conversation_from_the_pending_and_quarantine_files(tmp_path):
    db = tmp_path / "handoffs.db"
    pending = handoff_spool.pending_path(db)
    for who in ("sue", "other"):
        spool.append(pending, {"conversation_id": who, "urgency": "routine", "reason": "callback",
                               "fields": {"contact": {"contact_name": who, "contact": CANARY}}})
    spool.quarantine_path(pending).write_text(f'{{"conversation_id": "sue", "contact": "{CANARY}", cut\n')
    removed = forget("sue", handoffs_db=db, tracker_db=tmp_path / "tracker.db")
    assert removed["pending handoffs"] == 2
    assert not spool.quarantine_path(pending).exists()  # its only line was hers
    handoffs.save_handoff("new", "routine", "callback", path=db)  # replays what is pending
    # was: her handoff came back, with her number, at the next write
    assert {h["conversation_id"] for h in handoff_store.list_handoffs(db)} == {"other", "new"}


def test_forget_and_turns_at_the_same_moment_leave_nothing_from_before_the_last_forget(domain, tracker_db,  # noqa: F811
                                                                                       tmp_path):
    """Turns of one conversation saved in one thread while ``forget`` runs again and again in another:
    whatever the interleaving, nothing stored predates the last forget."""
    import threading
    import time

    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    backend, where, url = tracker_db
    store = _store(domain, backend, tmp_path, "tracker", url)
    asyncio.run(store.save(DialogueStateTracker.from_events("sue", _turns()[0], domain.slots)))
    stop, errors, saved = threading.Event(), [], []

    def turns():
        try:
            while not stop.is_set():
                tracker = asyncio.run(store.retrieve("sue")) or DialogueStateTracker("sue", domain.slots)
                tracker.update(UserUttered(f"call me on {CANARY}", {"name": "inform", "confidence": 0.9}))
                time.sleep(0.01)  # the turn being processed
                tracker.update(BotUttered("Thank you."))
                asyncio.run(store.save(tracker))
                saved.append(1)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    worker = threading.Thread(target=turns)
    worker.start()
    try:
        for _ in range(20):
            time.sleep(0.03)
            before_forget = time.time()
            forget("sue", handoffs_db=tmp_path / "handoffs.db", tracker_db=where)
    finally:
        stop.set()
        worker.join(timeout=60)
    assert errors == [] and len(saved) > 5
    # was: a turn in progress wrote the whole conversation back, from its first event on
    assert [e for e in _stored(url, "sue") if e["timestamp"] <= before_forget] == []
    store.engine.dispose()
