"""Two repeated computations in Rasa 3.6's message handling, done once with the same result.

6. **The dialogue states of a conversation, shared by the two rule checks of one prediction.**
To choose the next action, ``RulePolicy`` looks for a matching rule twice (once with the user's
text, once with the intent), and each time ``DialogueStateTracker.past_states`` replays the whole
conversation from its first event to rebuild every past state: about 19% of the Rasa server's
CPU (cProfile, 20 ten-turn conversations), and more the longer a conversation is. The patch
remembers the states a tracker last produced for one set of arguments, for as long as the
tracker has exactly the same events (same number, same last event object: events are only ever
appended), and hands every caller its own copy (callers delete keys from the states they get).
Any new event, any other argument, or another tracker object computes afresh, exactly as Rasa
does.

7. **The logistic regression classifier's feature row.** ``LogisticRegressionClassifier``
builds each message's row by joining its sparse features to an empty matrix of dense features
(none in this pipeline) with ``scipy.sparse.hstack`` and then stacking the rows again: about 7%
of the server's CPU for a no-op join. The patch uses the sparse sentence features directly when
there are no dense ones (same values, same dtype, same shape), and Rasa's own code otherwise.

``tests/test_prediction_speedups.py`` checks both give exactly what Rasa's code gives.
Applied with the other patches (``components/rasa_patches.py``) when the Rasa server imports
``components``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

RASA_METHODS: Dict[str, Any] = {}  # Rasa's originals, for the tests
_CACHE_ATTRIBUTE = "_bones_past_states"


def _copy_states(states: List[dict]) -> List[dict]:
    """A copy two levels deep: ``State`` = {name: {key: str | tuple}}; the leaves are immutable.

    >>> original = [{"user": {"intent": "greet"}}]
    >>> copy = _copy_states(original)
    >>> del copy[0]["user"]["intent"]
    >>> original
    [{'user': {'intent': 'greet'}}]
    """
    return [{name: dict(sub_state) for name, sub_state in state.items()} for state in states]


def _past_states(self, domain, omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                 rule_only_data: Optional[Dict[str, Any]] = None) -> List[dict]:
    """``DialogueStateTracker.past_states``, computed once per tracker, events and arguments."""
    last_event = self.events[-1] if self.events else None
    arguments = (domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    cached = getattr(self, _CACHE_ATTRIBUTE, None)
    if (cached is not None and cached[0] == len(self.events) and cached[1] is last_event
            and cached[2][0] is domain and cached[2][1:] == arguments[1:]):
        return _copy_states(cached[3])
    states = RASA_METHODS["past_states"](self, domain, omit_unset_slots=omit_unset_slots,
                                         ignore_rule_only_turns=ignore_rule_only_turns,
                                         rule_only_data=rule_only_data)
    # the entry holds the last event itself, so its identity cannot be reused while it is cached
    setattr(self, _CACHE_ATTRIBUTE, (len(self.events), last_event, arguments, _copy_states(states)))
    return states


def _create_x(self, messages):
    """``LogisticRegressionClassifier._create_X`` without the join to an empty dense matrix."""
    import numpy as np
    from rasa.shared.nlu.constants import TEXT
    from scipy.sparse import csr_matrix, vstack

    rows = []
    for message in messages:
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(attribute=TEXT)[1]
        if sparse is None or dense is not None:
            return RASA_METHODS["_create_X"](self, messages)
        features = sparse.features
        # Rasa's join with an empty float64 matrix gives float64 values (or wider)
        rows.append(csr_matrix(features, dtype=np.result_type(features.dtype, np.float64)))
    return rows[0] if len(rows) == 1 else vstack(rows, format="csr")


def apply() -> None:
    """Install both (idempotent)."""
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from rasa.shared.core.trackers import DialogueStateTracker

    if RASA_METHODS:
        return
    RASA_METHODS.update(past_states=DialogueStateTracker.past_states,
                        _create_X=LogisticRegressionClassifier._create_X)
    DialogueStateTracker.past_states = _past_states
    LogisticRegressionClassifier._create_X = _create_x
