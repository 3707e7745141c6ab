"""Chat sessions for the web widget that nobody can take over by guessing an id.

The server makes every session id (128 random bits) and gives the browser a token: the time it
was issued and an HMAC of the id and that time under a server secret. A browser that reconnects (a
reload) sends both back; only a matching pair no older than ``BOT_WEB_SESSION_HOURS`` (default 12)
resumes the conversation, anything else gets a new session. A token cannot be extended: a person
still chatting when it runs out is given a new session on their next reconnect. Nodes that share
``BOT_SESSION_SECRET`` accept each other's sessions; changing the secret revokes every token.

>>> session = new_session(b"k", now=1_000_000)
>>> is_valid(b"k", session["session_id"], session["token"], now=1_000_060)
True
>>> is_valid(b"k", session["session_id"], session["token"], now=1_000_000 + 13 * 3600)  # too old
False
>>> is_valid(b"k", session["session_id"], "0" * 64), is_valid(b"other", **session)
(False, False)
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from bot import settings
from bot.local_secret import local_secret


def session_secret() -> bytes:
    """``BOT_SESSION_SECRET``, else this node's own secret in ``var/session_secret``."""
    return local_secret("BOT_SESSION_SECRET", "session_secret").encode()


def lifetime_s() -> float:
    """How long a web session token is accepted, in seconds (``BOT_WEB_SESSION_HOURS``, default 12)."""
    return settings.number("BOT_WEB_SESSION_HOURS") * 3600


def _token(secret: bytes, session_id: str, issued: int) -> str:
    mac = hmac.new(secret, f"{session_id}.{issued}".encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{mac}"


def new_session(secret: bytes, now: float | None = None) -> dict[str, str]:
    """A fresh ``{"session_id": ..., "token": ...}``, the token issued ``now`` (default: the time)."""
    session_id = secrets.token_hex(16)
    return {"session_id": session_id, "token": _token(secret, session_id, int(time.time() if now is None else now))}


def is_valid(secret: bytes, session_id: object, token: object, now: float | None = None) -> bool:
    """Whether ``token`` was made by this secret for ``session_id`` and is not older than
    ``lifetime_s()`` (constant-time compare)."""
    if not isinstance(session_id, str) or not isinstance(token, str) or len(session_id) != 32:
        return False
    issued, _, _ = token.partition(".")
    if not issued.isascii() or not issued.isdigit() or len(issued) > 12:
        return False
    age = (time.time() if now is None else now) - int(issued)
    if not -60 <= age <= lifetime_s():  # a minute's grace for nodes' clocks
        return False
    return hmac.compare_digest(_token(secret, session_id, int(issued)).encode(), token.encode())


def pseudonym(secret: bytes, address: str, prefix: str) -> str:
    """A stable conversation id for a messaging address (a phone number) that does not reveal it.

    >>> pseudonym(b"k", "whatsapp:+447911123456", "wa-")[:3], len(pseudonym(b"k", "x", "wa-"))
    ('wa-', 35)
    """
    return prefix + hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]
