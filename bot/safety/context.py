"""What a found sign means in its sentence: negated, past, hypothetical, advice received, a general
information question, someone else's history, or only possible (ConText, Harkema and others 2009).

The algorithm is medspaCy's ``ConText`` (a maintained implementation; medspaCy 1.1.6 is the last
release for spaCy 3.4); its trigger lists are this project's, reviewed data in
``content/safety/context.yml``: medspaCy's own list is written for doctors' notes.

``modifiers(doc, spans)`` returns, for each target span (start, end), the set of ConText
categories that govern it. An INFORMATION trigger counts only in a sentence that says nothing
personal: "what are the signs of spinal cord compression?" is information; "what is this pain
in my back?" is not. A question asked in general ("can bones in the foot fracture over time?")
counts as information even without a trigger.

>>> doc = __import__("bot.safety.concepts", fromlist=["x"]).safety_nlp()("no numbness in my legs")
>>> sorted(modifiers(doc, [(1, 2)])[(1, 2)])
['NEGATED_EXISTENCE']
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from bot.paths import content_dir

CANCELLING = ("NEGATED_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "ADVICE", "INFORMATION", "FAMILY")
UNCERTAIN = "POSSIBLE_EXISTENCE"
SPAN_GROUP = "safety_targets"
# A question asked in general: starts with a question word and ends with "?" (and says nothing personal).
GENERAL_QUESTION = re.compile(r"^\W*(?:[\w']+\W+){0,4}?(?:what|which|how|why|when|where|who|is|are|can|could|does|do|"
                              r"should|will|would|has|have|may|might)\b.*\?\W*$", re.IGNORECASE | re.DOTALL)
# ... except the questions of someone who may have it: "is it normal to have numb legs?"
# ... or about something present: "could this be a stroke?", "is that a fit?", "is this a seizure, eyes rolled back and
# jerking for 3 mins now?" (a narrower, short-question form was tried on 2026-12-07 and withdrawn: a review helper's
# probes showed long questions about what is happening now losing their advice)
WORRIED_QUESTION = re.compile(r"\b(?:is (?:it|this|that) (?:normal|ok|okay|serious|an emergency|urgent)|should (?:i|we) worry|"
                              r"should (?:i|we) (?:call|ring|phone|go)|(?:could|can|might|may|would) (?:this|that) be|"
                              r"is (?:this|that) (?:a|an)\b)", re.IGNORECASE)
# ... and a sentence that says, in so many words, that it is happening now is about someone, like a personal word:
# "is numbness in both legs and not being able to pee since yesterday an emergency?", "what do we do legs gone numb
# and cant wee since this morning?", "does 39.2 and shivering need a&e?" (not a bare "now" or "today's": "are fevers
# on chemo treated differently now?"; session 26, 2026-12-07, from two review helpers' probes)
TOLD_AS_NOW = re.compile(
    r"\bsince (?:yesterday|last night|this morning|this afternoon|this evening|earlier|lunch(?:time)?|"
    r"breakfast|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri|"
    r"sat|sun|the weekend|the fall|then)\b|"
    r"\b(?:\d+|an?|one|two|three|few|couple of) (?:mins?|minutes|hours?|hrs?|days?) ago\b|"
    r"\bbeen (?:going )?(?:on )?(?:for )?(?:\d+|an?|one|two|three|five|ten|few|couple of) (?:mins?|minutes|hours?|hrs?)\b|"
    r"\b(?:right now|just now|this morning|this afternoon|this evening|tonight|overnight|all day|all night)\b|"
    r"\btoday\b(?!')|"
    r"\b(?:temp|temperature|fever)\w* (?:of |is |was |at |reading )?(?:3[89]|4[0-2])(?:\.\d)?\b|\b(?:3[89]|4[0-2])\.\d\b",
    re.IGNORECASE)

# ... and only where the sign's own clause asks: "what does it mean if legs go numb?" is asked in general; "legs numb
# and can't pee since the weekend, what does that mean?" tells the sign, then asks (session 26, 2026-12-07: a review
# helper's probes showed signs told before a question with no personal word getting no advice)
# (punctuation only, not CLAUSE_START's "and"/"so": "what does it mean if legs go numb and you can't pee?" asks both)
CLAUSE_BREAK = re.compile(r"[,;:?!]|\s[-–]\s")
CLAUSE_ASKS = re.compile(r"^\W*(?:(?:so|and|but|ok|okay|hi|hello|please|also|then|just|um|er|and so)\W+)?"
                         r"(?:what|which|how|why|when|where|who|is|are|can|could|does|do|should|will|would|has|have|"
                         r"may|might)(?!n't|'t)\b"
                         # ... or goes on with the question's own list: "what are the warning signs, like weak legs?"
                         r"|^\W*(?:like|such as|e\.?g\.?|for example|for instance|including|things like|or)\b", re.IGNORECASE)

# Something happening to someone: "my legs", "he has", "I've got", "mum can't". "should I watch for" is not.
PERSONAL = re.compile(
    r"\b(?:me|my|mine|myself|his|him|himself|her|herself|mum|dad|husband|wife|partner|son|daughter|"
    r"brother|sister|nan|gran|grandad|grandma|grandpa|father|mother)\b"
    # (not what someone read or heard: "i read that you can get breathless after vertebroplasty")
    r"|(?<!should )(?<!do )(?<!can )(?<!would )(?<!will )(?<!could )(?<!shall )\bi\b(?! (?:should|read|heard)\b)"
    r"(?!'ve (?:read|heard)\b)(?! have (?:read|heard)\b)"
    r"|\b(?:i|he|she|they|we)(?:'m|'ve|'s|'re|'d| am| have| has| had| feel| feels| felt| keep| keeps| can't| cannot|"
    r" got| is| was| are| were| woke| started| fell| can| could| couldn't| think| keep)\b(?! (?:read|heard)\b)"
    # "why can't she walk?", "why is he so confused?": asked about someone now; "what are these cramps?"
    r"|\bwhy\s+(?:can't|cannot|won't|isn't|doesn't|don't|didn't|can|is|does|do|did|has|have)\s+(?:i|he|she|we|they)\b"
    r"(?!\s+(?:say|said|call|tell|told|think|mean|always|usually|recommend|ask)\b)"
    # ... not "what's this about numb legs", "what are these red flags for cord compression"
    r"|\bwhat(?:'s|s| is| are)\s+(?:these|this|those)\b"
    r"(?!\s+(?:about|red flags?|symptoms?|signs?|warning|things?|people)\b)",
    re.IGNORECASE)


@lru_cache(maxsize=1)
def _rules_file() -> dict:
    """``content/safety/context.yml``, read once."""
    return yaml.safe_load(Path(content_dir() / "safety" / "context.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _context():
    """medspaCy's ConText loaded with the rules of ``content/safety/context.yml`` (once per process)."""
    from medspacy.context import ConText, ConTextRule

    from bot.safety.concepts import normalise, safety_nlp

    data = _rules_file()
    nlp = safety_nlp()
    rules = {}
    for category, directions in data["rules"].items():
        for key, spec in directions.items():
            direction = spec.get("direction", key)
            for trigger in spec["triggers"]:
                if not isinstance(trigger, str):  # YAML reads a bare no/yes/on/off as true or false
                    raise ValueError(f"context.yml: trigger {trigger!r} under {category}/{key} must be quoted text")
                rule_category = f"PSEUDO_{category}" if direction == "PSEUDO" else category
                literal = normalise(trigger)
                earlier = rules.get((literal, rule_category))
                if earlier and {earlier[0], direction} == {"FORWARD", "BACKWARD"}:
                    direction = "BIDIRECTIONAL"  # listed both ways: it governs both sides
                rules[(literal, rule_category)] = (direction, spec.get("max_scope"), tuple(spec.get("terminated_by") or ()))
    rules = [ConTextRule(literal, category, direction=direction, max_scope=scope, terminated_by=set(ended_by) or None)
             for (literal, category), (direction, scope, ended_by) in rules.items()]
    context = ConText(nlp, rules=None, span_attrs=None, input_span_type="group", span_group_name=SPAN_GROUP,
                      prune_on_modifier_overlap=True)
    context.add(rules)
    return context


