"""Documented fixes for defects in Rasa Open Source 3.6 (no further releases): slow paths, a
timeout and a silent fallback.

1. ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)`` for every
custom-action response. ``jsonschema.validate`` first re-checks the (constant) schema against
the draft 2020-12 meta-schema, which cost 58% of the Rasa server's CPU under load in our
benchmark (py-spy, 20 concurrent conversations). This patch validates every response against
the same schema with a validator built once per schema, and checks each event against the one
event type it names instead of all of them (``_ResponseValidator``): same verdicts, same errors.

2. ``Event.resolve_by_type`` walks every subclass of ``Event`` (recursively, with
``inspect.isabstract``) for every event it deserialises, i.e. for every event of a conversation
on every turn (9% of the server's CPU). The patch keeps a type-name -> class map, rebuilt on a
miss so event classes imported later still resolve, and returns exactly what Rasa's walk returns.

3. A custom action's request may take 5 minutes before Rasa gives up, longer than the
conversation lock lives (60 s) and far longer than a person waits. The patch sets Rasa's action
request timeout to ``BOT_ACTION_TIMEOUT`` seconds (default 4): a slow action is cut off, and the
channels (``channels/``) then reply with the helpline number instead of staying silent.

4. When the tracker store fails (database down, disk full), Rasa's ``FailSafeTrackerStore`` logs an
error and carries on with an in-memory store: a conversation's history is silently replaced by
an empty one (a form forgotten, a handoff state lost) and new turns are kept only in that
process's memory. The patch makes it fail loudly instead: a CRITICAL log line naming the store
and the error type (never the error text, which can hold the SQL parameters, i.e. people's
words), then ``TrackerStoreUnavailable`` is raised, and the channels (``channels/``) answer the
person with ``something_went_wrong`` (helpline and emergency numbers).

5. ``SQLTrackerStore`` reads and writes a conversation's events through ORM queries, about 29% of
the server's CPU under load: ``rasa36/sql_tracker_store.py`` issues the same queries as SQL
text, keeps a SQLite file's connections open between turns and puts the file in write-ahead-log
mode; ``tests/rasa36/test_sql_tracker_store.py`` shows the rows and trackers are the same as Rasa's.

6, 7, 8. The dialogue states of a conversation are rebuilt from its first event twice per
prediction, the intent classifier joins every message's features to an empty matrix (and copies
per-token features it does not use), and the rule policy checks rules against states too old to
matter: ``rasa36/prediction_speedups.py`` skips that work (``tests/rasa36/test_prediction_speedups.py``).

9. The model graph is run through dask's scheduler for every message and every prediction, whose
bookkeeping cost about 10% of the server's CPU: ``rasa36/graph_runner.py`` calls the same nodes
in turn (``tests/rasa36/test_graph_runner.py``).

10. The whole conversation is written as JSON for every custom-action request, and read back from
JSON on every turn: ``rasa36/fast_json.py`` does both with ``ujson``, the same values in about
half the time (``tests/rasa36/test_fast_json.py``).

Installed by ``rasa36.apply()`` (``rasa36/__init__.py``), with the others.
``tests/rasa36/test_fixes.py`` proves invalid responses are still refused and every event type
resolves to the same class as before.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, Text

from bot import settings

logger = logging.getLogger(__name__)

_APPLIED = False


def action_timeout_s() -> float:
    """Seconds Rasa waits for the action server (``BOT_ACTION_TIMEOUT``, default 4)."""

    return settings.number("BOT_ACTION_TIMEOUT")


class _ResponseValidator:
    """Rasa's action-response schema, checked with the one event type each event names.

    Rasa's schema says each event must match exactly one (``oneOf``) of ~25 event-type schemas,
    so jsonschema tries every one of them for every event (about 2 ms for a reply of five events).
    Every alternative requires a different ``"event"`` constant, so only the one named by the
    event can match: checking that one (after the checks common to all events) gives the same
    verdict. Anything it finds wrong is handed to the whole schema, so an invalid reply is refused
    with jsonschema's own error; if the schema is not of that shape, the whole schema is used.

    >>> from rasa.core.actions.action import RemoteAction
    >>> validator = _ResponseValidator(RemoteAction.action_response_format_spec())
    >>> validator.validate({"events": [{"event": "slot", "name": "topic", "value": "denosumab"}]})
    >>> validator.validate({"events": [{"event": "slot", "name": "topic"}]})
    Traceback (most recent call last):
    jsonschema.exceptions.ValidationError: ...
    """

    def __init__(self, schema: Dict[Text, Any]) -> None:
        from jsonschema.validators import validator_for

        cls = validator_for(schema)
        cls.check_schema(schema)  # once, not on every response
        self.whole = cls(schema)
        self.outer = self.common = None
        self.by_type: Dict[Text, Any] = {}
        events = schema.get("properties", {}).get("events", {})
        event = events.get("items", {})
        alternatives = event.get("oneOf", [])
        names = [alternative.get("properties", {}).get("event", {}).get("const") for alternative in alternatives]
        if (set(events) != {"type", "items"} or not alternatives or None in names
                or len(set(names)) != len(names) or "event" not in event.get("required", [])
                or event.get("properties", {}).get("event", {}).get("type") != "string"):
            return  # not the shape this relies on: the whole schema every time
        outer = {**schema, "properties": {**schema["properties"], "events": {"type": events["type"]}}}
        self.outer = cls(outer)
        self.common = cls({key: value for key, value in event.items() if key != "oneOf"})
        self.by_type = {name: cls(alternative) for name, alternative in zip(names, alternatives)}

    def validate(self, result: Any) -> None:
        """Returns None for a valid reply; raises jsonschema's ``ValidationError`` otherwise."""
        if self.outer is None or not self._is_valid(result):
            self.whole.validate(result)

    def _is_valid(self, result: Any) -> bool:
        if not self.outer.is_valid(result):
            return False
        events = result.get("events") if isinstance(result, dict) else None
        for event in events if isinstance(events, list) else ():
            if not self.common.is_valid(event):
                return False
            alternative = self.by_type.get(event["event"])  # a string: the common checks say so
            if alternative is None or not alternative.is_valid(event):
                return False
        return True


