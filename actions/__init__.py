"""Thin Rasa SDK adapters over ``bot/``: they read the tracker, ask ``bot`` and speak."""
