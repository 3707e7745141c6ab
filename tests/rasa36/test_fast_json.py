"""JSON with ujson (rasa36/fast_json.py) carries exactly the values the standard library would."""
from __future__ import annotations

import asyncio
import json

import pytest

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from rasa36 import fast_json

AWKWARD_TEXTS = [
    "what is vertebroplasty?", "a/b </script> <script>alert(1)</script>", "é ü ß – “quotes”",
    "مرحبا كيف حالك", "😀👍🏽", "\u2028\u2029 line separators", "tab\tnew\nline\rnul\x00bell\x07",
    "\\ backslash \" quote", "\ud83d lone surrogate", "",
]
VALUES = [
    *AWKWARD_TEXTS,
    {"confidence": 0.1 + 0.2, "tiny": 5e-324, "big": 1.7976931348623157e308, "negative zero": -0.0,
     "timestamp": 1763946123.1234567},
    {"ints": [0, -1, 2 ** 53 + 1, 2 ** 64, -(2 ** 70)], "none": None, "flags": [True, False]},
    {"nested": [[{"a": [{}]}], []], "": "empty key", "1": "string key"},
    {1: "int key", None: "null key", 2.5: "float key"},  # json writes these keys as strings; so must we
    (1, "tuple", 2.0),
]


def _same(a, b) -> bool:
    """Equal, counting NaN equal to NaN."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.fixture(scope="module")
def action_requests():
    """The body Rasa sends the action server, for every prefix of every story and rule in data/."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.training import load_data
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.paths import project_root

    domain = Domain.load(str(project_root() / "domain.yml"))
    action = RemoteAction("action_answer_topic", EndpointConfig("http://127.0.0.1:1/webhook"))
    bodies = []
    for story in load_data(str(project_root() / "data"), domain, augmentation_factor=0):
        tracker = DialogueStateTracker("fast-json", domain.slots)
        for event in story.events:
            tracker.update(event, domain)
            bodies.append(action._action_call_format(tracker, domain))
    assert len(bodies) > 100
    return bodies


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_what_is_written_reads_back_as_jsons_own_text_would(value):
    import ujson

    written = fast_json.dumps(value)
    assert json.loads(written) == json.loads(json.dumps(value))
    assert ujson.loads(written) == json.loads(json.dumps(value))  # as the action server (Sanic) reads it


def test_every_action_request_reads_back_the_same(action_requests):
    for body in action_requests:
        assert json.loads(fast_json.dumps(body)) == json.loads(json.dumps(body))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"confidence": float("-inf")}])
def test_not_a_number_and_infinity_are_written_as_json_writes_them(value):
    assert _same(json.loads(fast_json.dumps(value)), json.loads(json.dumps(value)))


@pytest.mark.parametrize("value", [{1, 2}, object(), {"a": b"bytes"}, {"a": {"b": [object()]}}])
def test_what_json_cannot_write_still_fails_with_jsons_error(value):
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        fast_json.dumps(value)


def test_the_one_known_difference_dictionary_keys_json_refuses_are_written_as_text():
    """ujson writes str(key) where json raises: Rasa's events and domain only ever have text keys
    (they are stored with json.dumps, which would have failed first)."""
    with pytest.raises(TypeError):
        json.dumps({("tuple", "key"): 1})
    assert json.loads(fast_json.dumps({("tuple", "key"): 1})) == {"('tuple', 'key')": 1}


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_stored_rows_read_back_as_json_loads_reads_them(value):
    rows = [json.dumps(value), json.dumps({"event": "user", "text": value if isinstance(value, str) else ""})]
    assert fast_json.loads_rows(rows) == [json.loads(row) for row in rows]


def test_a_whole_conversation_of_rows_reads_back_the_same(action_requests):
    longest = max(action_requests, key=lambda body: len(body["tracker"]["events"]))
    rows = [json.dumps(event) for event in longest["tracker"]["events"]]
    assert len(rows) > 5
    assert fast_json.loads_rows(iter(rows)) == [json.loads(row) for row in rows]
    assert fast_json.loads_rows([]) == []


@pytest.mark.parametrize("rows, expected", [
    (['{"a": NaN}', '{"b": Infinity}'], [{"a": float("nan")}, {"b": float("inf")}]),
    (["1,2"], json.JSONDecodeError),  # joins into a valid array, but json reads no such row
    (['{"a": 1', '"b": 2}'], json.JSONDecodeError),  # two broken rows that would join into one
    (['{"a": 1}', "not json"], json.JSONDecodeError),
    (['{"a": 1}', ""], json.JSONDecodeError),
])
def test_rows_json_cannot_read_fail_as_before_and_odd_ones_read_as_before(rows, expected):
    if isinstance(expected, type):
        with pytest.raises(expected):
            fast_json.loads_rows(rows)
    else:
        assert _same(fast_json.loads_rows(rows), expected)


def test_the_patch_is_installed_and_keeps_rasas_session_settings():
    from rasa.utils.endpoints import EndpointConfig

    async def session_settings():
        endpoint = EndpointConfig("http://127.0.0.1:1", headers={"X-Test": "1"},
                                  basic_auth={"username": "u", "password": "p"})
        ours, rasas = endpoint.session(), fast_json.RASA_METHODS["session"](endpoint)
        try:
            return ([ours.json_serialize, ours.timeout, dict(ours.headers), ours.auth],
                    [rasas.json_serialize, rasas.timeout, dict(rasas.headers), rasas.auth])
        finally:
            await ours.close()
            await rasas.close()

    ours, rasas = asyncio.run(session_settings())
    assert ours[0] is fast_json.dumps and rasas[0] is json.dumps
    assert ours[1:] == rasas[1:]


def test_an_action_request_arrives_as_the_body_rasa_built(action_requests):
    """A real HTTP request through Rasa's EndpointConfig to a loopback server that parses it."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    body = action_requests[-1]
    body["tracker"]["latest_message"]["text"] = AWKWARD_TEXTS[1] + AWKWARD_TEXTS[3] + AWKWARD_TEXTS[4]
    received = []

    async def round_trip():
        async def webhook(request):
            received.append((request.headers["Content-Type"], await request.read()))
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            return await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json=body, method="post")
        finally:
            await runner.cleanup()

    assert asyncio.run(round_trip()) == {"events": [], "responses": []}
    content_type, raw = received[0]
    assert content_type == "application/json"
    assert raw.decode() == fast_json.dumps(body)
    assert json.loads(raw) == json.loads(json.dumps(body))
