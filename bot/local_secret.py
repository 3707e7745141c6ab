"""Secrets a single node can make for itself: from an environment variable when one is set
(several nodes must then share it), else a random value kept in ``var/<name>`` (created once,
mode 0600; ``BOT_SECRETS_DIR`` moves the folder).

The file appears whole or not at all: it is written under a temporary name and linked into
place, so a second process starting at the same moment reads the first one's secret, never a
half-written or empty file. A secret shorter than ``MIN_CHARS`` (an empty variable, a truncated
file) is refused with ``WeakSecret``, whose message says what to do: a short key would make
WhatsApp pseudonyms computable from a phone number and sessions forgeable.

>>> import os; os.environ["EXAMPLE_SECRET"] = "s3cret-" * 6
>>> local_secret("EXAMPLE_SECRET", "example_secret")[:14]
's3cret-s3cret-'
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from bot.paths import secrets_dir

MIN_CHARS = 32


class WeakSecret(RuntimeError):
    """A secret from the environment or a file is empty or shorter than ``MIN_CHARS``."""


def _checked(value: str, where: str, remedy: str) -> str:
    if len(value) < MIN_CHARS:
        raise WeakSecret(f"{where} holds a secret of {len(value)} characters; at least {MIN_CHARS} are "
                         f"needed. {remedy}")
    return value


def _create(path: Path) -> None:
    """Write a new random secret to ``path`` unless another process already has (atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if it exists: the first process to get here wins
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def local_secret(env_name: str, filename: str) -> str:
    """The value of ``env_name`` when it is set, else the contents of ``var/<filename>`` (made on
    first use). Raises ``WeakSecret`` for an empty or short one."""
    if env_name in os.environ:
        return _checked(os.environ[env_name], f"the environment variable {env_name}",
                        "Set it to a long random value (python -c 'import secrets; print(secrets.token_hex(32))'), "
                        "the same on every node, or unset it to let this node keep its own.")
    path = secrets_dir() / filename
    if not path.exists():
        _create(path)
    return _checked(path.read_text().strip(), str(path),
                    f"Delete the file to make a new one (web sessions and WhatsApp pseudonyms made with the old "
                    f"one stop matching), or set {env_name}.")