CLEFT = re.compile(r"\b(?:that|when|since|which)\b")  # "it was years ago that my wife passed": a new event


@dataclass(frozen=True)
class _RemotePast:
    past: re.Pattern[str]
    now: re.Pattern[str]
    year_before: int
    refers_back: re.Pattern[str]
    present: re.Pattern[str]


@lru_cache(maxsize=1)
def _remote_past() -> _RemotePast:
    data = _rules_file()["remote_past"]
    words = lambda items: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in items) + r")(?![\w'])")  # noqa: E731
    starts = re.compile(r"^\W*(?:" + "|".join(re.escape(w) for w in data["refers_back"]) + r")\b")
    year = data["year_before"]  # "this year": a year before the current one is long ago
    year = date.today().year if year == "this year" else int(year)
    return _RemotePast(words(data["past"]), words(data["now"]), year, starts,
                       words(data["present"]))


def told_in_the_remote_past(text: str) -> bool:
    """True when ``text`` (normalised) tells of long ago: a year before this one or "years ago", and no word
    of now ("now", "today", "since", "still"...).

    >>> told_in_the_remote_past("in 2014 i decided to lift a suitcase and my back went"), told_in_the_remote_past(
    ...     "in 2014 i had radiotherapy and now my legs are numb")
    (True, False)
    """
    rules = _remote_past()
    years = [int(y) for y in re.findall(r"\b(19[5-9]\d|20[0-4]\d)\b", text)]
    return bool(rules.past.search(text) or any(y < rules.year_before for y in years)) and not rules.now.search(text)


