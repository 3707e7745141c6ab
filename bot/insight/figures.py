"""Figures for the people who run the service, computed from what is already stored: Rasa's
tracker events (the ``events`` table, SQLite or PostgreSQL, read by ``rasa36/tracker_tables.py``),
the handoffs and the "was this helpful?" answers (``bot/records/db.py``). Framework-free: the
insight page (``sites/staff/triage.py``), its CSV and the tests all read ``compute()``.

How it stays off the conversations' path: it runs in the staff page's process, never in the Rasa
or action server; each refresh is a fixed set of bounded queries over the chosen window (at most
``MAX_WEEKS`` weeks) - one streamed pass over that window's ``user``/``bot`` events in id order,
one over its handoffs, one over its feedback - read without taking a write lock (SQLite's
write-ahead log, PostgreSQL's snapshots). ``Summary`` keeps the result in memory and refreshes it
in a background thread once it is older than ``REFRESH_S``, so a page view never waits for a
recount (only the very first one does).

Counts from 1 to 4 are shown as "fewer than 5" (``shown``), and so are rates and times worked out
from fewer than 5 cases; 0 stays 0. Days and weeks (starting Monday) are those of Europe/London.

>>> shown(Count(3)), shown(Count(0)), shown(Count(12)), shown(Rate(2, 40)), shown(Rate(10, 40))
('fewer than 5', '0', '12', 'fewer than 5 of 40', '25.0% (10 of 40)')
"""
from __future__ import annotations

import datetime as dt
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

LONDON = ZoneInfo("Europe/London")
SMALL = 5  # counts below this (but above 0) are not shown
MAX_WEEKS = 26
DEFAULT_WEEKS = 12
REFRESH_S = 10 * 60
CLAIM_GRACE = dt.timedelta(hours=1)  # "waited past the opening": unclaimed an hour after the helpline was open

# Replies (domain.yml response names) that mark what kind of turn it was.
OUT_OF_SCOPE = {"utter_out_of_scope"}
FALLBACK = {"utter_default"}  # the second miss of the two-stage fallback: it could not help
# Red-flag replies: the sign they are about (the urgency comes from bot.content.responses.URGENCY_OF_ACTION).
SIGN_OF_ACTION = {
    "utter_emergency_general": "general emergency", "utter_crisis_harmed": "harmed", "utter_crisis": "crisis",
    "utter_emergency_spinal_cord": "spinal cord", "utter_emergency_fracture": "fracture",
    "utter_emergency_high_calcium": "high calcium", "utter_emergency_after_procedure": "after a procedure",
    "utter_emergency_sepsis": "sepsis", "utter_safety_now": "safety now", "utter_safety_check": "safety check",
    "utter_urgent_spinal_pain": "spinal pain", "utter_urgent_jaw": "jaw", "utter_urgent_low_calcium": "low calcium",
}
URGENCIES = ("emergency", "crisis", "urgent", "routine")
ALL_CHANNELS = "all channels"
ALL_SIGNS = "all signs"  # handoff urgencies, most urgent first


# ------------------------------------------------------------------ cells and their display

@dataclass(frozen=True)
class Count:
    n: int


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int


@dataclass(frozen=True)
class Minutes:
    """A median or 90th percentile of ``values`` (minutes)."""
    values: tuple[float, ...]
    quantile: float  # 0.5 or 0.9


def _quantile(values, q: float) -> float:
    ordered = sorted(values)
    if q == 0.5:
        return statistics.median(ordered)
    return statistics.quantiles(ordered, n=10, method="inclusive")[int(q * 10) - 1]


def value_of(cell) -> float | None:
    """The number behind a cell when it may be shown (charts), else None."""
    if isinstance(cell, Count):
        return cell.n if cell.n == 0 or cell.n >= SMALL else None
    if isinstance(cell, Rate):
        ok = cell.whole >= SMALL and (cell.part == 0 or cell.part >= SMALL)
        return 100 * cell.part / cell.whole if ok else None
    if isinstance(cell, Minutes):
        return _quantile(cell.values, cell.quantile) if len(cell.values) >= SMALL else None
    return None


def _duration(minutes: float) -> str:
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def shown(cell) -> str:
    """A cell as the page and the CSV show it, small counts suppressed."""
    if isinstance(cell, Count):
        return str(cell.n) if cell.n == 0 or cell.n >= SMALL else "fewer than 5"
    if isinstance(cell, Rate):
        if cell.whole < SMALL:
            return "fewer than 5 of fewer than 5" if cell.whole else "none asked"
        if 0 < cell.part < SMALL:
            return f"fewer than 5 of {cell.whole}"
        return f"{100 * cell.part / cell.whole:.1f}% ({cell.part} of {cell.whole})"
    if isinstance(cell, Minutes):
        return _duration(_quantile(cell.values, cell.quantile)) if len(cell.values) >= SMALL else (
            "fewer than 5" if cell.values else "none")
    return "" if cell is None else str(cell)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""

    def shown_rows(self) -> list[list[str]]:
        return [[shown(cell) for cell in row] for row in self.rows]


