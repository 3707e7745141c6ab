"""The timer that replays this process's pending handoffs (``bot/handoffs.py``, ``bot/spool.py``)
without waiting for the next write: a background thread per pending file, started when a handoff
is spooled (and by the action server at start-up when one is waiting), every
``$BOT_HANDOFFS_REPLAY_SECONDS`` (30), until the file is empty. While anything waits or is
quarantined it logs ``HANDOFFS NOT IN THE QUEUE`` at each round.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from bot import handoffs, spool

logger = logging.getLogger(__name__)

REPLAY_ENV = "BOT_HANDOFFS_REPLAY_SECONDS"
_TIMERS: dict[str, threading.Thread] = {}
_TIMERS_LOCK = threading.Lock()


def start_replay_timer(path: handoffs.Where = None, seconds: float | None = None) -> None:
    """Replay the pending file every ``$BOT_HANDOFFS_REPLAY_SECONDS`` (30) in a background thread
    of this process until it is empty, warning each time while anything is left (one thread per
    pending file; started when a handoff is spooled, and by the action server at start-up)."""
    target = str(handoffs.pending_path(path))
    every = seconds if seconds is not None else float(os.environ.get(REPLAY_ENV) or 30)
    with _TIMERS_LOCK:
        if target in _TIMERS and _TIMERS[target].is_alive():
            return
        thread = threading.Thread(target=_replay_until_empty, args=(path, every), daemon=True,
                                  name="handoff-replay")
        _TIMERS[target] = thread
        thread.start()


def _replay_until_empty(path: handoffs.Where, every: float) -> None:
    while True:
        time.sleep(every)
        handoffs.replay_quietly(path)
        try:
            left = handoffs.pending_status(path)
        except Exception as error:  # noqa: BLE001
            logger.error("could not read the pending handoffs file (%s)", type(error).__name__)
            continue
        if left["pending"] or left["quarantined"]:
            logger.warning("HANDOFFS NOT IN THE QUEUE: %d waiting in %s, %d quarantined (bad lines, in %s)",
                           left["pending"], handoffs.pending_path(path), left["quarantined"],
                           spool.quarantine_path(handoffs.pending_path(path)))
        with _TIMERS_LOCK:  # a handoff spooled after this check starts a new thread
            if not left["pending"] and not spool.counts(handoffs.pending_path(path))["pending"]:
                _TIMERS.pop(str(handoffs.pending_path(path)), None)
                return
