"""Reads what a question is about and what it asks (``bot.understanding.question.decide``) and,
when that makes the topic clear, sets it as the intent: ``ask_<topic>``, or ``out_of_scope`` for a
subject the content does not cover (prognosis, other cancers' treatments, other drugs).

Placed after the intent classifier and before the language, stop and red-flag checks, which all
still win. When the reading is not clear the classifier's decision stands, for the
FallbackClassifier to judge. Form answers (a name, a time) are left alone.
"""
from __future__ import annotations

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.question import decide
from components.intent_override import IntentOverride

LEFT_ALONE = {"request_callback", "stop", "affirm", "deny", "greet", "goodbye", "thank", "restart", "bot_challenge"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionReader(IntentOverride):
    """Sets the topic intent a question's subject and aspect point to (see the module docstring)."""

    def override(self, text: str) -> Optional[str]:
        decision = decide(text)
        if decision is None:
            return None
        return "out_of_scope" if decision.topic == "out_of_scope" else f"ask_{decision.topic}"

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") in LEFT_ALONE or not message.get(TEXT):
                continue
            super().process([message])
        return messages
