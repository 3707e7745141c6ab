"""Every ``BOT_*`` setting in one place: its name, type, default and what it does.

Code reads a setting through ``integer``, ``number``, ``text``, ``path`` or ``switch`` with the
setting's name; a name not declared here, or asked for as the wrong type, is a bug and raises at
once. The value is read from the environment when asked for (so a test or the benchmark can set it
before starting a server); a value that does not parse raises ``SettingError`` naming the setting
and what it should be, instead of a bare ``ValueError`` deep in a server. The README's settings
table lists every setting with the default given here (``tests/bot/test_settings.py`` keeps them in step).

Secrets (``BOT_SESSION_SECRET``...) are declared for the table but read by ``bot/local_secret.py``,
which checks their length and falls back to a file of this node's own.

>>> integer("BOT_MAX_MESSAGE_CHARS", {})
4000
>>> integer("BOT_MAX_MESSAGE_CHARS", {"BOT_MAX_MESSAGE_CHARS": "lots"})
Traceback (most recent call last):
...
bot.settings.SettingError: BOT_MAX_MESSAGE_CHARS must be a whole number (it is 'lots')
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


class SettingError(ValueError):
    """A ``BOT_*`` variable whose value is not what the setting takes."""


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # integer, number, text, path, switch, secret
    default: str  # as the README shows it; "" = not set; paths may start with {root}/ or {build}/
    about: str


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    # where things live
    Setting("BOT_CONTENT_DIR", "path", "{root}/content", "the curated content"),
    Setting("BOT_BUILD_DIR", "path", "{root}/build", "what make builds: content database, spaCy pipeline, safety model"),
    Setting("BOT_CONTENT_DB", "path", "{build}/content.db", "the read-only content database"),
    Setting("BOT_SPACY_MODEL", "path", "{build}/spacy/en_bones", "the project's own spaCy pipeline"),
    Setting("BOT_TRACKER_DB", "path", "{root}/var/tracker.db", "Rasa's conversations (SQLite)"),
    Setting("BOT_TRACKER_URL", "text", "", "Rasa's conversations in PostgreSQL, for forget, purge and the insight page"),
    Setting("BOT_SECRETS_DIR", "path", "{root}/var", "where a node keeps the secrets it makes itself"),
    Setting("BOT_MODEL", "path", "{root}/models/bones.tar.gz", "the trained Rasa model"),
    # records
    Setting("BOT_HANDOFFS_DB", "text", "{root}/var/handoffs.db", "handoffs, feedback, undelivered, staff (a file or a PostgreSQL URL)"),
    Setting("BOT_HANDOFFS_SPOOL", "path", "{root}/var/handoffs.pending.jsonl", "this node's pending handoffs when the database is a server"),
    Setting("BOT_HANDOFFS_DB_TIMEOUT", "number", "1.5", "seconds an action waits for the handoffs database"),
    Setting("BOT_HANDOFFS_REPLAY_SECONDS", "number", "30", "how often pending handoffs are replayed"),
    Setting("BOT_RETENTION_DAYS", "integer", "90", "days kept before purge deletes handoffs and conversations"),
    # conversations
    Setting("BOT_MAX_MESSAGE_CHARS", "integer", "4000", "longer messages get the 'too long' reply (after the red-flag check)"),
    Setting("BOT_ACTION_TIMEOUT", "number", "4", "seconds Rasa waits for the action server"),
    Setting("BOT_CONCURRENT_TURNS", "integer", "4", "turns one Rasa process works on at once (0: Rasa's own behaviour)"),
    Setting("BOT_TURN_LEASE", "number", "0.25", "seconds a turn keeps its place before the waiting ones start"),
    Setting("BOT_CLOCK", "text", "", "a fixed 'now' (ISO time) for tests and demos of the helpline hours"),
    Setting("BOT_RASA_PATCHES", "switch", "1", "0 runs plain Rasa, without the rasa36/ patches"),
    # channels and rate limits
    Setting("BOT_RATE_PER_SENDER", "integer", "30", "messages a minute per conversation (0: off)"),
    Setting("BOT_RATE_PER_ADDRESS", "integer", "300", "messages a minute per client address (0: off)"),
    Setting("BOT_RATE_SESSIONS_PER_ADDRESS", "integer", "60", "new web chat sessions a minute per address (0: off)"),
    Setting("BOT_RATE_FEEDBACK_PER_SENDER", "integer", "30", "'was this helpful?' answers per conversation (0: off)"),
    Setting("BOT_RATE_LIMIT_REDIS_URL", "text", "", "count rate limits in Redis, across processes"),
    Setting("BOT_RATE_LIMIT_REDIS_TIMEOUT", "number", "0.5", "seconds to wait for that Redis"),
    Setting("BOT_WEB_ORIGINS", "text", "", "sites allowed to open the web chat (comma-separated)"),
    Setting("BOT_WEB_SESSION_HOURS", "number", "12", "hours a web chat session token lasts"),
    Setting("BOT_CHAT_SERVER", "text", "http://127.0.0.1:5005", "the Rasa server the patients' page talks to"),
    # the staff site
    Setting("BOT_TRIAGE_INSECURE_COOKIE", "switch", "0", "1 lets the staff cookie go over plain HTTP (a test set-up only)"),
    Setting("BOT_TRIAGE_TRUSTED_PROXIES", "integer", "0", "reverse proxies in front of the staff site"),
    # secrets (bot/local_secret.py: at least 32 characters, else this node's own file in BOT_SECRETS_DIR)
    Setting("BOT_SESSION_SECRET", "secret", "{root}/var/session_secret", "signs web chat session tokens (the same on every node)"),
    Setting("BOT_TRIAGE_SECRET", "secret", "{root}/var/triage_secret", "signs the staff site's cookies"),
    Setting("BOT_RASA_API_TOKEN", "secret", "{root}/var/rasa_api_token", "the Rasa server's HTTP API token"),
    # the several-processes configuration (deploy/endpoints.postgres.yml, read by Rasa)
    Setting("BOT_ACTION_SERVER_URL", "text", "", "the action server, for deploy/endpoints.postgres.yml"),
    Setting("BOT_POSTGRES_URL", "text", "", "PostgreSQL for Rasa's tracker store (deploy/endpoints.postgres.yml)"),
    Setting("BOT_REDIS_HOST", "text", "", "Redis for Rasa's lock store (deploy/endpoints.postgres.yml)"),
    Setting("BOT_REDIS_PORT", "text", "", "its port"),
    Setting("BOT_REDIS_PASSWORD", "text", "", "its password"),
    # tools
    Setting("BOT_START_TIMEOUT", "number", "180", "seconds the tools wait for the servers to start"),
)}


def project_root() -> Path:
    """The repository folder (the one holding ``bot/`` and ``content/``): what ``{root}`` stands for."""
    return _ROOT


def _raw(name: str, kind: str, environ: Mapping[str, str] | None) -> str:
    setting = SETTINGS[name]  # KeyError: a setting nobody declared
    if setting.kind != kind:
        raise TypeError(f"{name} is a {setting.kind} setting, not {kind}")
    found = (os.environ if environ is None else environ).get(name, "").strip()
    return found or setting.default


def integer(name: str, environ: Mapping[str, str] | None = None) -> int:
    """A whole-number setting."""
    raw = _raw(name, "integer", environ)
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number (it is {raw!r})") from None


def number(name: str, environ: Mapping[str, str] | None = None) -> float:
    """A setting in seconds or hours (decimals allowed)."""
    raw = _raw(name, "number", environ)
    try:
        return float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number (it is {raw!r})") from None


def text(name: str, environ: Mapping[str, str] | None = None) -> str:
    """A text setting ("" when not set and it has no default); ``{root}`` is the project folder."""
    return _raw(name, "text", environ).replace("{root}", str(project_root()))


def path(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """A file or folder setting; a default under ``{build}`` follows ``BOT_BUILD_DIR``."""
    raw = _raw(name, "path", environ)
    if raw.startswith("{build}"):
        raw = str(path("BOT_BUILD_DIR", environ)) + raw[len("{build}"):]
    return Path(raw.replace("{root}", str(project_root())))


ON, OFF = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


def switch(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """An on/off setting: 1, true, on or yes is on; 0, false, off or no is off; anything else is a
    ``SettingError`` (a typo in a security setting must not quietly mean "on")."""
    raw = _raw(name, "switch", environ).lower()
    if raw not in ON + OFF:
        raise SettingError(f"{name} must be 1 or 0 (it is {raw!r})")
    return raw in ON
