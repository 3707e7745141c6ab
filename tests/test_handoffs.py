"""The handoff store, staff accounts, retention and forgetting (bot/handoffs.py, staff.py, privacy.py)."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from bot import handoffs
from bot.feedback import record_feedback
from bot.privacy import forget, purge
from bot.staff import add_staff, check_password

CONTACT = {"contact_name": "Sue", "contact": "07911 123456", "contact_kind": "phone", "good_time": "mornings"}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "handoffs.db"


def test_one_open_handoff_per_conversation_keeps_the_most_urgent(db):
    handoffs.save_handoff("c1", "routine", "callback", topics=["denosumab"], contact=CONTACT, path=db)
    record = handoffs.save_handoff("c1", "emergency", "red_flag", red_flags=["spinal_cord_compression"], path=db)
    assert record["urgency"] == "emergency"
    assert json.loads(record["reasons"]) == ["callback", "red_flag"]
    assert record["contact"] == "07911 123456" and record["consent"] == 1  # not lost by the merge
    assert "EMERGENCY" in record["note"] and "spinal_cord_compression" in record["note"]
    assert len(handoffs.list_handoffs(db)) == 1


def test_contact_details_only_when_given_with_consent(db):
    record = handoffs.save_handoff("c1", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=db)
    assert record["consent"] is None and not record["contact"]


@pytest.mark.parametrize("urgency, reason", [("soon", "callback"), ("routine", "because")])
def test_unknown_urgency_or_reason_is_refused(db, urgency, reason):
    with pytest.raises(ValueError):
        handoffs.save_handoff("c1", urgency, reason, path=db)


def test_queue_order_is_urgency_then_age_with_resolved_last(db, monkeypatch):
    times = (f"2026-11-22T10:{n:02d}:00+00:00" for n in range(60))
    monkeypatch.setattr(handoffs, "_now", lambda: next(times))
    for conversation, urgency in [("old-routine", "routine"), ("urgent", "urgent"), ("new-routine", "routine"),
                                  ("emergency", "emergency")]:
        handoffs.save_handoff(conversation, urgency, "callback", path=db)
    handoffs.resolve(handoffs.open_handoff("emergency", db)["id"], "sam", path=db)
    order = [h["conversation_id"] for h in handoffs.list_handoffs(db)]
    assert order == ["urgent", "old-routine", "new-routine", "emergency"]
    assert [h["conversation_id"] for h in handoffs.list_handoffs(db, include_resolved=False)] == order[:3]


def test_claim_hand_back_resolve(db):
    record = handoffs.save_handoff("c1", "routine", "callback", contact=CONTACT, with_nurse=True, path=db)
    assert handoffs.is_with_nurse("c1", db)
    record = handoffs.claim(record["id"], "sam", path=db)
    assert (record["status"], record["claimed_by"]) == ("claimed", "sam")
    record = handoffs.hand_back(record["id"], "sam", path=db)
    assert not handoffs.is_with_nurse("c1", db) and record["handed_back_by"] == "sam"
    record = handoffs.resolve(record["id"], "sam", path=db)
    assert record["status"] == "resolved"
    with pytest.raises(handoffs.HandoffError):
        handoffs.claim(record["id"], "kim", path=db)
    with pytest.raises(handoffs.HandoffError):
        handoffs.claim("no-such-id", "kim", path=db)


def test_resolving_also_hands_the_conversation_back(db):
    record = handoffs.save_handoff("c1", "routine", "callback", with_nurse=True, path=db)
    handoffs.resolve(record["id"], "sam", path=db)
    assert not handoffs.is_with_nurse("c1", db)
    # a new request after that is a new handoff
    assert handoffs.save_handoff("c1", "routine", "callback", path=db)["id"] != record["id"]


def test_when_nothing_can_be_written_the_caller_is_told(tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database folder should be")
    db = blocked / "handoffs.db"
    # neither the database nor the pending file beside it can be written: the caller is told
    assert handoffs.save_or_spool("c1", "routine", "callback", path=db, contact=CONTACT) is False
    assert "07911" not in caplog.text and "Sue" not in caplog.text  # no personal details in the log


def test_pending_handoffs_are_replayed_by_the_next_write(tmp_path, monkeypatch, caplog):
    db = tmp_path / "handoffs.db"
    real_save = handoffs.save_handoff

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(handoffs, "save_handoff", broken)
    assert handoffs.save_or_spool("c1", "routine", "callback", path=db, contact=CONTACT, topics=("denosumab",)) is True
    assert handoffs.pending_path(db).exists()
    assert "07911" not in caplog.text and "OperationalError" in caplog.text
    monkeypatch.setattr(handoffs, "save_handoff", real_save)
    handoffs.save_handoff("c2", "urgent", "red_flag", path=db)
    assert not handoffs.pending_path(db).exists()
    stored = {h["conversation_id"]: h for h in handoffs.list_handoffs(db)}
    assert stored["c1"]["contact"] == "07911 123456" and json.loads(stored["c1"]["topics"]) == ["denosumab"]


def test_purge_deletes_only_what_is_older_than_the_retention(db, tmp_path, monkeypatch):
    monkeypatch.setattr(handoffs, "_now", lambda: "2026-01-01T10:00:00+00:00")
    handoffs.save_handoff("old", "routine", "callback", path=db)
    record_feedback("old", "denosumab", True, path=db)
    monkeypatch.setattr(handoffs, "_now", lambda: "2026-11-20T10:00:00+00:00")
    handoffs.save_handoff("recent", "routine", "callback", path=db)
    record_feedback("recent", "denosumab", False, path=db)
    tracker = _tracker_db(tmp_path, {"old": dt.datetime(2026, 1, 1), "recent": dt.datetime(2026, 11, 20)})
    removed = purge(90, handoffs_db=db, tracker_db=tracker, now=dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
    assert removed == {"handoffs": 1, "feedback": 1, "undelivered": 0, "tracker events": 2}
    assert [h["conversation_id"] for h in handoffs.list_handoffs(db)] == ["recent"]
    assert [row["conversation_id"] for row in handoffs.open_db(db)["feedback"].rows] == ["recent"]
    assert _senders(tracker) == {"recent"}


def test_forget_removes_a_conversation_everywhere(db, tmp_path):
    handoffs.save_handoff("sue", "routine", "callback", contact=CONTACT, path=db)
    handoffs.save_handoff("other", "routine", "callback", path=db)
    record_feedback("sue", "kyphoplasty", True, path=db)
    tracker = _tracker_db(tmp_path, {"sue": dt.datetime(2026, 11, 20), "other": dt.datetime(2026, 11, 20)})
    assert forget("sue", handoffs_db=db, tracker_db=tracker) == {"handoffs": 1, "feedback": 1, "undelivered": 0, "tracker events": 2}
    assert [h["conversation_id"] for h in handoffs.list_handoffs(db)] == ["other"]
    assert _senders(tracker) == {"other"}


def test_staff_passwords_are_hashed_and_checked(db):
    add_staff("sam", "a long enough secret", path=db)
    stored = handoffs.open_db(db)["staff"].get("sam")["password_hash"]
    assert stored.startswith("scrypt$") and "a long enough secret" not in stored
    assert check_password("sam", "a long enough secret", path=db)
    assert not check_password("sam", "a long enough secreT", path=db)
    assert not check_password("nobody", "a long enough secret", path=db)


@pytest.mark.parametrize("name, password", [("Sam Smith", "a long enough secret"), ("sam", "short")])
def test_bad_accounts_are_refused(db, name, password):
    with pytest.raises(ValueError):
        add_staff(name, password, path=db)


def _tracker_db(tmp_path, last_seen: dict) -> str:
    """A tracker store shaped like Rasa's SQL tracker store: two events per conversation."""
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table events (id integer primary key, sender_id text, type_name text, "
                           "timestamp float, intent_name text, action_name text, data text)")
        for sender, moment in last_seen.items():
            stamp = moment.replace(tzinfo=dt.timezone.utc).timestamp()
            for offset in (60, 0):
                connection.execute("insert into events (sender_id, type_name, timestamp) values (?, 'user', ?)",
                                   [sender, stamp - offset])
    return path


