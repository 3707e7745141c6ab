"""The Rasa HTTP API's token, and ``python -m tools.rasa_server [rasa run options]``: ``rasa run``
with the API's token-based authentication on.

With ``--enable-api`` Rasa serves ``/conversations/<id>/tracker`` (every message of a conversation),
``/model`` (replace the model) and more. Every one of those then needs ``?token=<token>``; the
channels' webhooks (``/webhooks/...``) and the web widget's ``/socket.io`` do not. The token is
``BOT_RASA_API_TOKEN`` (the same on every node behind one proxy), else a secret this node keeps in
``var/rasa_api_token`` (``bot/local_secret.py``). It is handed to Rasa inside this process, so it
never appears in the process list as a command-line argument would.

>>> with_token("http://127.0.0.1:5005/status", "t0k3n"), with_token("http://h/x?a=1", "t0k3n")
('http://127.0.0.1:5005/status?token=t0k3n', 'http://h/x?a=1&token=t0k3n')
"""
from __future__ import annotations

import sys
import urllib.parse

from bot.local_secret import local_secret


def api_token() -> str:
    """``BOT_RASA_API_TOKEN``, else this node's own token in ``var/rasa_api_token``."""
    return local_secret("BOT_RASA_API_TOKEN", "rasa_api_token")


def with_token(url: str, token: str | None = None) -> str:
    """``url`` with the API token (default ``api_token()``) added as Rasa expects it: ``token=`` in
    the query."""
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"token": token or api_token()})


def main(argv: list[str]) -> None:
    """Run ``rasa run <argv> --auth-token <token>`` in this process, with ``rasa36.apply()`` first."""
    if "--auth-token" in argv:
        raise SystemExit("tools.rasa_server: the token comes from BOT_RASA_API_TOKEN or var/rasa_api_token, "
                         "not the command line")
    from bot.local_secret import WeakSecret

    try:
        token = api_token()
    except WeakSecret as error:
        raise SystemExit(f"tools.rasa_server: {error}") from None
    sys.argv = ["rasa", "run", *argv, "--auth-token", token]
    import rasa36
    from bot import log_privacy

    log_privacy.install()
    rasa36.apply()  # our fixes to Rasa 3.6, unless BOT_RASA_PATCHES=0 (rasa36/__init__.py)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
