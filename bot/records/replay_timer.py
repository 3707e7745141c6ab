"""The timer that replays a pending file (``bot/records/spool.py``) without waiting for the next
write: a background thread per file, started when something is spooled (and by the action server
at start-up when something is waiting), every ``$BOT_HANDOFFS_REPLAY_SECONDS`` (30), until the
file is empty. While anything waits or is quarantined it logs ``HANDOFFS NOT IN THE QUEUE`` at
each round.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot import settings
from bot.records import spool

logger = logging.getLogger(__name__)

REPLAY_ENV = "BOT_HANDOFFS_REPLAY_SECONDS"
_TIMERS: dict[str, threading.Thread] = {}
_TIMERS_LOCK = threading.Lock()


def start(pending: Path, replay: Callable[[], None], seconds: float | None = None) -> None:
    """Call ``replay`` (which must not raise) every ``seconds`` (default ``$BOT_HANDOFFS_REPLAY_SECONDS``,
    30) in a background thread of this process until ``pending`` is empty; one thread per file."""
    every = seconds if seconds is not None else settings.number(REPLAY_ENV)
    with _TIMERS_LOCK:
        if str(pending) in _TIMERS and _TIMERS[str(pending)].is_alive():
            return
        thread = threading.Thread(target=_replay_until_empty, args=(pending, replay, every), daemon=True,
                                  name="handoff-replay")
        _TIMERS[str(pending)] = thread
        thread.start()


def _replay_until_empty(pending: Path, replay: Callable[[], None], every: float) -> None:
    while True:
        time.sleep(every)
        replay()
        try:
            left = spool.counts(pending)
        except Exception as error:  # noqa: BLE001
            logger.error("could not read the pending handoffs file (%s)", type(error).__name__)
            continue
        if left["pending"] or left["quarantined"]:
            logger.warning("HANDOFFS NOT IN THE QUEUE: %d waiting in %s, %d quarantined (bad lines, in %s)",
                           left["pending"], pending, left["quarantined"], spool.quarantine_path(pending))
        with _TIMERS_LOCK:  # a handoff spooled after this check starts a new thread
            if not left["pending"] and not spool.counts(pending)["pending"]:
                _TIMERS.pop(str(pending), None)
                return
