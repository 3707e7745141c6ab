"""Thin Rasa SDK adapters over ``bot/``: they read the tracker, ask ``bot`` and speak.

Importing this package (the action server does) keeps personal details out of its logs
(``bot/log_privacy.py``).
"""
import threading

from bot import log_privacy

log_privacy.install()


def _warm_up_the_red_flag_check() -> None:
    """Load the red-flag check (spaCy, ConText, the statistical model: about 6 s) as the action server
    starts, so the first red flag's handoff is not cut off by the action time-out."""
    from bot.safety import warm_up

    warm_up()


threading.Thread(target=_warm_up_the_red_flag_check, name="warm-up", daemon=True).start()


def _replay_pending_handoffs_left_from_before() -> None:
    """Handoffs spooled before a restart go into the queue without waiting for the next write."""
    from bot.handoffs import pending_status
    from bot.replay_timer import start_replay_timer

    try:
        if pending_status()["pending"]:
            start_replay_timer()
    except Exception as error:  # noqa: BLE001 - the next write replays them anyway
        __import__("logging").getLogger(__name__).error("could not read the pending handoffs file (%s)",
                                                        type(error).__name__)


threading.Thread(target=_replay_pending_handoffs_left_from_before, name="replay-check", daemon=True).start()
