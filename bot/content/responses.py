"""The assistant's replies as ``domain.yml`` holds them, and which of them are safety replies."""
from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

from bot.content.topics import Content
from bot.paths import project_root


def domain_responses(domain_path: Path | None = None) -> dict[str, list]:
    """Every response in ``domain.yml``: ``{name: [variation, ...]}`` ({} when it cannot be read)."""
    path = Path(domain_path or project_root() / "domain.yml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return dict(data.get("responses") or {})


def is_safety_response(name: str, content: Content) -> bool:
    """True for a red-flag, crisis or urgent reply (``safety_responses`` in the sign-off record)."""
    patterns = (content.signoff or {}).get("safety_responses") or []
    return any(fnmatch.fnmatchcase(name, str(p)) for p in patterns)


# Red-flag replies (domain.yml), by the urgency they give advice for. Every one of them gives
# emergency or crisis advice (the 24-hour line, 999, crisis lines) and counts as ``emergency``;
# the jaw and low-calcium ones (the care team today) also give the 24-hour line or NHS 111.
URGENCY_OF_ACTION = {
    "utter_emergency_general": "call_999", "utter_crisis_harmed": "call_999",
    "utter_emergency_spinal_cord": "emergency", "utter_emergency_fracture": "emergency",
    "utter_emergency_high_calcium": "emergency", "utter_emergency_after_procedure": "emergency",
    "utter_emergency_sepsis": "emergency", "utter_safety_now": "emergency",
    "utter_safety_check": "check", "utter_crisis": "crisis", "utter_urgent_spinal_pain": "urgent",
    "utter_urgent_jaw": "urgent", "utter_urgent_low_calcium": "urgent",
}
URGENT_ACTIONS = {"utter_urgent_jaw", "utter_urgent_low_calcium"}  # side effects of bone drugs (evaluation label)
EMERGENCY_ACTIONS = set(URGENCY_OF_ACTION) - URGENT_ACTIONS
URGENCY_ORDER = ("call_999", "emergency", "crisis", "urgent", "check")
# Replies that hand the person to people: the helpline, their care team, 999.
HELPLINE_ACTIONS = {"utter_helpline_open", "utter_helpline_closed", "utter_helpline_open_no_callback",
                    "utter_helpline_closed_no_callback", "utter_callback_already", "utter_with_nurse"}
HANDOFF_ACTIONS = ({"utter_default", "utter_out_of_scope", "utter_english_only", "utter_english_only_answering",
                    "utter_alternative_claim",
                    "utter_not_covered"} | HELPLINE_ACTIONS | EMERGENCY_ACTIONS | URGENT_ACTIONS)
