"""Is a message in English? A cheap check that works for languages the classifier never saw.

A message mostly in a non-Latin script is not English at any length. A message in Latin letters
is not English when it uses letters English does not (é, ñ, ł, ğ...) or has four words or more,
and under 30% of its words of three letters or more are English: in spacy-lookups-data's lemma
table, among its ~3,700 most common English words (log probability above -11), or names from
``content/lexicon.yml``. On hand-made samples English messages score 0.33 or more (a list of
rare medical terms) and messages in ten other languages 0.25 or less. Gibberish in plain a-z letters
of under four words is left to the classifier (which asks what was meant).

>>> looks_non_english("dzień dobry, mam pytanie o leczenie")
True
>>> looks_non_english("my mum had Zometa, is that safe?")
False

A message in another language that plainly names one of our procedures or medicines
("cimentoplastie : qu'est-ce que c'est ?") is answered about it, in English, after a line
saying so (``named_in_another_language``): the person can have it translated, and the nurses
can talk to them with an interpreter.
"""
from __future__ import annotations

import re

from bot.content.lexicon import (
    Lexicon,
    common_english_words,
    english_words,
)
from bot.understanding.question import MEDICINES, PROCEDURES, decide, subject_of

MIN_WORDS = 4
MIN_WORD_LENGTH = 3
MIN_ENGLISH_SHARE = 0.3
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)




def looks_like_gibberish(text: str) -> bool:
    """True when ``text`` has words but none that are English or a known name ("zzkq blorp").

    >>> looks_like_gibberish("zzkq blorp"), looks_like_gibberish("Zotmeta?"), looks_like_gibberish("ok")
    (True, False, False)
    """
    words = _WORD.findall((text or "").lower())
    if not words or any(not ("a" <= ch <= "z" or ch == "'") for w in words for ch in w):
        return False
    known, common, lexicon = english_words(), common_english_words(), Lexicon.load()
    if any(w in known or w in common or w in lexicon.names for w in words):
        return False
    return not lexicon.mentions(text)


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
    known, common, names = english_words(), common_english_words(), Lexicon.load().names
    english = sum(1 for w in long_words if w in known or w in common or w in names)
    return english / len(long_words) < MIN_ENGLISH_SHARE


def named_in_another_language(text: str) -> str | None:
    """The topic ``question.decide`` gives a non-English ``text`` that names a procedure or medicine
    (that subject's topic, or the aspect's: ``side_effects``, ``nice_access``...), else None: None for
    English, for a condition only, or for nothing named.

    >>> named_in_another_language("Quelles sont les indications d'une cimentoplastie ?")
    'cementoplasty'
    >>> named_in_another_language("Quelles sont les suites opératoires ?") is None
    True
    """
    if not looks_non_english(text) or subject_of(text) not in PROCEDURES + MEDICINES:
        return None
    decision = decide(text)
    return decision.topic if decision is not None and decision.topic != "out_of_scope" else None
