"""One decision from three signals: the intent classifier's ranking, what the question names
(``question.decide``) and retrieval over the content (``retrieval.rank``).

``choose`` gives a ``Choice``:

- ``answer``: one topic, when the signals agree or one of them is clearly confident;
- ``clarify``: "which did you mean?" between the plausible topics (``candidates``);
- ``out_of_scope``: the honest "not covered", when no topic is plausible or the question is about
  a subject the content does not cover (prognosis, other cancers' treatments, other drugs);
- ``None``: not a question about a topic (thanks, a name in a form, "talk to someone"): the
  classifier's intent stands.

Agreement is judged per evaluation label (``vertebroplasty``, ``bisphosphonates``...), so the
classifier's finer topic (``how_medicines_are_given``) is kept inside an agreed label. Each
signal gives a score per label; the combined score is their weighted mean (``Thresholds``,
chosen on the development questions by ``python -m bot calibrate``, never by hand) and is the
``confidence`` of the choice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.understanding.question import (
    PROCEDURES,
    WEAK,
    asking_clauses,
    decide,
    names_ours_without_a_remedy,
    question_part,
    read,
    subject_of,
)

TOPIC_PREFIX = "ask_"
# intents the classifier gives for things that are not questions about a topic: left alone unless
# the question plainly names a procedure or medicine (form answers, stop, yes/no always left alone)
CLAIM = "alternative_claim"  # overridden only when it names our medicine and no remedy (read_signals)
NEVER_OVERRIDDEN = frozenset({"request_callback", "stop", "affirm", "deny", "restart", CLAIM})
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge", "what_can_you_do"})
FOLLOWUP = "followup_question"
ALWAYS_STANDS = frozenset({FOLLOWUP, "non_english"})  # a follow-up needs the conversation (see choose_without_conversation)


@dataclass(frozen=True)
class Thresholds:
    """The decision's numbers (see ``python -m bot calibrate``)."""

    retrieval_weight: float = 1.0   # weight of retrieval's share beside the classifier's probability (1.0)
    reading_weight: float = 0.5     # weight of a condition named ("bone mets") beside them
    answer: float = 0.45            # combined score at or above which one topic is answered...
    margin: float = 0.1            # ...when the next label is at least this far behind
    clarify: float = 0.3           # combined score of a plausible topic: below it, "not covered"
    classifier_alone: float = 0.9   # the classifier answers at this probability when retrieval's best label is the
                                    # same (or nothing is found), whatever the mean
    rule: str = "mean"              # "mean": the weighted mean of the signals; "any": noisy-or (each
                                    # signal, times its weight, could alone make the label likely)
    small_talk: float = 0.6         # small talk ("what can you do") below this, in a message of
                                    # SHORT words or more, is weighed like a topic question
    retrieval_veto: float = 0.0     # retrieval pointing to another label stops the classifier answering
                                    # alone only when its share is at least this (0: any share stops it)


SHORT = 4

THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Choice:
    """``kind`` (answer / clarify / out_of_scope), ``topic`` for an answer, ``candidates`` (topic
    ids, best first) for a clarify, ``confidence`` (combined score, 0..1) and ``reason``."""

    kind: str
    topic: str | None = None
    candidates: tuple[str, ...] = ()
    confidence: float = 0.0
    reason: str = ""
    scores: dict = field(default_factory=dict, compare=False)

    @property
    def intent(self) -> str:
        """The intent this choice amounts to: ``ask_<topic>``, ``nlu_fallback`` or ``out_of_scope``."""
        if self.kind == "answer":
            return TOPIC_PREFIX + str(self.topic)
        return "nlu_fallback" if self.kind == "clarify" else "out_of_scope"


def _labels() -> dict[str, str]:
    from bot.content.store import default_store

    store = default_store()
    return {t: store.existing_topic(t)["label"] for t in store.topic_ids()}


_LABELS: dict[str, str] | None = None


def labels() -> dict[str, str]:
    """Topic id -> evaluation label, read once from the content database."""
    global _LABELS
    if _LABELS is None:
        _LABELS = _labels()
    return _LABELS


def _topic_of(intent: str | None) -> str | None:
    if intent and intent.startswith(TOPIC_PREFIX) and intent[len(TOPIC_PREFIX):] in labels():
        return intent[len(TOPIC_PREFIX):]
    return None


