"""Choosing the decision's thresholds on development questions, and how well confidence is calibrated.

A ``Record`` is one labelled question as the real assistant saw it: the classifier's ranking
(from the parse output) and the label the person got. Replaying ``decision.choose`` on the
ranking with other ``Thresholds`` gives the label each would have got; a reply a later check
decided (a red flag, another language) keeps the label it got.

>>> r = Record("what is denosumab", "denosumab", [{"name": "ask_denosumab", "confidence": 0.9}], "denosumab")
>>> outcome(r, THRESHOLDS)
'denosumab'
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from bot.understanding.decision import (
    FOLLOWUP,
    THRESHOLDS,
    Signals,
    Thresholds,
    choose_without_conversation,
    combine,
    labels,
    read_signals,
)

CLARIFY = "which did you mean?"
NOT_COVERED = "out_of_scope"
WRONG_COST = 3  # a confident wrong topic is worse than "which did you mean?" or "not covered"...
CLARIFY_COST = 0.25  # ...and asking "which did you mean?" costs the person a step
FALLBACK_THRESHOLD, FALLBACK_AMBIGUITY = 0.45, 0.05  # config.yml's FallbackClassifier
BUCKETS = (0.0, 0.5, 0.7, 0.9, 1.0)


@dataclass(frozen=True)
class Record:
    """``got``: the label the person got (``CLARIFY`` for "which did you mean?"); ``decided_later``:
    a later check (red flags, language, stop) replaced the decision, so ``got`` stands."""

    question: str
    expected: str
    ranking: list
    got: str
    decided_later: bool = False


def outcome(record: Record, thresholds: Thresholds) -> str:
    """The label ``record`` gets with ``thresholds``."""
    if record.decided_later:
        return record.got
    signals = _signals(record)
    if isinstance(signals, Signals) and _small_talk_stands(record, thresholds):
        return _small_talk_outcome(record.ranking)
    choice = combine(signals.ranking, signals.hits, signals.named_topic, thresholds) \
        if isinstance(signals, Signals) else signals
    if choice is None and record.ranking and record.ranking[0].get("name") == FOLLOWUP:
        # every evaluation question starts a conversation: a follow-up with nothing to follow is read afresh
        fresh = choose_without_conversation(record.question, record.ranking, thresholds=thresholds)
        choice = fresh if fresh is not None and fresh.kind == "answer" else None  # as actions/actions.py
    if choice is None:
        return record.got
    if choice.kind == "answer":
        assert choice.topic is not None  # an answer always names its topic
        return labels()[choice.topic]
    return CLARIFY if choice.kind == "clarify" else NOT_COVERED


_WEIGH_ALL = replace(THRESHOLDS, small_talk=2.0)  # signals read for every message, small talk or not


def _small_talk_stands(record: Record, thresholds: Thresholds) -> bool:
    from bot.understanding.decision import SMALL_TALK, _weighed_anyway

    top = record.ranking[0] if record.ranking else {}
    return top.get("name") in SMALL_TALK and not _weighed_anyway(record.question, top, thresholds)


def _small_talk_outcome(ranking: list) -> str:
    """What small talk left to the classifier gets: "which did you mean?" when the FallbackClassifier
    finds it unsure (config.yml), else a reply that answers no topic."""
    first = float(ranking[0].get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    return CLARIFY if first < FALLBACK_THRESHOLD or first - second < FALLBACK_AMBIGUITY else NOT_COVERED


_SIGNALS: dict[tuple[str, str], object] = {}


def _signals(record: Record):
    key = (record.question, repr(record.ranking))
    if key not in _SIGNALS:
        _SIGNALS[key] = read_signals(record.question, record.ranking, thresholds=_WEIGH_ALL)
    return _SIGNALS[key]


def tally(records: list[Record], thresholds: Thresholds) -> dict[str, int]:
    """``right``, ``wrong`` (a topic or emergency answer for another subject), ``clarify``, ``not_covered``
    (for a question that had a topic) over ``records``."""
    counts = {"right": 0, "wrong": 0, "clarify": 0, "not_covered": 0, "n": len(records)}
    for record in records:
        got = outcome(record, thresholds)
        right = got == record.expected or (got == CLARIFY and record.expected == NOT_COVERED)
        counts["right"] += right
        counts["clarify"] += got == CLARIFY
        counts["not_covered"] += (not right) and got == NOT_COVERED
        counts["wrong"] += (not right) and got not in (CLARIFY, NOT_COVERED)
    return counts


def search(records: list[Record], base: Thresholds = THRESHOLDS) -> tuple[Thresholds, dict[str, int]]:
    """The thresholds with the most right answers less ``WRONG_COST`` per wrong topic and
    ``CLARIFY_COST`` per "which did you mean?", and their tally (ties: the earliest in the grid,
    which lists the most cautious values first)."""
    # classifier_alone is at most 0.95: "never" would ask "which did you mean?" even for the plainest
    # questions when the content's words are few (the conversation tests, tests/assistant/test_stories.yml)
    grid = itertools.product((0.25, 0.5, 1.0), (0.25, 0.5, 1.0), (0.65, 0.6, 0.55, 0.5, 0.45),
                             (0.3, 0.2, 0.1, 0.05), (0.1, 0.2, 0.3), (0.95, 0.9, 0.8), (0.0, 0.6, 0.8),
                             ("mean", "any"), (0.0, 0.3, 0.5))
    best: tuple[float, Thresholds, dict[str, int]] | None = None
    for weight_r, weight_q, answer, margin, clarify, alone, small_talk, rule, veto in grid:
        if clarify >= answer:
            continue
        candidate = replace(base, retrieval_weight=weight_r, reading_weight=weight_q, answer=answer,
                            margin=margin, clarify=clarify, classifier_alone=alone, small_talk=small_talk, rule=rule,
                            retrieval_veto=veto)
        counts = tally(records, candidate)
        value = counts["right"] - WRONG_COST * counts["wrong"] - CLARIFY_COST * counts["clarify"]
        if best is None or value > best[0]:
            best = (value, candidate, counts)
    assert best is not None
    return best[1], best[2]


def calibration(pairs: list[tuple[float | None, bool]]) -> list[tuple[str, int, int]]:
    """Topic answers grouped by confidence: ``[(bucket, answers, right)]``.

    >>> calibration([(0.95, True), (0.6, False), (0.65, True), (None, False)])
    [('0.50-0.70', 2, 1), ('0.90-1.00', 1, 1)]
    """
    rows = []
    for low, high in zip(BUCKETS, BUCKETS[1:]):
        inside = [ok for conf, ok in pairs if conf is not None and (low <= conf < high or (high == 1.0 and conf == 1.0))]
        if inside:
            rows.append((f"{low:.2f}-{high:.2f}", len(inside), sum(inside)))
    return rows
