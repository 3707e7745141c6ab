"""Names of procedures and medicines (``content/lexicon.yml``) and what topic each points to.

Exact names are matched on whole words. A word that is not ordinary English (not in the
English lemma table of ``spacy-lookups-data``) also matches a near-miss of a one-word name of
6 letters or more (rapidfuzz ratio >= 85), so "Zotmeta" and "kyphoplsty" are understood but
"recast" is not taken for "Reclast".

>>> Lexicon.load().mentions("She has Zotmeta infusions and had a kyphoplsty")
[('MEDICINE', 'bisphosphonates', 'Zotmeta'), ('PROCEDURE', 'kyphoplasty', 'kyphoplsty')]
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from bot.content.topics import lexicon_entries, load_content

FUZZY_MIN_LENGTH = 6
FUZZY_MIN_RATIO = 85.0
_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)


def lookups_table(name: str) -> dict:
    """One English table shipped by spacy-lookups-data, e.g. ``"lemma_lookup"`` or ``"lexeme_prob"``."""
    data = resources.files("spacy_lookups_data") / "data" / f"en_{name}.json.gz"
    with gzip.open(str(data), "rt", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English word forms from spacy-lookups-data's lemma table (read once)."""
    table = lookups_table("lemma_lookup")
    return frozenset(w.lower() for w in table) | frozenset(w.lower() for w in table.values())


@dataclass(frozen=True)
class Lexicon:
    """``names`` maps a lower-case name to (entity label, topic id)."""

    names: dict[str, tuple[str, str]]

    @classmethod
    def from_mapping(cls, mapping: dict) -> "Lexicon":
        """Build from the ``{LABEL: {topic_id: [names]}}`` shape of ``lexicon.yml``."""
        names = {name.lower(): (label, topic_id) for label, topic_id, name, _ in lexicon_entries(mapping)}
        return cls(names)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "Lexicon":
        """The project's lexicon, read once."""
        return cls.from_mapping(load_content().lexicon)

    def patterns(self) -> list[dict]:
        """spaCy entity-ruler patterns (one token pattern a name, ``id`` = topic id)."""
        out = []
        for name, (label, topic_id) in sorted(self.names.items()):
            tokens = [{"LOWER": part} for part in re.findall(r"\w+|[^\w\s]", name)]
            out.append({"label": label, "pattern": tokens, "id": topic_id})
        return out

    def mentions(self, text: str) -> list[tuple[str, str, str]]:
        """(label, topic id, words as written) for each name in ``text``, in order, longest first."""
        from rapidfuzz import fuzz, process

        found: list[tuple[int, int, str, str, str]] = []
        lowered = text.lower()
        for name, (label, topic_id) in self.names.items():
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", lowered):
                found.append((m.start(), m.end(), label, topic_id, text[m.start() : m.end()]))
        single = [n for n in self.names if " " not in n and len(n) >= FUZZY_MIN_LENGTH]
        for m in _WORD.finditer(text):
            word = m.group(0).lower()
            if len(word) < FUZZY_MIN_LENGTH - 1 or word in self.names or word in english_words():
                continue
            best = process.extractOne(word, single, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO)
            if best:
                label, topic_id = self.names[best[0]]
                found.append((m.start(), m.end(), label, topic_id, m.group(0)))
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        result, end = [], -1
        for start, stop, label, topic_id, words in found:
            if start >= end:
                result.append((label, topic_id, words))
                end = stop
        return result


COMMON_WORD_MIN_LOG_PROB = -11.0


@lru_cache(maxsize=1)
def common_english_words() -> frozenset[str]:
    """The most common English words from spacy-lookups-data's frequency table (read once, ~1 s)."""
    return frozenset(w for w, p in lookups_table("lexeme_prob").items() if p > COMMON_WORD_MIN_LOG_PROB)
