"""Shared fixtures: a private copy of content/ to break, a content database built from it."""
from __future__ import annotations

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
