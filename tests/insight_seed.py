"""A seeded service for the insight tests: a few hundred conversations written as Rasa events
(Rasa's own event classes, ``as_dict()``, into Rasa's own ``events`` table), handoffs and
feedback rows, with the counts each figure should show worked out here while writing them."""
from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import create_engine

from bot.paths import content_dir
from bot.records import db as handoff_db
from bot.records.db import FEEDBACK, HANDOFFS

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)  # a Wednesday; BST ended on 25 October
TOPICS = ["denosumab", "bisphosphonates", "vertebroplasty", "kyphoplasty", "side_effects", "nice_access"]
FLAGS = {"utter_emergency_spinal_cord": ("emergency", "spinal cord"), "utter_urgent_jaw": ("urgent", "jaw"),
         "utter_crisis": ("crisis", "crisis"), "utter_emergency_general": ("call_999", "general emergency")}
CHANNELS = ["webchat", "whatsapp", "rest"]
# Unanswered questions with personal details: (kind, words) - the report must scrub them
GAP_QUESTIONS = [
    ("recovery", "How long is recovery after kyphoplasty for my dad Keith, call 07700 900123"),
    ("recovery", "how long does recovery take after vertebroplasty"),
    ("recovery", "recovery time after the cement procedure?"),
    ("doses", "what dose of zoledronic acid will I get"),
    ("doses", "how much denosumab is the dose"),
]


def when(days_ago: float, hour: float = 10.0) -> dt.datetime:
    day = (NOW - dt.timedelta(days=days_ago)).date()
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON) + dt.timedelta(hours=hour)


def week(moment: dt.datetime) -> str:
    day = moment.astimezone(LONDON).date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()


