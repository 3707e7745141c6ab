"""Runs ``bot.safety.check`` on every message inside the Rasa NLU pipeline.

Placed after the intent classifier and before the FallbackClassifier: when a red flag is found,
its intent (``emergency_*``, ``crisis``, ``urgent_*``) replaces the classifier's decision with
confidence 1.0. (``action_record_handoff`` runs the same check on the text to know which flags.)
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.safety import check
from components.intent_override import IntentOverride


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagDetector(IntentOverride):
    """Overrides the intent when a message shows an emergency, crisis or urgent sign."""

    def override(self, text: str) -> Optional[str]:
        return check(text).intent
