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
- ``long-sentence``   a sentence is longer than ``MAX_SENTENCE_WORDS`` words

Provenance (``bot.content.provenance``; every sentence names the passage of an archived source behind it):

- ``no-passage``             a sentence of the body has no ``[^passage]`` marker after it
- ``unknown-passage``        a marker names a passage the front matter does not list (or a bad one)
- ``passage-not-in-source``  a passage's quote is not in the archived text of its source, or its
                             source is not one the topic cites, or a ``spec`` entry is missing
- ``term-not-in-passage``    a sentence uses a number, a medicine or procedure name, or a key term
                             (``content/key_terms.yml``) that its passages do not
- ``section-not-in-source``  a cited section is not a heading or phrase of the archived text (so a
                             patient never sees a label such as "words lost from the 2024 page")
- ``search-link``            a source links to a search page rather than the paper itself
- ``internal-label``         a patient-visible source line names this project or its review status
- ``review-claim``           a topic states a review date of its own: review dates come only from
                             the sign-off record (``content/signoff.yml``)
- ``unexplained-term``       a glossary term (``content/glossary.yml``) is used in a topic body
                             without its plain-English explanation straight after it

>>> problems, scores = check_content(load_content())
>>> problems
[]
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.content.provenance import cited_sentences, normalise
from bot.content.responses import domain_responses, is_safety_response
from bot.content.topics import Content, Topic, lexicon_entries, load_content

# Flesch-Kincaid grade, measured by textstat after the names of treatments and medicines are
# swapped for a short word (see README "Plain English"). Grade 8 = reading age about 13.
MAX_READING_GRADE = 8.0
# Plain English: no sentence longer than this many words (not counting a glossary explanation).
MAX_SENTENCE_WORDS = 22

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


def _before_references(text: str) -> str:
    """``text`` without a paper's reference list (a ``# References`` heading and what follows)."""
    return re.split(r"^#+\s*References\s*$", text, maxsplit=1, flags=re.MULTILINE | re.IGNORECASE)[0]


def _source_numbers(text: str) -> set[str]:
    # A paper's reference list is full of page numbers and years: a number found only there
    # does not support a claim, so it is cut off before collecting.
    text = _before_references(text)
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
    return [name for _label, _topic, name, _context in lexicon_entries(content.lexicon)]


# Words in a source line that belong to this project's workings, not to the source.
_INTERNAL_LABELS = re.compile(r"\bthis project\b|\bfor clinical review\b|\bwords lost\b|\bscrape", re.IGNORECASE)
_SEARCH_LINK = re.compile(r"[?&](?:term|q|query|search)=", re.IGNORECASE)


def _term_pattern(term: str) -> re.Pattern[str]:
    """``recover*`` matches recover, recovery...; a plain term also matches its plural."""
    stem = re.escape(term.rstrip("*").lower()).replace(r"\ ", r"\s+")
    tail = r"\w*" if term.endswith("*") else r"(?:s|es)?\b"
    return re.compile(r"(?<![\w-])" + stem + tail, re.IGNORECASE)


def key_terms_of(sentence: str, content: Content) -> dict[str, list[str]]:
    """The key terms ``sentence`` uses, each with the words any of which its passage must use.

    Key terms are the names in ``lexicon.yml`` (the passage must use the same name, or one
    ``key_terms.yml`` accepts for it) and the terms of ``key_terms.yml``.
    """
    found: dict[str, list[str]] = {}
    for term, accepted in (content.key_terms or {}).items():
        if _term_pattern(str(term)).search(sentence):
            found[str(term).lower()] = [str(a) for a in (accepted or [term])]
    patterns = [_term_pattern(str(t)) for t in (content.key_terms or {})]
    for name in _lexicon_names(content):
        if any(p.fullmatch(name) for p in patterns):
            continue  # key_terms.yml says which words its passage may use
        if len(name) > 3 and name.lower() not in found and _term_pattern(name).search(sentence):
            found[name.lower()] = [name]
    # a term inside a longer term already found is checked through the longer one
    return {t: a for t, a in found.items() if not any(t != o and re.search(rf"\b{re.escape(t)}\b", o) for o in found)}


