"""Intent ``stop`` means exactly the short "stop" / "cancel" / "never mind" replies that
``bot.helpline.callback.is_cancel`` recognises, whatever the classifier thinks:

- such a reply becomes ``stop`` (so the call-back form can always be left, and the word is never
  taken as a name);
- ``stop`` from the classifier for anything else ("any time", "change the time": short answers
  look alike to it) is dropped, and the next intent in its ranking stands, for the
  FallbackClassifier to judge. A form is never cancelled by a guess.

Placed before the question reader (which leaves "stop" alone) and the red-flag check, which still wins.
"""
from __future__ import annotations

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.helpline.callback import is_cancel
from components.intent_override import IntentOverride

STOP = "stop"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StopDetector(IntentOverride):
    """Sets ``stop`` for a short cancel message; removes a guessed ``stop`` from anything else."""

    def override(self, text: str) -> Optional[str]:
        return STOP if is_cancel(text) else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not is_cancel(message.get(TEXT) or "") and (message.get(INTENT) or {}).get("name") == STOP:
                ranking = [i for i in message.get(INTENT_RANKING_KEY) or [] if i.get("name") != STOP]
                message.set(INTENT, ranking[0] if ranking else {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return super().process(messages)
