"""Retrieval over the content itself: BM25 over each topic's title, body and the names people use
for it (SQLite FTS5, table ``retrieval_fts`` of the content database, built by ``bot.content.store``).

``rank`` returns the topics best first, each with a score (higher is better) and its ``share``:
the top topic's share of the two best scores says how clearly the words point to one topic.

>>> [hit.topic for hit in rank("is Xgeva given as an injection?")][:1]
['denosumab']
>>> rank("hello there")
[]
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from bot.content.store import ContentStore, default_store

STRONG = 3.0  # a BM25 score this high counts half-way to a certain match (share * score / (score + STRONG))
WEIGHTS = (4.0, 1.0, 6.0)  # title, body, names: a name people use outweighs a word somewhere in the body
MAX_TERMS = 16
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    """One topic found: ``score`` (BM25, higher is better), ``share`` (its part of the top two scores,
    scaled down when the score itself is low: one weak match is not a clear pointer)."""

    topic: str
    score: float
    share: float


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import (
        STOP_WORDS,  # a plain word list; no pipeline is loaded
    )

    return frozenset(STOP_WORDS)


_STOP: frozenset[str] | None = None


def query_terms(text: str) -> list[str]:
    """The words of ``text`` worth searching for: three letters or more, not stop words, each once.

    >>> query_terms("What is the NHS doing about denosumab? denosumab!")
    ['nhs', 'denosumab']
    """
    global _STOP
    if _STOP is None:
        _STOP = _stop_words()
    seen: dict[str, None] = {}
    for word in _WORD.findall((text or "")[:20_000].lower()):
        if word not in _STOP:
            seen.setdefault(word, None)
            if len(seen) >= MAX_TERMS:
                break
    return list(seen)


def rank(text: str, store: ContentStore | None = None, limit: int = 4) -> list[Hit]:
    """Topics whose title, body or names match the words of ``text``, best first (empty when no word
    matches). Never raises on user text."""
    terms = query_terms(text)
    if not terms:
        return []
    store = store or default_store()
    sql = (
        "select retrieval.id, -bm25(retrieval_fts, ?, ?, ?) as score from retrieval_fts "
        "join retrieval on retrieval.rowid = retrieval_fts.rowid "
        "where retrieval_fts match ? order by score desc limit ?"
    )
    query = " OR ".join(f'"{t}"' for t in terms)
    try:
        rows = list(store.db.execute(sql, [*WEIGHTS, query, int(limit)]).fetchall())
    except sqlite3.Error:  # a database built before retrieval existed: no signal rather than no reply
        return []
    if not rows:
        return []
    top_two = sum(max(score, 0.0) for _, score in rows[:2]) or 1.0
    return [Hit(topic, round(score, 3), round(max(score, 0.0) ** 2 / top_two / (max(score, 0.0) + STRONG), 3))
            for topic, score in rows]
