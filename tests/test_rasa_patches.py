"""The Rasa performance patch keeps validating every action-server response."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError

import components  # noqa: F401 - applies the patch
from components.rasa_patches import _validate_action_result


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


def test_every_event_type_resolves_to_the_same_class_as_rasas_own_walk():
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    from components import rasa_patches

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

    from components.rasa_patches import TrackerStoreUnavailable

    store = FailSafeTrackerStore(_BrokenStore())
    argument = DialogueStateTracker("someone", []) if operation == "save" else "someone"
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(getattr(store, operation)(argument))
    assert store._fallback_tracker_store is None  # nothing went to memory
    [record] = [r for r in caplog.records if r.name == "components.rasa_patches"]
    assert record.levelname == "CRITICAL" and "TRACKER STORE UNAVAILABLE" in record.getMessage()
    assert "ConnectionError" in record.getMessage() and "07700" not in record.getMessage()
