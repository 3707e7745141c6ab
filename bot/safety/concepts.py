"""Finding the concepts of ``content/safety/concepts.yml`` in a message.

A message is tokenised and lemmatised by spaCy (``spacy.blank("en")`` and the lookup lemmatizer,
as in ``bot/understanding/nlp.py``) and split into sentences. A concept's phrase matches where its words follow
each other, each word matching by lemma or as written; a word the vocabulary does not know and
English does not have is first put right against the vocabulary ("incontinance" ->
"incontinence", rapidfuzz ratio >= 85). ``seq`` concepts are other concepts in order, close
together; ``patterns`` are regular expressions (temperatures such as "38.8 temp"); ``exclude``
phrases, matched as written (not by lemma), cancel a match they overlap ("confused about the dose"
is not confusion); ``exclude_patterns`` do the same by regular expression ("temperature is 36.8"
is not a fever). A word in ``not_by_lemma`` is read only as written: spaCy's lookup table, which
knows no part of speech, reads "number" as "numb", "fitted" as "fit" (a seizure), "vaguely" as
"vague" (confused), "stroking" as "stroke"; the list is reviewed data in concepts.yml.

>>> found = ConceptMatcher.load().find("Dad's legs have gone all wobbly and he cant walk")
>>> sorted({m.concept for m in found.matches} & {"legs", "weak", "cant_walk"})
['cant_walk', 'legs', 'weak']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.paths import content_dir

if TYPE_CHECKING:
    from spacy.tokens import Doc

FUZZY_MIN_SCORE = 85  # rapidfuzz ratio for a misspelt word to count as a vocabulary word
FUZZY_MIN_LENGTH = 5  # shorter words are not corrected: too many near neighbours

# Informal spellings, fixed before tokenising. Keys are whole words.
SPELLING = {
    "cant": "can't", "cannt": "can't", "carnt": "can't", "cnt": "can't", "dont": "don't", "doesnt": "doesn't",
    "didnt": "didn't", "wont": "won't", "isnt": "isn't", "arent": "aren't", "hasnt": "hasn't",
    "havent": "haven't", "wasnt": "wasn't", "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't",
    "shes": "she's", "hes": "he's", "im": "i'm", "ive": "i've", "theyre": "they're", "whats": "what's",
    "thats": "that's", "u": "you", "ur": "your", "pls": "please", "plz": "please", "wiv": "with", "coz": "because",
    "cos": "because", "bc": "because", "b4": "before", "2day": "today", "2nite": "tonight", "tmrw": "tomorrow",
    "befor": "before", "mam": "mum", "mom": "mum", "mummy": "mum", "legz": "legs", "weeing": "wee", "peeing": "pee",
}


@dataclass(frozen=True)
class Match:
    """One concept found: ``start``/``end`` are token indexes, ``sentence`` the sentence's index."""

    concept: str
    start: int
    end: int
    sentence: int


@dataclass
class Found:
    """A message read for concepts: the spaCy ``doc`` and every concept match in it."""

    doc: Doc
    matches: list[Match]
    explained: tuple[str, ...] = ()  # concepts an ``exclude_patterns`` entry explained away ("temperature 36.8")

    def of(self, concept: str) -> list[Match]:
        """The matches of one concept."""
        return [m for m in self.matches if m.concept == concept]


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, single spaces, informal spellings fixed. A line break is a space:
    hard-wrapped text breaks lines inside phrases ("my legs / have gone numb").

    >>> normalise("Cant  feel my LEGS, she’s scared")
    "can't feel my legs, she's scared"
    """
    text = (text or "").replace("\x00", " ").lower()
    text = re.sub(r"[\u2018\u2019\u02bc`´]", "'", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"[a-z0-9']+", lambda m: SPELLING.get(m.group(0), m.group(0)), text)


@lru_cache(maxsize=1)
def safety_nlp():
    """The spaCy pipeline the safety check reads with: tokenizer, lookup lemmatizer, sentencizer."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", ";", "\n", "…"]})
    nlp.initialize()
    return nlp


def _forms(token, not_by_lemma: frozenset[str] = frozenset()) -> set[str]:
    """The word as written and, unless it is one of ``not_by_lemma``, its lemma."""
    if token.lower_ in not_by_lemma:
        return {token.lower_}
    return {token.lower_, token.lemma_.lower()}