# ------------------------------------------------------------------ reading turns

@dataclass
class Turn:
    """One message from a person and what the assistant did about it (never more than that)."""

    sender: str
    at: float                    # epoch seconds
    channel: str
    text: str
    intent: str
    topics: list[str] = field(default_factory=list)       # topics answered (bot custom "topic")
    gaps: list[str] = field(default_factory=list)         # "does not cover" texts said
    clarify: bool = False                                 # "which of these did you mean?"
    out_of_scope: bool = False
    fallback: bool = False
    flags: list[str] = field(default_factory=list)        # red-flag reply names

    @property
    def typed(self) -> bool:
        """Typed by the person (not a button's ``/intent`` payload)."""
        return not self.text.startswith("/")


def add_bot_event(turn: Turn, data: dict) -> None:
    """Note on ``turn`` what a ``bot`` event (Rasa's dict) shows: topic, clarify, gap, fallback, red flag."""
    from bot.content.replies import gaps_said, response_names
    from bot.content.responses import URGENCY_OF_ACTION

    custom = (data.get("data") or {}).get("custom") or {}
    # one response (Rasa's utter_action), or the several one composed answer holds (actions/reply.py)
    names = set(response_names(data))
    if custom.get("topic"):
        turn.topics.append(custom["topic"])
    if "clarify" in custom:
        turn.clarify = True
    turn.gaps.extend(gaps_said(data))
    turn.out_of_scope |= bool(names & OUT_OF_SCOPE)
    turn.fallback |= bool(names & FALLBACK)
    turn.flags.extend(name for name in response_names(data) if name in URGENCY_OF_ACTION)


# ------------------------------------------------------------------ computing the figures

def london_day(at: float | dt.datetime) -> dt.date:
    moment = dt.datetime.fromtimestamp(at, dt.timezone.utc) if isinstance(at, (int, float)) else at
    return moment.astimezone(LONDON).date()


