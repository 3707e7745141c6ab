"""Shared fixtures: a private copy of content/ to break, a content database built from it, and
the real servers (Rasa + action server) for the end-to-end tests."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.content import load_content
from bot.paths import content_dir
from bot.store import ContentStore, build_database


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of content/ for tests that break it."""
    target = tmp_path / "content"
    shutil.copytree(content_dir(), target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> ContentStore:
    """A content database built from the real content/ into a temporary folder."""
    path = tmp_path_factory.mktemp("db") / "content.db"
    return ContentStore.open(build_database(load_content(), path))


# The end-to-end servers run with the clock fixed at a Saturday morning (helpline closed), so
# replies that depend on the hours are predictable. bot/hours.py reads BOT_CLOCK.
E2E_CLOCK = "2026-11-28T11:00:00"


@pytest.fixture(scope="session")
def handoffs_db(tmp_path_factory):
    """The handoffs database the end-to-end action server writes to."""
    path = tmp_path_factory.mktemp("handoffs") / "handoffs.db"
    saved = {key: os.environ.get(key) for key in ("BOT_HANDOFFS_DB", "BOT_CLOCK")}
    os.environ.update(BOT_HANDOFFS_DB=str(path), BOT_CLOCK=E2E_CLOCK)  # inherited by the servers
    yield path
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, handoffs_db):
    """The real Rasa server and action server, started once for the session."""
    from bot.servers import running_assistant

    tracker_db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    with running_assistant(tracker_db=tracker_db) as running:
        yield running
