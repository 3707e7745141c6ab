"""Sentence-level provenance: which passage of which archived source supports each sentence.

A topic's front matter lists its ``passages``; its body marks, after a sentence or a run of
sentences, the passage that supports them, written ``[^id]``::

    passages:
      cement: {source: cruk_2024, quote: "This is called cementoplasty."}
    ---
    Doctors can treat these bones with a special cement. This is called cementoplasty.[^cement]

A marker covers every sentence before it in the same paragraph or list item, back to the previous
marker. ``quote`` is a span (or a list of spans) copied from the source's archived text in
``content/sources/``; spaces, line breaks and curly quotes do not matter when it is looked up.

A passage of kind ``spec`` (``{spec: <flag id>}``) points at an entry of the safety specification
(``content/safety/red_flags.yml``) instead of a published text: the review pack shows it as written
by this service, for a clinician to check against the guidance it names. A passage of kind ``own``
(``{own: <why>}``) marks this service's own signposting ("Tell your care team about any side
effects"): ``check-content`` allows no number and no key term in such a sentence.

The patient never sees the markers: ``strip_markers`` gives the body they read.

>>> marked = "It is safe.[^a] It works. It helps.[^b]"
>>> strip_markers(marked)
'It is safe. It works. It helps.'
>>> [(s.text, s.passages) for s in cited_sentences(marked)]
[('It is safe.', ('a',)), ('It works.', ('b',)), ('It helps.', ('b',))]
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MARKER = re.compile(r"\[\^([A-Za-z0-9_-]+)\]")
# A sentence ends at . ! ? or : followed by a space and a capital letter, a quote or a bracket.
# A bold label ("**Is it safe?** Doctors...") is a sentence of its own.
_SENTENCE_END = re.compile(r"(?<=[.!?:])\*{0,2}\s+(?=[A-Z\"“(*])")
_LIST_ITEM = re.compile(r"^\s*[-*]\s+")


@dataclass(frozen=True)
class Passage:
    """A supporting passage: ``quotes`` from ``source``'s archived text, or a ``spec`` entry."""

    id: str
    source: str
    quotes: tuple[str, ...] = ()
    spec: str = ""
    own: str = ""  # this service's own words (signposting): why no source is needed

    @property
    def text(self) -> str:
        """The quotes joined with ' … ' (what the review pack prints)."""
        return " … ".join(self.quotes)


@dataclass(frozen=True)
class CitedSentence:
    """One sentence of a topic body (markers and Markdown removed) and the passage ids after it."""

    text: str
    passages: tuple[str, ...]


def parse_passages(raw) -> tuple[dict[str, Passage], list[str]]:
    """Read the front matter's ``passages`` mapping.

    Returns ``(passages by id, problems)``; each problem is a sentence naming the passage.
    """
    passages: dict[str, Passage] = {}
    problems: list[str] = []
    if raw in (None, ""):
        return passages, problems
    if not isinstance(raw, dict):
        return passages, ["'passages' must be a mapping of id -> {source, quote}"]
    for pid, entry in raw.items():
        pid = str(pid)
        if not isinstance(entry, dict):
            problems.append(f"passage '{pid}' must be a mapping with 'source' and 'quote'")
            continue
        if entry.get("own"):
            passages[pid] = Passage(pid, "", (), "", str(entry["own"]))
            continue
        if entry.get("spec"):
            passages[pid] = Passage(pid, str(entry.get("source") or "safety_spec"), (), str(entry["spec"]))
            continue
        quote = entry.get("quote")
        quotes = [quote] if isinstance(quote, str) else list(quote or [])
        if not entry.get("source") or not quotes or not all(isinstance(q, str) and q.strip() for q in quotes):
            problems.append(f"passage '{pid}' needs a 'source' and a non-empty 'quote'")
            continue
        passages[pid] = Passage(pid, str(entry["source"]), tuple(q.strip() for q in quotes))
    return passages, problems


def strip_markers(marked_body: str) -> str:
    """The body a patient reads: ``marked_body`` without ``[^id]`` markers."""
    return MARKER.sub("", marked_body)


def _blocks(marked_body: str) -> list[str]:
    """Paragraphs and list items, each as one line of text."""
    blocks: list[str] = []
    current: list[str] = []
    for line in marked_body.splitlines():
        if not line.strip():
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        if _LIST_ITEM.match(line):
            if current:
                blocks.append(" ".join(current))
            current = [_LIST_ITEM.sub("", line)]
        else:
            current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return blocks


def _clean(sentence: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_`#]", "", sentence)).strip()


def cited_sentences(marked_body: str) -> list[CitedSentence]:
    """Every sentence of ``marked_body`` with the passage ids that cover it (``()`` when none).

    A run of sentences takes the markers that follow it in the same paragraph or list item.
    """
    result: list[CitedSentence] = []
    for block in _blocks(marked_body):
        pending: list[str] = []
        # split the block at markers: text before a marker is covered by it
        pos = 0
        for m in re.finditer(r"((?:\[\^[A-Za-z0-9_-]+\])+)", block):
            ids = tuple(MARKER.findall(m.group(1)))
            pending.extend(s for s in _SENTENCE_END.split(block[pos:m.start()]) if _clean(s))
            result.extend(CitedSentence(_clean(s), ids) for s in pending)
            pending = []
            pos = m.end()
        rest = [s for s in _SENTENCE_END.split(block[pos:]) if _clean(s)]
        result.extend(CitedSentence(_clean(s), ()) for s in rest)
    return result


def block_passages(marked_body: str) -> list[tuple[str, ...]]:
    """For each blank-line-separated block of ``marked_body`` (a paragraph, or a whole list, as the
    web widget shows it), the passage ids its sentences cite, in order of first use.

    >>> block_passages("A.[^a] B.[^b]\\n\\n- c[^a]\\n- d[^c]")
    [('a', 'b'), ('a', 'c')]
    """
    result = []
    for block in re.split(r"\n\s*\n", marked_body.strip()):
        if not block.strip():
            continue
        ids: dict[str, None] = {}
        for sentence in cited_sentences(block):
            for pid in sentence.passages:
                ids.setdefault(pid, None)
        result.append(tuple(ids))
    return result


def normalise(text: str) -> str:
    """Lower case, straight quotes, one space between words: how quotes are matched to sources.

    >>> normalise("That’s  started\\n somewhere")
    "that's started somewhere"
    """
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\s+", " ", text)
    return text.strip().lower()


def content_hash(text: str) -> str:
    """``sha256:<hex>`` of ``text`` (line endings normalised): what a sign-off record names."""
    data = text.replace("\r\n", "\n").encode("utf-8")
    return "sha256:" + hashlib.sha256(data).hexdigest()


__all__ = [
    "CitedSentence", "Passage", "block_passages", "cited_sentences", "content_hash", "normalise", "parse_passages",
    "strip_markers",
]
