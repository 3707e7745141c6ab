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


def _migrate_then_replay_pending_handoffs() -> None:
    """Bring an older handoffs database up to date (``bot/records/migrations.py``), then put handoffs
    spooled before a restart into the queue without waiting for the next write."""
    from bot.records.handoff_spool import pending_status, start_replay_timer
    from bot.records.migrations import migrate

    try:
        migrate()
    except Exception as error:  # noqa: BLE001 - handoffs are spooled meanwhile, never lost
        __import__("logging").getLogger(__name__).error("could not migrate the handoffs database (%s)",
                                                        type(error).__name__)
    try:
        if pending_status()["pending"]:
            start_replay_timer()
    except Exception as error:  # noqa: BLE001 - the next write replays them anyway
        __import__("logging").getLogger(__name__).error("could not read the pending handoffs file (%s)",
                                                        type(error).__name__)


threading.Thread(target=_migrate_then_replay_pending_handoffs, name="replay-check", daemon=True).start()