def _finer(classifier_topic: str | None, reading) -> str:
    """The classifier's topic when it is a finer choice under the reading's label
    (``percutaneous_cementoplasty`` for "cement"; ``how_medicines_are_given`` for a bisphosphonate),
    else the reading's."""
    if classifier_topic is None:
        return reading.topic
    if labels()[classifier_topic] == labels()[reading.topic]:
        return classifier_topic
    if reading.reason == "named" and reading.topic == "cementoplasty" and classifier_topic in PROCEDURES:
        return classifier_topic  # "inject cement into her back": the classifier's vertebroplasty is finer
    return reading.topic


@dataclass(frozen=True)
class Signals:
    """What ``combine`` weighs: the classifier's ranking, retrieval hits, a condition named."""

    ranking: list
    hits: list
    named_topic: str | None


def read_signals(text: str, ranking: list[dict], hits: list | None = None,
                 thresholds: "Thresholds | None" = None) -> Choice | Signals | None:
    """A decision that needs no weighing (a subject plainly named, a subject not covered, not a
    topic question: None), else the ``Signals`` to weigh."""
    ranking = [r for r in ranking or [] if r.get("name")]
    top = ranking[0]["name"] if ranking else None
    if top in NEVER_OVERRIDDEN and not (top == CLAIM and names_ours_without_a_remedy(text)):
        return None  # (a "claim" naming our medicine and no remedy is a question about the medicine)
    reading = decide(text)
    if reading is not None and reading.topic == "out_of_scope":
        return Choice("out_of_scope", confidence=1.0, reason=reading.reason)
    if reading is not None and reading.reason != WEAK:
        return Choice("answer", _finer(_topic_of(top), reading), confidence=1.0, reason=reading.reason)
    if top in SMALL_TALK and not _weighed_anyway(text, ranking[0], thresholds or THRESHOLDS):
        return None
    if top in ALWAYS_STANDS or (top and top not in SMALL_TALK and top != "out_of_scope" and _topic_of(top) is None):
        return None  # not a topic question (and nothing named says otherwise)
    if hits is None:
        from bot.understanding.retrieval import rank

        hits = rank(question_part(text))
    return Signals(ranking, hits, reading.topic if reading else None)


def choose_without_conversation(text: str, ranking: list[dict], hits: list | None = None,
                                thresholds: Thresholds = THRESHOLDS) -> Choice | None:
    """The decision for a follow-up question ("how is it given?", "how is pain assessed?") when there
    is no earlier topic to follow: the question read afresh, as if the classifier had not said
    "follow-up" (None when it is still not a topic question)."""
    fresh = [r for r in ranking or [] if r.get("name") != FOLLOWUP]
    return choose(text or "", fresh, hits, thresholds)


URGENCY_ASKS = frozenset({"urgent_help", "talk_to_a_person", "wants_a_person"})  # asked about the urgency itself


def topic_beside_advice(text: str, advice_intent: str | None, understood: dict) -> str | None:
    """The topic to answer after a red flag's advice (its id), or None: the advice stands alone.

    A topic only after urgent advice (``advice_intent`` is ``urgent_*``: the care team or the 24-hour
    line today; never after an emergency, a crisis or the check-back); only when a clause that asks
    something (``asking_clauses``) names a procedure or medicine, or asks an aspect of one (what it
    involves, its risks, who it helps...) that the message names; never when they ask about the
    urgency itself ("do I need A&E?", "who do I ring?"); and only the topic the decision answered
    (``understood``: the parse's ``understanding``, its ``choice`` and ``topic``). "Two vertebrae
    have collapsed and turning over is unbearable. How many people does vertebroplasty help?" is told
    to call the 24-hour line today, then answered about vertebroplasty; "my back is much worse since
    the vertebroplasty, can it wait till Monday?" gets the advice alone.
    """
    from bot.content.responses import URGENCY_OF_ACTION  # the content layer, read when a red flag is found

    if URGENCY_OF_ACTION.get(f"utter_{advice_intent}") != "urgent" or (understood or {}).get("choice") != "answer":
        return None
    asking = asking_clauses(text)
    if not asking:
        return None
    asks = read(" ".join(asking)).asks
    if asks & URGENCY_ASKS:
        return None
    # the treatment named where the question is asked, or named in the story and asked about ("what does it involve?")
    if any(subject_of(clause) for clause in asking) or (asks and subject_of(text)):
        return understood.get("topic") or None
    return None


