"""One calibrated decision on what a question is about (``bot.understanding.decision.choose``):
the classifier's ranking, the procedures, medicines and conditions named, and retrieval over the
content. Sets ``ask_<topic>`` (the signals agree, or one is clearly confident), ``nlu_fallback``
with the plausible topics ranked ("which did you mean?"), or ``out_of_scope`` (the honest "not
covered"). When the decision is None (thanks, a name in a form) the classifier's intent stands.

Placed after the intent classifier and before the language, stop and red-flag checks, which all
still win. The classifier's own ranking and the choice (kind, reason, topic) are kept in the parse
output as ``understanding`` (for ``python -m bot calibrate``, and for ``action_record_handoff``, which
still answers a question about a named treatment after urgent advice).
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.decision import choose
from components.intent_override import IntentOverride

KEPT_RANKING = 5


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionReader(IntentOverride):
    """Sets the intent the combined decision points to (see the module docstring)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            ranking = [{"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0.0), 4)}
                       for r in (message.get(INTENT_RANKING_KEY) or [])[:KEPT_RANKING]]
            choice = choose(text, ranking)
            message.set("understanding", {"classifier": ranking, "choice": choice and choice.kind,
                                          "reason": choice and choice.reason, "topic": choice and choice.topic},
                        add_to_output=True)
            if choice is None:
                continue
            intent = {"name": choice.intent, "confidence": choice.confidence}
            if choice.kind == "clarify":  # the plausible topics, for the "which did you mean?" buttons
                share = round(max(choice.confidence, 0.1) / max(len(choice.candidates), 1), 4)
                ranked = [intent] + [{"name": f"ask_{t}", "confidence": share} for t in choice.candidates]
            else:
                ranked = [intent]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranked, add_to_output=True)
        return messages
