"""Chat sessions for the web widget that nobody can take over by guessing an id.

The server makes every session id (128 random bits) and gives the browser a token, an HMAC of
the id under a server secret. A browser that reconnects (a reload) sends both back; only a
matching pair resumes the conversation, anything else gets a new session. Nodes that share
``BOT_SESSION_SECRET`` accept each other's sessions.

>>> session = new_session(b"k")
>>> is_valid(b"k", session["session_id"], session["token"])
True
>>> is_valid(b"k", session["session_id"], "0" * 64), is_valid(b"other", **session)
(False, False)
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from bot.local_secret import local_secret


def session_secret() -> bytes:
    """``BOT_SESSION_SECRET``, else this node's own secret in ``var/session_secret``."""
    return local_secret("BOT_SESSION_SECRET", "session_secret").encode()


def _token(secret: bytes, session_id: str) -> str:
    return hmac.new(secret, session_id.encode(), hashlib.sha256).hexdigest()


def new_session(secret: bytes) -> dict[str, str]:
    """A fresh ``{"session_id": ..., "token": ...}``."""
    session_id = secrets.token_hex(16)
    return {"session_id": session_id, "token": _token(secret, session_id)}


def is_valid(secret: bytes, session_id: object, token: object) -> bool:
    """Whether ``token`` was made by this secret for ``session_id`` (constant-time compare)."""
    if not isinstance(session_id, str) or not isinstance(token, str) or len(session_id) != 32:
        return False
    return hmac.compare_digest(_token(secret, session_id), token)


def pseudonym(secret: bytes, address: str, prefix: str) -> str:
    """A stable conversation id for a messaging address (a phone number) that does not reveal it.

    >>> pseudonym(b"k", "whatsapp:+447911123456", "wa-")[:3], len(pseudonym(b"k", "x", "wa-"))
    ('wa-', 35)
    """
    return prefix + hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]
