"""Thin Rasa SDK adapters over ``bot/``: they read the tracker, ask ``bot`` and speak.

Importing this package (the action server does) keeps personal details out of its logs
(``bot/log_privacy.py``).
"""
from bot import log_privacy

log_privacy.install()
