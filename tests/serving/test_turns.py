"""serving/turns.py: at most N turns at once, first come first served, a lease so a stuck turn
cannot hold up the queue, and no place lost to errors or cancelled turns."""
from __future__ import annotations

import asyncio

import pytest

from serving.turns import TurnSlots


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=10))


@pytest.mark.parametrize("size, turns, most_at_once", [(1, 6, 1), (2, 6, 2), (4, 20, 4), (4, 3, 3), (0, 12, 12)])
def test_no_more_turns_at_once_than_places(size, turns, most_at_once):
    async def scenario():
        slots, now, most = TurnSlots(size, lease_s=5), 0, 0

        async def one():
            nonlocal now, most
            async with slots.turn():
                now += 1
                most = max(most, now)
                for _ in range(3):  # a turn awaits several times (lock, tracker, action server)
                    await asyncio.sleep(0.001)
                now -= 1

        await asyncio.gather(*(one() for _ in range(turns)))
        return most, slots.in_progress, slots.waiting

    assert run(scenario()) == (most_at_once, 0, 0)


def test_turns_start_in_arrival_order_even_when_newcomers_arrive_as_a_place_frees():
    async def scenario():
        slots, started = TurnSlots(2, lease_s=5), []

        async def one(name, steps):
            async with slots.turn():
                started.append(name)
                for _ in range(steps):
                    await asyncio.sleep(0)

        tasks = []
        for number in range(12):  # arrivals spread out while earlier turns finish
            tasks.append(asyncio.create_task(one(number, steps=1 + number % 3)))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        return started

    assert run(scenario()) == list(range(12))


def test_a_stuck_turn_gives_up_its_place_after_the_lease():
    async def scenario():
        slots, events = TurnSlots(1, lease_s=0.05), []
        unstick = asyncio.Event()

        async def stuck():  # e.g. waiting for an action server that does not answer
            async with slots.turn():
                events.append("stuck started")
                await unstick.wait()
                events.append("stuck finished")

        async def next_turn():
            async with slots.turn():
                events.append("next ran")
            unstick.set()

        first = asyncio.create_task(stuck())
        await asyncio.sleep(0)
        await asyncio.gather(first, next_turn())
        return events, slots.in_progress

    assert run(scenario()) == (["stuck started", "next ran", "stuck finished"], 0)


def test_once_a_turn_outlives_its_lease_everyone_waiting_starts_at_once():
    """Things are stuck (an action server that does not answer): the waiting turns must not each
    wait one more lease behind the one before (20 people would get their reply seconds later)."""
    lease = 0.2

    async def scenario():
        slots, started = TurnSlots(1, lease_s=lease), {}
        loop = asyncio.get_running_loop()
        begin = loop.time()
        all_started = asyncio.Event()

        async def stuck_turn(name):  # every turn is stuck until all have started
            async with slots.turn():
                started[name] = loop.time() - begin
                if len(started) == 5:
                    all_started.set()
                await all_started.wait()

        await asyncio.gather(*(stuck_turn(name) for name in range(5)))
        return started, slots.in_progress, slots.waiting

    started, in_progress, waiting = run(scenario())
    assert (in_progress, waiting) == (0, 0)
    assert started[0] < lease / 2
    assert all(lease * 0.9 < started[name] < lease * 2 for name in range(1, 5)), started  # one by one: 0.2, 0.4, ...


def test_a_turn_within_its_lease_keeps_its_place():
    async def scenario():
        slots, events = TurnSlots(1, lease_s=5), []

        async def one(name):
            async with slots.turn():
                events.append(f"{name} in")
                await asyncio.sleep(0.05)
                events.append(f"{name} out")

        await asyncio.gather(one("a"), one("b"))
        return events

    assert run(scenario()) == ["a in", "a out", "b in", "b out"]


def test_a_turn_that_raises_hands_its_place_on():
    async def scenario():
        slots = TurnSlots(1, lease_s=5)

        async def failing():
            async with slots.turn():
                await asyncio.sleep(0)
                raise RuntimeError("the assistant failed")

        async def fine():
            async with slots.turn():
                return "answered"

        results = await asyncio.gather(failing(), fine(), return_exceptions=True)
        return [type(r).__name__ if isinstance(r, Exception) else r for r in results], slots.in_progress

    assert run(scenario()) == (["RuntimeError", "answered"], 0)


@pytest.mark.parametrize("cancel_when", ["while waiting", "as a place frees", "just as its place came"])
def test_a_cancelled_waiting_turn_loses_no_place(cancel_when):
    """A person who leaves (the request is cancelled) while queued: the place goes to the next."""
    async def scenario():
        slots, order = TurnSlots(1, lease_s=5), []
        release = asyncio.Event()

        async def one(name, hold=None):
            async with slots.turn():
                order.append(name)
                if hold:
                    await hold.wait()
                    if cancel_when == "as a place frees":
                        leaver.cancel()  # in the same step as this turn ends: the leaver's
                        # cancellation has not run yet when the place is handed on

        first = asyncio.create_task(one("first", release))
        await asyncio.sleep(0)
        leaver = asyncio.create_task(one("leaver"))
        await asyncio.sleep(0)
        last = asyncio.create_task(one("last"))
        await asyncio.sleep(0)
        assert slots.waiting == 2
        if cancel_when == "while waiting":
            leaver.cancel()
            release.set()
        elif cancel_when == "as a place frees":
            release.set()
        else:
            release.set()
            await asyncio.sleep(0)  # first finishes and hands its place to the leaver...
            leaver.cancel()  # ...who is cancelled before it runs
        await asyncio.gather(first, last)
        with pytest.raises(asyncio.CancelledError):
            await leaver
        return order, slots.in_progress, slots.waiting

    assert run(scenario()) == (["first", "last"], 0, 0)
