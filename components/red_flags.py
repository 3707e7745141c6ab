"""Runs ``bot.safety.check`` on every message inside the Rasa NLU pipeline.

Placed after the intent classifier and before the FallbackClassifier: when a red flag is found,
its intent (``emergency_*``, ``crisis*``, ``urgent_*``, or ``safety_check`` when the check is not
sure) replaces the classifier's decision with confidence 1.0. (``action_record_handoff`` runs the
same check on the text to know which flags.) The check's vocabularies, ConText and statistical
model are loaded when the component is made, not on the first person's message.
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.safety import check
from components.intent_override import IntentOverride


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagDetector(IntentOverride):
    """Overrides the intent when a message shows an emergency, crisis or urgent sign."""

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "RedFlagDetector":
        from bot.safety import warm_up

        warm_up()
        return cls()

    def override(self, text: str) -> Optional[str]:
        return check(text).intent
