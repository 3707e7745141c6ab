"""Three pieces of needless work in Rasa 3.6's message handling, skipped with the same result.

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
of the server's CPU for a no-op join. To get the sparse sentence features it also copied and
joined every featuriser's per-token (sequence) features, which it then threw away. The patch
joins the sparse sentence features alone when there are no dense ones, writing the one row
directly (same values, same dtype, same shape), and runs Rasa's own code otherwise: 1.2-2.4 ms
per message with Rasa's code, 0.1-0.4 ms with this (timeit on one message, this machine's speed
varying between runs).

8. **How far back the rule policy looks.** ``RulePolicy._get_possible_keys`` checks every rule
against every state of the conversation, newest first, although a rule of N states can only fail
on the newest N: Rasa's ``_is_rule_applicable`` answers True for any state further back. So the
work grew with the length of the conversation for nothing. The patch stops once it is further
back than the longest rule; the set of rules that match is the same. It makes little difference
at ten turns (most rules drop out at the newest state) and takes a call on a 500-turn
conversation from 2.5 to 0.4 ms.

``tests/rasa36/test_prediction_speedups.py`` checks each gives exactly what Rasa's code gives.
Installed with the other patches by ``rasa36.apply()``.
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


def _sentence_row(message):
    """The message's sparse sentence features for its text, joined in pipeline order into one CSR
    row as Rasa joins them (float64, or wider); None when Rasa's own code must build the row
    (dense features, no sparse ones, or a feature that is not one row).

    >>> import numpy as np
    >>> from scipy.sparse import coo_matrix
    >>> from rasa.shared.nlu.training_data.features import Features
    >>> from rasa.shared.nlu.training_data.message import Message
    >>> message = Message(data={"text": "hello"})
    >>> _sentence_row(message) is None
    True
    >>> for origin, counts in (("words", [[0, 2]]), ("characters", [[1, 0, 3]])):
    ...     message.add_features(Features(coo_matrix(np.array(counts)), "sentence", "text", origin))
    >>> _sentence_row(message).toarray()
    array([[0., 2., 1., 0., 3.]])
    """
    import numpy as np
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from scipy.sparse import csr_matrix

    parts = []
    for features in message.features:
        if features.attribute != TEXT:
            continue
        if not features.is_sparse():
            return None
        if features.type == FEATURE_TYPE_SENTENCE:
            parts.append(features.features.tocoo(copy=False))  # Rasa keeps them as COO already
    if not parts or any(part.shape[0] != 1 for part in parts):
        return None
    # Rasa: hstack(parts) joined to an empty float64 matrix, i.e. float64 values (or wider)
    dtype = np.result_type(*[part.dtype for part in parts], np.float64)
    offsets = np.cumsum([0] + [part.shape[1] for part in parts])
    data = np.concatenate([part.data for part in parts]).astype(dtype, copy=False)
    columns = np.concatenate([part.col + offset for part, offset in zip(parts, offsets)])
    row = csr_matrix((data, columns, np.array([0, len(data)])), shape=(1, offsets[-1]))
    row.sum_duplicates()  # sorted columns, repeated ones added up: what Rasa's conversion gives
    return row


def _create_x(self, messages):
    """``LogisticRegressionClassifier._create_X`` without the per-token features and the join to an
    empty dense matrix."""
    from scipy.sparse import vstack

    rows = []
    for message in messages:
        row = _sentence_row(message)
        if row is None:
            return RASA_METHODS["_create_X"](self, messages)
        rows.append(row)
    return rows[0] if len(rows) == 1 else vstack(rows, format="csr")


def _get_possible_keys(self, lookup: Dict[str, str], states: List[dict]) -> set:
    """``RulePolicy._get_possible_keys``: the rules (keys of ``lookup``) that match the newest
    ``states``, looking back only as far as the longest rule."""
    possible_keys = set(lookup.keys())
    longest = max((len(self._rule_key_to_state(key)) for key in possible_keys), default=0)
    for turn_index, state in enumerate(reversed(states)):
        if turn_index >= longest:  # every rule is shorter: Rasa's check says True for all of them
            break
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)}
    return possible_keys


def apply() -> None:
    """Install all three (idempotent)."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    if RASA_METHODS:
        return
    RASA_METHODS.update(past_states=DialogueStateTracker.past_states,
                        _create_X=LogisticRegressionClassifier._create_X,
                        _get_possible_keys=RulePolicy._get_possible_keys)
    DialogueStateTracker.past_states = _past_states
    LogisticRegressionClassifier._create_X = _create_x
    RulePolicy._get_possible_keys = _get_possible_keys