def _without_explanations(sentence: str, content: Content) -> str:
    for entry in (content.glossary or {}).values():
        explain = str((entry or {}).get("explain") or "")
        if explain:
            sentence = re.sub(r"\s*\(" + re.escape(explain) + r"\)", "", sentence, flags=re.IGNORECASE)
    return sentence


def _spec_ids(content: Content) -> set[str]:
    """Every ``id`` in the safety specification, whatever its layout (read generically)."""
    import yaml

    path = content.root / "safety" / "red_flags.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    ids: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                ids.add(node["id"])
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    walk(value)
                if isinstance(key, str) and isinstance(value, dict):
                    ids.add(key)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return ids


def _check_provenance(topic: Topic, content: Content) -> list[Problem]:
    path = str(topic.path)
    problems = [Problem("unknown-passage", path, p) for p in topic.passage_problems]
    cited = {r.source for r in topic.sources}
    spec_ids = None
    good: dict[str, str] = {}  # passage id -> its text, lower case, for the term check
    for pid, passage in topic.passages.items():
        if passage.own:
            continue
        if passage.source not in cited:
            problems.append(Problem("passage-not-in-source", path,
                                    f"passage '{pid}' is from '{passage.source}', which the topic does not cite"))
            continue
        if passage.spec:
            spec_ids = _spec_ids(content) if spec_ids is None else spec_ids
            if passage.spec not in spec_ids:
                problems.append(Problem("passage-not-in-source", path,
                                        f"passage '{pid}': '{passage.spec}' is not in content/safety/red_flags.yml"))
            continue
        source = content.sources.get(passage.source)
        # a paper's reference list supports nothing: a quote must come from the paper itself
        text = normalise(_before_references(source.text) if source else "")
        missing = [q for q in passage.quotes if normalise(q) not in text]
        for quote in missing:
            problems.append(Problem("passage-not-in-source", path,
                                    f"passage '{pid}': \"{quote[:60]}...\" is not in {passage.source}'s archived text"))
        if not missing:
            good[pid] = normalise(" ".join(passage.quotes))
    for sentence in cited_sentences(topic.marked_body):
        words = len(_without_explanations(sentence.text, content).split())
        if words > MAX_SENTENCE_WORDS:
            problems.append(Problem("long-sentence", path,
                                    f"{words} words (limit {MAX_SENTENCE_WORDS}): \"{sentence.text}\""))
        if not sentence.passages:
            problems.append(Problem("no-passage", path, f"no passage supports \"{sentence.text}\""))
            continue
        unknown = [p for p in sentence.passages if p not in topic.passages]
        for pid in unknown:
            problems.append(Problem("unknown-passage", path, f"\"{sentence.text}\" names unknown passage '{pid}'"))
        if unknown or any(topic.passages[p].spec for p in sentence.passages):
            continue  # a spec passage is checked by a clinician, not by words
        if all(topic.passages[p].own for p in sentence.passages):
            checked = _without_explanations(sentence.text, content)
            claims = sorted(numbers_in(checked)) + sorted(key_terms_of(checked, content))
            if claims:
                problems.append(Problem("term-not-in-passage", path,
                                        f"\"{sentence.text}\" is marked as this service's own words but states {', '.join(claims)}: cite a source"))
            continue
        if not all(p in good for p in sentence.passages):
            continue  # already reported: its quote is not in the source
        support = " ".join(good[p] for p in sentence.passages)
        checked = _without_explanations(sentence.text, content)
        for number in sorted(numbers_in(checked) - _source_numbers(support)):
            problems.append(Problem("term-not-in-passage", path,
                                    f"number '{number}' in \"{sentence.text}\" is not in its passage"))
        for term, accepted in key_terms_of(checked, content).items():
            if not any(_term_pattern(a).search(support) for a in accepted):
                problems.append(Problem("term-not-in-passage", path,
                                        f"'{term}' in \"{sentence.text}\" is not in its passage ({', '.join(sentence.passages)})"))
    return problems


