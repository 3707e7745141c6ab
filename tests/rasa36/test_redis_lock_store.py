"""The lock store for several Rasa processes, against a real Redis (Debian's, `make services`):
tickets issued at the same moment by different processes are all different, and cleaning up
never drops another process's ticket."""
from __future__ import annotations

import threading

from rasa36.redis_lock_store import AtomicRedisLockStore

THREADS = 16


def _at_once(action, count: int = THREADS) -> list:
    """Run ``action(i)`` in ``count`` threads released together; returns the results in order."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_tickets_are_unique_and_cleanup_keeps_the_others(redis_port):
    # one store (own connection) per thread, as in separate Rasa processes
    stores = [AtomicRedisLockStore(host="127.0.0.1", port=redis_port, key_prefix="test") for _ in range(THREADS)]
    tickets = _at_once(lambda i: stores[i].issue_ticket("conv-1"))
    assert sorted(tickets) == list(range(THREADS))  # Rasa numbers tickets from 0
    assert len(stores[0].get_lock("conv-1").tickets) == THREADS

    first_half = sorted(tickets)[: THREADS // 2]
    _at_once(lambda i: stores[i].cleanup("conv-1", first_half[i]), count=len(first_half))
    left = [t.number for t in stores[0].get_lock("conv-1").tickets]
    assert left == sorted(tickets)[THREADS // 2:]  # nobody else's ticket was dropped

    _at_once(lambda i: stores[i].cleanup("conv-1", left[i]), count=len(left))
    assert stores[0].get_lock("conv-1") is None


def test_configured_from_the_endpoints_file_like_rasa_does(redis_port):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url="127.0.0.1", type="rasa36.redis_lock_store.AtomicRedisLockStore",
                            port=str(redis_port), password="", db=1, key_prefix="bones")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore) and store.key_prefix == "bones:lock:"
    assert store.issue_ticket("conv-2") == 0


def test_turns_of_one_conversation_still_wait_for_each_other(redis_port):
    """Through ``lock()`` (the async path Rasa uses): two turns of one conversation never overlap."""
    import asyncio

    store = AtomicRedisLockStore(host="127.0.0.1", port=redis_port, key_prefix="test")
    inside, overlaps = [], []

    async def turn(conversation_id: str) -> None:
        async with store.lock(conversation_id, wait_time_in_seconds=0.01):
            inside.append(conversation_id)
            overlaps.append(inside.count(conversation_id) > 1)
            await asyncio.sleep(0.05)
            inside.remove(conversation_id)

    async def run():
        await asyncio.gather(*(turn("conv-3") for _ in range(4)), turn("conv-4"))

    asyncio.run(run())
    assert overlaps == [False] * 5 and store.get_lock("conv-3") is None


def test_a_silent_redis_fails_the_turn_but_never_blocks_the_event_loop(silent_port):
    """Redis is up but answers nothing: taking the lock fails (the channel then sends its fault
    reply), and meanwhile the event loop keeps serving everyone else. Before, each call blocked the
    loop for Rasa's 10 s socket time-out."""
    import asyncio
    import time

    from rasa.core.lock_store import LockError

    store = AtomicRedisLockStore(host="127.0.0.1", port=silent_port, key_prefix="test", socket_timeout=1)

    async def run():
        from tests.conftest import heartbeat

        async with heartbeat() as beats:
            started = time.monotonic()
            outcome = None
            try:
                async with store.lock("conv-5"):
                    outcome = "locked"
            except LockError:
                outcome = "LockError"
            except Exception as error:  # redis' own time-out, raised through Rasa's issue_ticket
                outcome = type(error).__name__
        return outcome, time.monotonic() - started, beats[0]

    outcome, took, beats = asyncio.run(run())
    assert outcome != "locked"
    assert beats >= int(took / 0.05) * 0.7, f"the loop ticked {beats} times in {took:.1f} s"
