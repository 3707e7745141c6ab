"""Where things live. Every path can be moved with an environment variable.

>>> project_root().joinpath("content").is_dir()
True
"""
from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The repository folder (the one holding ``bot/`` and ``content/``)."""
    return _ROOT


def content_dir() -> Path:
    """The curated content folder; ``BOT_CONTENT_DIR`` overrides it (tests use a copy)."""
    return Path(os.environ.get("BOT_CONTENT_DIR", _ROOT / "content"))


def build_dir() -> Path:
    """Git-ignored folder for everything the build generates."""
    return Path(os.environ.get("BOT_BUILD_DIR", _ROOT / "build"))


def content_db_path() -> Path:
    """The read-only content database built from ``content/``; ``BOT_CONTENT_DB`` overrides it."""
    return Path(os.environ.get("BOT_CONTENT_DB", build_dir() / "content.db"))


def spacy_model_dir() -> Path:
    """The project's own spaCy pipeline, built by ``python -m bot build-spacy``."""
    return Path(os.environ.get("BOT_SPACY_MODEL", build_dir() / "spacy" / "en_bones"))


def tracker_db_path() -> Path:
    """The SQLite tracker store Rasa writes conversations to: ``BOT_TRACKER_DB``, else ``var/tracker.db``
    (the ``db`` of ``endpoints.yml``)."""
    return Path(os.environ.get("BOT_TRACKER_DB", _ROOT / "var" / "tracker.db"))


def secrets_dir() -> Path:
    """Where a node keeps the secrets it makes for itself (``bot/local_secret.py``):
    ``BOT_SECRETS_DIR``, else ``var/``."""
    return Path(os.environ.get("BOT_SECRETS_DIR", _ROOT / "var"))
