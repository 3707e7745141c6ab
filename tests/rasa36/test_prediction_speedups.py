"""The prediction speed-ups give exactly what Rasa's own code gives (rasa36/prediction_speedups.py)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from rasa36 import prediction_speedups
from rasa36.prediction_speedups import RASA_METHODS

RULE_ONLY = {"slots": ["callback_confirmed"], "active_loops": ["callback_form"]}
ARGUMENTS = [  # (omit_unset_slots, ignore_rule_only_turns, rule_only_data), as the policies call it
    (False, False, None),
    (False, False, RULE_ONLY),
    (False, True, RULE_ONLY),
    (True, False, None),
]


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    from bot.paths import project_root

    return Domain.load(project_root() / "domain.yml")


@pytest.fixture(scope="module")
def conversations(domain):
    """Every story and rule of data/ as the event list of a live conversation."""
    from rasa.core.training import load_data

    from bot.paths import project_root

    trackers = load_data(str(project_root() / "data"), domain, augmentation_factor=0)
    events = [list(tracker.events) for tracker in trackers]
    assert len(events) > 20
    return events


def _live(domain, events):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events("speed-test", events, slots=domain.slots)


def _rasa(tracker, domain, arguments):
    omit, ignore, rule_only = arguments
    return RASA_METHODS["past_states"](tracker, domain, omit_unset_slots=omit, ignore_rule_only_turns=ignore,
                                       rule_only_data=rule_only)


def _ours(tracker, domain, arguments):
    omit, ignore, rule_only = arguments
    return tracker.past_states(domain, omit_unset_slots=omit, ignore_rule_only_turns=ignore,
                               rule_only_data=rule_only)


def test_the_patches_are_installed():
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    assert DialogueStateTracker.past_states is prediction_speedups._past_states
    assert LogisticRegressionClassifier._create_X is prediction_speedups._create_x
    assert RulePolicy._get_possible_keys is prediction_speedups._get_possible_keys


def test_every_prefix_of_every_story_gives_rasas_states_first_and_second_time(domain, conversations):
    for events in conversations:
        tracker = _live(domain, [])
        for event in events:
            tracker.update(event, domain)
            for arguments in ARGUMENTS + ARGUMENTS[::-1]:  # the policies' calls, interleaved
                expected = _rasa(tracker, domain, arguments)
                assert _ours(tracker, domain, arguments) == expected  # computed
                assert _ours(tracker, domain, arguments) == expected  # remembered


def test_a_caller_changing_its_states_does_not_change_the_next_callers(domain, conversations):
    tracker = _live(domain, conversations[0])
    expected = _rasa(tracker, domain, ARGUMENTS[0])
    for _ in range(3):  # computed, then remembered twice
        states = _ours(tracker, domain, ARGUMENTS[0])
        assert states == expected
        del states[-1]["prev_action"]  # what the featurizer does to the last state
        for state in states:
            state.get("user", {}).pop("intent", None)
        states.append({})


def test_rule_turns_hidden_for_one_caller_are_not_hidden_for_the_other(domain):
    """The rule policy sees every turn; Rasa's other policies (memoization, TED) skip the rules' own turns."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    tracker = _live(domain, [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
                             ActionExecuted("utter_greet", hide_rule_turn=True),
                             ActionExecuted("action_listen", hide_rule_turn=True),
                             UserUttered("thanks", {"name": "thank"})])
    every_turn, without_rule_turns = ARGUMENTS[1], ARGUMENTS[2]
    assert _rasa(tracker, domain, every_turn) != _rasa(tracker, domain, without_rule_turns)
    for arguments in [every_turn, without_rule_turns, every_turn, without_rule_turns]:
        assert _ours(tracker, domain, arguments) == _rasa(tracker, domain, arguments)


def test_the_states_are_computed_once_per_events_and_arguments(domain, conversations, monkeypatch):
    calls = []
    rasa_method = RASA_METHODS["past_states"]
    monkeypatch.setitem(RASA_METHODS, "past_states", lambda *a, **k: calls.append(1) or rasa_method(*a, **k))
    tracker = _live(domain, conversations[0])
    _ours(tracker, domain, ARGUMENTS[0])
    _ours(tracker, domain, ARGUMENTS[0])
    assert len(calls) == 1
    _ours(tracker, domain, ARGUMENTS[2])  # other arguments: computed
    assert len(calls) == 2
    _ours(_live(domain, conversations[0]), domain, ARGUMENTS[2])  # another tracker: computed
    assert len(calls) == 3


def test_a_new_event_is_always_seen(domain):
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered

    tracker = _live(domain, [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})])
    before = _ours(tracker, domain, ARGUMENTS[0])
    tracker.update(ActionExecuted("utter_greet"), domain)
    after = _ours(tracker, domain, ARGUMENTS[0])
    assert after != before and after == _rasa(tracker, domain, ARGUMENTS[0])
    tracker.update(ActiveLoop("callback_form"), domain)  # changes the last state, not the count of actions
    assert _ours(tracker, domain, ARGUMENTS[0]) == _rasa(tracker, domain, ARGUMENTS[0]) != after


