"""Base for NLU components that replace the classifier's intent when a rule in ``bot/`` says so."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class IntentOverride(GraphComponent):
    """Sets intent ``override(text)`` with confidence 1.0 (and as the only ranked intent) when it is not None.

    The ranking holds only that intent, so the FallbackClassifier never sees an ambiguity.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentOverride":
        return cls()

    def override(self, text: str) -> Optional[str]:
        """The intent to set for ``text``, or None to leave the classifier's decision."""
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            name = self.override(message.get(TEXT) or "")
            if name:
                intent = {"name": name, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
