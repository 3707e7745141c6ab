"""Helpline staff accounts for the triage page, in the handoffs database. Passwords are stored
only as salted scrypt hashes (werkzeug's ``generate_password_hash``) at the cost OWASP's Password
Storage Cheat Sheet asks for: N=2^17, r=8, p=1 (128 MiB, a few tenths of a second). A hash made
with older, cheaper settings still works and is replaced at its next successful log-in.

>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.db"
>>> add_staff("sam", "correct horse battery", path=db)
>>> check_password("sam", "correct horse battery", path=db), check_password("sam", "guess", path=db)
(True, False)
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
from pathlib import Path

from sqlalchemy import delete, update
from werkzeug.security import check_password_hash, generate_password_hash

from bot.records import db as handoff_db
from bot.records.db import STAFF
from bot.records.staff_roles import DEFAULT_ROLES, ROLES, parse_roles
from bot.records.staff_sessions import end_sessions_of

MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
METHOD = "scrypt:131072:8:1"  # OWASP: scrypt with N=2^17, r=8, p=1


def hash_password(password: str) -> str:
    """``scrypt:131072:8:1$salt$hash`` (werkzeug's format) for ``password``."""
    return generate_password_hash(password, method=METHOD, salt_length=16)


def _verify_legacy(password: str, stored: str) -> bool:
    """Hashes made before werkzeug's format: ``scrypt$N$r$p$salt$hash`` (base64)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                   dklen=32, maxmem=132 * int(n) * int(r) * int(p))
    except (ValueError, TypeError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(candidate, base64.b64decode(digest))


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (either format; compared in constant time)."""
    if stored.startswith("scrypt$"):
        return _verify_legacy(password, stored)
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other settings than ``METHOD``."""
    return not stored.startswith(METHOD + "$")


@functools.lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to check unknown usernames against, so that they cost what known ones do."""
    return hash_password("not anybody's password")


def _checked_roles(roles) -> str:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise ValueError(f"role: one or more of {', '.join(ROLES)}")
    return ",".join(r for r in ROLES if r in roles)


def add_staff(username: str, password: str, path: Path | str | None = None, roles=DEFAULT_ROLES) -> None:
    """Create or reset an account with ``roles`` (a reset ends the account's sessions). ``ValueError``
    for a bad username, a short password or an unknown role."""

    if not _USERNAME.match(username):
        raise ValueError("username: 2-32 lower-case letters, digits, dot, dash or underscore")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password: at least {MIN_PASSWORD} characters")
    row = {"username": username, "password_hash": hash_password(password), "roles": _checked_roles(roles),
           "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    with handoff_db.engine(path).begin() as conn:
        conn.execute(delete(STAFF).where(STAFF.c.username == username))
        conn.execute(STAFF.insert().values(**row))
    end_sessions_of(username, path)


def set_roles(username: str, roles, path: Path | str | None = None) -> bool:
    """Give an account exactly ``roles`` (checked on its next request); False if there is no such
    account, ``ValueError`` for an unknown role."""
    value = _checked_roles(roles)
    with handoff_db.engine(path).begin() as conn:
        return bool(conn.execute(update(STAFF).where(STAFF.c.username == username).values(roles=value)).rowcount)


def staff_roles(username: str, path: Path | str | None = None) -> frozenset[str]:
    """The account's roles (empty for an unknown account)."""
    row = next(iter(handoff_db.rows("staff", path, username=username)), None)
    return parse_roles(row["roles"]) if row else frozenset()


def remove_staff(username: str, path: Path | str | None = None) -> bool:
    """Delete an account and end its sessions; False if there was no such account."""

    with handoff_db.engine(path).begin() as conn:
        removed = conn.execute(delete(STAFF).where(STAFF.c.username == username)).rowcount
    end_sessions_of(username, path)
    return bool(removed)


def check_password(username: str, password: str, path: Path | str | None = None) -> bool:
    """True for a known account with this password; its hash is brought up to ``METHOD`` if it was
    made with cheaper settings. An unknown username does the same work (one lookup, one hash)."""
    row = next(iter(handoff_db.rows("staff", path, username=username)), None)
    stored = row["password_hash"] if row else dummy_hash()
    matches = verify_password(password, stored) and row is not None
    if matches and needs_rehash(stored):
        with handoff_db.engine(path).begin() as conn:
            conn.execute(update(STAFF).where(STAFF.c.username == username)
                         .values(password_hash=hash_password(password)))
    return matches


def staff_names(path: Path | str | None = None) -> list[str]:
    """Usernames of all accounts."""
    return [r["username"] for r in handoff_db.rows("staff", path)]
