"""Is a message in English? A cheap check that works for languages the classifier never saw.

A message mostly in a non-Latin script is not English at any length. A message in Latin letters
is not English when it uses letters English does not (é, ñ, ł, ğ...) or has four words or more,
and fewer than a third of its words of three letters or more are English word forms
(spacy-lookups-data's table) or names from ``content/lexicon.yml``. Gibberish in plain a-z letters
of under four words is left to the classifier (which asks what was meant).

>>> looks_non_english("dzień dobry, mam pytanie o leczenie")
True
>>> looks_non_english("my mum had Zometa, is that safe?")
False
"""
from __future__ import annotations

import re

from bot.lexicon import Lexicon, english_words

MIN_WORDS = 4
MIN_WORD_LENGTH = 3
MIN_ENGLISH_SHARE = 1 / 3
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def looks_non_english(text: str) -> bool:
    """True when ``text`` is most likely not English (see module docstring)."""
    words = _WORD.findall((text or "").lower())
    if not words:
        return False
    letters = "".join(words)
    non_ascii = sum(1 for ch in letters if not "a" <= ch <= "z")
    if non_ascii / len(letters) > 0.5:
        return True
    long_words = [w for w in words if len(w) >= MIN_WORD_LENGTH]
    if not long_words or (non_ascii == 0 and len(words) < MIN_WORDS):
        return False
    known = english_words()
    names = Lexicon.load().names
    english = sum(1 for w in long_words if w in known or w in names or w.replace("'", "") in known)
    return english / len(long_words) < MIN_ENGLISH_SHARE
