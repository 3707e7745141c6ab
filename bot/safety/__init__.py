"""The red-flag check, run on every message before anything else.

Two detectors that do not share a method:

1. **Signs** (``bot/safety/signs.py``): combinations of concepts with lay vocabularies
   (``content/safety/concepts.yml``, ``red_flags.yml``), read in context by ConText
   (``context.yml``): negated, past, hypothetical, advice received, general information and
   someone else's history do not fire.
2. **Statistical detectors** (``bot/safety/statistical.py``): logistic regressions over word and
   character n-grams, trained on the project's own varied examples (``data/safety/``): one for any
   red flag, one for crises alone.

``check(text)`` decides: a sign that is clearly happening gets its full advice
(``utter_<intent>`` in ``domain.yml``); a sign that is only possible, a sign too common to be
sure of alone, or the red-flag model alone gets the safe advice first and then "is it
happening now?" (intent ``safety_check``). A crisis is never only checked: the crisis reply is
given, also when only the crisis model sees one. Never raises on user text.

>>> check("my legs have gone weak and I cant feel my feet").intent
'emergency_spinal_cord'
>>> check("no numbness, how does vertebroplasty work?").flagged
False
>>> check("my dad says he'll end it all").urgency
'crisis'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.safety.concepts import default_matcher, normalise
from bot.safety.context import only_unsure
from bot.safety.signs import SignFound, default_signs, find_signs

CHECK_INTENT = "safety_check"
URGENCY_ORDER = ("call_999", "emergency", "crisis", "urgent")
MAX_CHECKED_CHARS = 20_000  # longer texts are checked in their first 20,000 characters (about 20 KB)
WORDS = re.compile(r"[^\W_]")  # a letter or digit, in any script: without one a message says nothing to check

__all__ = ["CHECK_INTENT", "URGENCY_ORDER", "SafetyResult", "check", "crisis_model_texts", "default_rules", "normalise",
           "warm_up"]


@dataclass(frozen=True)
class SafetyResult:
    """What the check decided.

    ``decision`` is ``advice`` (the sign's own reply), ``check`` (safe advice, then "is it happening
    now?") or ``none``. ``intent`` is the intent to set (None when nothing needs urgent attention);
    ``signs`` every sign found, cancelled ones included; ``statistical`` the second detector's
    probability that the message describes an emergency or crisis now (None when it was not asked:
    a sign decided, or not built). ``also`` is a second intent to reply with, after ``intent``, when
    the message shows a crisis and a physical sign: the crisis reply (``crisis``, ``crisis_harmed``)
    after an emergency sign's, or the urgent sign's reply (``urgent_jaw``...) after the crisis reply.
    """

    decision: str = "none"
    intent: str | None = None
    urgency: str | None = None
    sign: str | None = None
    signs: tuple[SignFound, ...] = ()
    statistical: float | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)
    also: str | None = None

    @property
    def flagged(self) -> bool:
        """True when the person is given emergency, crisis or urgent advice."""
        return self.decision != "none"

    @property
    def flags(self) -> tuple[SignFound, ...]:
        """The signs behind the decision (not cancelled ones), most urgent first."""
        live = [s for s in self.signs if s.status != "cancelled"]
        return tuple(sorted(live, key=lambda s: URGENCY_ORDER.index(s.urgency)))

    @property
    def negated(self) -> tuple[str, ...]:
        """Words of signs cancelled by their context."""
        return tuple(w for s in self.signs if s.status == "cancelled" for w in s.words)


def default_rules():
    """The project's signs (``content/safety/red_flags.yml``), read once."""
    return default_signs()


def _most_urgent(signs: list[SignFound]) -> SignFound:
    return min(signs, key=lambda s: URGENCY_ORDER.index(s.urgency))  # min keeps file order within an urgency


def check(message: str) -> SafetyResult:
    """Check one user message (see the module docstring)."""
    text = (message or "")[:MAX_CHECKED_CHARS]
    if not WORDS.search(text):  # nothing to read ("", "...", "!!!"): the models read bare dots as a crisis
        return SafetyResult()
    found = default_matcher().find(text)
    signs = find_signs(text, found=found)
    clear = [s for s in signs if s.status == "clear"]
    possible = [s for s in signs if s.status == "possible"]
    crisis = [s for s in clear + possible if s.urgency == "crisis"]  # a possible crisis gets the crisis reply
    physical = [s for s in clear if s.urgency != "crisis"]
    cancelled = [s for s in signs if s.status == "cancelled"]
    if crisis or physical:
        return _both_replies(text, tuple(signs), crisis, physical, cancelled, found.doc)
    if only_unsure(text):  # "not sure", "I don't know": an answer that names no sign
        return SafetyResult("none", None, None, None, tuple(signs))
    # the crisis model, unless the words themselves denied a crisis ("I'm not suicidal"): the crisis reply,
    # also before a sign that is only possible ("I want it all to end, a bit breathless" is not just checked)
    crisis_p = _crisis_by_model(text, cancelled, found.doc)
    if crisis_p is not None:  # and the check-back after it when a physical sign is possible too
        also = CHECK_INTENT if possible or _sign_by_model(_red_flag_probability(text, cancelled, found.explained)) \
            else None
        # filed as the more urgent of the two: a possible temperature on chemo is an emergency for the staff's list
        urgency = min(["crisis"] + [s.urgency for s in possible], key=URGENCY_ORDER.index)
        return SafetyResult("advice", "crisis", urgency, "crisis", tuple(signs), crisis_p, ("statistical_crisis",),
                            also)
    if possible:
        top = _most_urgent(possible)
        return SafetyResult("check", CHECK_INTENT, top.urgency, top.sign, tuple(signs), None, ("possible",))
    probability = _red_flag_probability(text, cancelled, found.explained)
    if _sign_by_model(probability):
        return SafetyResult("check", CHECK_INTENT, "emergency", None, tuple(signs), probability, ("statistical",))
    return SafetyResult("none", None, None, None, tuple(signs), probability)


def _crisis_by_model(text: str, cancelled: list[SignFound], doc=None) -> float | None:
    """The crisis model's probability when it sees a crisis (at or above its threshold) in what it is
    given to read (``crisis_model_texts``: the highest of its readings); None otherwise, or when it is not built."""
    from bot.safety import statistical

    probabilities = [statistical.crisis_probability(read) for read in crisis_model_texts(text, cancelled, doc)]
    p = max((q for q in probabilities if q is not None), default=None)
    return p if p is not None and p >= statistical.crisis_threshold() else None


def crisis_model_texts(text: str, signs: list[SignFound], doc=None) -> tuple[str, ...]:
    """What the crisis model reads of ``text`` (``signs``: what the check found in it; ``doc``: the text as the
    matcher read it, read again when None), as one or two readings whose
    highest probability counts: all of it; nothing (no reading) when the words deny a crisis ("I'm not suicidal");
    where its context cancelled a crisis otherwise (in the past or in someone else's life: "my dad killed himself
    years ago"; or a hypothetical, information or advice), the text without the cancelled sign's own words, so what
    else its sentence says is read ("my son killed himself in June and I've got nothing left to live for"), and the
    other sentences alone ("my son killed himself last year. I don't see how I can go on without him"). A reading
    with no word in it is left out.

    >>> from bot.safety.signs import SignFound
    >>> past = SignFound("c", "crisis", "crisis", "crisis", "cancelled", ("killed himself",), frozenset({"HISTORICAL"}),
    ...                  sentences=frozenset({0}))
    >>> crisis_model_texts("my son killed himself in June. I'm lost", [past])
    ("my son in june. i'm lost", "i'm lost")
    """
    crises = [s for s in signs if s.status == "cancelled" and s.urgency == "crisis"]
    if any("NEGATED_EXISTENCE" in s.cancelled_by for s in crises):  # "I'm not suicidal": the person says no
        return ()
    if not crises:
        return (text,)
    without = normalise(text[:MAX_CHECKED_CHARS])  # the words as the matcher read them ("kil myself" -> "kill myself")
    for words in sorted({w for s in crises for w in s.words}, key=len, reverse=True):  # longest first
        without = re.sub(re.escape(words), " ", without, flags=re.IGNORECASE)
    denied = frozenset().union(*(s.sentences for s in crises))
    doc = doc if doc is not None else default_matcher().find(text[:MAX_CHECKED_CHARS]).doc
    others = " ".join(sent.text for number, sent in enumerate(doc.sents) if number not in denied)
    readings = (" ".join(without.split()), others)
    return tuple(dict.fromkeys(r for r in readings if WORDS.search(r)))


def _red_flag_probability(text: str, cancelled: list[SignFound], explained: tuple[str, ...]) -> float | None:
    """The red-flag model's probability for ``text``; None when it is not asked or not built. It is asked
    only when no sign was cancelled by its context and nothing was explained away ("my temperature is
    36.8"): it does not overrule what the words say."""
    from bot.safety import statistical

    return None if cancelled or explained else statistical.probability(text)


def _sign_by_model(probability: float | None) -> bool:
    """True when the red-flag model's ``probability`` is at or above its threshold: a sign now."""
    from bot.safety import statistical

    return probability is not None and probability >= statistical.threshold()


def _both_replies(text: str, signs: tuple[SignFound, ...], crisis: list[SignFound], physical: list[SignFound],
                  cancelled: list[SignFound], doc) -> SafetyResult:
    """The advice for clear signs: a crisis (a sign, or the crisis model beside a physical sign) and a
    physical sign are both answered, the more urgent first: an emergency or 999 sign before the crisis
    reply, the crisis reply before an urgent sign (jaw, low calcium, spinal pain); harm already done
    ("I've taken all my tablets": call 999) before any sign but a 999 one. ``also`` is the second reply;
    the urgency is the more urgent of the two."""
    crisis_p = None if crisis or not physical else _crisis_by_model(text, cancelled, doc)
    reasons = ("sign", "statistical_crisis") if crisis_p is not None else ("sign",)
    crisis_intent = ("crisis_harmed" if any(s.intent == "crisis_harmed" for s in crisis) else "crisis") \
        if crisis or crisis_p is not None else None
    body = _most_urgent(physical) if physical else None
    if crisis_intent is None or body is None:  # one of the two only
        top = body or _most_urgent(crisis)
        return SafetyResult("advice", top.intent, top.urgency, top.sign, signs, None, reasons)
    rank = "call_999" if crisis_intent == "crisis_harmed" else "crisis"  # harm already done: its reply is 999
    if URGENCY_ORDER.index(body.urgency) <= URGENCY_ORDER.index(rank):
        return SafetyResult("advice", body.intent, body.urgency, body.sign, signs, crisis_p, reasons, crisis_intent)
    urgency = min(body.urgency, "crisis", key=URGENCY_ORDER.index)  # filed as the more urgent of the two
    return SafetyResult("advice", crisis_intent, urgency, "crisis", signs, crisis_p, reasons, body.intent)


def warm_up() -> None:
    """Load everything the check needs now (spaCy, ConText, the model) rather than on the first message."""
    check("my legs are weak")
