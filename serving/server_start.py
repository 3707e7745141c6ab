"""What the Rasa server does once it has loaded its model and before it takes conversations (and, 3.,
brings an older handoffs database up to date, off the event loop: the channels write to it too).

1. **Keep Python's garbage collector off what start-up loaded.** The loaded server holds about half
   a million Python objects (Rasa, TensorFlow, spaCy, scikit-learn, the trained model). Every so
   often Python's collector walks all of them looking for reference cycles: on this machine that
   walk took 250-470 ms, and it stops every conversation in the process while it runs - the
   slowest replies under load were mostly waiting for it. ``gc.freeze()`` moves the objects that
   exist once start-up is over into a generation the collector no longer walks; objects made later
   (conversations, requests) are collected as before, and frozen objects are still freed as soon
   as nothing refers to them. The cost: a reference cycle among start-up objects is never
   collected - those objects live as long as the server anyway.
2. **Put back the log level that ``rasa run`` set.** Loading the intent classifier imports skops,
   which walks scikit-learn's packages and so imports ``numpy.distutils``, which sets the root
   logger to WARNING: every INFO line of ours (and Rasa's "Rasa server is up and running.") was
   silently dropped.

Every channel of ours calls ``settle_after_start`` on its blueprint (Sanic runs a blueprint's
``after_server_start`` listeners after Rasa's own ``before_server_start`` one has loaded the model),
so the server settles whichever of our channels ``credentials.yml`` lists.
"""
from __future__ import annotations

import asyncio
import gc
import logging

from sanic import Blueprint

logger = logging.getLogger(__name__)
_settled = False  # this process has settled (several channels register the same listener)


def settle_after_start(blueprint: Blueprint) -> Blueprint:
    """Make ``blueprint`` restore today's root log level and freeze start-up objects once the
    server has started; returns ``blueprint``.

    Called while Rasa builds its web app, before the model loads, so the level seen now is the one
    the command line (``--debug``, ``--quiet``, ``LOG_LEVEL``) set.
    """
    level = logging.getLogger().level

    async def settle(_app, _loop) -> None:
        global _settled
        if not _settled:
            _settled = True
            restore_root_log_level(level)
            freeze_loaded_objects()
            asyncio.get_running_loop().run_in_executor(None, migrate_handoffs_database)  # the channels write to it

    blueprint.listener("after_server_start")(settle)
    return blueprint


def restore_root_log_level(level: int) -> bool:
    """Set the root logger back to ``level`` if something changed it; returns whether it had changed.

    >>> restore_root_log_level(logging.getLogger().level)
    False
    """
    root = logging.getLogger()
    if root.level == level:
        return False
    changed_to = logging.getLevelName(root.level)
    root.setLevel(level)
    logger.info("log level set back to %s (loading the model had changed it to %s)",
                logging.getLevelName(level), changed_to)
    return True


def freeze_loaded_objects() -> int:
    """Collect what start-up left as garbage, then freeze everything still alive; returns how many
    objects the collector no longer walks (``gc.get_freeze_count()``).

    Example: in the Rasa server, once the model had loaded, it returned 551359.
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info("garbage collector: %d objects loaded at start-up are no longer walked", frozen)
    return frozen


def migrate_handoffs_database() -> None:
    """Bring an older handoffs database up to date (``bot/records/migrations.py``), off the event loop;
    never raises (until it is done, a write that fails is kept in the pending file)."""
    from bot.records.migrations import migrate

    try:
        migrate()
    except Exception as error:  # noqa: BLE001
        logger.error("could not migrate the handoffs database (%s)", type(error).__name__)