def _told_now(text: str) -> bool:
    """True when ``text`` (lower case) has a word of now or a verb of the present (``remote_past``'s ``now`` and
    ``present``): what it tells may still be going on."""
    return bool(_remote_past().now.search(text) or told_in_the_present(text))


def remote_past_sentences(doc) -> frozenset[int]:
    """Indexes of the sentences of ``doc`` that tell a story of long ago (``content/safety/context.yml``,
    ``remote_past``): a sentence that names long ago (``told_in_the_remote_past``) and is not told in the
    present ("i tried to end it in 2019 and i'm going to do it properly this time" is now); and the one
    sentence before a short sentence that points back to it ("I couldn't walk. That was years ago."),
    unless that one is told now or in the present. A story does not reach forward: a sign told after it,
    even in the simple past, may be happening now ("I was diagnosed in 2019. I took 40 paracetamol.").

    >>> from bot.safety.concepts import safety_nlp
    >>> read = lambda text: sorted(remote_past_sentences(safety_nlp()(text)))
    >>> read("i want to die. my brother died years ago. it was awful."), read("in 2014 i fell. i can't walk.")
    ([1], [0])
    >>> read("my legs went numb. that was years ago."), read("i can't walk. that was years ago.")
    ([0, 1], [1])
    >>> read("i want to die. it was years ago that my wife passed."), read("i tried to die in 2019 and i'm going to again")
    ([1], [])
    """
    rules = _remote_past()
    sentences = [sentence.text for sentence in doc.sents]
    remote: set[int] = set()
    for number, text in enumerate(sentences):
        if told_in_the_remote_past(text) and not told_in_the_present(text):
            remote.add(number)
            pointer = rules.refers_back.match(text)
            if number and pointer and len(text.split()) <= 8 and not CLEFT.search(text[pointer.end():]) \
                    and not _told_now(sentences[number - 1]):
                remote.add(number - 1)
    return frozenset(remote)


@lru_cache(maxsize=1)
def _care_given() -> re.Pattern[str]:
    """``context.yml``'s ``care_already_given``: the person taken to hospital or treated there."""
    return _words(_quoted("care_already_given", _rules_file()["care_already_given"]), _longest_first)


def care_given_sentences(doc) -> frozenset[int]:
    """Indexes of the sentences of ``doc`` whose signs were already acted on (``care_already_given`` in
    ``content/safety/context.yml``): a sentence that tells of care given, and the one sentence before it, each
    only when it has no word of now and no verb of the present.

    >>> from bot.safety.concepts import safety_nlp
    >>> read = lambda text: sorted(care_given_sentences(safety_nlp()(text)))
    >>> read("she couldn't move. off to the emergency we went. what is a fracture?")
    [0, 1]
    >>> read("he was confused so we went to a&e yesterday"), read("we went to a&e but he still can't walk")
    ([], [])
    """
    care = _care_given()
    sentences = [sentence.text.lower() for sentence in doc.sents]
    acted: set[int] = set()
    for number, text in enumerate(sentences):
        if care.search(text) and not _told_now(text):
            acted.add(number)
            if number and not _told_now(sentences[number - 1]):
                acted.add(number - 1)
    return frozenset(acted)


CLAUSE_START = re.compile(r"[,;:]|\b(?:and|but|so|because|then)\b")  # where a clause before the sign ends
CLAUSE_END = re.compile(r"[,;.!?]|\b(?:and|but|then|so|because)\b")  # where the sign's own clause ends

# "couldn't feel", "used to have", "didn't want": a verb of the present list that is not in the present
NOT_PRESENT_BEFORE = re.compile(r"\b(?:to|could|couldn't|couldnt|would|wouldn't|wouldnt|did|didn't|didnt|had|might|"
                                r"should|shouldn't)\s+$")


