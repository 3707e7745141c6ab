"""Secrets a single node can make for itself: from an environment variable when one is set
(several nodes must then share it), else a random value kept in ``var/<name>`` (created once,
mode 0600).

>>> import os; os.environ["EXAMPLE_SECRET"] = "s3cret"
>>> local_secret("EXAMPLE_SECRET", "example_secret")
's3cret'
"""
from __future__ import annotations

import os
import secrets

from bot.paths import project_root


def local_secret(env_name: str, filename: str) -> str:
    """The value of ``env_name``, else the contents of ``var/<filename>`` (made on first use)."""
    if os.environ.get(env_name):
        return os.environ[env_name]
    path = project_root() / "var" / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
