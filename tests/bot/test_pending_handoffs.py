"""The pending-handoffs file (bot/records/spool.py, bot/records/handoffs.py): handoffs kept on this node while the
database cannot be written. A corrupted line is quarantined instead of blocking every handoff;
a timer replays them without waiting for the next write; a full disk never leaves a half line,
and the caller is told when nothing was kept. Real files, a real tmpfs, real SQLite and PostgreSQL."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import time

import pytest

from bot.records import handoff_spool, handoff_store, handoffs, spool

CONTACT = {"contact_name": "Sue", "contact": "07911 123456", "contact_kind": "phone", "good_time": "mornings"}


def _line(conversation_id: str, urgency: str = "urgent", reason: str = "callback", **fields) -> str:
    return json.dumps({"conversation_id": conversation_id, "urgency": urgency, "reason": reason, "fields": fields})


BAD_LINES = [
    '{"conversation_id": "half", "urgency": "urg',                      # cut short (a crash, a full disk)
    "not json at all",
    '["a", "list"]',
    '{"conversation_id": "no-urgency", "reason": "callback", "fields": {}}',
    _line("bad-urgency", urgency="soon"),
    _line("bad-field", colour="blue"),
    json.dumps({"conversation_id": "fields-not-object", "urgency": "routine", "reason": "callback", "fields": 3}),
    _line("contact-not-object", contact="07911 123456"),
]


@pytest.mark.parametrize("bad", BAD_LINES)
def test_a_bad_line_is_quarantined_and_every_other_handoff_reaches_the_queue(tmp_path, bad, caplog):
    db = tmp_path / "handoffs.db"
    pending = handoff_spool.pending_path(db)
    pending.write_text("\n".join([_line("before", topics=["denosumab"]), bad,
                                  _line("after", contact=CONTACT)]) + "\n")
    # was: the replay stopped on the bad line before every write, so this one was spooled too
    assert handoffs.save_or_spool("new", "routine", "second_miss", path=db) is True
    assert {h["conversation_id"] for h in handoff_store.list_handoffs(db)} == {"before", "after", "new"}
    assert handoff_store.open_handoff("after", db)["contact"] == "07911 123456"
    assert not pending.exists() and not spool.replaying_path(pending).exists()
    assert spool.quarantine_path(pending).read_text() == bad + "\n"  # kept for a person, as it was
    assert spool.quarantine_path(pending).stat().st_mode & 0o777 == 0o600
    assert "PENDING LINE QUARANTINED" in caplog.text and "07911" not in caplog.text
    assert handoff_spool.pending_status(db) == {"pending": 0, "quarantined": 1}
    handoffs.save_handoff("later", "routine", "callback", path=db)  # quarantined once, not at every write
    assert handoff_spool.pending_status(db) == {"pending": 0, "quarantined": 1}


def test_a_timer_replays_pending_handoffs_once_the_database_is_back(fresh_postgres_db, postgres, tmp_path,
                                                                      monkeypatch, caplog):
    monkeypatch.setenv("BOT_HANDOFFS_SPOOL", str(tmp_path / "handoffs.pending.jsonl"))
    monkeypatch.setenv("BOT_HANDOFFS_REPLAY_SECONDS", "0.3")
    handoffs.save_handoff("before", "routine", "second_miss", path=fresh_postgres_db)
    postgres.stop()
    try:
        assert handoffs.save_or_spool("c1", "urgent", "callback", path=fresh_postgres_db, contact=CONTACT) is True
        time.sleep(1)
        assert "HANDOFFS NOT IN THE QUEUE: 1 waiting" in caplog.text  # warned while it waits
    finally:
        postgres.start()
    deadline = time.monotonic() + 15
    while handoff_spool.pending_status(fresh_postgres_db)["pending"] and time.monotonic() < deadline:
        time.sleep(0.2)
    # no other write happened: the timer put it in the queue
    assert handoff_store.open_handoff("c1", fresh_postgres_db)["contact"] == "07911 123456"
    assert not (tmp_path / "handoffs.pending.jsonl").exists()


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 256 KiB filesystem (tmpfs; the tests run as root), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.fail("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def _fill(disk):
    """Fill the filesystem to the last block; returns the filler file."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


UNREACHABLE = "postgresql://bones@127.0.0.1:9/bones"  # nothing listens on the discard port: refused at once


def test_a_full_disk_keeps_nothing_half_written_and_the_caller_is_told(tiny_disk, monkeypatch, caplog):
    pending = tiny_disk / "handoffs.pending.jsonl"
    monkeypatch.setenv("BOT_HANDOFFS_SPOOL", str(pending))
    for conversation_id in ("first", "second"):  # the database is down: both wait (the first being replayed)
        assert handoffs.save_or_spool(conversation_id, "urgent", "callback", path=UNREACHABLE, contact=CONTACT)
    filler = _fill(tiny_disk)
    many_topics = [f"topic-{n:04d}" for n in range(1200)]  # a line longer than the rest of its block
    # the database is down and the disk is full: nothing was kept, and the caller knows it
    assert handoffs.save_or_spool("big", "urgent", "callback", path=UNREACHABLE, topics=many_topics) is False
    assert _waiting(pending) == ["first", "second"]  # was: half a line, which spoiled the next one after it
    assert "HANDOFF NOT KEPT" in caplog.text
    filler.unlink()
    assert handoffs.save_or_spool("third", "routine", "callback", path=UNREACHABLE) is True
    assert _waiting(pending) == ["first", "second", "third"]


def _waiting(pending) -> list[str]:
    """The conversations of the handoffs waiting (being replayed first, then pending); each line whole."""
    lines = []
    for path in (spool.replaying_path(pending), pending):
        lines += path.read_text().splitlines() if path.exists() else []
    return [json.loads(line)["conversation_id"] for line in lines]
