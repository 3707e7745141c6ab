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

from bot.understanding.question import WEAK, decide
from components.intent_override import IntentOverride

UNSURE_BELOW = 0.45  # the FallbackClassifier's threshold (config.yml): below it the person would be asked
LEFT_ALONE = {"request_callback", "stop", "affirm", "deny", "greet", "goodbye", "thank", "restart", "bot_challenge",
              "alternative_claim"}  # "cannabis oil cures cancer" gets the reply that does not agree, not "not covered"


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
            intent = (message.get(INTENT) or {}).get("name")
            if intent in LEFT_ALONE or not message.get(TEXT):
                continue
            decision = decide(message.get(TEXT))
            if decision is None or same_family(intent, f"ask_{decision.topic}"):
                continue
            confidence = (message.get(INTENT) or {}).get("confidence") or 0.0
            if decision.reason == WEAK and confidence >= UNSURE_BELOW:
                continue  # only a condition named: the classifier's confident choice stands
            if decision.reason == "named" and decision.topic == "cementoplasty" and same_kind(intent, decision.topic):
                continue  # "inject cement into her back": the classifier's vertebroplasty is finer than "cement"
            super().process([message])
        return messages


def same_kind(intent: Optional[str], topic: str) -> bool:
    """True when the classifier's topic and ``topic`` are both procedures, or both medicines."""
    from bot.answers import topic_for_intent
    from bot.understanding.question import MEDICINES, PROCEDURES

    first = topic_for_intent(intent)
    return any(first in group and topic in group for group in (MEDICINES, PROCEDURES))


def same_family(intent: Optional[str], other: str) -> bool:
    """True when two topic intents answer under the same evaluation label (``ask_cementoplasty`` and
    ``ask_percutaneous_cementoplasty``): the classifier's finer choice is kept."""
    from bot.answers import topic_for_intent
    from bot.store import default_store

    first, second = topic_for_intent(intent), topic_for_intent(other)
    if not first or not second:
        return False
    store = default_store()
    return store.topic(first)["label"] == store.topic(second)["label"]
