"""The content-gap report for the people who write the content: the questions the assistant could
not answer well, scrubbed of personal details and grouped into themes, newest first.

Which questions: a person's typed message that got the fallback ("could not help"), "which of
these did you mean?", "this information does not cover ..." or the out-of-scope reply, and the
question behind an answer someone then marked "not helpful" (the ``feedback`` table).

Nothing is copied anywhere: the report is made on request from the tracker store and the
feedback rows, so a conversation removed by ``python -m bot forget`` or ``purge`` leaves it at
once, and questions older than the retention period (``BOT_RETENTION_DAYS``) are never read even
before ``purge`` runs. At most ``MAX_QUESTIONS`` (the newest) are read per report.

Scrubbing (``scrub``): ``bot.log_privacy.redact`` (phone and NHS numbers, emails, postcodes,
dates), then names and places. The project's spaCy pipeline (``bot/understanding/nlp.py``) has no named-entity
recogniser and no pretrained English pipeline with one can be installed here, so names and places
are found by the words themselves: a capitalised word inside a sentence that is not common
English, and any word that is neither an English word form (spacy-lookups-data), a name the
assistant knows (``content/lexicon.yml``) nor a word of the content, becomes ``[name]``.

Themes: TF-IDF over the words of the scrubbed questions and agglomerative clustering
by cosine distance (scikit-learn), each theme named by its heaviest terms.

>>> scrub("My husband Keith in Ossett was told 12/03/2026 to ring 07700 900123")
'My husband [name] in [name] was told [date] to ring [phone]'
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.insight.figures import LONDON, Turn, TurnReader

MAX_QUESTIONS = 2000
DISTANCE = 0.9  # average cosine distance under which questions join a theme (short texts share few words)
KINDS = ("could not help", "which did you mean?", "not covered", "out of scope", "not helpful")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@lru_cache(maxsize=1)
def _known_words() -> tuple[frozenset[str], frozenset[str]]:
    """(every known word form, common English words) - read once."""
    from bot.content.lexicon import Lexicon, common_english_words, english_words
    from bot.paths import content_dir

    content: set[str] = set()
    for path in content_dir().rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yml"):
            content.update(w.lower() for w in _WORD.findall(path.read_text(encoding="utf-8")))
    names = {part for name in Lexicon.load().names for part in name.split()}
    return frozenset(english_words() | content | names), frozenset(common_english_words() | content | names)


def scrub(question: str) -> str:
    """``question`` without phone/NHS numbers, emails, postcodes, dates, names and places."""
    from bot.log_privacy import redact

    known, common = _known_words()
    text = redact(question)
    pieces, end = [], 0
    for match in _WORD.finditer(text):
        word, lower = match.group(), match.group().lower()
        before = text[:match.start()].rstrip()
        starts_sentence = not before or before[-1] in ".!?[" or before.endswith("]")
        if lower not in known or (word[0].isupper() and not starts_sentence and lower not in common
                                  and word != "I" and not word.isupper()):
            if text[max(0, match.start() - 1):match.start()] == "[":  # our own [phone] marks
                continue
            pieces += [text[end:match.start()], "[name]"]
            end = match.end()
    return "".join(pieces) + text[end:]


@dataclass
class Question:
    at: dt.datetime  # London time
    kind: str
    text: str        # scrubbed
    topic: str = ""


@dataclass
class Theme:
    label: str
    questions: list[Question] = field(default_factory=list)  # newest first

    @property
    def newest(self) -> dt.datetime:
        return self.questions[0].at

    def kinds(self) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for question in self.questions:
            found[question.kind] += 1
        return dict(found)


def _kind(turn) -> str | None:
    if turn.fallback:
        return "could not help"
    if turn.gaps:
        return "not covered"
    if turn.out_of_scope:
        return "out of scope"
    if turn.clarify and not turn.topics:
        return "which did you mean?"
    return None


def questions(read_turns: TurnReader, handoffs_db: Path | str | None = None,
              now: dt.datetime | None = None, days: int | None = None) -> list[Question]:
    """The questions it could not answer well within the retention period, newest first (scrubbed)."""
    from sqlalchemy import select

    from bot.helpline.hours import now as clock
    from bot.records import db as handoff_db
    from bot.records.db import FEEDBACK
    from bot.records.retention import retention_days

    now = now or clock()
    since = now - dt.timedelta(days=retention_days() if days is None else days)
    turns = read_turns(since.timestamp(), now.timestamp() + 1)
    found = []
    last_typed: dict[str, Turn] = {}
    answered_after: dict[tuple[str, str], list] = defaultdict(list)  # (conversation, topic) -> [(at, question)]
    for turn in turns:
        if turn.typed and turn.text.strip():
            last_typed[turn.sender] = turn
            kind = _kind(turn)
            if kind:
                found.append((turn.at, kind, turn.text, ""))
        for topic in turn.topics:
            asked = last_typed.get(turn.sender)
            if asked is not None:
                answered_after[(turn.sender, topic)].append((turn.at, asked.text))
    with handoff_db.engine(handoffs_db).connect() as conn:
        unhelpful = conn.execute(select(FEEDBACK.c.conversation_id, FEEDBACK.c.topic, FEEDBACK.c.created).where(
            FEEDBACK.c.helpful == 0, FEEDBACK.c.created >= since.isoformat(timespec="seconds"))).all()
    for conversation, topic, created in unhelpful:
        at = dt.datetime.fromisoformat(created).timestamp()
        before = [item for item in answered_after.get((conversation, topic), []) if item[0] <= at + 1]
        if before:
            found.append((at, "not helpful", before[-1][1], topic))
    found.sort(key=lambda item: item[0], reverse=True)
    return [Question(dt.datetime.fromtimestamp(at, LONDON), kind, scrub(words), topic)
            for at, kind, words, topic in found[:MAX_QUESTIONS]]


def themes(found: list[Question], distance: float = DISTANCE) -> list[Theme]:
    """``found`` grouped by similar words, each theme's questions newest first, themes with the
    newest question first."""
    if not found:
        return []
    if len(found) == 1:
        return [Theme(_label_of([found[0].text]), list(found))]
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [re.sub(r"\[[a-z-]+\]", " ", q.text) for q in found]
    vectoriser = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [Theme("(no distinctive words)", list(found))]
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, affinity="cosine",
                                     linkage="average").fit_predict(matrix.toarray())
    terms = vectoriser.get_feature_names_out()
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    made = []
    for members in groups.values():
        weights = matrix[members].sum(axis=0).A1
        top = [terms[i] for i in weights.argsort()[::-1]  # named by words, not numbers
               if weights[i] > 0 and not any(c.isdigit() for c in terms[i])][:6]
        top = [t for t in top if not any(t != other and t in other.split() for other in top)][:3]
        made.append(Theme(", ".join(top) or "(no distinctive words)",
                          sorted((found[i] for i in members), key=lambda q: q.at, reverse=True)))
    return sorted(made, key=lambda theme: theme.newest, reverse=True)


def _label_of(texts: list[str]) -> str:
    words = [w.lower() for w in _WORD.findall(" ".join(texts)) if len(w) > 3]
    return ", ".join(list(dict.fromkeys(words))[:3]) or "(no distinctive words)"


def report(read_turns: TurnReader, handoffs_db: Path | str | None = None,
           now: dt.datetime | None = None) -> list[Theme]:
    """The report: ``themes(questions(...))``."""
    return themes(questions(read_turns, handoffs_db, now))


def as_text(found: list[Theme], examples: int = 2) -> str:
    """The report as ``python -m bot gaps`` prints it."""
    if not found:
        return "gaps: no questions it could not answer well in the retention period"
    lines = []
    for theme in found:
        kinds = ", ".join(f"{n} {kind}" for kind, n in theme.kinds().items())
        lines.append(f"{theme.label}  ({len(theme.questions)} questions: {kinds}; newest "
                     f"{theme.newest:%Y-%m-%d %H:%M})")
        for question in theme.questions[:examples]:
            topic = f" [{question.topic}]" if question.topic else ""
            lines.append(f"    {question.at:%Y-%m-%d} {question.kind}{topic}: {question.text}")
    total = sum(len(t.questions) for t in found)
    lines.append(f"gaps: {total} questions in {len(found)} themes")
    return "\n".join(lines)
