"""Build Rasa SDK trackers for action unit tests."""
from __future__ import annotations

from rasa_sdk import Tracker


def make_tracker(text: str = "", intent: str | None = None, confidence: float = 0.95,
                 ranking: list[dict] | None = None, slots: dict | None = None,
                 entities: list[dict] | None = None, sender: str = "test-user") -> Tracker:
    """A tracker whose latest user message is ``text`` classified as ``intent``."""
    intent_data = {"name": intent, "confidence": confidence} if intent else {}
    latest = {
        "text": text,
        "intent": intent_data,
        "intent_ranking": ranking if ranking is not None else ([intent_data] if intent else []),
        "entities": entities or [],
    }
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest},
    ]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def domain_dict() -> dict:
    """domain.yml as the action server receives it."""
    import yaml

    from bot.paths import project_root

    return yaml.safe_load((project_root() / "domain.yml").read_text())