def test_a_tracker_with_a_capped_history_is_recomputed_when_its_oldest_event_drops_off(domain):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("capped", domain.slots, max_event_history=4)
    for event in [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
                  ActionExecuted("utter_greet"), ActionExecuted("action_listen")]:
        tracker.update(event, domain)
    before = _ours(tracker, domain, ARGUMENTS[0])
    tracker.update(UserUttered("thanks", {"name": "thank"}), domain)  # same length, new last event
    assert len(tracker.events) == 4
    assert _ours(tracker, domain, ARGUMENTS[0]) == _rasa(tracker, domain, ARGUMENTS[0]) != before


def test_state_leaves_are_immutable_so_a_two_level_copy_is_a_full_copy(domain, conversations):
    for events in conversations:
        for arguments in ARGUMENTS:
            for state in _rasa(_live(domain, events), domain, arguments):
                for sub_state in state.values():
                    for value in sub_state.values():
                        assert isinstance(value, (str, int, float, bool, tuple, frozenset)), value


# --- the classifier's feature rows -------------------------------------------------------------

def _message(text, *matrices, dense=None):
    from rasa.shared.nlu.constants import (
        FEATURE_TYPE_SENTENCE,
        FEATURE_TYPE_SEQUENCE,
        TEXT,
    )
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={TEXT: text})
    for origin, matrix in enumerate(matrices):
        message.add_features(Features(coo_matrix(matrix), FEATURE_TYPE_SENTENCE, TEXT, f"sparse{origin}"))
        message.add_features(Features(coo_matrix(np.vstack([matrix, matrix])), FEATURE_TYPE_SEQUENCE, TEXT,
                                      f"sparse{origin}"))
    if dense is not None:
        message.add_features(Features(np.array([dense]), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return message


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float64])
@pytest.mark.parametrize("count", [1, 3])
def test_feature_rows_are_rasas_rows(dtype, count):
    rng = np.random.default_rng(7)
    messages = [_message(f"m{i}", (rng.random((1, 6)) > 0.5).astype(dtype) * (i + 1),
                         (rng.random((1, 4)) > 0.3).astype(dtype)) for i in range(count)]
    ours = prediction_speedups._create_x(None, messages)
    rasa = RASA_METHODS["_create_X"](None, messages)
    assert ours.shape == rasa.shape == (count, 10)
    assert ours.dtype == rasa.dtype
    assert np.array_equal(ours.toarray(), rasa.toarray())


def test_feature_rows_from_one_featuriser_and_with_other_attributes_are_rasas_rows():
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT
    from rasa.shared.nlu.training_data.features import Features

    one = _message("one", np.array([[0, 2, 0, 1]]))
    other = _message("other", np.array([[1, 0]]), np.array([[0, 3, 0]]))
    other.add_features(Features(coo_matrix(np.array([[9, 9]])), FEATURE_TYPE_SENTENCE, INTENT, "intent"))
    for messages in ([one], [other], [one, one]):
        ours, rasa = prediction_speedups._create_x(None, messages), RASA_METHODS["_create_X"](None, messages)
        assert ours.shape == rasa.shape and ours.dtype == rasa.dtype
        assert np.array_equal(ours.toarray(), rasa.toarray())


def test_messages_with_dense_features_use_rasas_own_code():
    messages = [_message("m", np.array([[1.0, 0.0, 2.0]]), dense=[0.5, 0.25])]
    ours = prediction_speedups._create_x(None, messages)
    assert np.array_equal(ours.toarray(), RASA_METHODS["_create_X"](None, messages).toarray())
    assert ours.shape == (1, 5)


def test_the_trained_model_ranks_intents_exactly_as_before(agent, monkeypatch):
    import asyncio

    from rasa.nlu.classifiers.logistic_regression_classifier import (
        LogisticRegressionClassifier,
    )

    questions = ["what is vertebroplasty?", "my mum has Zometa, is it safe", "hello", "can I speak to a nurse",
                 "what about the side effects of denosumab for my husband"]

    async def rankings():
        return [(await agent.parse_message(q))["intent_ranking"] for q in questions]

    ours = asyncio.run(rankings())
    monkeypatch.setattr(LogisticRegressionClassifier, "_create_X", RASA_METHODS["_create_X"])
    assert asyncio.run(rankings()) == ours
    assert ours[0][0]["name"] == "ask_vertebroplasty"


# --- how far back the rule policy looks ---------------------------------------------------------

@pytest.fixture(scope="module")
def rule_policy(agent):
    from rasa.core.policies.rule_policy import RulePolicy

    found = [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
             if isinstance(node._component, RulePolicy)]
    assert len(found) == 1
    return found[0]


def _lookups(policy):
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    return [policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]]


def _long_conversation(conversations):
    """Every story and rule one after the other: far longer than any rule."""
    return [event for events in conversations for event in events]


def test_rasa_says_every_rule_applies_further_back_than_its_length(rule_policy, domain, conversations):
    """What the patch relies on, asked of Rasa's own code for every rule of the trained model."""
    states = rule_policy._prediction_states(_live(domain, _long_conversation(conversations)), domain)
    for lookup in _lookups(rule_policy):
        for key in lookup:
            length = len(rule_policy._rule_key_to_state(key))
            for turn_index in (length, length + 1, length + 7):
                assert rule_policy._is_rule_applicable(key, turn_index, states[-1 - turn_index])


