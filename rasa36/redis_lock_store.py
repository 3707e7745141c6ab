"""A Redis lock store that is safe with several Rasa processes (``deploy/endpoints.postgres.yml``).

Rasa 3.6's ``RedisLockStore`` reads a conversation's ticket lock, changes it and writes it back
without any atomicity (RasaHQ/rasa#9213; the fix, ``ConcurrentRedisLockStore``, was reverted
from Rasa Open Source in RasaHQ/rasa#11428). Two processes that take a message of the same
conversation at the same moment can both be given the same ticket, or one can delete the
other's ticket while cleaning up, and then both handle the conversation at once: one of the
two turns is lost from the tracker (``tests/assistant/test_scale_out.py`` saw it).

Here every read-change-write of a lock (issuing a ticket, dropping expired ones, cleaning up)
runs under a short Redis mutex (redis-py's ``Lock``: SET NX with a time-out, released by
token), one per conversation. Waiting for one's turn is unchanged.

**Off the event loop**: Rasa calls the lock store's Redis client (synchronous redis-py, and the
mutex waits with ``time.sleep``) from the server's event loop, so a Redis that stops answering -
up but silent - stalled every conversation of the process for each call. Here every Redis step of
``lock()`` runs in a worker thread, with socket time-outs of ``SOCKET_TIMEOUT_S`` unless the
endpoint sets ``socket_timeout``: the turn whose lock cannot be had fails (``LockError``; the
channel then sends its "something went wrong" reply with the emergency numbers) and the event loop
goes on serving everyone else (``tests/rasa36/test_redis_lock_store.py``).

Ticket expiry compares wall clocks: on several machines keep them in sync (NTP).
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncGenerator

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore, TicketLock
from rasa.utils.endpoints import EndpointConfig

MUTEX_TTL_S = 5.0     # a process that dies holding the mutex frees it after this
MUTEX_WAIT_S = 10.0   # how long to wait for the mutex before giving up (the turn then fails loudly)
SOCKET_TIMEOUT_S = 2.0  # a Redis that does not answer a call within this fails the call


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket operations. Configure as
    ``type: rasa36.redis_lock_store.AtomicRedisLockStore`` with the usual Redis settings."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT_S)
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ``LockStore.lock`` (take a ticket, wait until it is served, clean up), each Redis
        step in a worker thread so the event loop never waits for Redis."""
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await asyncio.to_thread(self.cleanup, conversation_id, ticket)

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Wait (without blocking the loop) until ``ticket`` is served; ``LockError`` if the lock expired."""
        while True:
            lock = await asyncio.to_thread(self.get_lock, conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await asyncio.to_thread(self.update_lock, conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    def _mutex(self, conversation_id: str):
        # "#" cannot occur in a conversation id (channels/), so this key never meets a lock's key
        return self.red.lock(f"{self.key_prefix}#mutex#{conversation_id}", timeout=MUTEX_TTL_S,
                             blocking_timeout=MUTEX_WAIT_S, sleep=0.002)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