class Seed:
    """Writes the service's stores and keeps the expected figures (raw counts)."""

    def __init__(self, tracker_url: str, handoffs_where, seed: int = 25):
        from rasa.core.tracker_store import SQLTrackerStore

        self.rng = random.Random(seed)
        self.engine = create_engine(handoff_db.as_url(tracker_url), future=True)
        SQLTrackerStore.SQLEvent.__table__.create(self.engine, checkfirst=True)
        self.table = SQLTrackerStore.SQLEvent.__table__
        self.handoffs_where = handoffs_where
        self.gaps = {gid: gap["what"] for gid, gap in
                     yaml.safe_load((content_dir() / "gaps.yml").read_text(encoding="utf-8")).items()}
        self.rows: list[dict] = []
        self.conversations = defaultdict(set)     # (day, channel) -> senders
        self.messages = Counter()                 # (day, channel)
        self.topics = Counter()                   # (week, topic)
        self.gaps_hit = Counter()                 # gap id
        self.rates = defaultdict(Counter)         # week -> typed, clarify, not_covered, out_of_scope, fallback
        self.flags = Counter()                    # (week, urgency, sign)
        self.unanswered: dict[str, str] = {}      # sender -> the words of its unanswered question

    # -------------------------------------------------------------- events
    def _add(self, sender, event) -> None:
        data = event.as_dict()
        self.rows.append({"sender_id": sender, "type_name": data["event"], "timestamp": data["timestamp"],
                          "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                          "action_name": data.get("name"), "data": json.dumps(data)})

    def _bot(self, sender, at, text, utter=None, custom=None, **metadata):
        from rasa.shared.core.events import ActionExecuted, BotUttered

        if utter:
            self._add(sender, ActionExecuted(utter if utter.startswith("utter_") else "action_answer_topic",
                                             timestamp=at))
            metadata["utter_action"] = utter
        self._add(sender, BotUttered(text, data={"custom": custom} if custom else {}, metadata=metadata,
                                     timestamp=at))

    def turn(self, sender: str, channel: str, at: dt.datetime, kind: str, text: str | None = None,
             topic: str | None = None, gap: str | None = None, flag: str | None = None) -> None:
        from rasa.shared.core.events import (
            ActionExecuted,
            UserUtteranceReverted,
            UserUttered,
        )

        ts = at.timestamp()
        typed = kind != "button"
        words = text or (f"/ask_{topic}" if not typed else f"a question about {topic or kind} {self.rng.random():.6f}")
        intent = f"ask_{topic}" if topic else ("nlu_fallback" if kind in ("clarify", "fallback") else kind)
        self._add(sender, UserUttered(words, intent={"name": intent, "confidence": 0.9},
                                      parse_data={"intent": {"name": intent, "confidence": 0.9}, "text": words},
                                      timestamp=ts, input_channel=channel))
        day = at.astimezone(LONDON).date().isoformat()
        self.conversations[(day, channel)].add(sender)
        self.messages[(day, channel)] += 1
        rates = self.rates[week(at)]
        rates["typed"] += typed
        b = ts + 0.5
        if kind in ("answer", "gap", "button"):
            self._bot(sender, b, "body", custom={"where_from": []})
            self._bot(sender, b, "written", utter="utter_written_unreviewed",
                      custom={"topic": topic, "label": topic, "sources": []})
            self.topics[(week(at), topic)] += 1
        if kind == "gap":
            self._bot(sender, b, "not covered", utter="utter_not_covered", gap=self.gaps[gap])
            self.gaps_hit[gap] += 1
            rates["not_covered"] += 1
        elif kind == "clarify":
            self._bot(sender, b, "which?", custom={"clarify": ["denosumab"]})
            rates["clarify"] += 1
        elif kind == "out_of_scope":
            self._bot(sender, b, "no", utter="utter_out_of_scope")
            rates["out_of_scope"] += 1
        elif kind == "fallback":
            self._add(sender, ActionExecuted("action_default_fallback", timestamp=b))
            self._bot(sender, b, "sorry", utter="utter_default")
            self._add(sender, UserUtteranceReverted(timestamp=b))
            rates["fallback"] += 1
        elif kind == "flag":
            self._bot(sender, b, "call now", utter=flag)
            urgency, sign = FLAGS[flag]
            self.flags[(week(at), urgency, sign)] += 1
        self._add(sender, ActionExecuted("action_listen", timestamp=b + 0.1))

    def conversations_in_bulk(self, count: int = 300) -> None:
        """``count`` conversations over the last 11 weeks, some late at night (London's day)."""
        kinds = ["answer"] * 6 + ["gap", "clarify", "out_of_scope", "fallback", "flag", "button"]
        for number in range(count):
            sender = f"conv-{number:04d}"
            channel = self.rng.choice(CHANNELS)
            start = when(self.rng.uniform(0, 76), self.rng.choice([0.25, 9.5, 14.0, 23.75]))
            from rasa.shared.core.events import SessionStarted

            self._add(sender, SessionStarted(timestamp=start.timestamp() - 1))
            for step in range(self.rng.randint(1, 5)):
                kind = self.rng.choice(kinds)
                self.turn(sender, channel, start + dt.timedelta(minutes=2 * step), kind,
                          topic=self.rng.choice(TOPICS) if kind in ("answer", "gap", "button") else None,
                          gap=self.rng.choice(["recovery", "doses", "hospital_stay", "pain_after"]),
                          flag=self.rng.choice(sorted(FLAGS)))

    def unanswered_questions(self) -> None:
        """The questions of ``GAP_QUESTIONS`` (out of scope), each in its own conversation."""
        for number, (_theme, words) in enumerate(GAP_QUESTIONS):
            sender = f"gapq-{number}"
            self.turn(sender, "webchat", when(number + 1, 11), "out_of_scope", text=words)
            self.unanswered[sender] = words

    def write(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.insert(), self.rows)
        self.rows = []

    # -------------------------------------------------------------- handoffs and feedback
    def handoff(self, urgency: str, created: dt.datetime, claimed: dt.datetime | None = None,
                resolved: dt.datetime | None = None) -> None:
        def iso(moment):
            return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds") if moment else None

        number = self.rng.randrange(10 ** 9)
        with handoff_db.engine(self.handoffs_where).begin() as conn:
            conn.execute(HANDOFFS.insert().values(
                id=f"h{number:09d}", created=iso(created), conversation_id=f"handoff-{number}", urgency=urgency,
                status="resolved" if resolved else "claimed" if claimed else "new", claimed_at=iso(claimed),
                claimed_by="sam" if claimed else None, resolved_at=iso(resolved), reasons="[]"))

    def feedback(self, conversation: str, topic: str, helpful: bool, at: dt.datetime) -> None:
        with handoff_db.engine(self.handoffs_where).begin() as conn:
            conn.execute(FEEDBACK.insert().values(conversation_id=conversation, topic=topic, helpful=int(helpful),
                                                  channel="webchat", created=at.astimezone(dt.timezone.utc)
                                                  .isoformat(timespec="seconds")))
