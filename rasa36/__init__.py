"""Everything of ours that reaches inside Rasa Open Source 3.6, fenced in one package.

Rasa 3.6 is the last open-source line and gets no more fixes, so a few of its slow paths, a time-out
and a silent fallback are replaced here (each module says what, why and how it was measured):

- ``fixes``: custom-action responses validated with a schema checked once; events resolved by a
  type-name map; the action time-out (``BOT_ACTION_TIMEOUT``); a failing tracker store fails loudly
  instead of carrying on with an empty in-memory conversation.
- ``fast_json``: ujson for the tracker rows and the action server's requests.
- ``sql_tracker_store``: the SQL tracker store's reads and writes as plain SQL, a tuned SQLite file,
  and ``TunedSQLTrackerStore`` (named in ``endpoints.yml``).
- ``prediction_speedups``, ``graph_runner``: the same predictions, computed without repeated work.
- ``redis_lock_store``: ``AtomicRedisLockStore`` (``deploy/endpoints.postgres.yml``).

None of it is installed by importing: ``apply()`` installs the patches, once, and only

- on the Rasa versions they were written and tested for (``SUPPORTED``; on any other it logs an
  error and installs nothing: the code they replace may have changed), and
- unless ``BOT_RASA_PATCHES=0``, which runs plain Rasa, to find out whether a fault is ours.

Who calls it: the Rasa server's launcher (``python -m tools.rasa_server``), ``python -m rasa36 ...``
(Rasa's own command line, patched: the conversation tests use it) and the tests that load the
model in-process. The two store classes are Rasa's extension points, named in the endpoints
files, and stay in use with the patches off; ``TunedSQLTrackerStore`` then reads and writes with
Rasa's own SQL methods (and a turn racing ``forget`` is no longer guarded: see
``sql_tracker_store``), but still holds its SQLite file for one process and still forgets unsent
call-back details (``bot/helpline/callback_privacy.py``).

>>> SUPPORTED
('3.6.',)
"""
from __future__ import annotations

import logging

from bot import settings

logger = logging.getLogger(__name__)

SUPPORTED = ("3.6.",)  # rasa.__version__ prefixes these patches were written and tested for
SWITCH = "BOT_RASA_PATCHES"
_applied: bool | None = None  # None: apply() not called yet in this process


def wanted() -> bool:
    """Whether the patches are switched on (``BOT_RASA_PATCHES`` is not ``0``/``false``/``off``)."""
    return settings.switch(SWITCH)


def supported(version: str) -> bool:
    """Whether ``version`` (``rasa.__version__``) is one these patches were written for.

    >>> supported("3.6.21"), supported("3.7.0"), supported("3.60.0")
    (True, False, False)
    """
    return any(version.startswith(prefix) for prefix in SUPPORTED) and version.split(".")[1] == "6"


def apply() -> bool:
    """Install every patch once (idempotent); returns whether they are in place. Logs what it did."""
    global _applied
    if _applied is not None:
        return _applied
    import rasa

    if not wanted():
        logger.warning("%s=0: running plain Rasa %s, none of rasa36/ installed", SWITCH, rasa.__version__)
        _applied = False
    elif not supported(rasa.__version__):
        logger.error("rasa36/ was written for Rasa %s, not %s: nothing installed (plain Rasa runs)",
                     " or ".join(p + "x" for p in SUPPORTED), rasa.__version__)
        _applied = False
    else:
        from rasa36 import (
            fast_json,
            fixes,
            graph_runner,
            prediction_speedups,
            sql_tracker_store,
        )

        fixes.apply()
        fast_json.apply()
        sql_tracker_store.apply()
        prediction_speedups.apply()
        graph_runner.apply()
        _applied = True
        logger.info("rasa36/: patches for Rasa %s installed", rasa.__version__)
    return _applied


def applied() -> bool:
    """Whether ``apply()`` installed the patches in this process."""
    return bool(_applied)
