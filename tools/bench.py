"""``python -m bot bench`` (``make bench``): how fast and how big the trained assistant is here.

For each configuration - the single-node default (one Rasa process, SQLite tracker store) and the
several-processes one (two Rasa processes, PostgreSQL tracker store, Redis lock store, with
conversations spread over the processes by sender as a sticky load balancer would) - and for a
plain ``rasa init`` assistant as the reference, it prints start-up time, then for 1, 20, 50 and
100 concurrent conversations: messages per second, p50/p95/p99 latency, empty replies, fault
replies, and resident memory; then the latency at turn 10 and at turn 500 of one long
conversation. Traffic goes only to servers it starts on 127.0.0.1; every loop is bounded.
"""
from __future__ import annotations

import contextlib
import os
import platform
import statistics
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor

from bot.content.plain_text import messaging_words
from tools.bench_reference import reference_assistant
from tools.servers import running_assistant

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
LEVELS = (1, 20, 50, 100)
TURNS = 10
LONG_TURNS = 500


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
    with contextlib.suppress(OSError):
        pids += [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


class Load:
    """Closed-loop conversations against an assistant; collects latencies and bad replies."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.processes = len(assistant.urls or [assistant.url])
        self.latencies: list[float] = []
        self.empty = self.faults = 0
        self.lock = threading.Lock()

    def send(self, sender: str, message: str) -> float:
        process = zlib.crc32(sender.encode()) % self.processes  # sticky: a conversation stays on one
        started = time.perf_counter()
        try:
            replies = self.assistant.send(sender, message, process=process)
        except Exception:  # a timeout or an HTTP error is a fault, and is counted
            replies = [{"text": messaging_words()["something_went_wrong"]}]
        elapsed = (time.perf_counter() - started) * 1000
        texts = [r.get("text") for r in replies if r.get("text")]
        with self.lock:
            self.latencies.append(elapsed)
            self.empty += not texts
            self.faults += messaging_words()["something_went_wrong"] in texts
        return elapsed

    def conversation(self, turns: int) -> list[float]:
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        return [self.send(sender, MESSAGES[i % len(MESSAGES)]) for i in range(turns)]


def run_load(assistant, users: int, turns: int = TURNS) -> dict:
    """``users`` concurrent conversations of ``turns`` messages each; returns the figures."""
    load = Load(assistant)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        for future in [pool.submit(load.conversation, turns) for _ in range(users)]:
            future.result()
    wall = time.perf_counter() - started
    return {"users": users, "messages": len(load.latencies), "msg_per_s": len(load.latencies) / wall,
            "p50_ms": statistics.median(load.latencies), "p95_ms": percentile(load.latencies, 95),
            "p99_ms": percentile(load.latencies, 99), "empty": load.empty, "faults": load.faults}


def warm_up(assistant) -> None:
    """One conversation on every Rasa process, not counted (each loads its models on first use)."""
    for process in range(len(assistant.urls or [assistant.url])):
        sender = f"warm-up-{uuid.uuid4().hex[:10]}"
        for message in MESSAGES:
            assistant.send(sender, message, process=process)


def long_conversation(assistant, turns: int = LONG_TURNS) -> tuple[float, float]:
    """Median latency (ms) of turns 6-15 and of the last 10 turns of one ``turns``-turn conversation."""
    latencies = Load(assistant).conversation(turns)
    return statistics.median(latencies[5:15]), statistics.median(latencies[-10:])


def memory(assistant) -> str:
    pids = assistant.pids()
    rasa = " + ".join(f"{rss_mb(pid):.0f}" for pid in pids["rasa_all"])
    actions = f", action server {rss_mb(pids['actions']):.0f} MB" if pids.get("actions") else ""
    return f"Rasa {rasa} MB{actions}"


def measure(name: str, assistant, levels=LEVELS, long_turns: int = LONG_TURNS) -> None:
    """Print one configuration's figures."""
    print(f"\n== {name}\nstart-up (ready to answer): {assistant.started_in_s:.1f} s")
    warm_up(assistant)
    print(f"{'users':>5} {'messages':>8} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'empty':>5} "
          f"{'faults':>6}  memory after")
    for users in levels:
        row = run_load(assistant, users)
        print(f"{row['users']:>5} {row['messages']:>8} {row['msg_per_s']:>7.1f} {row['p50_ms']:>7.0f} "
              f"{row['p95_ms']:>7.0f} {row['p99_ms']:>7.0f} {row['empty']:>5} {row['faults']:>6}  {memory(assistant)}",
              flush=True)
    if long_turns:
        early, late = long_conversation(assistant, long_turns)
        print(f"one {long_turns}-turn conversation: median {early:.0f} ms around turn 10, "
              f"{late:.0f} ms at turns {long_turns - 9}-{long_turns}")


def main(levels=LEVELS, long_turns: int = LONG_TURNS, reference: bool = True) -> int:
    """Run the benchmark and print the figures."""
    from tools.services import running_postgres, running_redis

    os.environ.update(BOT_RATE_PER_SENDER="0", BOT_RATE_PER_ADDRESS="0")  # measure, don't throttle
    # the benchmark's red flags make handoffs: never in the helpline's real queue
    os.environ.update(BOT_HANDOFFS_DB=str(_fresh("handoffs.db")),
                      BOT_HANDOFFS_SPOOL=str(_fresh("handoffs.pending.jsonl")))
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"{TURNS} messages per conversation, each sent when the previous reply arrives")
    red_flag_check_cost()
    with running_assistant(tracker_db=_fresh("tracker.db")) as assistant:
        measure("single node: 1 Rasa process, SQLite tracker store", assistant, levels, long_turns)
    with running_postgres() as postgres, running_redis() as redis:
        os.environ.update(BOT_POSTGRES_URL=postgres.url, BOT_HANDOFFS_DB=postgres.url, BOT_REDIS_HOST="127.0.0.1",
                          BOT_REDIS_PORT=str(redis.port), BOT_REDIS_PASSWORD="")
        from bot.paths import project_root

        with running_assistant(endpoints=project_root() / "deploy" / "endpoints.postgres.yml",
                               rasa_processes=2) as assistant:
            measure("2 Rasa processes, PostgreSQL tracker store, Redis lock store", assistant, levels, long_turns)
    if reference:
        with reference_assistant() as assistant:
            measure("reference: a plain `rasa init` assistant (1 process, in-memory tracker store)",
                    assistant, levels, long_turns=0)
    return 0


def red_flag_check_cost() -> dict:
    """The red-flag check's own cost per message, in this process (median and p95 ms over the messages
    of the safety development set, each checked once after a warm-up; and its start-up), printed."""
    from bot.safety import check, statistical, warm_up

    started = time.perf_counter()
    warm_up()
    start_s = time.perf_counter() - started
    times = []
    for row in statistical.dev_rows():
        began = time.perf_counter()
        check(row["message"])
        times.append((time.perf_counter() - began) * 1000)
    figures = {"messages": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
               "max_ms": max(times), "start_s": start_s}
    print(f"red-flag check alone: {figures['messages']} messages, median {figures['p50_ms']:.1f} ms, "
          f"p95 {figures['p95_ms']:.1f} ms, max {figures['max_ms']:.1f} ms per message; loads in {start_s:.1f} s")
    return figures


def _fresh(name: str):
    from bot.paths import build_dir

    path = build_dir() / "bench" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, path.with_name(name + "-wal"), path.with_name(name + "-shm")):
        leftover.unlink(missing_ok=True)  # a stale write-ahead log must not meet a new database
    return path
