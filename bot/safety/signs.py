"""Signs: combinations of concepts (``content/safety/red_flags.yml``), read in context.

``find_signs(text)`` returns every sign whose concepts are all in the message close enough
together, each with what its context says: ``clear`` (happening: the full advice), ``possible``
(the check-back reply) or ``cancelled`` (negated, past, hypothetical, advice received, general
information, someone else's history) with the categories that cancelled it.

>>> [(s.id, s.status) for s in find_signs("my legs have gone weak since this morning")][:1]
[('mscc_limb_weakness', 'clear')]
>>> [(s.id, s.status, sorted(s.cancelled_by)) for s in find_signs("no weakness in my legs")]
[('mscc_limb_weakness', 'cancelled', ['NEGATED_EXISTENCE'])]
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.paths import content_dir
from bot.safety.concepts import ConceptMatcher, Found, Match, default_matcher
from bot.safety.context import CANCELLING, UNCERTAIN, modifiers

SITE_AND_CONTEXT = frozenset({"back", "legs", "saddle", "chest", "jaw", "bone", "chemo", "bone_drug",
                              "procedure", "after", "walking"})  # never negated on their own account
MAX_COMBINATIONS = 64
# a crisis is never excused as a question or a supposition ("what are the signs I want to die", "if I killed myself")
NEVER_EXCUSE_A_CRISIS = ("INFORMATION", "HYPOTHETICAL")


@dataclass(frozen=True)
class Sign:
    """One sign from the YAML file."""

    id: str
    sign: str
    intent: str
    urgency: str
    source: tuple[str, ...]
    all: tuple[tuple[str, ...], ...]
    sentences: int = 1
    reply: str = "advice"  # or "check": always the check-back reply
    key: tuple[str, ...] = ()  # the concepts whose context decides (default: all but sites and context)
    not_excused_by: frozenset[str] = frozenset()  # context categories that do not cancel it (crisis: see load)
    suspected_is_clear: bool = False  # "I think he's having a stroke": a suspicion is enough for its full advice


@dataclass(frozen=True)
class SignFound:
    """A sign found in a message: ``status`` is ``clear``, ``possible`` or ``cancelled``; ``sentences``
    the indexes of the sentences its ``words`` are in (for a cancelled sign, of every way it was found)."""

    id: str
    sign: str
    intent: str
    urgency: str
    status: str
    words: tuple[str, ...]
    cancelled_by: frozenset[str] = field(default_factory=frozenset)
    reply: str = "advice"
    sentences: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class SignBook:
    """The signs and their sources, in file order."""

    signs: tuple[Sign, ...]
    urgency_order: tuple[str, ...]
    sources: dict

    @classmethod
    def load(cls, path: Path | None = None) -> "SignBook":
        """Read ``content/safety/red_flags.yml`` (or ``path``)."""
        data = yaml.safe_load(Path(path or content_dir() / "safety" / "red_flags.yml").read_text(encoding="utf-8"))
        signs = tuple(Sign(id=s["id"], sign=s["sign"], intent=s["intent"], urgency=s["urgency"],
                           source=tuple(s["source"]) if isinstance(s["source"], list) else (s["source"],),
                           all=tuple(tuple(item.split("|")) for item in s["all"]),
                           sentences=int(s.get("sentences", 1)), reply=s.get("reply", "advice"),
                           key=tuple(s.get("key") or ()),
                           not_excused_by=frozenset(s.get("not_excused_by")
                                                    or (NEVER_EXCUSE_A_CRISIS if s["urgency"] == "crisis" else ())),
                           suspected_is_clear=bool(s.get("suspected_is_clear", False)))
                      for s in data["signs"])
        return cls(signs, tuple(data["urgency_order"]), data.get("sources") or {})


@lru_cache(maxsize=1)
def default_signs() -> SignBook:
    """The project's signs, read once."""
    return SignBook.load()


def _combinations(sign: Sign, found: Found):
    """Each way of finding all of the sign's concepts within its sentence window (closest first)."""
    options = [[m for concept in item for m in found.of(concept)] for item in sign.all]
    if not all(options):
        return []
    combos = []
    for combo in itertools.islice(itertools.product(*options), MAX_COMBINATIONS * 4):
        sentences = [m.sentence for m in combo]
        if max(sentences) - min(sentences) < sign.sentences:
            combos.append(combo)
    return sorted(combos, key=lambda c: max(m.end for m in c) - min(m.start for m in c))[:MAX_COMBINATIONS]


CONTEXT_ONLY = frozenset({"chemo", "bone_drug", "procedure"})  # negated, they undo the sign: "I'm not on chemo"


def _key_matches(combo: tuple[Match, ...], sign: Sign | None = None) -> list[Match]:
    if sign is not None and sign.key:
        return [m for m in combo if m.concept in sign.key] or list(combo)
    key = [m for m in combo if m.concept not in SITE_AND_CONTEXT]
    return key or list(combo)


def _context_matches(combo: tuple[Match, ...]) -> list[Match]:
    return [m for m in combo if m.concept in CONTEXT_ONLY]


def find_signs(text: str, signs: SignBook | None = None, matcher: ConceptMatcher | None = None,
               found: Found | None = None) -> list[SignFound]:
    """Every sign in ``text``, with its status in context, in file order (``found``: ``text`` already
    read by the matcher)."""
    signs = signs or default_signs()
    found = found or (matcher or default_matcher()).find(text)
    if not found.matches:
        return []
    candidates = [(sign, _combinations(sign, found)) for sign in signs.signs]
    candidates = [(sign, combos) for sign, combos in candidates if combos]
    if not candidates:
        return []
    spans = [(m.start, m.end) for sign, combos in candidates for combo in combos
             for m in _key_matches(combo, sign) + _context_matches(combo)]
    context = modifiers(found.doc, spans)
    results = []
    for sign, combos in candidates:
        best_status: str | None = None
        best_words: tuple[str, ...] = ()
        best_sentences: frozenset[int] = frozenset()
        cancelled: set[str] = set()
        for combo in combos:
            categories = set().union(*(context.get((m.start, m.end), set()) for m in _key_matches(combo, sign)))
            blocking = categories & set(CANCELLING)
            for m in _context_matches(combo):
                if "NEGATED_EXISTENCE" in context.get((m.start, m.end), set()):
                    blocking.add("NEGATED_EXISTENCE")
            blocking -= sign.not_excused_by  # a crisis: "what are the signs I want to die", "if I killed myself"
            words = tuple(found.doc[m.start:m.end].text for m in combo)
            if blocking:
                cancelled |= blocking
                continue
            doubted = UNCERTAIN in categories and not sign.suspected_is_clear
            status = "possible" if (doubted or sign.reply == "check") else "clear"
            if best_status != "clear":
                best_status, best_words, best_sentences = status, words, frozenset(m.sentence for m in combo)
            if status == "clear":
                break
        if best_status is None:
            words = tuple(found.doc[m.start:m.end].text for m in combos[0])
            results.append(SignFound(sign.id, sign.sign, sign.intent, sign.urgency, "cancelled", words,
                                     frozenset(cancelled), sign.reply,
                                     frozenset(m.sentence for combo in combos for m in combo)))
        else:
            results.append(SignFound(sign.id, sign.sign, sign.intent, sign.urgency, best_status, best_words,
                                     reply=sign.reply, sentences=best_sentences))
    return results
