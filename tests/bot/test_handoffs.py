"""The handoff store, staff accounts, retention and forgetting (bot/records/handoffs.py, staff.py, privacy.py),
on both databases it runs on: a SQLite file (one node) and PostgreSQL (several nodes)."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from bot.records import db as handoff_db
from bot.records import (
    handoff_rules,
    handoff_spool,
    handoff_store,
    handoffs,
    migrations,
    undelivered,
)
from bot.records.feedback import record_feedback, summary
from bot.records.staff_accounts import add_staff, check_password
from rasa36.tracker_tables import forget, purge

CONTACT = {"contact_name": "Sue", "contact": "07911 123456", "contact_kind": "phone", "good_time": "mornings"}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    """Where the handoffs go: a SQLite file, or a fresh PostgreSQL database (the several-nodes setup)."""
    monkeypatch.setenv("BOT_HANDOFFS_SPOOL", str(tmp_path / "handoffs.pending.jsonl"))
    if request.param == "sqlite":
        return tmp_path / "handoffs.db"
    return request.getfixturevalue("fresh_postgres_db")


@pytest.fixture
def mend_database(monkeypatch):
    """Every write to the handoffs database raises until ``mend_database()`` is called."""
    real_store = handoff_store.store_handoff

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(handoff_store, "store_handoff", broken)
    return lambda: monkeypatch.setattr(handoff_store, "store_handoff", real_store)


def test_one_open_handoff_per_conversation_keeps_the_most_urgent(db):
    handoffs.save_handoff("c1", "routine", "callback", topics=["denosumab"], contact=CONTACT, path=db)
    record = handoffs.save_handoff("c1", "emergency", "red_flag", red_flags=["spinal_cord_compression"], path=db)
    assert record["urgency"] == "emergency"
    assert json.loads(record["reasons"]) == ["callback", "red_flag"]
    assert record["contact"] == "07911 123456" and record["consent"] == 1  # not lost by the merge
    assert "EMERGENCY" in record["note"] and "spinal_cord_compression" in record["note"]
    assert len(handoff_store.list_handoffs(db)) == 1


def test_contact_details_only_when_given_with_consent(db):
    record = handoffs.save_handoff("c1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)
    assert record["consent"] is None and not record["contact"]


@pytest.mark.parametrize("urgency, reason", [("soon", "callback"), ("routine", "because")])
def test_unknown_urgency_or_reason_is_refused(db, urgency, reason):
    with pytest.raises(ValueError):
        handoffs.save_handoff("c1", urgency, reason, path=db)


def test_queue_order_is_urgency_then_age_with_resolved_last(db, monkeypatch):
    times = (f"2026-11-22T10:{n:02d}:00+00:00" for n in range(60))
    monkeypatch.setattr(handoff_db, "now", lambda: next(times))
    for conversation, urgency in [("old-routine", "routine"), ("urgent", "urgent"), ("new-routine", "routine"),
                                  ("emergency", "emergency")]:
        handoffs.save_handoff(conversation, urgency, "callback", path=db)
    handoff_store.resolve(handoff_store.open_handoff("emergency", db)["id"], "sam", path=db)
    order = [h["conversation_id"] for h in handoff_store.list_handoffs(db)]
    assert order == ["urgent", "old-routine", "new-routine", "emergency"]
    assert [h["conversation_id"] for h in handoff_store.list_handoffs(db, include_resolved=False)] == order[:3]


def test_claim_hand_back_resolve(db):
    record = handoffs.save_handoff("c1", "routine", "callback", contact=CONTACT, with_nurse=True, path=db)
    assert handoff_store.is_with_nurse("c1", db)
    record = handoff_store.claim(record["id"], "sam", path=db)
    assert (record["status"], record["claimed_by"]) == ("claimed", "sam")
    record = handoff_store.hand_back(record["id"], "sam", path=db)
    assert not handoff_store.is_with_nurse("c1", db) and record["handed_back_by"] == "sam"
    record = handoff_store.resolve(record["id"], "sam", path=db)
    assert record["status"] == "resolved"
    with pytest.raises(handoff_rules.HandoffError):
        handoff_store.claim(record["id"], "kim", path=db)
    with pytest.raises(handoff_rules.HandoffError):
        handoff_store.claim("no-such-id", "kim", path=db)


def test_resolving_also_hands_the_conversation_back(db):
    record = handoffs.save_handoff("c1", "routine", "callback", with_nurse=True, path=db)
    handoff_store.resolve(record["id"], "sam", path=db)
    assert not handoff_store.is_with_nurse("c1", db)
    # a new request after that is a new handoff
    assert handoffs.save_handoff("c1", "routine", "callback", path=db)["id"] != record["id"]


def test_when_nothing_can_be_written_the_caller_is_told(tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database folder should be")
    db = blocked / "handoffs.db"
    # neither the database nor the pending file beside it can be written: the caller is told
    assert handoffs.save_or_spool("c1", "routine", "callback", path=db, contact=CONTACT) is False
    assert "07911" not in caplog.text and "Sue" not in caplog.text  # no personal details in the log


def test_pending_handoffs_are_replayed_by_the_next_write(tmp_path, mend_database, caplog):
    db = tmp_path / "handoffs.db"
    assert handoffs.save_or_spool("c1", "routine", "callback", path=db, contact=CONTACT, topics=("denosumab",)) is True
    assert handoff_spool.pending_path(db).exists()
    assert "07911" not in caplog.text and "OperationalError" in caplog.text
    mend_database()
    handoffs.save_handoff("c2", "urgent", "red_flag", path=db)
    assert not handoff_spool.pending_path(db).exists()
    stored = {h["conversation_id"]: h for h in handoff_store.list_handoffs(db)}
    assert stored["c1"]["contact"] == "07911 123456" and json.loads(stored["c1"]["topics"]) == ["denosumab"]


def test_purge_deletes_only_what_is_older_than_the_retention(db, tmp_path, monkeypatch):
    monkeypatch.setattr(handoff_db, "now", lambda: "2026-01-01T10:00:00+00:00")
    handoff_store.resolve(handoffs.save_handoff("old", "routine", "callback", path=db)["id"], "sam", path=db)
    record_feedback("old", "denosumab", True, path=db)
    monkeypatch.setattr(handoff_db, "now", lambda: "2026-11-20T10:00:00+00:00")
    handoffs.save_handoff("recent", "routine", "callback", path=db)
    record_feedback("recent", "denosumab", False, path=db)
    tracker = _tracker_db(tmp_path, db, {"old": dt.datetime(2026, 1, 1), "recent": dt.datetime(2026, 11, 20)})
    from bot.records import staff_sessions

    staff_sessions.record("sam", "view", "1", path=db, at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    staff_sessions.record("sam", "view", "2", path=db, at=dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc))
    removed = purge(90, handoffs_db=db, tracker_db=tracker, now=dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
    assert removed == {"handoffs": 1, "feedback": 1, "undelivered": 0, "tracker events": 2,
                       "staff audit lines": 1, "staff sessions": 0}
    assert [line["handoff_id"] for line in staff_sessions.audit_log(db)] == ["2"]  # the audit log is kept no longer
    assert [h["conversation_id"] for h in handoff_store.list_handoffs(db)] == ["recent"]
    assert [row["conversation_id"] for row in handoff_db.rows("feedback", db)] == ["recent"]
    assert _senders(tracker) == {"recent"}


NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)


def _ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat(timespec="seconds")


@pytest.mark.parametrize("history, purged, listed_for_staff", [
    # (when, what) in order; the handoff was created by the first
    ([(200, "new")], False, True),                                     # open for 200 days: kept, listed
    ([(200, "new"), (1 / 24, "emergency")], False, True),              # an emergency an hour ago
    ([(200, "new"), (150, "claimed")], False, True),
    ([(200, "new"), (100, "resolved")], True, False),                  # resolved longer ago than 90 days
    ([(200, "new"), (10, "resolved")], False, False),                  # created long ago, resolved lately
    ([(5, "new")], False, False),
    ([(5, "new"), (4, "resolved")], False, False),
])
def test_purge_never_deletes_an_open_handoff_and_goes_by_when_one_was_resolved(db, monkeypatch, history, purged,
                                                                                listed_for_staff):
    for days, what in history:
        monkeypatch.setattr(handoff_db, "now", lambda days=days: _ago(days))
        if what in ("new", "emergency"):
            record = handoffs.save_handoff("c1", "emergency" if what == "emergency" else "routine",
                                           "red_flag" if what == "emergency" else "callback", path=db)
        elif what == "claimed":
            handoff_store.claim(record["id"], "sam", path=db)
        else:
            handoff_store.resolve(record["id"], "sam", path=db)
    removed = handoff_store.purge_older_than(90, db, now=NOW)
    assert removed["handoffs"] == int(purged)
    assert len(handoff_store.list_handoffs(db)) == int(not purged)
    assert [h["id"] for h in handoff_store.open_older_than(90, db, now=NOW)] == ([record["id"]] if listed_for_staff else [])


def test_forget_removes_a_conversation_everywhere(db, tmp_path):
    handoffs.save_handoff("sue", "routine", "callback", contact=CONTACT, path=db)
    handoffs.save_handoff("other", "routine", "callback", path=db)
    record_feedback("sue", "kyphoplasty", True, path=db)
    tracker = _tracker_db(tmp_path, db, {"sue": dt.datetime(2026, 11, 20), "other": dt.datetime(2026, 11, 20)})
    assert forget("sue", handoffs_db=db, tracker_db=tracker) == {
        "handoffs": 1, "feedback": 1, "undelivered": 0, "pending handoffs": 0, "pending undelivered": 0,
        "tracker events": 2}
    assert [h["conversation_id"] for h in handoff_store.list_handoffs(db)] == ["other"]
    assert _senders(tracker) == {"other"}


def test_staff_passwords_are_hashed_and_checked(db):
    add_staff("sam", "a long enough secret", path=db)
    stored = handoff_db.rows("staff", db, username="sam")[0]["password_hash"]
    assert stored.startswith("scrypt:") and "a long enough secret" not in stored
    assert check_password("sam", "a long enough secret", path=db)
    assert not check_password("sam", "a long enough secreT", path=db)
    assert not check_password("nobody", "a long enough secret", path=db)


@pytest.mark.parametrize("name, password", [("Sam Smith", "a long enough secret"), ("sam", "short")])
def test_bad_accounts_are_refused(db, name, password):
    with pytest.raises(ValueError):
        add_staff(name, password, path=db)


def _tracker_db(tmp_path, handoffs_db, last_seen: dict) -> str:
    """A tracker store shaped like Rasa's SQL tracker store, two events per conversation: in the
    same PostgreSQL database as the handoffs when they are there, else a SQLite file."""
    url = handoffs_db if "://" in str(handoffs_db) else f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(text("create table events (id serial primary key, sender_id text, type_name text, "
                          "timestamp float, intent_name text, action_name text, data text)"
                          .replace("serial", "integer" if url.startswith("sqlite") else "serial")))
        for sender, moment in last_seen.items():
            stamp = moment.replace(tzinfo=dt.timezone.utc).timestamp()
            for offset in (60, 0):
                conn.execute(text("insert into events (sender_id, type_name, timestamp) values (:s, 'user', :t)"),
                             {"s": sender, "t": stamp - offset})
    engine.dispose()
    return url


def _senders(url) -> set:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(text("select sender_id from events"))}
    engine.dispose()
    return found


def test_answers_to_the_form_are_not_counted_as_topics():
    events = [
        {"event": "user", "parse_data": {"intent": {"name": "ask_denosumab"}}},
        {"event": "active_loop", "name": "callback_form"},
        {"event": "user", "parse_data": {"intent": {"name": "ask_nice_access"}}},  # "afternoons", misread
        {"event": "active_loop", "name": None},
        {"event": "user", "parse_data": {"intent": {"name": "ask_kyphoplasty"}}},
    ]
    from actions.callback import conversation_topics

    assert conversation_topics(events) == (["denosumab", "kyphoplasty"], [])


def test_the_pending_file_is_private_and_a_half_done_replay_is_finished(tmp_path, mend_database):
    db = tmp_path / "handoffs.db"
    assert handoffs.save_or_spool("c1", "urgent", "red_flag", path=db, red_flags=("jaw_osteonecrosis",))
    assert handoff_spool.pending_path(db).stat().st_mode & 0o777 == 0o600
    with pytest.raises(sqlite3.OperationalError):  # the replay itself fails half-way...
        handoffs.save_handoff("c2", "routine", "callback", path=db)
    mend_database()
    handoffs.save_handoff("c3", "routine", "callback", path=db)  # ...and the next write finishes it
    assert {h["conversation_id"] for h in handoff_store.list_handoffs(db)} == {"c1", "c3"}


def test_a_programming_error_is_raised_not_spooled(db):
    with pytest.raises(ValueError):
        handoffs.save_or_spool("c1", "soon", "callback", path=db)
    assert not handoff_spool.pending_path(db).exists()


def test_simultaneous_additions_from_several_nodes_make_one_open_handoff(db):
    additions = [("routine", "second_miss", []), ("urgent", "red_flag", ["jaw_osteonecrosis"]),
                 ("routine", "callback", []), ("emergency", "red_flag", ["spinal_cord_compression"]),
                 ("routine", "talk_to_nurse", []), ("urgent", "red_flag", ["hypercalcaemia"])]
    start, errors = threading.Barrier(len(additions)), []

    def add(urgency, reason, flags):
        start.wait()
        try:
            handoffs.save_handoff("c1", urgency, reason, red_flags=flags, path=db)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=add, args=addition) for addition in additions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [record] = handoff_store.list_handoffs(db)
    assert record["urgency"] == "emergency"
    assert set(json.loads(record["reasons"])) == {"second_miss", "red_flag", "callback", "talk_to_nurse"}
    assert set(json.loads(record["red_flags"])) == {"jaw_osteonecrosis", "spinal_cord_compression", "hypercalcaemia"}


def test_adding_to_a_claimed_handoff_keeps_the_claim(db):
    record = handoffs.save_handoff("c1", "routine", "callback", path=db)
    handoff_store.claim(record["id"], "sam", path=db)
    record = handoffs.save_handoff("c1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)
    assert (record["status"], record["claimed_by"], record["urgency"]) == ("claimed", "sam", "urgent")


def test_feedback_summary_counts_per_topic(db):
    for conversation, topic, helpful in [("a", "denosumab", True), ("b", "denosumab", False),
                                         ("c", "denosumab", True), ("d", "kyphoplasty", False)]:
        record_feedback(conversation, topic, helpful, path=db)
    assert summary(path=db) == [{"topic": "denosumab", "helpful": 2, "not_helpful": 1},
                                {"topic": "kyphoplasty", "helpful": 0, "not_helpful": 1}]


def test_undelivered_messages_are_kept_until_sent(db):
    first = undelivered.record("wa-1", "whatsapp", "whatsapp:+447911123456", "Hello", "HTTP 503", 3, path=db)
    undelivered.record("wa-2", "whatsapp", "whatsapp:+447911123457", "Hi", "HTTP 500", 3, path=db)
    undelivered.mark_failed_again(first["id"], "HTTP 429", path=db)
    assert [(r["conversation_id"], r["error"], r["attempts"]) for r in undelivered.waiting(path=db)] == [
        ("wa-1", "HTTP 429", 4), ("wa-2", "HTTP 500", 3)]
    undelivered.mark_delivered(first["id"], path=db)
    assert [r["conversation_id"] for r in undelivered.waiting(path=db)] == ["wa-2"]


def test_while_postgresql_is_down_handoffs_wait_on_this_node_then_go_in(fresh_postgres_db, postgres, tmp_path,
                                                                          monkeypatch, caplog):
    spool = tmp_path / "handoffs.pending.jsonl"
    monkeypatch.setenv("BOT_HANDOFFS_SPOOL", str(spool))
    handoffs.save_handoff("before", "routine", "second_miss", path=fresh_postgres_db)
    postgres.stop()
    try:
        assert handoffs.save_or_spool("c1", "urgent", "callback", path=fresh_postgres_db, contact=CONTACT) is True
        assert spool.exists() and "07911" not in caplog.text and "OperationalError" in caplog.text
    finally:
        postgres.start()
    handoffs.save_handoff("after", "routine", "callback", path=fresh_postgres_db)
    assert not spool.exists()
    stored = {h["conversation_id"]: h for h in handoff_store.list_handoffs(fresh_postgres_db)}
    assert set(stored) == {"before", "c1", "after"} and stored["c1"]["contact"] == "07911 123456"


def test_a_red_flag_handoff_waits_in_the_pending_file_when_the_database_cannot_be_written(tmp_path, mend_database):
    db = tmp_path / "handoffs.db"
    assert handoffs.record_red_flags("c1", "my legs have gone weak", path=db) is None
    assert handoff_spool.pending_path(db).exists()
    mend_database()
    handoffs.save_handoff("c2", "routine", "callback", path=db)
    stored = {h["conversation_id"]: h for h in handoff_store.list_handoffs(db)}
    assert stored["c1"]["urgency"] == "emergency" and json.loads(stored["c1"]["reasons"]) == ["red_flag"]


def test_a_database_made_by_an_older_version_is_brought_up_to_date(tmp_path):
    db = tmp_path / "handoffs.db"
    with sqlite3.connect(db) as old:  # before with_nurse and hand-back existed
        old.execute("create table handoffs (id text primary key, created text, conversation_id text, "
                    "urgency text, status text, reasons text)")
        old.execute("insert into handoffs values ('old1', '2026-11-01T10:00:00+00:00', 'c1', 'routine', 'new', "
                    "'[\"callback\"]')")
    assert migrations.migrate(db) == ["add_missing_columns", "add_missing_indexes", "give_old_accounts_triage"]
    assert migrations.migrate(db) == []  # once only
    record = handoffs.save_handoff("c1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], with_nurse=True,
                                   path=db)
    assert record["id"] == "old1" and record["with_nurse"] == 1
    assert json.loads(record["reasons"]) == ["callback", "red_flag"]
    with pytest.raises(IntegrityError):  # and one open handoff per conversation holds for it too
        with handoff_db.engine(db).begin() as conn:
            conn.execute(handoff_db.HANDOFFS.insert().values(id="dup", created="x", conversation_id="c1",
                                                             urgency="routine", status="new"))


def _old_database_with_two_open_handoffs(db) -> None:
    """A handoffs database as an older version left it: no one-open-handoff index, and two open
    handoffs for conversation c1 (two nodes added to it at the same moment), one resolved."""
    engine = create_engine(handoff_db.url(db), future=True)
    with engine.begin() as conn:
        handoff_db.METADATA.create_all(conn, tables=[handoff_db.FEEDBACK])  # any table but handoffs
        columns = ", ".join(f'"{c.name}" {c.type.compile(dialect=engine.dialect)}' for c in handoff_db.HANDOFFS.columns)
        conn.execute(text(f"CREATE TABLE handoffs ({columns}, PRIMARY KEY (id))"))
        conn.execute(text("CREATE INDEX handoffs_by_conversation ON handoffs (conversation_id)"))  # its own name
        rows = [
            dict(id="first", created="2026-11-23T01:03:42+00:00", conversation_id="c1", urgency="routine",
                 status="new", reasons='["callback"]', topics='["denosumab"]', red_flags="[]", consent=1,
                 contact="07911 123456", contact_kind="phone", with_nurse=1),
            dict(id="second", created="2026-11-23T01:03:43+00:00", conversation_id="c1", urgency="emergency",
                 status="claimed", claimed_by="sam", reasons='["red_flag"]', topics="[]",
                 red_flags='["spinal_cord_compression"]', consent=None, contact=None, contact_kind=None,
                 with_nurse=0),
            dict(id="done", created="2026-11-22T09:00:00+00:00", conversation_id="c1", urgency="urgent",
                 status="resolved", reasons='["second_miss"]', topics="[]", red_flags="[]", consent=None,
                 contact=None, contact_kind=None, with_nurse=0),
        ]
        for row in rows:
            conn.execute(handoff_db.HANDOFFS.insert().values(**row))
    engine.dispose()


def test_several_open_handoffs_left_by_an_older_version_are_folded_into_one(db, caplog):
    _old_database_with_two_open_handoffs(db)
    handoff_db.close(db)
    migrations.migrate(db)
    assert "1 schema version(s) behind" not in caplog.text and "3 schema version(s) behind" in caplog.text
    open_ones = [h for h in handoff_store.list_handoffs(db) if h["status"] != "resolved"]  # was: IntegrityError
    assert [h["id"] for h in open_ones] == ["first"]
    kept = open_ones[0]
    assert kept["urgency"] == "emergency" and kept["status"] == "claimed" and kept["claimed_by"] == "sam"
    assert json.loads(kept["reasons"]) == ["callback", "red_flag"]
    assert json.loads(kept["red_flags"]) == ["spinal_cord_compression"] and json.loads(kept["topics"]) == ["denosumab"]
    assert kept["contact"] == "07911 123456" and kept["consent"] == 1 and kept["with_nurse"] == 1
    assert "EMERGENCY" in kept["note"] and "spinal_cord_compression" in kept["note"]
    merged = handoff_store.get_handoff("second", db)
    assert merged["status"] == "resolved" and merged["resolved_by"] == "system: merged into first"
    assert handoff_store.get_handoff("done", db)["resolved_by"] is None  # an already resolved one is left alone
    assert "folded 1 duplicate open handoffs" in caplog.text
    from sqlalchemy import inspect

    indexes = {index["name"]: (index["column_names"], bool(index["unique"]))
               for index in inspect(handoff_db.engine(db)).get_indexes("handoffs")}
    assert indexes["handoffs_one_open_per_conversation"] == (["conversation_id"], True)
    assert "idx_handoffs_status_urgency_created" in indexes  # added since
    assert "idx_handoffs_conversation_id" not in indexes  # the older index on the same column is kept instead
    record = handoffs.save_handoff("c1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)
    assert record["id"] == "first" and record["urgency"] == "emergency"  # and new additions go to it
    with pytest.raises(IntegrityError):  # the one-open-handoff index now exists
        with handoff_db.engine(db).begin() as conn:
            conn.execute(handoff_db.HANDOFFS.insert().values(id="dup", created="x", conversation_id="c1",
                                                             urgency="routine", status="new"))


def test_forgotten_words_are_not_left_in_the_sqlite_files(tmp_path):
    """``forget`` must not leave the person's words readable in the files' free pages or in the
    tracker's write-ahead log (Rasa keeps its pooled connection open meanwhile)."""
    canary, other = "07700 900461 canary@example.org", "nothing personal"
    db = tmp_path / "handoffs.db"
    handoffs.save_handoff("sue", "routine", "callback", contact={**CONTACT, "contact": canary}, path=db)
    handoffs.save_handoff("other", "routine", "callback", path=db)
    tracker = tmp_path / "tracker.db"
    rasa = sqlite3.connect(tracker, isolation_level=None)
    rasa.execute("PRAGMA journal_mode=WAL")
    rasa.execute("create table events (id integer primary key, sender_id text, type_name text, "
                 "timestamp float, intent_name text, action_name text, data text)")
    for sender, words in [("sue", canary), ("other", other)] * 20:
        rasa.execute("insert into events (sender_id, type_name, timestamp, data) values (?, 'user', 1.0, ?)",
                     (sender, json.dumps({"text": f"call me on {words}"}) + " " * 300))
    assert any(canary.encode() in path.read_bytes() for path in tmp_path.glob("*.db*"))

    forget("sue", handoffs_db=db, tracker_db=tracker)
    handoff_db.close(db)
    for path in tmp_path.glob("*.db*"):
        assert canary.encode() not in path.read_bytes(), path.name
    assert rasa.execute("select count(*) from events where sender_id = 'other'").fetchone() == (20,)
    rasa.close()


