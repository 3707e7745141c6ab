"""``python -m bot bench``: how fast and how big the trained assistant is on this machine.

Prints start-up time, per-message latency (p50/p95/p99) for one user and for N concurrent
conversations, messages per second, empty replies, and the resident memory of the Rasa server
and of the action server. Traffic goes only to the servers it starts on 127.0.0.1, and every
loop is bounded in count.
"""
from __future__ import annotations

import os
import platform
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bot.servers import running_assistant

# A mix of what people send: topic questions, carers, a gap, small talk, an emergency.
MESSAGES = [
    "what is vertebroplasty?",
    "my mum has Zometa infusions, what are they for?",
    "How long is recovery after kyphoplasty?",
    "can my dad get cementoplasty on the NHS?",
    "what are the side effects of denosumab",
    "hello",
    "my legs have gone weak",
    "why does cancer make bones break?",
    "can I talk to a nurse",
    "thanks",
]


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``, in the same unit.

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)
    10
    """
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` and its children, in MB (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _conversation(assistant, turns: int, latencies: list[float], empty: list[int], lock: threading.Lock) -> None:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    for i in range(turns):
        started = time.perf_counter()
        replies = assistant.send(sender, MESSAGES[i % len(MESSAGES)])
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            if not any(r.get("text") for r in replies):
                empty.append(1)


def run_load(assistant, users: int, turns: int) -> dict:
    """``users`` concurrent conversations of ``turns`` messages each; returns the figures."""
    latencies: list[float] = []
    empty: list[int] = []
    lock = threading.Lock()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        for future in [pool.submit(_conversation, assistant, turns, latencies, empty, lock) for _ in range(users)]:
            future.result()
    wall = time.perf_counter() - started
    return {
        "users": users,
        "messages": len(latencies),
        "msg_per_s": len(latencies) / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "empty": len(empty),
    }


def main(users: int = 20, turns: int = 10, single_turns: int = 50) -> int:
    """Run the benchmark and print the figures."""
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    with running_assistant() as assistant:
        print(f"start-up (both servers ready): {assistant.started_in_s:.1f} s")
        run_load(assistant, 1, len(MESSAGES))  # warm-up, not counted
        rows = [run_load(assistant, 1, single_turns), run_load(assistant, users, turns)]
        pids = assistant.pids()
        rasa_mb, actions_mb = rss_mb(pids["rasa"]), rss_mb(pids["actions"])
    print(f"{'users':>5} {'messages':>8} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'empty':>5}")
    for row in rows:
        print(f"{row['users']:>5} {row['messages']:>8} {row['msg_per_s']:>7.1f} {row['p50_ms']:>7.0f} "
              f"{row['p95_ms']:>7.0f} {row['p99_ms']:>7.0f} {row['empty']:>5}")
    print(f"resident memory: Rasa server {rasa_mb:.0f} MB, action server {actions_mb:.0f} MB")
    return 0
