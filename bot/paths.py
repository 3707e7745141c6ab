"""Where things live. Every path can be moved with an environment variable.

>>> project_root().joinpath("content").is_dir()
True
"""
from __future__ import annotations

from pathlib import Path

from bot import settings


def project_root() -> Path:
    """The repository folder (the one holding ``bot/`` and ``content/``)."""
    return settings.project_root()


def content_dir() -> Path:
    """The curated content folder; ``BOT_CONTENT_DIR`` overrides it (tests use a copy)."""
    return settings.path("BOT_CONTENT_DIR")


def build_dir() -> Path:
    """Git-ignored folder for everything the build generates."""
    return settings.path("BOT_BUILD_DIR")


def content_db_path() -> Path:
    """The read-only content database built from ``content/``; ``BOT_CONTENT_DB`` overrides it."""
    return settings.path("BOT_CONTENT_DB")


def spacy_model_dir() -> Path:
    """The project's own spaCy pipeline, built by ``python -m bot build-spacy``."""
    return settings.path("BOT_SPACY_MODEL")


def tracker_db_path() -> Path:
    """The SQLite tracker store Rasa writes conversations to: ``BOT_TRACKER_DB``, else ``var/tracker.db``
    (the ``db`` of ``endpoints.yml``)."""
    return settings.path("BOT_TRACKER_DB")


def secrets_dir() -> Path:
    """Where a node keeps the secrets it makes for itself (``bot/local_secret.py``):
    ``BOT_SECRETS_DIR``, else ``var/``."""
    return settings.path("BOT_SECRETS_DIR")
