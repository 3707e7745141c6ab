"""Short "stop" / "cancel" / "never mind" replies become intent ``stop`` whatever the classifier
thinks (``bot.callback.is_cancel``), so the call-back form can always be left, and the word is
never taken as a name. Placed before the red-flag check, which still wins.
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.callback import is_cancel
from components.intent_override import IntentOverride


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StopDetector(IntentOverride):
    """Overrides the intent with ``stop`` for a short cancel message."""

    def override(self, text: str) -> Optional[str]:
        return "stop" if is_cancel(text) else None