def _check_glossary(topic: Topic, content: Content) -> list[Problem]:
    problems = []
    text = plain_text(topic.body)
    for term, entry in (content.glossary or {}).items():
        explain = str((entry or {}).get("explain") or "")
        first = _term_pattern(str(term)).search(text)
        if first and explain and not re.match(r"\s*\(" + re.escape(explain) + r"\)", text[first.end():], re.IGNORECASE):
            problems.append(Problem("unexplained-term", str(topic.path),
                                    f"'{term}' is not followed by its explanation \"({explain})\" (content/glossary.yml)"))
    return problems


def _check_source_lines(topic: Topic, content: Content) -> list[Problem]:
    path = str(topic.path)
    problems = []
    if topic.claims_review:
        problems.append(Problem("review-claim", path,
                                "states a review date of its own; say when it was 'written', and let content/signoff.yml record reviews"))
    for ref in topic.sources:
        source = content.sources.get(ref.source)
        if source is None:
            continue
        for label, words in (("section", ref.section), ("publisher", source.publisher),
                             ("title", source.title), ("citation", source.citation), ("dated", source.dated)):
            if _INTERNAL_LABELS.search(words):
                problems.append(Problem("internal-label", path, f"{ref.source} {label} \"{words}\" is an internal label"))
        if source.kind == "safety specification":
            continue  # its text is YAML, not prose with headings
        heading = re.sub(r"^(\d+(?:\.\d+)*)\.?\s+", "", ref.section).strip()
        if normalise(heading) not in normalise(source.text):
            problems.append(Problem("section-not-in-source", path,
                                    f"section \"{ref.section}\" is not a heading of {ref.source}'s archived text"))
    return problems


def unexplained_in_responses(content: Content, domain_path=None) -> list[tuple[str, str, bool]]:
    """``(response, term, is_safety_response)`` for each glossary term a ``domain.yml`` response
    uses without its explanation in brackets straight after it."""
    found = []
    for name, variations in domain_responses(domain_path).items():
        text = " ".join(str(v.get("text") or "") for v in variations or [] if isinstance(v, dict))
        for term, entry in (content.glossary or {}).items():
            explain = str((entry or {}).get("explain") or "")
            first = _term_pattern(str(term)).search(text)
            if first and not re.match(r"\s*\(" + re.escape(explain) + r"\)", text[first.end():], re.IGNORECASE):
                found.append((name, str(term), is_safety_response(name, content)))
    return found


def check_sources(content: Content) -> list[Problem]:
    """Problems with the register of sources itself: search links and internal labels."""
    problems = []
    for source in content.sources.values():
        where = str(content.root / "sources.yml")
        if _SEARCH_LINK.search(source.url):
            problems.append(Problem("search-link", where, f"{source.id} links to a search ({source.url}), not the paper (use its DOI or PubMed id)"))
        for label, words in (("publisher", source.publisher), ("title", source.title),
                             ("citation", source.citation), ("dated", source.dated)):
            if _INTERNAL_LABELS.search(words):
                problems.append(Problem("internal-label", where, f"{source.id} {label} \"{words}\" is an internal label"))
    return problems


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
    problems += _check_provenance(topic, content)
    problems += _check_glossary(topic, content)
    problems += _check_source_lines(topic, content)
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
    problems.extend(check_sources(content))
    for name, term, safety in unexplained_in_responses(content):
        if not safety:  # the safety replies' wording is the lead's: reported by bot.content.signoff.report
            problems.append(Problem("unexplained-term", "domain.yml", f"{name} uses '{term}' without its explanation (content/glossary.yml)"))
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