def _senders(path) -> set:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("select sender_id from events")}


def test_answers_to_the_form_are_not_counted_as_topics():
    events = [
        {"event": "user", "parse_data": {"intent": {"name": "ask_denosumab"}}},
        {"event": "active_loop", "name": "callback_form"},
        {"event": "user", "parse_data": {"intent": {"name": "ask_nice_access"}}},  # "afternoons", misread
        {"event": "active_loop", "name": None},
        {"event": "user", "parse_data": {"intent": {"name": "ask_kyphoplasty"}}},
    ]
    assert handoffs.conversation_topics(events) == (["denosumab", "kyphoplasty"], [])


def test_the_pending_file_is_private_and_a_half_done_replay_is_finished(tmp_path, monkeypatch):
    db = tmp_path / "handoffs.db"
    real_store = handoffs._store

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(handoffs, "_store", broken)
    assert handoffs.save_or_spool("c1", "urgent", "red_flag", path=db, red_flags=("jaw_osteonecrosis",))
    assert handoffs.pending_path(db).stat().st_mode & 0o777 == 0o600
    with pytest.raises(sqlite3.OperationalError):  # the replay itself fails half-way...
        handoffs.save_handoff("c2", "routine", "callback", path=db)
    monkeypatch.setattr(handoffs, "_store", real_store)
    handoffs.save_handoff("c3", "routine", "callback", path=db)  # ...and the next write finishes it
    assert {h["conversation_id"] for h in handoffs.list_handoffs(db)} == {"c1", "c3"}


def test_a_programming_error_is_raised_not_spooled(db):
    with pytest.raises(ValueError):
        handoffs.save_or_spool("c1", "soon", "callback", path=db)
    assert not handoffs.pending_path(db).exists()