def test_forget_waits_for_a_read_in_progress_then_empties_the_write_ahead_log(tmp_path, monkeypatch, caplog):
    """The Rasa server may be reading the tracker file when ``forget`` runs: the log is emptied
    once the read ends, or a warning says it could not be (never silently left behind)."""
    canary = "07700 900462"
    tracker = tmp_path / "tracker.db"
    writer = sqlite3.connect(tracker, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("create table events (id integer primary key, sender_id text, type_name text, "
                   "timestamp float, intent_name text, action_name text, data text)")
    for _ in range(20):
        writer.execute("insert into events (sender_id, type_name, timestamp, data) values ('sue', 'user', 1.0, ?)",
                       (f"call me on {canary}" + " " * 300,))
    reader = sqlite3.connect(tracker, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("select count(*) from events").fetchone()  # a read snapshot held open
    threading.Timer(0.5, lambda: reader.execute("COMMIT")).start()
    assert forget("sue", handoffs_db=tmp_path / "h.db", tracker_db=tracker)["tracker events"] == 20
    assert all(canary.encode() not in path.read_bytes() for path in tmp_path.glob("tracker.db*"))

    reader.execute("BEGIN")
    reader.execute("select count(*) from events").fetchone()  # this time it is never released
    writer.execute("insert into events (sender_id, type_name, timestamp, data) values ('sue', 'user', 2.0, 'x')")
    monkeypatch.setattr("rasa36.tracker_tables.SQLITE_WAIT_MS", 200)
    with caplog.at_level("WARNING", logger="bot.records.retention"):
        assert forget("sue", handoffs_db=tmp_path / "h.db", tracker_db=tracker)["tracker events"] == 1
    assert "write-ahead log" in caplog.text
    reader.execute("COMMIT")
    reader.close()
    writer.close()


def test_a_new_database_is_made_at_the_current_version_and_every_step_is_counted(tmp_path, caplog):
    db = tmp_path / "handoffs.db"
    with handoff_db.engine(db).connect() as conn:
        assert handoff_db.schema_version(conn) == handoff_db.SCHEMA_VERSION == len(migrations.STEPS)
    assert migrations.migrate(db) == [] and "behind" not in caplog.text


def test_two_processes_migrating_at_once_both_succeed_and_each_step_runs_once(tmp_path):
    """A node's services start together and each migrates (review of 2026-12-02: the second one used to
    fail on the version row, and the staff site with it)."""
    from concurrent.futures import ThreadPoolExecutor

    db = tmp_path / "handoffs.db"
    with sqlite3.connect(db) as old:
        old.execute("create table handoffs (id text primary key, created text, conversation_id text, "
                    "urgency text, status text, reasons text)")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: migrations.migrate(db), range(2)))
    # the steps may be shared between the two (one runs step 1 while the other waits, then runs 2 and 3),
    # but each runs exactly once
    applied = results[0] + results[1]
    assert sorted(applied) == sorted(set(applied)) and len(applied) == len(migrations.STEPS)
    with handoff_db.engine(db).connect() as conn:
        assert handoff_db.schema_version(conn) == handoff_db.SCHEMA_VERSION
        assert conn.exec_driver_sql("select count(*) from schema_version").scalar() == handoff_db.SCHEMA_VERSION
