"""serving/server_start.py on its own: the root log level put back, start-up objects frozen, and the
listener a channel's blueprint gets (the real server is checked in test_assistant.py)."""
from __future__ import annotations

import asyncio
import gc
import logging

import pytest
from sanic import Blueprint

from serving import server_start


@pytest.fixture
def root_level():
    """The root logger's level, put back after the test."""
    root = logging.getLogger()
    before = root.level
    yield root
    root.setLevel(before)


@pytest.fixture
def unfrozen():
    """Whatever a test freezes is handed back to the collector after it."""
    yield
    gc.unfreeze()


@pytest.mark.parametrize(
    "level_now, wanted, changed",
    [
        (logging.WARNING, logging.INFO, True),  # what loading the model does under `rasa run`
        (logging.WARNING, logging.DEBUG, True),  # `rasa run --debug`
        (logging.INFO, logging.WARNING, True),  # `rasa run --quiet`, and something lowered it
        (logging.INFO, logging.INFO, False),
        (logging.WARNING, logging.WARNING, False),
    ],
)
def test_the_root_log_level_is_put_back(root_level, level_now, wanted, changed):
    root_level.setLevel(level_now)
    assert server_start.restore_root_log_level(wanted) is changed
    assert root_level.level == wanted


def test_objects_alive_at_start_up_are_frozen_and_later_ones_are_not(unfrozen):
    loaded = [object()]  # a list is tracked by the collector
    frozen = server_start.freeze_loaded_objects()
    later = [object()]
    walked = gc.get_objects()
    # (not equal to gc.get_freeze_count() later: other threads of the test process, e.g. a socket.io
    # client's, may free frozen objects in between)
    assert frozen > 1000 and gc.get_freeze_count() > 1000
    assert not any(item is loaded for item in walked)  # frozen: no longer walked
    assert any(item is later for item in walked)  # made after: collected as usual


def test_start_up_garbage_is_collected_before_freezing(unfrozen):
    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    gc.collect()  # a clean slate
    collected_before = sum(stats["collected"] for stats in gc.get_stats())
    del cycle  # garbage only the collector can free (a reference cycle)
    server_start.freeze_loaded_objects()
    assert sum(stats["collected"] for stats in gc.get_stats()) > collected_before


def test_a_channel_blueprint_settles_the_server_once_however_many_channels_register(monkeypatch, root_level):
    calls = []
    monkeypatch.setattr(server_start, "_settled", False)
    monkeypatch.setattr(server_start, "freeze_loaded_objects", lambda: calls.append("freeze"))
    monkeypatch.setattr(server_start, "migrate_handoffs_database", lambda: calls.append("migrate"))
    root_level.setLevel(logging.INFO)  # what the command line set
    blueprints = [server_start.settle_after_start(Blueprint(name)) for name in ("rest_x", "webchat_x")]
    listeners = [listener for bp in blueprints for listener in bp._future_listeners]
    assert [listener.event for listener in listeners] == ["after_server_start"] * 2

    root_level.setLevel(logging.WARNING)  # loading the model
    for listener in listeners:
        asyncio.run(listener.listener(None, None))
    assert calls == ["freeze", "migrate"]
    assert root_level.level == logging.INFO
