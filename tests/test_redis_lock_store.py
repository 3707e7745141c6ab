"""The lock store for several Rasa processes, against a real Redis (Debian's, `make services`):
tickets issued at the same moment by different processes are all different, and cleaning up
never drops another process's ticket."""
from __future__ import annotations

import threading

from components.redis_lock_store import AtomicRedisLockStore

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

    config = EndpointConfig(url="127.0.0.1", type="components.redis_lock_store.AtomicRedisLockStore",
                            port=str(redis_port), password="", db=1, key_prefix="bones")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore) and store.key_prefix == "bones:lock:"
    assert store.issue_ticket("conv-2") == 0
