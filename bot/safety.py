"""Red-flag checks run on every message before anything else.

The patterns are reviewed data in ``content/safety/red_flags.yml``; this module only applies
them: it normalises informal spelling ("cant" -> "can't"), ignores signs that are negated in their
own clause ("no numbness, ..."), and lets a general information question with nothing personal in
it ("what are the warning signs of spinal cord compression?") through to the normal answers.

>>> check("my legs have gone weak and I cant feel my feet").intent
'emergency_spinal_cord'
>>> check("no numbness, how does vertebroplasty work?").flagged
False
>>> check("my dad says he'll end it").urgency
'crisis'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.paths import content_dir

URGENCY_ORDER = ("emergency", "crisis", "urgent")
NEGATION_WINDOW = 3  # words before a sign, in the same clause, that can cancel it
LIST_NEGATION_WINDOW = 6  # ... or further back across an "or" list ("no weakness or numbness")
_CLAUSE_BREAK = re.compile(r"[.;!?\n]|,|\bbut\b|\bhowever\b|\bthough\b")

# Informal spellings, fixed before matching. Keys are whole words.
_SPELLING = {
    "cant": "can't", "cannt": "can't", "carnt": "can't", "dont": "don't", "doesnt": "doesn't",
    "didnt": "didn't", "wont": "won't", "isnt": "isn't", "arent": "aren't", "hasnt": "hasn't",
    "havent": "haven't", "wasnt": "wasn't", "shes": "she's", "hes": "he's", "im": "i'm",
    "ive": "i've", "theyre": "they're", "hell": "he'll", "shell": "she'll", "ill": "i'll",
    "legz": "legs", "numbb": "numb", "nummb": "numb", "numbnes": "numbness", "tingly": "tingly",
    "weeing": "wee",
}


@dataclass(frozen=True)
class Flag:
    """One red flag from the YAML file, with its patterns compiled."""

    id: str
    intent: str
    urgency: str
    description: str
    source: str
    patterns: tuple[re.Pattern[str], ...]
    requires: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class SafetyResult:
    """What the check found. ``intent`` is None when nothing needs urgent attention."""

    flags: tuple[Flag, ...] = ()
    matched: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()
    information_question: bool = False

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def top(self) -> Flag | None:
        """The flag that decides the reply: the first in file order (emergencies first)."""
        return self.flags[0] if self.flags else None

    @property
    def intent(self) -> str | None:
        return self.top.intent if self.top else None

    @property
    def urgency(self) -> str | None:
        return self.top.urgency if self.top else None


@dataclass(frozen=True)
class RedFlags:
    """The compiled rule set."""

    flags: tuple[Flag, ...]
    negations: re.Pattern[str]
    information_question: re.Pattern[str]
    personal: re.Pattern[str]
    sources: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> "RedFlags":
        """Read and compile ``content/safety/red_flags.yml`` (or ``path``)."""
        data = yaml.safe_load(Path(path or content_dir() / "safety" / "red_flags.yml").read_text(encoding="utf-8"))
        concepts = data.get("concepts") or {}

        def compile_(pattern: str) -> re.Pattern[str]:
            for _ in range(3):  # concepts may use concepts
                pattern = re.sub(r"\{(\w+)\}", lambda m: concepts.get(m.group(1), m.group(0)), pattern)
            return re.compile(rf"(?<![\w']){pattern}(?![\w'])", re.IGNORECASE)

        flags = tuple(
            Flag(
                id=f["id"], intent=f["intent"], urgency=f["urgency"], description=f.get("description", ""),
                source=f.get("source", ""), patterns=tuple(compile_(p) for p in f["patterns"]),
                requires=tuple(compile_(p) for p in f.get("requires") or ()),
            )
            for f in data["flags"]
        )
        return cls(
            flags=flags,
            negations=re.compile(rf"\b{data['negations']}(?![\w'])", re.IGNORECASE),
            information_question=re.compile(data["information_question"], re.IGNORECASE | re.DOTALL),
            personal=re.compile(data["personal"], re.IGNORECASE),
            sources=data.get("sources") or {},
        )


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, single spaces, informal spellings fixed.

    >>> normalise("Cant  feel my LEGS, she’s scared")
    "can't feel my legs, she's scared"
    """
    text = (text or "").replace("\x00", " ")[:4000].lower()
    text = re.sub(r"[\u2018\u2019\u02bc`´]", "'", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"[a-z']+", lambda m: _SPELLING.get(m.group(0), m.group(0)), text)


def _negated(text: str, start: int, negations: re.Pattern[str]) -> bool:
    """True when a negation comes shortly before ``start`` in the same clause.

    A list joined by "or"/"nor" carries the negation further: "no weakness or numbness".
    """
    clause = _CLAUSE_BREAK.split(text[:start])[-1].split()
    if negations.search(" ".join(clause[-NEGATION_WINDOW:])):
        return True
    wider = clause[-LIST_NEGATION_WINDOW:]
    return bool({"or", "nor"} & set(wider)) and "and" not in wider and bool(negations.search(" ".join(wider)))


def _fires(flag: Flag, text: str, negations: re.Pattern[str]) -> tuple[list[str], list[str]]:
    hits, negated = [], []
    for pattern in flag.patterns:
        for m in pattern.finditer(text):
            (negated if _negated(text, m.start(), negations) else hits).append(m.group(0))
    if hits and flag.requires and not any(p.search(text) for p in flag.requires):
        return [], negated
    return hits, negated


@lru_cache(maxsize=1)
def default_rules() -> RedFlags:
    """The project's red-flag rules, read once."""
    return RedFlags.load()


def check(message: str, rules: RedFlags | None = None) -> SafetyResult:
    """Check one user message. Never raises on user text."""
    rules = rules or default_rules()
    text = normalise(message)
    if not text:
        return SafetyResult()
    flags, matched, negated = [], [], []
    for flag in rules.flags:
        hits, cancelled = _fires(flag, text, rules.negations)
        negated.extend(cancelled)
        if hits:
            flags.append(flag)
            matched.extend(hits)
    info = bool(rules.information_question.search(text)) and not rules.personal.search(text)
    if info and flags and all(f.urgency != "crisis" for f in flags):
        return SafetyResult((), tuple(matched), tuple(negated), True)
    return SafetyResult(tuple(flags), tuple(matched), tuple(negated), info)
