"""Marks messages that are not in English (``bot.understanding.language``) with the ``non_english`` intent,
and gibberish ("zzkq blorp") with no confidence at all, so the FallbackClassifier asks which
topic was meant instead of the classifier guessing.

A message in another language that plainly names one of our procedures or medicines keeps the
question reader's topic (``named_in_another_language``): it is answered in English, after a line
saying so (``actions/actions.py``).

Placed after the intent classifier and BEFORE the red-flag check, so a red flag always wins.
"""
from __future__ import annotations

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.language import looks_like_gibberish, looks_non_english, named_in_another_language
from components.intent_override import IntentOverride


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NonEnglishDetector(IntentOverride):
    """Sets intent ``non_english`` (confidence 1.0) for messages that are not in English."""

    def override(self, text: str) -> Optional[str]:
        if not looks_non_english(text) or named_in_another_language(text):
            return None
        return "non_english"

    def process(self, messages: List[Message]) -> List[Message]:
        for message in super().process(messages):
            intent = message.get(INTENT) or {}
            if intent.get("name") != "non_english" and looks_like_gibberish(message.get(TEXT) or ""):
                message.set(INTENT, {**intent, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
        return messages
