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