def told_in_the_present(text: str, after: int = 0) -> bool:
    """True when ``text`` (lower case) has a verb of the present (``remote_past``'s ``present`` list), from
    character ``after`` on, that is not after "to", "could(n't)", "did(n't)", "would", "had"...

    >>> told_in_the_present("and my legs have gone numb"), told_in_the_present("i couldn't feel my legs")
    (True, False)
    """
    present = _remote_past().present
    return any(not NOT_PRESENT_BEFORE.search(text[:found.start()]) for found in present.finditer(text, after))


def _told_in_the_present_after(doc, modifier, span) -> bool:
    """True when ``modifier`` is a HISTORICAL trigger before ``span`` and a verb of the present
    (``remote_past``'s ``present`` list) stands between the trigger and the end of the sign: the sign is
    told as now, the story only set the scene ("i had radiotherapy years ago and my legs have gone numb",
    "i had surgery in 2019 and i can't feel my legs"); "years ago my back went and i couldn't walk" stays past.
    """
    if modifier.category != "HISTORICAL" or modifier.modifier_span[1] > span.start:
        return False
    trigger = doc[modifier.modifier_span[0]:modifier.modifier_span[1]].text.lower()
    if told_in_the_present(doc[modifier.modifier_span[0]:span.end].text.lower(), after=len(trigger)):
        return True
    # ...or a word of now between them, or in the sign's own clause after it ("diagnosed in 2025 and my legs went
    # numb today", "... and my legs went numb overnight"): the story set the scene (review 2026-12-04)
    between = doc[modifier.modifier_span[1]:span.start].text.lower()
    clause_after = CLAUSE_END.split(doc[span.end:span.sent.end].text.lower(), maxsplit=1)[0]
    return bool(_remote_past().now.search(between) or _remote_past().now.search(clause_after))


@dataclass(frozen=True)
class _NewClause:
    ends: frozenset[str]
    conditions: frozenset[str]
    starts: re.Pattern[str]  # a new clause after a joining word or a reason
    reason: re.Pattern[str]  # a new clause after a reason only
    past: re.Pattern[str]  # a verb of the past in a condition ("if my legs felt weak")
    now: re.Pattern[str]  # a word of now, or a reading told, in a clause after a condition ("and it's 37.9 now")
    asks: re.Pattern[str]  # a question in the new clause ("and i'm not sure what it feels like, is it...?")
    family: re.Pattern[str]  # a new clause about the writer or someone they name
    backward_ends: frozenset[str]
    backward: re.Pattern[str]  # a joining word and a subject: a clause after a sign
    refers_back: re.Pattern[str]
    resolved: frozenset[str]  # triggers that reach the whole sentence back
    came_true_undoes: frozenset[str]  # the categories a condition come true no longer applies
    came_true: re.Pattern[str]  # "and they have", "which i have": a condition that has come true
    came_true_next: re.Pattern[str]  # the same as the next sentence: "and he has."


@lru_cache(maxsize=1)
def _new_clause() -> _NewClause:
    """``context.yml``'s ``new_clause``: the categories it ends, the conditions that run on across it, and
    patterns for a joining word or comma (or a reason), a subject and a verb of the present ("and i can't",
    ", mum's", "because i've")."""
    from bot.safety.concepts import normalise

    data = _rules_file()["new_clause"]
    longest_first = _longest_first
    verbs = "|".join(re.escape(v) if v.startswith("'") else r"\s+" + re.escape(v) for v in longest_first(data["verbs"]))

    def clause_after(joining, subjects) -> re.Pattern[str]:
        joins = "|".join(r"(?<![\w'])" + re.escape(j) + r"\s+" if j[0].isalnum() else re.escape(j) + r"\s*"
                         for j in longest_first(joining))
        who = "|".join(re.escape(s).replace(re.escape("[word]"), r"[a-z']+") for s in longest_first(subjects))
        return re.compile(rf"(?:{joins})(?:{who})(?:{verbs})(?![\w'])(?!\s+(?:heard|read|seen)\b)")

    any_join = data["joining"] + data["reasons"]
    joins = "|".join(r"(?<![\w'])" + re.escape(j) + r"\s+" if j[0].isalnum() else re.escape(j) + r"\s*"
                     for j in longest_first(any_join))
    who = "|".join(re.escape(s).replace(re.escape("[word]"), r"[a-z']+") for s in longest_first(data["backward_subjects"]))
    pointers = "|".join(re.escape(w) for w in longest_first(data["refers_back"]))
    resolved = _rules_file()["rules"]["NEGATED_EXISTENCE"].get("RESOLVED", {}).get("triggers", ())
    return _NewClause(frozenset(data["ends"]), frozenset(normalise(c) for c in data["conditions"]),
                      clause_after(any_join, data["subjects"]), clause_after(data["reasons"], data["subjects"]),
                      _words(data["past_in_condition"], longest_first), _now_or_reading(data, longest_first), _words(data["asks_in_clause"], longest_first),
                      clause_after(any_join, data["family_ends_at"]), frozenset(data["backward_ends"]),
                      re.compile(rf"(?:{joins})(?:{who})(?![\w'])"), re.compile(rf"(?<![\w'])(?:{pointers})(?![\w'])"),
                      frozenset(normalise(t) for t in resolved), frozenset(data["came_true_undoes"]),
                      *_came_true(data, longest_first))


