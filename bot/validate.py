"""Checks that keep ``content/`` safe to show to patients.

``check_content`` returns a list of ``Problem`` (empty when all is well) and a readability
figure per topic. Each kind of problem has a stable ``kind`` so tests can prove each one fires:

- ``missing-field``   a topic lacks a required field (or its body)
- ``duplicate-id``    two topic files share an id
- ``id-filename``     ``topics/<name>.md`` does not hold id ``<name>``
- ``unknown-source``  a topic cites a source that is not in ``sources.yml``
- ``unknown-gap``     ``not_covered`` names a gap that is not in ``gaps.yml``
- ``review-overdue``  a topic's next review date is in the past
- ``scrape-gap``      the body still has a hole left by a scrape ("under a . Or")
- ``unsourced-number`` a number in the body is not in any source the topic cites
- ``hard-to-read``    the body reads above the agreed reading grade (see README)

>>> problems, scores = check_content(load_content())
>>> problems
[]
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.content import Content, Topic, load_content

# Flesch-Kincaid grade, measured by textstat after the names of treatments and medicines are
# swapped for a short word (see README "Plain English"). Grade 8 = reading age about 13.
MAX_READING_GRADE = 8.0

# A word that cannot end a phrase, followed straight away by punctuation: what a scrape leaves
# when it drops a linked word ("under a . Or you can have it ... after taking a .").
_SCRAPE_GAP = re.compile(
    r"\b(?:a|an|the|of|to|under|after|with|by|from|and|or|your|about)\s+[.,;:!?)]", re.IGNORECASE
)
# Digit groups, joined across single spaces so a phone number is one group ("0808 800 40 40").
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?: \d+(?:[.,]\d+)*)*")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, for a person to fix."""

    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: {self.message}"


def plain_text(markdown: str) -> str:
    """The words of a Markdown body, without list bullets or emphasis.

    >>> plain_text("- **Kidneys.** Checked")
    'Kidneys. Checked.'
    """
    lines = []
    for line in markdown.splitlines():
        item = re.match(r"^\s*[-*]\s+(.*)$", line)
        if item:  # a list item reads as a sentence of its own
            line = item.group(1).rstrip()
            line = line if line[-1:] in ".?!:" else line + "."
        lines.append(line)
    text = re.sub(r"[*_`#]", "", "\n".join(lines))
    return re.sub(r"[ \t]+", " ", text).strip()


def numbers_in(text: str) -> set[str]:
    """Digit groups in ``text``, spaces removed ("0808 800 4040" -> "08088004040").

    >>> sorted(numbers_in("up to 8 out of 10 people, call 0808 800 4040"))
    ['08088004040', '10', '8']
    """
    return {m.group(0).replace(" ", "").replace(",", "") for m in _NUMBER.finditer(text)}


def _source_numbers(text: str) -> set[str]:
    # A paper's reference list is full of page numbers and years: a number found only there
    # does not support a claim, so it is cut off before collecting.
    text = re.split(r"^#+\s*References\s*$", text, maxsplit=1, flags=re.MULTILINE | re.IGNORECASE)[0]
    found = set()
    for m in _NUMBER.finditer(text):
        group = m.group(0)
        found.add(group.replace(" ", "").replace(",", ""))
        found.update(part.replace(",", "") for part in group.split(" "))
    return found


def reading_grade(body: str, names: list[str]) -> float:
    """Flesch-Kincaid grade of ``body`` with each of ``names`` replaced by the word "drug".

    >>> reading_grade("You have it as a drip. It helps.", []) < 5
    True
    """
    import textstat  # imported here: only check-content needs it

    text = plain_text(body)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", "drug", text, flags=re.IGNORECASE)
    return float(textstat.flesch_kincaid_grade(text))


def _lexicon_names(content: Content) -> list[str]:
    names = []
    for by_topic in content.lexicon.values():
        for variants in (by_topic or {}).values():
            names.extend(str(v) for v in variants or ())
    return names


def _check_topic(topic: Topic, content: Content, today: dt.date) -> list[Problem]:
    path = str(topic.path)
    problems = [Problem("missing-field", path, f"missing or empty field '{name}'") for name in topic.missing]
    if topic.id and topic.path.stem != topic.id:
        problems.append(Problem("id-filename", path, f"id '{topic.id}' should live in topics/{topic.id}.md"))
    if topic.next_review and topic.next_review < today:
        problems.append(
            Problem("review-overdue", path, f"next review was due {topic.next_review.isoformat()}")
        )
    for ref in topic.sources:
        if ref.source not in content.sources:
            problems.append(Problem("unknown-source", path, f"cites unknown source '{ref.source}'"))
    for gap in topic.not_covered:
        if gap not in content.gaps:
            problems.append(Problem("unknown-gap", path, f"not_covered names unknown gap '{gap}'"))
    for m in _SCRAPE_GAP.finditer(topic.body):
        problems.append(
            Problem("scrape-gap", path, f"words look lost before the punctuation in '{m.group(0)}'")
        )
    cited = "\n".join(content.sources[r.source].text for r in topic.sources if r.source in content.sources)
    known = _source_numbers(cited)
    for number in sorted(numbers_in(plain_text(topic.body)) - known):
        problems.append(
            Problem("unsourced-number", path, f"number '{number}' is not in any source this topic cites")
        )
    return problems


def check_content(content: Content, today: dt.date | None = None) -> tuple[list[Problem], dict[str, float]]:
    """All problems in ``content`` and each topic's reading grade.

    Returns ``(problems, {topic_id: grade})``; ``problems`` is empty when the content is fit to use.
    """
    today = today or dt.date.today()
    problems: list[Problem] = []
    for topic_id, path in content.duplicate_ids:
        problems.append(Problem("duplicate-id", str(path), f"id '{topic_id}' is already used by another topic"))
    for source in content.sources.values():
        if not source.text:
            problems.append(Problem("missing-field", str(source.text_path), f"source '{source.id}' has no archived text"))
    names = _lexicon_names(content)
    grades = {}
    for topic in content.topics.values():
        problems.extend(_check_topic(topic, content, today))
        if topic.body:
            grade = reading_grade(topic.body, names)
            grades[topic.id] = grade
            if grade > MAX_READING_GRADE:
                problems.append(
                    Problem(
                        "hard-to-read",
                        str(topic.path),
                        f"reading grade {grade:.1f} is above the limit of {MAX_READING_GRADE:.0f}",
                    )
                )
    return problems, grades


__all__ = ["Problem", "check_content", "load_content", "MAX_READING_GRADE", "reading_grade"]
