"""The NLU components that override the classifier (``components/``), run on Rasa messages."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.stop import StopDetector


def _classified(text: str, ranking: list[tuple[str, float]]) -> Message:
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": text, "intent": intents[0], "intent_ranking": intents})


@pytest.mark.parametrize("text, ranking, expected", [
    # a cancel phrase is stop, whatever the classifier said
    ("never mind", [("greet", 0.9), ("stop", 0.1)], ("stop", 1.0)),
    ("Cancel the call back", [("request_callback", 0.8)], ("stop", 1.0)),
    # the classifier's stop for anything else is dropped: the next intent stands
    ("any time", [("stop", 0.69), ("what_can_you_do", 0.10)], ("what_can_you_do", 0.10)),
    ("change the time", [("stop", 0.60), ("request_callback", 0.16)], ("request_callback", 0.16)),
    ("stop taking zometa?", [("stop", 0.55), ("ask_bisphosphonates", 0.40)], ("ask_bisphosphonates", 0.40)),
    ("whenever", [("stop", 1.0)], (None, 0.0)),
    # other intents are left alone
    ("what is denosumab?", [("ask_denosumab", 0.97), ("stop", 0.01)], ("ask_denosumab", 0.97)),
])
def test_stop_means_only_a_cancel_phrase(text, ranking, expected):
    [message] = StopDetector().process([_classified(text, ranking)])
    intent = message.get("intent")
    assert (intent["name"], intent["confidence"]) == expected
    assert message.get("intent_ranking")[:1] in ([intent], [])  # the ranking agrees with the intent