def _weighed_anyway(text: str, top: dict, thresholds: Thresholds) -> bool:
    """True when small talk is unsure in a message long enough to be a question of its own."""
    return float(top.get("confidence") or 0.0) < thresholds.small_talk and len(text.split()) >= SHORT


def choose(text: str, ranking: list[dict], hits: list | None = None,
           thresholds: Thresholds = THRESHOLDS) -> Choice | None:
    """The decision for ``text`` given the classifier's ``ranking`` (``[{"name", "confidence"}]``,
    best first) and retrieval ``hits`` (``retrieval.rank`` of the question; looked up when None)."""
    signals = read_signals(text, ranking, hits, thresholds)
    if not isinstance(signals, Signals):
        return signals
    return combine(signals.ranking, signals.hits, signals.named_topic, thresholds)


def _score(classifier: float, retrieval: float, named: bool, t: Thresholds) -> float:
    """One label's combined score from its three signals (0..1)."""
    parts = (min(classifier, 1.0), min(t.retrieval_weight * retrieval, 1.0), min(t.reading_weight * named, 1.0))
    if t.rule == "any":
        return round(1.0 - (1.0 - parts[0]) * (1.0 - parts[1]) * (1.0 - parts[2]), 4)
    return round(sum(parts) / (1.0 + t.retrieval_weight + t.reading_weight), 4)


def combine(ranking: list[dict], hits: list, named_topic: str | None,
            thresholds: Thresholds = THRESHOLDS) -> Choice:
    """The weighted mean of the three signals per label, and the choice it leads to."""
    t = thresholds
    by_label = labels()
    classifier: dict[str, float] = {}
    best_topic: dict[str, tuple[float, str]] = {}
    for item in ranking:
        topic = _topic_of(item["name"])
        if topic:
            label, p = by_label[topic], float(item.get("confidence") or 0.0)
            classifier[label] = classifier.get(label, 0.0) + p
            best_topic[label] = max(best_topic.get(label, (-1.0, topic)), (p, topic))
    retrieval: dict[str, float] = {}
    for hit in hits or []:
        hit_label = by_label.get(hit.topic)
        if hit_label and hit.share > retrieval.get(hit_label, 0.0):
            retrieval[hit_label] = hit.share
            best_topic.setdefault(hit_label, (0.0, hit.topic))
    named = by_label.get(named_topic) if named_topic else None
    if named and named_topic:  # named is set only with named_topic
        best_topic.setdefault(named, (0.0, named_topic))
    scores = {label: _score(classifier.get(label, 0.0), retrieval.get(label, 0.0), label == named, t)
              for label in set(classifier) | set(retrieval) | ({named} if named else set())}
    order = sorted(scores, key=lambda label: (-scores[label], label))
    if not order or scores[order[0]] < t.clarify and max(classifier.values(), default=0.0) < t.classifier_alone:
        return Choice("out_of_scope", confidence=round(1.0 - (scores[order[0]] if order else 0.0), 4),
                      reason="no topic plausible", scores=scores)
    first = scores[order[0]]
    second = scores[order[1]] if len(order) > 1 else 0.0
    if first >= t.answer and first - second >= t.margin:
        return Choice("answer", best_topic[order[0]][1], confidence=first, reason="signals agree", scores=scores)
    alone = max(classifier, key=lambda label: classifier[label]) if classifier else None
    found = max(retrieval, key=lambda label: retrieval[label]) if retrieval else None
    disagrees = found not in (alone, None) and retrieval[found] >= t.retrieval_veto
    if alone and classifier[alone] >= t.classifier_alone and not disagrees:  # the content does not disagree (enough)
        return Choice("answer", best_topic[alone][1], confidence=round(classifier[alone], 4),
                      reason="classifier confident", scores=scores)
    # offered as choices: the labels at least half as likely as a plausible one
    plausible = tuple(best_topic[label][1] for label in order[:3] if scores[label] >= t.clarify / 2)
    return Choice("clarify", candidates=plausible, confidence=first, reason="two topics plausible", scores=scores)
