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

from dataclasses import dataclass, field

from bot.safety.concepts import default_matcher, normalise
from bot.safety.signs import SignFound, default_signs, find_signs

CHECK_INTENT = "safety_check"
URGENCY_ORDER = ("call_999", "emergency", "crisis", "urgent")
MAX_CHECKED_CHARS = 20_000  # longer texts are checked in their first 20,000 characters (about 20 KB)

__all__ = ["CHECK_INTENT", "URGENCY_ORDER", "SafetyResult", "check", "default_rules", "normalise", "warm_up"]


@dataclass(frozen=True)
class SafetyResult:
    """What the check decided.

    ``decision`` is ``advice`` (the sign's own reply), ``check`` (safe advice, then "is it happening
    now?") or ``none``. ``intent`` is the intent to set (None when nothing needs urgent attention);
    ``signs`` every sign found, cancelled ones included; ``statistical`` the second detector's
    probability that the message describes an emergency or crisis now (None when it was not asked:
    a sign decided, or not built). ``also`` is a crisis intent (``crisis`` or ``crisis_harmed``) when
    the message shows a crisis as well as a more urgent physical sign that decides the reply: the
    person is given both replies, the sign's first.
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
    from bot.safety import statistical

    text = (message or "")[:MAX_CHECKED_CHARS]
    if not normalise(text):
        return SafetyResult()
    found = default_matcher().find(text)
    signs = find_signs(text, found=found)
    clear = [s for s in signs if s.status == "clear"]
    possible = [s for s in signs if s.status == "possible"]
    crisis = [s for s in clear + possible if s.urgency == "crisis"]
    cancelled = [s for s in signs if s.status == "cancelled"]
    if clear or crisis:  # a possible crisis gets the crisis reply itself: warm, and safe to give
        top = _most_urgent(clear + crisis)
        also, reasons = None, ("sign",)
        if top.urgency != "crisis":  # a physical sign decides the reply; a crisis beside it is not dropped
            also, reasons = _crisis_beside(text, crisis, cancelled)
        return SafetyResult("advice", top.intent, top.urgency, top.sign, tuple(signs), None, reasons, also)
    # the crisis model, unless the words themselves denied a crisis ("I'm not suicidal"): the crisis reply,
    # also before a sign that is only possible ("I want it all to end, a bit breathless" is not just checked)
    if not any(s.urgency == "crisis" for s in cancelled):
        crisis_p = statistical.crisis_probability(text)
        if crisis_p is not None and crisis_p >= statistical.crisis_threshold():
            return SafetyResult("advice", "crisis", "crisis", "crisis", tuple(signs), crisis_p, ("statistical_crisis",))
    if possible:
        top = _most_urgent(possible)
        return SafetyResult("check", CHECK_INTENT, top.urgency, top.sign, tuple(signs), None, ("possible",))
    # the second detector is asked only when the signs found nothing, none was cancelled by its context and
    # nothing was explained away ("my temperature is 36.8"): it does not overrule what the words say
    probability = None if cancelled or found.explained else statistical.probability(text)
    if probability is not None and probability >= statistical.threshold():
        return SafetyResult("check", CHECK_INTENT, "emergency", None, tuple(signs), probability, ("statistical",))
    return SafetyResult("none", None, None, None, tuple(signs), probability)


def _crisis_beside(text: str, crisis: list[SignFound], cancelled: list[SignFound]) -> tuple[str | None, tuple]:
    """The crisis intent to reply with beside a physical sign's reply (None when the message shows no
    crisis), and the check's reasons: a crisis sign, else the crisis model unless the words denied one."""
    from bot.safety import statistical

    if crisis:
        return ("crisis_harmed" if any(s.intent == "crisis_harmed" for s in crisis) else "crisis"), ("sign",)
    if any(s.urgency == "crisis" for s in cancelled):
        return None, ("sign",)
    crisis_p = statistical.crisis_probability(text)
    if crisis_p is not None and crisis_p >= statistical.crisis_threshold():
        return "crisis", ("sign", "statistical_crisis")
    return None, ("sign",)


def warm_up() -> None:
    """Load everything the check needs now (spaCy, ConText, the model) rather than on the first message."""
    check("my legs are weak")