def test_the_same_rules_match_at_every_turn_of_every_conversation(rule_policy, domain, conversations):
    from rasa.core.policies.rule_policy import RulePolicy

    rasa_method = RASA_METHODS["_get_possible_keys"]
    matched = 0
    for events in conversations + [_long_conversation(conversations)]:
        tracker = _live(domain, [])
        for event in events:
            tracker.update(event, domain)
            for use_text in (False, True):
                states = rule_policy._prediction_states(tracker, domain, use_text,
                                                        rule_only_data=rule_policy._get_rule_only_data())
                for lookup in _lookups(rule_policy):
                    expected = rasa_method(rule_policy, lookup, states)
                    assert RulePolicy._get_possible_keys(rule_policy, lookup, states) == expected
                    matched += bool(expected)
    assert matched > 100  # the comparison is not only of empty sets


def test_the_rule_policy_looks_back_only_as_far_as_the_longest_rule(rule_policy, domain, conversations,
                                                                      monkeypatch):
    from rasa.core.policies.rule_policy import RULES

    calls = []
    rasa_check = type(rule_policy)._is_rule_applicable
    monkeypatch.setattr(type(rule_policy), "_is_rule_applicable",
                        lambda self, key, turn_index, state: calls.append(turn_index) or
                        rasa_check(self, key, turn_index, state))
    lookup = rule_policy.lookup[RULES]
    longest = max(len(rule_policy._rule_key_to_state(key)) for key in lookup)
    states = rule_policy._prediction_states(_live(domain, _long_conversation(conversations)), domain)
    assert len(states) > 10 * longest
    prediction_speedups._get_possible_keys(rule_policy, lookup, states)
    assert calls and max(calls) == longest - 1
    calls.clear()
    RASA_METHODS["_get_possible_keys"](rule_policy, lookup, states)
    assert max(calls) == len(states) - 1  # Rasa's own code goes back to the first state


def test_the_trained_model_predicts_exactly_as_before_over_a_long_conversation(rule_policy, domain, conversations,
                                                                               monkeypatch):
    from rasa.core.policies.rule_policy import RulePolicy

    def predictions():
        tracker, found = _live(domain, []), []
        for event in _long_conversation(conversations):
            tracker.update(event, domain)
            found.append(rule_policy.predict_action_probabilities(tracker, domain).probabilities)
        return found

    ours = predictions()
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", RASA_METHODS["_get_possible_keys"])
    assert predictions() == ours
    assert sum(max(p) == 1.0 for p in ours) > 100  # rules did fire


def test_a_rule_whose_oldest_state_differs_does_not_match(rule_policy):
    """The newest states fit the longest rules, the oldest does not: checked, as Rasa checks it."""
    from rasa.core.policies.rule_policy import RULES

    lookup = rule_policy.lookup[RULES]
    longest = max(len(rule_policy._rule_key_to_state(key)) for key in lookup)
    for key in [key for key in lookup if len(rule_policy._rule_key_to_state(key)) == longest]:
        states = [dict(state) for state in rule_policy._rule_key_to_state(key)]
        assert prediction_speedups._get_possible_keys(rule_policy, lookup, states) >= {key}
        states[0] = {**states[0], "prev_action": {"action_name": "utter_greet"}}
        expected = RASA_METHODS["_get_possible_keys"](rule_policy, lookup, [{}] + states)
        assert key not in expected
        assert prediction_speedups._get_possible_keys(rule_policy, lookup, [{}] + states) == expected


def test_repeated_columns_are_added_up_and_rows_that_are_not_one_row_are_left_to_rasa():
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    repeated = Message(data={TEXT: "repeated"})  # a column given twice is added up, in any order
    repeated.add_features(Features(coo_matrix(([2.0, 1.0, 4.0], ([0, 0, 0], [3, 1, 3])), shape=(1, 5)),
                                   FEATURE_TYPE_SENTENCE, TEXT, "a"))
    repeated.add_features(Features(coo_matrix(np.array([[0, 7]])), FEATURE_TYPE_SENTENCE, TEXT, "b"))
    for messages in ([repeated], [repeated, repeated]):
        ours, rasa = prediction_speedups._create_x(None, messages), RASA_METHODS["_create_X"](None, messages)
        assert ours.shape == rasa.shape and ours.dtype == rasa.dtype
        assert np.array_equal(ours.toarray(), rasa.toarray())
    row = prediction_speedups._create_x(None, [repeated])
    assert row.has_canonical_format and row.toarray().tolist() == [[0, 1, 0, 6, 0, 0, 7]]
    two_rows = _message("two rows", np.array([[1, 0], [0, 1]]))  # not a sentence feature: Rasa's code, Rasa's error
    for create_x in (prediction_speedups._create_x, RASA_METHODS["_create_X"]):
        with pytest.raises(ValueError, match="Mismatching dimensions"):
            create_x(None, [two_rows])
