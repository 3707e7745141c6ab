"""Helpline staff accounts for the triage page, in the handoffs database. Passwords are stored
only as salted scrypt hashes.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> add_staff("sam", "correct horse battery", path=db)
>>> check_password("sam", "correct horse battery", path=db), check_password("sam", "guess", path=db)
(True, False)
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from pathlib import Path

from sqlalchemy import delete

from bot import handoff_db
from bot.handoff_db import STAFF

MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) for ``password``."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${_N}${_R}${_P}${encode(salt)}${encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                   dklen=32)
    except (ValueError, TypeError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(candidate, base64.b64decode(digest))


def add_staff(username: str, password: str, path: Path | str | None = None) -> None:
    """Create or reset an account. ``ValueError`` for a bad username or a short password."""
    if not _USERNAME.match(username):
        raise ValueError("username: 2-32 lower-case letters, digits, dot, dash or underscore")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password: at least {MIN_PASSWORD} characters")
    row = {"username": username, "password_hash": hash_password(password),
           "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    with handoff_db.engine(path).begin() as conn:
        conn.execute(delete(STAFF).where(STAFF.c.username == username))
        conn.execute(STAFF.insert().values(**row))


def check_password(username: str, password: str, path: Path | str | None = None) -> bool:
    """True for a known account with this password. Unknown users cost the same time."""
    row = next(iter(handoff_db.rows("staff", path, username=username)), None)
    stored = row["password_hash"] if row else hash_password("not a real password")
    return verify_password(password, stored) and row is not None


def staff_names(path: Path | str | None = None) -> list[str]:
    """Usernames of all accounts."""
    return [r["username"] for r in handoff_db.rows("staff", path)]