def _now_or_reading(data: dict, longest_first) -> re.Pattern[str]:
    """A word of now (``now_in_condition``) or a reading told (``reading_in_condition``, patterns) in a clause."""
    return re.compile("|".join([_words(data["now_in_condition"], longest_first).pattern]
                               + list(data.get("reading_in_condition") or ())))


def _words(words, longest_first) -> re.Pattern[str]:
    """A pattern for any of ``words`` as whole words."""
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(w) for w in longest_first(words)) + r")(?![\w'])")


def _came_true(data: dict, longest_first) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns for a condition that has come true (``came_true_*``): a joining word, a subject and an
    auxiliary that ends its clause ("and they have", ", which i have", "and he is now"); the second for a
    sentence of its own, the joining word optional ("And she has.")."""
    joins = "|".join(r"(?<![\w'])" + re.escape(j) + r"\s+" if j[0].isalnum() else re.escape(j) + r"\s*"
                     for j in longest_first(data["came_true_joins"]))
    who = "|".join(re.escape(s).replace(re.escape("[word]"), r"[a-z']+") for s in longest_first(data["came_true_subjects"]))
    verbs = "|".join(re.escape(v) if v.startswith("'") else r"\s+" + re.escape(v)
                     for v in longest_first(data["came_true_verbs"]))
    ends = "|".join(r"\s+" + re.escape(e) for e in longest_first(data["came_true_ends"]))
    clause = rf"(?:{who})(?:{verbs})(?:{ends})?(?![\w'])(?=\s*(?:[.!?,;:)]|$|(?:and|so|but|what|should|do|can|please)\b))"
    return re.compile(rf"(?:{joins}){clause}"), re.compile(rf"^\W*(?:(?:{joins}))?{clause}")


def _came_true_after(doc, span) -> bool:
    """True when a condition has come true after ``span`` (``context.yml``, ``came_true_*``), in its
    sentence ("i was told to ring if my legs went numb, and they have") or as the next sentence ("and he has.")."""
    rules = _new_clause()
    sentence = span.sent
    if rules.came_true.search(doc[span.end:sentence.end].text.lower()):
        return True
    following = doc[sentence.end:sentence.end + 8]
    return sentence.end < len(doc) and bool(rules.came_true_next.match(following.text.lower()))


def _new_clause_between(doc, modifier, span) -> bool:
    """True when ``modifier`` is a trigger before ``span`` whose reach a new clause told as now ends before
    the sign (``context.yml``, ``new_clause``): "i was told to look out for numbness and i can't feel my legs".
    A condition ("if", "what if") runs on across "and" ("what if i get cord compression and i can't walk?"),
    not across a reason ("what to do if i get a fever, because i've got a temperature of 38.6") nor from a
    condition told in the past ("ring if my legs felt weak and i can't feel my legs") nor into a clause
    that says it is now ("ring if my temp goes over 37.5 and it's 37.9 now"); someone
    else's story runs on across "he", "she", "they" ("my friend had it and she can't walk now").
    """
    rules = _new_clause()
    start, end = modifier.modifier_span
    if span.end <= start:
        return _other_clause_before(doc, modifier, span, rules)
    if modifier.category not in rules.ends or end > span.start:
        return False
    condition = doc[start:end].text.lower() in rules.conditions
    starts = rules.reason if condition else rules.family if modifier.category == "FAMILY" else rules.starts
    between = doc[end:span.end]
    text = between.text.lower()
    found = starts.search(text)
    if condition and found is None:  # told in the past, then now: "ring if my legs felt weak and i can't..."
        found = rules.starts.search(text)  # ...or a clause that says it is now: "and it's 37.9 now"
        clause = doc[end:span.sent.end].text.lower()[found.start():] if found is not None else ""
        past = modifier.category == "ADVICE" and rules.past.search(text[:found.start()]) if found else None
        if found is not None and not past and not rules.now.search(clause):
            found = None
    if found is not None and span.sent.text.rstrip().endswith("?") \
            and rules.asks.search(doc[end:span.start].text.lower(), found.start()):
        return False  # a question about it, not news of it: "watch for numbness and i just wanted to check, does..."
    return found is not None and between.start_char + found.start() < span.start_char


def _other_clause_before(doc, modifier, span, rules: _NewClause) -> bool:
    """True when ``modifier`` is a trigger after ``span`` in a clause about something else: a joining word and
    a subject stand between them, and nothing after that subject refers back to the sign ("i can't feel my
    legs and the sickness has gone"; not "my legs went numb and it has gone", "... and the numbness has eased").
    """
    start, _ = modifier.modifier_span
    trigger = doc[start:modifier.modifier_span[1]].text.lower()
    if modifier.category not in rules.backward_ends or trigger in rules.resolved:
        return False
    if modifier.category == "HISTORICAL" and not told_in_the_present(doc[span.sent.start:span.end].text.lower()):
        return False  # "mum couldn't walk and she was in hospital for a month last year": all of it past
    between = doc[span.end:start].text.lower()
    boundaries = list(rules.backward.finditer(between))
    if not boundaries:
        return False
    clause = between[boundaries[-1].start():]
    sign_words = {w[:4] for w in re.findall(r"[a-z]{4,}", span.text.lower())}
    refers = rules.refers_back.search(clause) or any(w[:4] in sign_words for w in re.findall(r"[a-z]{4,}", clause))
    return not refers


def _longest_first(items) -> list[str]:
    """``items`` normalised, longest first (so a pattern of alternatives tries "has gone away" before "has gone")."""
    from bot.safety.concepts import normalise

    return sorted((normalise(str(i)) for i in items), key=len, reverse=True)


def _quoted(name: str, words: list) -> list[str]:
    """``words`` of ``context.yml``'s ``name``, checked to be text: YAML reads a bare off/on/no as false or true."""
    if not all(isinstance(w, str) for w in words):
        raise ValueError(f"context.yml: {name} words must be quoted text")
    return words


@lru_cache(maxsize=1)
def _open_recoveries() -> tuple[frozenset[str], frozenset[str]]:
    """``context.yml``'s ``open_recoveries``: the triggers, and the words that may follow them."""
    from bot.safety.concepts import normalise

    data = _rules_file()["open_recoveries"]
    _quoted("open_recoveries", [*data["triggers"], *data["may_follow"]])
    return frozenset(normalise(t) for t in data["triggers"]), frozenset(normalise(w) for w in data["may_follow"])


def _recovery_goes_on(doc, modifier) -> bool:
    """True when ``modifier`` is a recovery trigger of ``open_recoveries`` ("has gone", "has stopped") followed by a
    word that is not an adverb or a new clause's start: what happened next, not a recovery ("has gone very pale",
    "has stopped his tablets", "has stopped responding"). A recovery at the end of its clause still counts."""
    triggers, may_follow = _open_recoveries()
    start, end = modifier.modifier_span
    if modifier.category != "NEGATED_EXISTENCE" or doc[start:end].text.lower() not in triggers or end >= len(doc):
        return False
    following = doc[end]
    return following.is_alpha and following.lower_ not in may_follow


@lru_cache(maxsize=1)
def _past_verbs() -> re.Pattern[str]:
    """A pattern for the verbs of the past of ``context.yml``'s ``told_in_the_past``, as whole words."""
    return _words(_quoted("told_in_the_past", _rules_file()["told_in_the_past"]), _longest_first)


def _sign_clause(doc, span) -> str:
    """The clause of ``span`` (lower case): from the last clause boundary before it to the first after it."""
    sentence = span.sent
    before = CLAUSE_START.split(doc[sentence.start:span.start].text.lower())[-1]
    after = CLAUSE_END.split(doc[span.end:sentence.end].text.lower(), maxsplit=1)[0]
    return f"{before} {span.text.lower()} {after}"


def _sign_clause_told_in_the_past(doc, span) -> bool:
    """True when the clause of ``span`` has a verb of the past (``told_in_the_past`` in ``context.yml``) and
    none of the present: "in 2015 i couldn't feel my legs", not "slurring his words and face drooping, he had a
    bleed on the brain in 2020" (a story of long ago told after the sign, in a clause of its own)."""
    clause = _sign_clause(doc, span)
    return bool(_past_verbs().search(clause)) and not told_in_the_present(clause)


@lru_cache(maxsize=1)
def _history_recurs() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """``context.yml``'s ``history_recurs`` (words saying a sign told of the past is back: "it's happening again")
    and ``history_recurs_asked`` (words of a question about whether it will be: "likely", "prevent")."""
    data = _rules_file()
    return (_words(_quoted("history_recurs", data["history_recurs"]), _longest_first),
            _words(_quoted("history_recurs_asked", data["history_recurs_asked"]), _longest_first))


@lru_cache(maxsize=1)
def _suicide_followed_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """``context.yml``'s ``suicide_followed``: patterns for someone's suicide told and for following them."""
    data = _rules_file()["suicide_followed"]
    return (_words(_quoted("suicide_followed", data["phrases"]), _longest_first),
            _words(_quoted("suicide_followed", data["following"]), _longest_first))


def _suicide_followed(doc, span) -> bool:
    """True when ``span`` lies in words telling of a suicide (``suicide_followed`` in ``context.yml``) and the writer
    speaks of following later in the message ("my wife took her own life three years ago... i'm planning to end mine
    the same way she did"): the crisis is live whatever cancelled its words.

    >>> from bot.safety.concepts import safety_nlp
    >>> doc = safety_nlp()("my son took his own life in 2019 and i've been looking up how he did it")
    >>> _suicide_followed(doc, doc[2:6]), _suicide_followed(doc[:9].as_doc(), doc[:9].as_doc()[2:6])
    (True, False)
    """
    told, following = _suicide_followed_words()
    text = doc.text.lower()
    start, end = span.start_char, span.end_char
    return any(found.start() <= start and end <= found.end() and following.search(text, found.end())
               for found in told.finditer(text))


def _history_recurs_after(doc, modifier, span) -> bool:
    """True when ``modifier`` is a HISTORICAL trigger told after ``span`` ("years ago") and a word of
    ``history_recurs`` comes later in the message: the sign told of the past is back ("i tried to kill myself years
    ago and i'm scared it's happening again"); not in a question about whether it will be ("how do they stop it
    coming back?", ``history_recurs_asked``)."""
    start, end = modifier.modifier_span
    return modifier.category == "HISTORICAL" and start >= span.end and _told_back_later(doc, end)


def _told_back_later(doc, after: int) -> bool:
    """True when a word of ``history_recurs`` comes in ``doc`` from token ``after`` on, outside a question about
    whether it will come back (``history_recurs_asked``)."""
    recurs, asked = _history_recurs()
    for sentence in doc[after:].sents:
        text = sentence.text.lower()
        for found in recurs.finditer(text):
            if not (text.rstrip().endswith("?") and asked.search(text[:found.start()])):
                return True
    return False


def _terminated_between(doc, modifier, span) -> bool:
    """True when a terminating trigger ("but", "now", "though"; or one of the categories of the rule's
    ``terminated_by``) stands between ``modifier`` and ``span``: ConText ends a scope there (a trigger after
    the sign only at a contrast: "but", "though"). medspaCy 1.1.6
    misses it for a trigger with a ``max_scope`` ("i can't feel my legs though the bruising is better" stayed
    negated by "is better"): its ``tuple_overlaps`` says a scope lying wholly inside the terminator's scope
    does not overlap it, so ``limit_scope`` returns early. This does the same test on medspaCy's result.
    """
    start, end = modifier.modifier_span
    ended_by = modifier.rule.terminated_by
    for other in doc._.context_graph.modifiers:
        if other.direction.upper() != "TERMINATE" and other.category.upper() not in ended_by:
            continue
        other_start, other_end = other.modifier_span
        if end <= other_start and other_end <= span.start:  # trigger ... terminator ... sign
            return True
        if span.end <= other_start and other_end <= start \
                and doc[other_start:other_end].text.lower() in _contrasts():  # sign ... but ... trigger
            return True
    return False


@lru_cache(maxsize=1)
def _contrasts() -> frozenset[str]:
    """The terminators that end a scope backwards too (``context.yml``, TERMINATE/CONTRAST): "but", "though"."""
    from bot.safety.concepts import normalise

    return frozenset(normalise(t) for t in _rules_file()["rules"]["TERMINATE"]["CONTRAST"]["triggers"])


def modifiers(doc, spans: list[tuple[int, int]]) -> dict[tuple[int, int], set[str]]:
    """The ConText categories governing each span of ``doc`` (token start, end)."""
    if not spans:
        return {}
    unique = sorted(set(spans))
    doc.spans[SPAN_GROUP] = [doc[start:end] for start, end in unique]
    with warnings.catch_warnings():  # medspaCy's token matcher is empty: the rules are all phrases (W036)
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        _context()(doc)
    found = {}
    told_as_a_story = remote_past_sentences(doc) | care_given_sentences(doc)  # long ago, or already taken to hospital
    sentence_of = {sentence.start: number for number, sentence in enumerate(doc.sents)}
    for span in doc.spans[SPAN_GROUP]:
        # A cancelling trigger inside the matched words is part of what was said, not said about it: the
        # "no" of "my life has no purpose", the "wasn't" of "if I wasn't around", the "has gone" of "face has
        # gone numb" (the vocabulary holds the whole phrase). A hedge inside ("a bit") still makes it possible.
        categories = {m.category for m in span._.modifiers if not m.category.startswith("PSEUDO")
                      and not (m.category in CANCELLING
                               and span.start <= m.modifier_span[0] and m.modifier_span[1] <= span.end)
                      and not _told_in_the_present_after(doc, m, span)
                      and not _new_clause_between(doc, m, span)
                      and not _terminated_between(doc, m, span)
                      and not _information_asked_in_another_clause(m, span)
                      and not _history_recurs_after(doc, m, span)
                      and not _recovery_goes_on(doc, m)}
        sentence = span.sent.text
        if PERSONAL.search(sentence) or TOLD_AS_NOW.search(sentence):
            categories.discard("INFORMATION")
        elif GENERAL_QUESTION.match(sentence) and not WORRIED_QUESTION.search(sentence) and _asked_in_its_clause(span):
            categories.add("INFORMATION")  # "can bones in the foot fracture over time?": asked in general
        undone = categories & _new_clause().came_true_undoes
        if undone and _came_true_after(doc, span):
            categories -= undone
        if sentence_of.get(span.sent.start) in told_as_a_story and _sign_clause_told_in_the_past(doc, span) \
                and not _told_back_later(doc, span.end):
            categories.add("HISTORICAL")
        if _suicide_followed(doc, span):  # "... and i've been looking up how she did it": a crisis now
            categories -= {"HISTORICAL", "FAMILY"}
        found[(span.start, span.end)] = categories
    return found


def _clause_start(span) -> int:
    """The character offset in ``span``'s sentence where the clause ``span`` starts in begins (``CLAUSE_BREAK``)."""
    sentence = span.sent
    before = sentence.text[: span.start_char - sentence.start_char]
    breaks = list(CLAUSE_BREAK.finditer(before))
    return breaks[-1].end() if breaks else 0


def _information_asked_in_another_clause(modifier, span) -> bool:
    """True when an INFORMATION trigger ("what do", "what are") stands in an earlier clause of the sentence than
    the sign, and the sign's own clause does not ask: "what do we do, legs gone numb and can't wee since this
    morning?" tells the sign after asking (session 26, 2026-12-07)."""
    if modifier.category != "INFORMATION" or _asked_in_its_clause(span):
        return False
    trigger_start = span.doc[modifier.modifier_span[0]].idx
    return trigger_start < span.sent.start_char + _clause_start(span) and modifier.modifier_span[1] <= span.start


def _asked_in_its_clause(span) -> bool:
    """True when the clause of its sentence that ``span`` starts in opens with a question word (``CLAUSE_ASKS``):
    the sign is part of what is asked, not told before the question."""
    return bool(CLAUSE_ASKS.match(span.sent.text[_clause_start(span):]))


def _bare(text: str) -> str:
    from bot.safety.concepts import normalise

    return " ".join(re.sub(r"[^\w' ]+", " ", normalise(text)).split())


@lru_cache(maxsize=1)
def _unsure_answers() -> frozenset[str]:
    return frozenset(_bare(str(a)) for a in _rules_file().get("unsure_answers") or ())


def only_unsure(text: str) -> bool:
    """True when the whole of ``text`` only says the person is unsure ("Not sure.", "I don't know!"):
    ``context.yml``'s ``unsure_answers``, read as the check reads (``normalise``) and without punctuation.

    >>> only_unsure("Not sure..."), only_unsure("I'm not sure I can go on")
    (True, False)
    """
    return _bare(text) in _unsure_answers()


def warm_up() -> None:
    """Load ConText now rather than on the first message."""
    _context()
