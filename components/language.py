"""Marks messages that are not in English (``bot.language``) with the ``non_english`` intent.

Placed after the intent classifier and BEFORE the red-flag check, so a red flag always wins.
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.language import looks_non_english
from components.intent_override import IntentOverride


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NonEnglishDetector(IntentOverride):
    """Sets intent ``non_english`` (confidence 1.0) for messages that are not in English."""

    def override(self, text: str) -> Optional[str]:
        return "non_english" if looks_non_english(text) else None
