"""The Rasa performance patch keeps validating every action-server response."""
from __future__ import annotations

import datetime

import pytest
from jsonschema import ValidationError

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from rasa36.fixes import _validate_action_result


def _action():
    from rasa.core.actions.action import RemoteAction

    return RemoteAction("action_answer_topic", None)


def test_patch_is_installed():
    from rasa.core.actions.action import RemoteAction

    assert RemoteAction._validate_action_result is _validate_action_result


def test_valid_response_passes():
    assert _action()._validate_action_result({"events": [], "responses": [{"text": "hi"}]})


@pytest.mark.parametrize(
    "bad",
    [
        {"events": "not a list"},
        {"events": [{"no_event_key": 1}]},
        {"responses": "not a list"},
    ],
)
def test_invalid_response_is_still_refused(bad):
    with pytest.raises(ValidationError):
        _action()._validate_action_result(bad)


def _every_kind_of_event():
    """One serialised event of every type Rasa has, as an action server could send them."""
    from rasa.shared.core import events as e

    return [event.as_dict() for event in [
        e.UserUttered("my mum has Zometa", {"name": "ask_zoledronic_acid", "confidence": 0.9},
                      [{"entity": "MEDICINE", "value": "zoledronic acid", "start": 10, "end": 16}],
                      parse_data={"intent_ranking": [{"name": "ask_zoledronic_acid", "confidence": 0.9}],
                                  "response_selector": {"all_retrieval_intents": []}}),
        e.BotUttered("hello", {"buttons": [{"title": "Yes", "payload": "/affirm"}]}, {"utter_action": "utter_greet"}),
        e.SlotSet("topic", "denosumab"), e.SlotSet("callback_contact", None), e.ActionExecuted("action_listen"),
        e.ActiveLoop("callback_form"), e.ActiveLoop(None), e.FollowupAction("utter_goodbye"), e.Restarted(),
        e.SessionStarted(), e.ReminderScheduled("remind", datetime.datetime(2026, 11, 23, 9, 0)),
        e.ReminderCancelled(name="remind"), e.LoopInterrupted(True), e.ActionReverted(), e.UserUtteranceReverted(),
        e.AllSlotsReset(), e.ConversationPaused(), e.ConversationResumed(), e.StoryExported("x.md"),
        e.ActionExecutionRejected("action_answer_topic"), e.EntitiesAdded([{"entity": "MEDICINE", "value": "x"}]),
        e.DefinePrevUserUtteredFeaturization(True), e.AgentUttered("hi"),
    ]]


def _broken(event):
    """Variants of a valid event that break the schema in different places (or keep it valid)."""
    yield {key: value for key, value in event.items() if key != "event"}
    for wrong in ("no_such_event", 5, None, ["user"]):
        yield {**event, "event": wrong}
    yield {**event, "timestamp": "yesterday"}
    yield {**event, "metadata": ["not", "an", "object"]}
    for key in event:
        if key not in ("event", "timestamp", "metadata"):
            yield {key2: value for key2, value in event.items() if key2 != key}  # a field left out
            yield {**event, key: {"unexpected": ["shape"]}}
            yield {**event, key: 12}
    if event["event"] == "user":
        yield {**event, "parse_data": {**event["parse_data"], "entities": [{"entity": "MEDICINE"}]}}
        yield {**event, "parse_data": {**event["parse_data"], "intent": {"name": 3}}}
        yield {**event, "parse_data": {**event["parse_data"], "response_selector": {
            "all_retrieval_intents": [], "faq/ask": {"response": {}, "ranking": []}}}}


def _replies():
    events = _every_kind_of_event()
    yield {"events": events, "responses": [{"text": "hi"}, {"response": "utter_greet", "buttons": []}]}
    yield {"events": [], "responses": []}
    yield {}
    for wrong in (None, [], "text", {"events": None}, {"events": {}}, {"responses": [1]}, {"events": [1]},
                  {"events": [[{"event": "slot"}]]}, {"events": events, "responses": "hi"}):
        yield wrong
    for event in events:
        yield {"events": [event]}
        for broken in _broken(event):
            yield {"events": [events[2], broken, events[3]], "responses": []}


def test_each_reply_gets_the_same_verdict_and_error_as_from_the_whole_schema():
    from rasa.core.actions.action import RemoteAction

    from rasa36.fixes import _ResponseValidator

    validator = _ResponseValidator(RemoteAction.action_response_format_spec())
    assert validator.outer is not None and len(validator.by_type) > 20  # the fast path is in use
    verdicts = []
    for reply in _replies():
        expected = next(iter(validator.whole.iter_errors(reply)), None)
        try:
            validator.validate(reply)
            found = None
        except ValidationError as error:
            found = error
        assert (found is None) == (expected is None), reply
        if expected is not None:
            assert (found.message, list(found.path)) == (expected.message, list(expected.path))
        verdicts.append(found is None)
    assert sum(verdicts) > 40 and verdicts.count(False) > 100  # plenty of both


@pytest.mark.parametrize("change", ["two types named alike", "a type without its name", "no oneOf",
                                    "the name not a string"])
def test_a_schema_of_another_shape_is_checked_whole(change):
    import copy

    from rasa.core.actions.action import RemoteAction

    from rasa36.fixes import _ResponseValidator

    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    event = schema["properties"]["events"]["items"]
    if change == "two types named alike":
        event["oneOf"][1]["properties"]["event"]["const"] = event["oneOf"][0]["properties"]["event"]["const"]
    elif change == "a type without its name":
        del event["oneOf"][3]["properties"]["event"]
    elif change == "no oneOf":
        del event["oneOf"]
    else:
        del event["properties"]["event"]["type"]
    validator = _ResponseValidator(schema)
    assert validator.outer is None
    for reply in _replies():
        if validator.whole.is_valid(reply):
            validator.validate(reply)
        else:
            with pytest.raises(ValidationError):
                validator.validate(reply)


def test_every_event_type_resolves_to_the_same_class_as_rasas_own_walk():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    from rasa36 import fixes as rasa_patches

    for cls in all_subclasses(Event):
        expected = rasa_patches._ORIGINAL_RESOLVE_BY_TYPE(cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is expected


def test_unknown_event_types_behave_as_before():
    from rasa.shared.core.events import Event

    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


class _BrokenStore:
    """A tracker store whose database is down."""

    def __init__(self):
        from rasa.shared.core.domain import Domain

        self.domain, self.event_broker = Domain.empty(), None

    async def retrieve(self, sender_id):
        raise ConnectionError("connection refused: SELECT ... WHERE sender_id='07700 900461'")

    retrieve_full_tracker = retrieve

    async def save(self, tracker):
        raise ConnectionError("connection refused: INSERT ... VALUES ('07700 900461')")


@pytest.mark.parametrize("operation", ["retrieve", "retrieve_full_tracker", "save"])
def test_a_failing_tracker_store_fails_loudly_instead_of_falling_back_to_memory(operation, caplog):
    import asyncio

    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa36.fixes import TrackerStoreUnavailable

    store = FailSafeTrackerStore(_BrokenStore())
    argument = DialogueStateTracker("someone", []) if operation == "save" else "someone"
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(getattr(store, operation)(argument))
    assert store._fallback_tracker_store is None  # nothing went to memory
    [record] = [r for r in caplog.records if r.name == "rasa36.fixes"]
    assert record.levelname == "CRITICAL" and "TRACKER STORE UNAVAILABLE" in record.getMessage()
    assert "ConnectionError" in record.getMessage() and "07700" not in record.getMessage()
