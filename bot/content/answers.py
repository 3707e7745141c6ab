"""Answers built from the content store: what the assistant says about a topic.

An ``Answer`` holds the parts of a reply; the adapters in ``actions/`` turn them into messages
using the response templates in ``domain.yml`` (no patient-visible wording lives here).

>>> a = answer_for("kyphoplasty", "How long is recovery after kyphoplasty?")
>>> a.title, a.gaps
('Balloon kyphoplasty', ['how long recovery takes or what recovery is like'])
>>> a.sources[0]["section"], a.written, a.reviewed_on
('Kyphoplasty', '1 December 2026', '')
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.content.store import ContentStore, default_store

INTENT_PREFIX = "ask_"
CANDIDATE_MIN_CONFIDENCE = 0.05  # intents below this are not offered as a choice
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Answer:
    """The parts of a topic answer. Dates are already written out ("30 January 2024").

    ``written``: when this service last wrote the words; ``reviewed_on`` / ``reviewed_by``: a
    clinician's sign-off from ``content/signoff.yml`` for exactly this content, or "" when none.
    """

    topic_id: str
    title: str
    label: str
    body: str
    sources: list[dict]
    written: str
    next_review: str
    gaps: list[str] = field(default_factory=list)
    reviewed_on: str = ""
    reviewed_by: str = ""
    # per paragraph (or list) of ``body``: the sources its sentences come from, each a dict like
    # ``sources`` (citation, section, dated, url); [] for this service's own signposting
    where_from: list[list[dict]] = field(default_factory=list)


def long_date(iso: str | None) -> str:
    """'2024-01-30' -> '30 January 2024' ('' for None).

    >>> long_date("2027-01-31")
    '31 January 2027'
    """
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def topic_for_intent(intent: str | None, store: ContentStore | None = None) -> str | None:
    """The topic id an intent asks about (``ask_denosumab`` -> ``denosumab``), or None.

    >>> topic_for_intent("ask_denosumab"), topic_for_intent("greet")
    ('denosumab', None)
    """
    if not intent or not intent.startswith(INTENT_PREFIX):
        return None
    topic_id = intent[len(INTENT_PREFIX) :]
    return topic_id if (store or default_store()).topic(topic_id) else None


def gaps_mentioned(question: str, not_covered: list[str], store: ContentStore | None = None) -> list[str]:
    """Patient-visible descriptions of the gaps that ``question`` asks about: the topic's own
    ``not_covered`` ones, then those that apply to every topic (personal decisions, diagnosis)."""
    gaps = (store or default_store()).gaps()
    wanted = list(not_covered) + [gid for gid, gap in gaps.items() if gap["all_topics"] and gid not in not_covered]
    found = []
    for gap_id in wanted:
        gap = gaps.get(gap_id)
        if gap and re.search(gap["pattern"], question or "", re.IGNORECASE):
            found.append(gap["what"])
    return found


def answer_for(topic_id: str, question: str = "", store: ContentStore | None = None) -> Answer:
    """The answer for ``topic_id``, noting what ``question`` asks that the topic does not cover.

    Raises ``KeyError`` for an unknown topic id.
    """
    store = store or default_store()
    topic = store.topic(topic_id)
    if topic is None:
        raise KeyError(topic_id)
    by_id = {s["source"]: {k: s[k] for k in ("citation", "section", "dated", "url")} for s in topic["sources"]}
    return Answer(
        topic_id=topic["id"],
        title=topic["title"],
        label=topic["label"],
        body=topic["body"],
        sources=topic["sources"],
        written=long_date(topic["written"]),
        next_review=long_date(topic["next_review"]),
        gaps=gaps_mentioned(question, topic["not_covered"], store),
        reviewed_on=long_date(topic["reviewed_on"]),
        reviewed_by=topic["reviewed_by"] or "",
        where_from=[[by_id[s] for s in block if s in by_id] for block in topic["where_from"]],
    )


def candidate_topics(ranking: list[dict], question: str, store: ContentStore | None = None) -> list[dict]:
    """Topics to offer when the assistant is unsure: ``[{"id", "title"}]``, best first.

    Uses the classifier's intent ranking first, then full-text search over the content.
    """
    store = store or default_store()
    ids: list[str] = []
    for item in ranking or []:
        topic_id = topic_for_intent(item.get("name"), store)
        if topic_id and (item.get("confidence") or 0) >= CANDIDATE_MIN_CONFIDENCE and topic_id not in ids:
            ids.append(topic_id)
    for hit in store.search(question, limit=MAX_CANDIDATES):
        if hit["id"] not in ids:
            ids.append(hit["id"])
    ids = [i for i in ids if i != "helpline"][:MAX_CANDIDATES]
    return [{"id": i, "title": store.existing_topic(i)["title"]} for i in ids]


@dataclass(frozen=True)
class FollowUp:
    """How to answer a follow-up question.

    ``kind`` is one of: ``gap`` (say what the last topic does not cover), ``answer`` (give the last
    topic again), ``clarify`` (no topic yet: ask which one), ``out_of_scope`` (the kind no).
    """

    kind: str
    answer: Answer | None = None


def _unfamiliar_words(question: str, topic_text: str) -> list[str]:
    """Words of ``question`` that are neither common English, known names, nor in ``topic_text``."""
    from bot.content.lexicon import Lexicon, common_english_words

    common, names = common_english_words(), Lexicon.load().names
    topic_words = set(re.findall(r"[a-z]+", topic_text.lower()))
    words = re.findall(r"[a-z]+", question.lower())
    return [w for w in words if len(w) >= 4 and w not in common and w not in names and w not in topic_words]


def followup(last_topic: str | None, question: str, store: ContentStore | None = None) -> FollowUp:
    """Decide how to answer a follow-up ("how long is recovery?", "tell me more", "is it contagious?").

    >>> followup("kyphoplasty", "how long is recovery?").kind
    'gap'
    >>> followup("kyphoplasty", "is it contagious?").kind, followup(None, "is it contagious?").kind
    ('out_of_scope', 'out_of_scope')
    >>> followup(None, "how long is recovery?").kind, followup("denosumab", "tell me more").kind
    ('clarify', 'answer')
    """
    store = store or default_store()
    if not last_topic or store.topic(last_topic) is None:
        asks_about_a_gap = any(re.search(g["pattern"], question, re.IGNORECASE) for g in store.gaps().values())
        return FollowUp("clarify" if asks_about_a_gap else "out_of_scope")
    answer = answer_for(last_topic, question, store)
    if answer.gaps:
        return FollowUp("gap", answer)
    if _unfamiliar_words(question, answer.title + " " + answer.body):
        return FollowUp("out_of_scope")
    return FollowUp("answer", answer)