@lru_cache(maxsize=8)
def _validator(action_class: type) -> _ResponseValidator:
    """The validator for ``action_class.action_response_format_spec()`` (a constant static schema)."""
    return _ResponseValidator(action_class.action_response_format_spec())


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _validator(type(self)).validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise e


_EVENT_TYPES: Dict[str, type] = {}
_ORIGINAL_RESOLVE_BY_TYPE = None


def _resolve_by_type(type_name: Text, default=None):
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    cls = _EVENT_TYPES.get(type_name)
    if cls is None:
        # first match wins in Rasa's walk, so fill in reverse and let earlier classes overwrite
        _EVENT_TYPES.update({c.type_name: c for c in reversed(all_subclasses(Event))})
        cls = _EVENT_TYPES.get(type_name)
    if cls is not None:
        return cls
    return _ORIGINAL_RESOLVE_BY_TYPE(type_name, default)  # Rasa's own handling of unknown names


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not be read or written; the turn must not go on from memory."""


def _fail_loudly(self, error: Exception) -> None:
    store = type(self._tracker_store).__name__
    logger.critical(
        "TRACKER STORE UNAVAILABLE: %s failed with %s. Refusing to fall back to memory; "
        "conversations cannot be read or saved until it is back.", store, type(error).__name__)
    raise TrackerStoreUnavailable(f"{store}: {type(error).__name__}") from error


def apply() -> bool:
    """Install the patch (idempotent). Returns True once it is in place."""
    global _APPLIED
    if not _APPLIED:
        global _ORIGINAL_RESOLVE_BY_TYPE
        import rasa.core.actions.action as action_module
        from rasa.core.actions.action import RemoteAction
        from rasa.core.tracker_store import FailSafeTrackerStore
        from rasa.shared.core.events import Event

        action_module.DEFAULT_REQUEST_TIMEOUT = action_timeout_s()
        RemoteAction._validate_action_result = _validate_action_result
        _ORIGINAL_RESOLVE_BY_TYPE = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(_resolve_by_type)
        FailSafeTrackerStore.on_tracker_store_error = _fail_loudly
        FailSafeTrackerStore.on_tracker_store_retrieve_error = _fail_loudly
        _APPLIED = True
    return _APPLIED
