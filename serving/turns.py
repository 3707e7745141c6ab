"""How many conversation turns one Rasa server process works on at once, and in what order.

Rasa starts work on every incoming message at once. A turn awaits several times (the
conversation's lock, reading the tracker, each call to the action server, saving), and each time it
goes to the back of the queue behind every other turn in progress; so under load a turn with more
steps waits many times over. At 20 busy conversations on one process the slowest replies (p95)
took 1.6-1.7 times the median.

Here at most ``BOT_CONCURRENT_TURNS`` turns (default 4: enough to keep working while some wait for
the action server) are in progress in a process; the others wait their turn **in arrival order**
(``asyncio.Semaphore`` is not first-come first-served: a newcomer can take a freed place before the
waiter it was freed for). A turn keeps its place for at most ``BOT_TURN_LEASE`` seconds (default
0.25; a turn takes 10-100 ms here). A turn still running after that means something is stuck - an
action server that does not answer, cut off only after ``BOT_ACTION_TIMEOUT`` - so every turn then
waiting starts at once: with the action server frozen, 20 and 50 people writing at the same moment
still got the "something went wrong" reply (helpline and emergency numbers) within 4.4 and 4.8 s
(4.2 and 4.4 s without the limit; a one-off script). `tests/assistant/test_robustness.py` holds 20 people
at once under 5.5 s.
``BOT_CONCURRENT_TURNS=0`` turns the limit off (Rasa's own behaviour).

Every channel of ours runs ``on_new_message`` inside ``process_turns().turn()``.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import AsyncIterator, Optional

from bot import settings

_process_turns: Optional["TurnSlots"] = None


class TurnSlots:
    """At most ``size`` turns at once (no limit when ``size`` is 0), first come first served, each
    keeping its place for at most ``lease_s`` seconds.

    >>> async def one_turn():
    ...     slots = TurnSlots(size=1, lease_s=5)
    ...     async with slots.turn():
    ...         return slots.in_progress, slots.waiting
    >>> asyncio.run(one_turn())
    (1, 0)
    """

    def __init__(self, size: int, lease_s: float) -> None:
        self.size = size
        self.lease_s = lease_s
        self.in_progress = 0  # places taken: a turn past its lease gives its own up; above size after
        # _let_everyone_in, until those turns end
        self._waiters: deque[asyncio.Future] = deque()

    @property
    def waiting(self) -> int:
        """How many turns are waiting for a place."""
        return sum(not waiter.done() for waiter in self._waiters)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for a place (in arrival order), hold it while the block runs or for ``lease_s``
        seconds at most, then hand it to the next turn waiting."""
        if self.size <= 0:
            yield
            return
        await self._take_place()
        released = False

        def give_up_place(lease_over: bool = False) -> None:
            nonlocal released
            if not released:
                released = True
                self._hand_on()
                if lease_over:
                    self._let_everyone_in()

        lease = asyncio.get_running_loop().call_later(self.lease_s, give_up_place, True)
        try:
            yield
        finally:
            lease.cancel()
            give_up_place()

    async def _take_place(self) -> None:
        if self.in_progress < self.size:  # (a place freed while turns wait goes straight to one)
            self.in_progress += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # _hand_on gives this turn the place of one that finished
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_on()  # the place came just as the turn was cancelled: pass it on
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            raise

    def _let_everyone_in(self) -> None:
        """A turn outlived its lease: something is stuck (an action server that does not answer), so
        every turn waiting now starts at once instead of queueing behind it; newcomers wait again."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
                self.in_progress += 1
        self._waiters.clear()

    def _hand_on(self) -> None:
        """A place is free: give it to the longest-waiting turn, or keep it free."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # skip turns cancelled while waiting
                waiter.set_result(None)
                return
        self.in_progress -= 1


def process_turns() -> TurnSlots:
    """This process's turn places, made on first use from ``BOT_CONCURRENT_TURNS`` and
    ``BOT_TURN_LEASE``.

    >>> process_turns() is process_turns()
    True
    """
    global _process_turns
    if _process_turns is None:
        _process_turns = TurnSlots(
            size=settings.integer("BOT_CONCURRENT_TURNS"),
            lease_s=settings.number("BOT_TURN_LEASE"),
        )
    return _process_turns