def week_of(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def _gap_ids() -> dict[str, str]:
    """Patient-visible gap words -> gap id (``content/gaps.yml``)."""
    from bot.content.store import default_store

    try:
        return {gap["what"]: gap_id for gap_id, gap in default_store().gaps().items()}
    except Exception:  # noqa: BLE001 - no content database: the words stand for themselves
        return {}


def _iso(at: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(at) if at else None


def first_open_at_or_after(moment: dt.datetime) -> dt.datetime:
    """When the helpline is next open at or after ``moment`` (``moment`` itself if it is open)."""
    from bot.helpline.hours import helpline_status

    status = helpline_status(moment)
    return moment if status.next_open is None else status.next_open  # None exactly when open


def waited_past_opening(created: dt.datetime, claimed: dt.datetime | None, now: dt.datetime) -> bool:
    """Not claimed within ``CLAIM_GRACE`` of the helpline being open after ``created``."""
    due = first_open_at_or_after(created) + CLAIM_GRACE
    return (claimed or now) > due


def _activity(turns: list[Turn]) -> Table:
    conversations: defaultdict[tuple[dt.date, str], set[str]] = defaultdict(set)
    messages: Counter[tuple[dt.date, str]] = Counter()
    for turn in turns:
        key = (london_day(turn.at), turn.channel)
        conversations[key].add(turn.sender)
        messages[key] += 1
    table = Table("activity", "Conversations and messages per day and channel",
                  ["Day", "Channel", "Conversations", "Messages"],
                  note=f"'{ALL_CHANNELS}': every channel that day (a conversation is counted once a day)")
    for day in sorted({day for day, _ in messages}):
        senders = set().union(*(found for (d, _), found in conversations.items() if d == day))
        table.rows.append([day.isoformat(), ALL_CHANNELS, Count(len(senders)),
                           Count(sum(n for (d, _), n in messages.items() if d == day))])
        for channel in sorted(c for d, c in messages if d == day):
            table.rows.append([day.isoformat(), channel, Count(len(conversations[(day, channel)])),
                               Count(messages[(day, channel)])])
    return table


def _topics(turns: list[Turn]) -> Table:
    counts = Counter((week_of(london_day(t.at)), topic) for t in turns for topic in dict.fromkeys(t.topics))
    table = Table("topics", "Topics answered per week", ["Week starting", "Topic", "Answers"])
    for (week, topic), n in sorted(counts.items()):
        table.rows.append([week.isoformat(), topic, Count(n)])
    return table


def _gaps(turns: list[Turn]) -> Table:
    ids = _gap_ids()
    counts = Counter(ids.get(words, words) for t in turns for words in dict.fromkeys(t.gaps))
    table = Table("gaps", "Gaps hit (questions about what the content does not cover)",
                  ["Gap", "Times hit"], note="gap ids as in content/gaps.yml")
    for gap, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.rows.append([gap, Count(n)])
    return table


def _rates(turns: list[Turn]) -> Table:
    weekly: dict[dt.date, Counter] = defaultdict(Counter)
    for turn in turns:
        if not turn.typed:
            continue
        week = weekly[week_of(london_day(turn.at))]
        week["typed"] += 1
        week["clarify"] += turn.clarify and not turn.topics
        week["not_covered"] += bool(turn.gaps)
        week["out_of_scope"] += turn.out_of_scope
        week["fallback"] += turn.fallback
    table = Table("rates", "How often it could not simply answer, per week (share of typed messages)",
                  ["Week starting", "Typed messages", '"Which did you mean?"', '"Not covered"', "Out of scope",
                   "Could not help"])
    total: Counter[str] = Counter()
    for start in sorted(weekly):
        c = weekly[start]
        total.update(c)
        table.rows.append([start.isoformat(), Count(c["typed"]), *(Rate(c[k], c["typed"]) for k in
                                                                  ("clarify", "not_covered", "out_of_scope",
                                                                   "fallback"))])
    if weekly:
        table.rows.append(["All weeks", Count(total["typed"]), *(Rate(total[k], total["typed"]) for k in
                                                                 ("clarify", "not_covered", "out_of_scope",
                                                                  "fallback"))])
    return table


def _red_flags(turns: list[Turn]) -> Table:
    from bot.content.responses import URGENCY_OF_ACTION

    counts = Counter((week_of(london_day(t.at)), URGENCY_OF_ACTION[name], SIGN_OF_ACTION.get(name, name))
                     for t in turns for name in dict.fromkeys(t.flags))
    table = Table("red_flags", "Red flags per week, by urgency of the advice and sign",
                  ["Week starting", "Urgency", "Sign", "Times"],
                  note=f"'{ALL_SIGNS}': every sign of that urgency that week; urgency as in the advice given "
                       "(call_999, emergency, crisis, urgent, check)")
    totals: Counter[tuple[dt.date, str]] = Counter()
    for (week, urgency, _sign), n in counts.items():
        totals[(week, urgency)] += n
    for week, urgency in sorted(totals):
        table.rows.append([week.isoformat(), urgency, ALL_SIGNS, Count(totals[(week, urgency)])])
        for (w, u, sign), n in sorted(counts.items()):
            if (w, u) == (week, urgency):
                table.rows.append([week.isoformat(), urgency, sign, Count(n)])
    return table


def _handoffs(rows: list[dict], now: dt.datetime) -> Table:
    table = Table("handoffs", "Handoffs to the helpline, by urgency",
                  ["Urgency", "Created", "Claimed", "To claim: median", "To claim: 90th percentile", "Resolved",
                   "To resolve: median", "To resolve: 90th percentile", "Waited past the opening"],
                  note=f"'waited past the opening': not claimed within {CLAIM_GRACE.seconds // 3600} hour of the "
                       "helpline being open after it was made (Europe/London hours, bank holidays closed)")
    by_urgency = defaultdict(list)
    for row in rows:
        by_urgency[row["urgency"]].append(row)
    for urgency in [u for u in URGENCIES if u in by_urgency] + sorted(set(by_urgency) - set(URGENCIES)):
        group = by_urgency[urgency]
        to_claim, to_resolve, waited = [], [], 0
        for row in group:
            created = dt.datetime.fromisoformat(row["created"])  # never empty: NOT NULL and on or after since
            claimed, resolved = _iso(row["claimed_at"]), _iso(row["resolved_at"])
            if claimed:
                to_claim.append((claimed - created).total_seconds() / 60)
            if resolved:
                to_resolve.append((resolved - created).total_seconds() / 60)
            waited += waited_past_opening(created, claimed, now)
        table.rows.append([urgency, Count(len(group)), Count(len(to_claim)), Minutes(tuple(to_claim), 0.5),
                           Minutes(tuple(to_claim), 0.9), Count(len(to_resolve)), Minutes(tuple(to_resolve), 0.5),
                           Minutes(tuple(to_resolve), 0.9), Count(waited)])
    return table


def _feedback(rows: list[dict]) -> Table:
    yes: Counter[str] = Counter()
    no: Counter[str] = Counter()
    for row in rows:
        (yes if row["helpful"] else no)[row["topic"]] += 1
    table = Table("feedback", '"Was this helpful?" per topic',
                  ["Topic", "Answers", "Helpful", "Not helpful", "Share helpful"])
    for topic in sorted(set(yes) | set(no), key=lambda t: (-(yes[t] + no[t]), t)):
        table.rows.append([topic, Count(yes[topic] + no[topic]), Count(yes[topic]), Count(no[topic]),
                           Rate(yes[topic], yes[topic] + no[topic])])
    return table


@dataclass
class Insight:
    """Every table of the insight page, for ``weeks`` weeks up to ``until`` (London days)."""

    since: dt.datetime
    until: dt.datetime
    computed_at: dt.datetime
    tables: dict[str, Table]
    seconds: float = 0.0


def window(weeks: int, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """From the Monday (London) ``weeks - 1`` weeks before this week's, to the end of today."""
    weeks = max(1, min(MAX_WEEKS, int(weeks)))
    today = now.astimezone(LONDON).date()
    start = week_of(today) - dt.timedelta(weeks=weeks - 1)
    since = dt.datetime.combine(start, dt.time(), tzinfo=LONDON)
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)
    return since, until


TurnReader = Callable[[float, float], list[Turn]]  # (since, until) epoch seconds -> turns, oldest first


def compute(read_turns: TurnReader, weeks: int = DEFAULT_WEEKS, handoffs_db: Path | str | None = None,
            now: dt.datetime | None = None) -> Insight:
    """The figures for the last ``weeks`` weeks (at most ``MAX_WEEKS``), from the conversations
    ``read_turns`` gives (``rasa36/tracker_tables.py`` reads Rasa's tracker store) and the handoffs database."""
    from bot.helpline.hours import now as clock
    from bot.records import db as handoff_db
    from bot.records.db import FEEDBACK, HANDOFFS

    started = time.monotonic()
    now = now or clock()  # $BOT_CLOCK stands in for now in tests and demos
    since, until = window(weeks, now)
    turns = read_turns(since.timestamp(), until.timestamp())
    since_utc = since.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    with handoff_db.engine(handoffs_db).connect() as conn:
        handoff_rows = [dict(r) for r in conn.execute(
            select(HANDOFFS.c.urgency, HANDOFFS.c.created, HANDOFFS.c.claimed_at, HANDOFFS.c.resolved_at)
            .where(HANDOFFS.c.created >= since_utc)).mappings()]
        feedback_rows = [dict(r) for r in conn.execute(
            select(FEEDBACK.c.topic, FEEDBACK.c.helpful).where(FEEDBACK.c.created >= since_utc)).mappings()]
    tables = [_activity(turns), _topics(turns), _gaps(turns), _rates(turns), _red_flags(turns),
              _handoffs(handoff_rows, now), _feedback(feedback_rows)]
    return Insight(since, until, now, {t.key: t for t in tables}, time.monotonic() - started)


def to_csv(insight: Insight) -> str:
    """The page's tables as one CSV: ``table, row, column, value`` (values as shown, suppressed)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "row", "column", "value"])
    for table in insight.tables.values():
        for row in table.shown_rows():
            label = " / ".join(row[:_label_columns(table)])
            for column, value in zip(table.columns[_label_columns(table):], row[_label_columns(table):]):
                writer.writerow([table.key, label, column, value])
    return out.getvalue()


def _label_columns(table: Table) -> int:
    """How many leading columns name the row (the rest are figures)."""
    first = table.rows[0] if table.rows else []
    return next((i for i, cell in enumerate(first) if isinstance(cell, (Count, Rate, Minutes))), 1)


class Summary:
    """The latest ``compute()`` result, refreshed in a background thread when older than
    ``refresh_s`` (the stale one is served meanwhile); one per ``weeks`` value."""

    def __init__(self, refresh_s: float = REFRESH_S, **where):
        self.refresh_s, self.where = refresh_s, where
        self._latest: dict[int, tuple[float, Insight]] = {}
        self._running: set[int] = set()
        self._lock = threading.Lock()

    def get(self, weeks: int = DEFAULT_WEEKS) -> Insight:
        weeks = max(1, min(MAX_WEEKS, int(weeks)))
        with self._lock:
            found = self._latest.get(weeks)
            stale = found is None or time.monotonic() - found[0] > self.refresh_s
            start_thread = found is not None and stale and weeks not in self._running
            if start_thread:
                self._running.add(weeks)
        if found is None:
            made = self._refresh(weeks)
            assert made is not None  # not in the background: a failed refresh raises
            return made
        if start_thread:
            threading.Thread(target=self._refresh, args=(weeks, True), daemon=True,
                             name="insight-refresh").start()
        return found[1]

    def _refresh(self, weeks: int, background: bool = False) -> Insight | None:
        """The new figures; None only in the background, when the refresh failed (logged)."""
        try:
            made = compute(weeks=weeks, **self.where)
            with self._lock:
                self._latest[weeks] = (time.monotonic(), made)
            return made
        except Exception:
            if not background:
                raise
            import logging

            logging.getLogger(__name__).exception("insight refresh failed; the previous figures stay")
            return None
        finally:
            with self._lock:
                self._running.discard(weeks)