class ConceptMatcher:
    """The compiled vocabulary. Build with ``ConceptMatcher.load()`` (cached: ``default_matcher``)."""

    def __init__(self, concepts: dict[str, dict], not_by_lemma: list[str] | tuple[str, ...] = ()):
        self.concepts = concepts
        self.not_by_lemma = frozenset(str(w).lower() for w in not_by_lemma)
        nlp = safety_nlp()
        self.kinds = {name: spec.get("kind", "") for name, spec in concepts.items()}
        self._phrases: dict[str, list[tuple[str, tuple[frozenset, ...]]]] = {}  # first form -> [(concept, words)]
        self._excludes: dict[str, list[tuple[str, tuple[frozenset, ...]]]] = {}
        self._patterns = [(name, re.compile(p)) for name, spec in concepts.items() for p in spec.get("patterns") or []]
        self._exclude_patterns = [(name, re.compile(p)) for name, spec in concepts.items()
                                  for p in spec.get("exclude_patterns") or []]
        self._sequences = {name: spec for name, spec in concepts.items() if spec.get("seq")}
        vocabulary: set[str] = set()
        for name, spec in concepts.items():
            for key, table in (("phrases", self._phrases), ("exclude", self._excludes)):
                for phrase in spec.get(key) or []:
                    words = tuple(frozenset(_forms(t, self.not_by_lemma) if key == "phrases" else {t.lower_})
                                  for t in nlp(normalise(str(phrase))))
                    if not words:
                        continue
                    for form in words[0]:
                        table.setdefault(form, []).append((name, words))
                    vocabulary.update(w for t in words for w in t if w.isalpha() and len(w) >= FUZZY_MIN_LENGTH)
        self.vocabulary = sorted(vocabulary)

    @classmethod
    def load(cls, path: Path | None = None) -> "ConceptMatcher":
        """Read ``content/safety/concepts.yml`` (or ``path``)."""
        data = yaml.safe_load(Path(path or content_dir() / "safety" / "concepts.yml").read_text(encoding="utf-8"))
        return cls(data["concepts"], data.get("not_by_lemma") or ())

    def _corrected(self, word: str) -> str | None:
        """The vocabulary word a misspelt ``word`` stands for, or None."""
        from rapidfuzz import fuzz, process
        from spacy.lang.en.stop_words import STOP_WORDS

        from bot.content.lexicon import english_words

        # the lemma table lacks most function words ("should" would become "shoulder"): stop words are English too
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha() or word in english_words() or word in STOP_WORDS:
            return None
        best = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE)
        return best[0] if best else None

    def _token_forms(self, doc) -> list[set[str]]:
        forms = []
        for token in doc:
            found = _forms(token, self.not_by_lemma)
            if not any(form in self._phrases for form in found):
                corrected = self._corrected(token.lower_)
                if corrected:
                    found.add(corrected)
            forms.append(found)
        return forms

    @staticmethod
    def _phrase_hits(forms: list[set[str]], table: dict) -> list[tuple[str, int, int]]:
        hits = []
        for i, here in enumerate(forms):
            for form in here:
                for concept, words in table.get(form, ()):
                    end = i + len(words)
                    if end <= len(forms) and all(forms[i + k] & words[k] for k in range(len(words))):
                        hits.append((concept, i, end))
        return hits

    def find(self, text: str) -> Found:
        """Every concept match in ``text`` (normalised first); never raises on user text."""
        doc = safety_nlp()(normalise(text))
        sentence_of = {}
        for number, sentence in enumerate(doc.sents):
            for token in sentence:
                sentence_of[token.i] = number
        forms = self._token_forms(doc)
        hits = set(self._phrase_hits(forms, self._phrases))
        for concept, pattern in self._patterns:
            for m in pattern.finditer(doc.text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None and len(span):
                    hits.add((concept, span.start, span.end))
        excluded = self._phrase_hits([{t.lower_} for t in doc], self._excludes)  # as written, not by lemma
        explained = []
        for concept, pattern in self._exclude_patterns:  # e.g. a normal temperature reading
            for m in pattern.finditer(doc.text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None and len(span):
                    excluded.append((concept, span.start, span.end))
                    explained.append(concept)
        hits = {h for h in hits if not any(e[0] == h[0] and e[1] < h[2] and h[1] < e[2] for e in excluded)}
        hits |= self._sequence_hits(hits)
        matches = [Match(c, s, e, sentence_of.get(s, 0)) for c, s, e in sorted(hits, key=lambda h: (h[1], h[2], h[0]))]
        return Found(doc, matches, tuple(explained))

    def _sequence_hits(self, hits: set[tuple[str, int, int]]) -> set[tuple[str, int, int]]:
        """``seq`` concepts: their parts in order, each starting at most ``within`` words after the last ended."""
        made = set()
        for name, spec in self._sequences.items():
            first, *rest = spec["seq"]
            within = int(spec.get("within", 3))
            for _, start, end in (h for h in hits if h[0] == first):
                last_end, ok = end, True
                for part in rest:
                    nexts = [h for h in hits if h[0] == part and last_end <= h[1] <= last_end + within]
                    if not nexts:
                        ok = False
                        break
                    last_end = min(nexts, key=lambda h: h[1])[2]
                if ok:
                    made.add((name, start, last_end))
        return made


@lru_cache(maxsize=1)
def default_matcher() -> ConceptMatcher:
    """The project's vocabulary, compiled once per process."""
    return ConceptMatcher.load()
