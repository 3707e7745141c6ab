"""What a question is ABOUT and what it ASKS, read separately, and the topic that follows.

About: the procedures and medicines of ``content/lexicon.yml`` (brands and misspellings
included), and the conditions and side effects of ``content/understanding.yml`` ("ONJ",
"hypocalcaemia", "bone mets"). Asks: NHS access, side effects, how a medicine is given,
comparison, what it is, recovery... (``understanding.yml``'s ``asks``). A long message is read
for its question: the sentences that ask (a "?" or a question word), with the rest as the story.

``decide`` turns a reading into a topic when the reading is clear, and otherwise leaves the
intent classifier's decision alone (``None``):

>>> decide("can my dad get denosumab on the NHS?").topic
'nice_access'
>>> decide("what is Prolia and how is it different from zoledronic acid?").topic
'denosumab'
>>> decide("how long does recovery take after vertebroplasty?").topic
'vertebroplasty'
>>> decide("what is ONJ?").topic
'side_effects'
>>> decide("my mum has bone mets, what is her life expectancy?").topic
'out_of_scope'
>>> decide("thanks") is None
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.paths import content_dir

MEDICINES = ("denosumab", "bisphosphonates", "bone_strengthening_medicines")
BISPHOSPHONATES = ("bisphosphonates", "bone_strengthening_medicines")  # how_medicines_are_given covers these
NICE = re.compile(r"\bNICE\b")  # the institute, written in capitals; "nice" is also just nice
PROCEDURES = ("vertebroplasty", "kyphoplasty", "percutaneous_cementoplasty", "cementoplasty")
GENERAL_TOPICS = ("pathological_fractures", "bone_pain_treatments")  # the general topics: bone mets, broken bones, bone pain
QUESTION_WORD = re.compile(r"^\W*(?:what|which|how|why|when|where|who|is|are|can|could|does|do|should|will|would|"
                           r"has|have|may|any|tell|explain|please|i need|i want|i'd like|i would like|we would like|we'd like|i wish to|looking for)\b", re.IGNORECASE)
# asks beside which a cost word is only part of the story (who_pays yields to them)
LESSER_ASKS = frozenset({"recovery", "comparison", "who_for", "side_effects", "how_given", "urgent_help"})
# asks beside which an NHS word outside the asking clause is news told, not asked (read())
TOLD_NOT_ASKED_BESIDE = frozenset({"recovery", "comparison", "side_effects", "how_given", "what_it_is"})
WEAK = "condition named"  # a reading that only names a condition: used when the classifier is unsure
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")
_CLAUSE_WITH_END = re.compile(r"([^.!?\n,;:]+)([.!?\n,;:]*)")
INTERROGATIVE = re.compile(r"^\W*(?:what|which|how|why|when|where|who|is|are|am|can|could|does|do|did|should|will|"
                           r"would|has|have|may|shall)\b", re.IGNORECASE)


def _cue_pattern(cues: list[str]) -> re.Pattern[str]:
    parts = []
    for cue in sorted(cues, key=len, reverse=True):
        words = re.escape(str(cue).lower()).replace(r"\ \*\ ", r"\s+\w+(?:\s+\w+){0,2}\s+")
        words = words.replace(r"\*", r"\w*").replace(r"\ ", r"\s+")
        parts.append(words)
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def _word_endings(endings: list[str]) -> re.Pattern[str]:
    """Words with one of ``endings`` after two letters or more (four or more before an ending of up to four letters,
    "-nib", "-pril"): "raloxifene", "losartan", "ramipril"; not a word of one syllable over and over ("lolololol")."""
    longer = sorted((e for e in endings if len(e) > 4), key=len, reverse=True)
    shorter = sorted((e for e in endings if len(e) <= 4), key=len, reverse=True)
    parts = [r"[a-z]{2,}(?:" + "|".join(map(re.escape, longer)) + ")"] if longer else []
    parts += [r"[a-z]{4,}(?:" + "|".join(map(re.escape, shorter)) + ")"] if shorter else []
    return re.compile(r"\b(?!(\w{2,3})\1{2})(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Vocabulary:
    """``understanding.yml`` compiled: subject cues per topic, ask cues per aspect, out-of-scope cues."""

    subjects: dict[str, re.Pattern[str]]
    asks: dict[str, re.Pattern[str]]
    ask_topics: dict[str, tuple[str | None, str | None]]  # aspect -> (topic, "medicine"/"procedure"/None)
    out_of_scope: dict[str, re.Pattern[str]]
    follow_on_words: frozenset[str] = frozenset()
    alternative_remedies: re.Pattern[str] | None = None
    medicine_side_effects: re.Pattern[str] | None = None
    cement_in_the_spine: dict[str, re.Pattern[str]] = field(default_factory=dict)
    helpline_named: re.Pattern[str] | None = None
    helpline_when_about: re.Pattern[str] | None = None
    when_to_call: re.Pattern[str] | None = None
    not_covered_even_when_named: dict[str, frozenset[str]] = field(default_factory=dict)  # reason -> asks it yields to
    emergency_conditions: re.Pattern[str] | None = None
    emergency_yields_to: frozenset[str] = frozenset()
    emergency_yields_to_words: re.Pattern[str] | None = None
    emergency_setting: re.Pattern[str] | None = None
    practical_targets: re.Pattern[str] | None = None
    other_drug_names: re.Pattern[str] | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> "Vocabulary":
        """Read ``content/understanding.yml`` (or ``path``)."""
        data = yaml.safe_load(Path(path or content_dir() / "understanding.yml").read_text(encoding="utf-8"))
        return cls(
            subjects={topic: _cue_pattern(cues + (data.get("reading_subjects") or {}).get(topic, []))
                      for topic, cues in data["subjects"].items()},
            asks={aspect: _cue_pattern(spec["cues"]) for aspect, spec in data["asks"].items()},
            ask_topics={aspect: (spec.get("topic"), spec.get("for")) for aspect, spec in data["asks"].items()},
            out_of_scope={reason: _cue_pattern(cues) for reason, cues in data["out_of_scope"].items()},
            follow_on_words=frozenset(str(w).lower() for w in data.get("follow_on_words") or ()),
            alternative_remedies=_cue_pattern(data["alternative_remedies"]) if data.get("alternative_remedies") else None,
            medicine_side_effects=_cue_pattern(data["medicine_side_effects"]) if data.get("medicine_side_effects") else None,
            emergency_conditions=_cue_pattern(data["emergency_conditions"]) if data.get("emergency_conditions") else None,
            emergency_yields_to=frozenset(data.get("emergency_yields_to") or ()),
            emergency_yields_to_words=_cue_pattern(data["emergency_yields_to_words"])
            if data.get("emergency_yields_to_words") else None,
            emergency_setting=_cue_pattern(data["emergency_setting"]) if data.get("emergency_setting") else None,
            practical_targets=_cue_pattern(data["asks"]["emotional_support"]["practical_targets"])
            if (data["asks"].get("emotional_support") or {}).get("practical_targets") else None,
            other_drug_names=_word_endings(data["other_drug_endings"]) if data.get("other_drug_endings") else None,
            cement_in_the_spine={part: _cue_pattern(cues) for part, cues in (data.get("cement_in_the_spine") or {}).items()},
            helpline_named=_cue_pattern(data["helpline_named"]) if data.get("helpline_named") else None,
            helpline_when_about=_cue_pattern(data["helpline_when_about"]) if data.get("helpline_when_about") else None,
            when_to_call=_cue_pattern(data["when_to_call"]) if data.get("when_to_call") else None,
            not_covered_even_when_named={reason: frozenset(asks or ()) for reason, asks
                                         in (data.get("not_covered_even_when_named") or {}).items()},
        )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The project's vocabulary, read once."""
    return Vocabulary.load()


@dataclass(frozen=True)
class Reading:
    """A question read: ``subjects`` (topic ids, in the order named; the question's own first, then
    the story's), ``asks`` (aspects), ``out_of_scope`` (reasons found in the question itself)."""

    subjects: tuple[str, ...]
    asks: frozenset[str]
    out_of_scope: tuple[str, ...]

    @property
    def named(self) -> tuple[str, ...]:
        """The procedures and medicines named (the subjects that are topics of their own)."""
        return tuple(s for s in self.subjects if s in MEDICINES + PROCEDURES)


def question_part(text: str) -> str:
    """The sentences of ``text`` that ask something (all of it when none does, or it is short)."""
    sentences = [s for s in _SENTENCE.split(text.strip()) if s.strip()]
    if len(sentences) <= 1:
        return text
    asking = [s for s in sentences if "?" in s or QUESTION_WORD.match(s)]
    return " ".join(asking) if asking else text


def asking_clauses(text: str) -> list[str]:
    """The clauses of ``text`` that ask something: those ending in a question mark, and those opening
    with an interrogative word ("can", "is", "how"...; not "please" or "I need").

    >>> asking_clauses("my back is worse since the vertebroplasty, can it wait till Monday? please help")
    ['can it wait till Monday']
    """
    found = []
    for match in _CLAUSE_WITH_END.finditer(text or ""):
        clause, end = match.group(1).strip(), match.group(2)
        if clause and ("?" in end or INTERROGATIVE.match(clause)):
            found.append(clause)
    return found


def _subjects(text: str) -> list[tuple[int, str]]:
    from bot.content.lexicon import Lexicon

    found: list[tuple[int, str]] = []
    lowered = text.lower()
    for _label, topic_id, words in Lexicon.load().mentions(text):
        found.append((lowered.find(words.lower()), topic_id))
    for topic_id, pattern in vocabulary().subjects.items():
        found += [(m.start(), topic_id) for m in pattern.finditer(text)]
    return sorted(found)


def read(text: str) -> Reading:
    """Read ``text`` for what it is about and what it asks."""
    text = text or ""
    question = question_part(text)
    ordered = [t for _, t in _subjects(question)] + [t for _, t in _subjects(text)]
    subjects = tuple(dict.fromkeys(ordered))
    asks = {a for a, pattern in vocabulary().asks.items() if pattern.search(question)}
    if NICE.search(text):
        asks.add("nhs_access")
    if "nhs_access" in asks and asks & TOLD_NOT_ASKED_BESIDE and not _asked_in_a_clause(text, "nhs_access"):
        asks.discard("nhs_access")  # "the ICB has approved my kyphoplasty, how long is recovery?": news, not asked
    when = vocabulary().when_to_call
    if when is not None and when.search(question) and "warning_signs" in subjects:
        asks.add("urgent_help")  # "when should I ring 999 instead of the nurse line?"
    out = tuple(r for r, pattern in vocabulary().out_of_scope.items() if pattern.search(question))
    if "other_drugs" not in out and _names_another_drug(question):
        out += ("other_drugs",)
    return Reading(subjects, frozenset(asks), out)


def _asked_in_a_clause(text: str, aspect: str) -> bool:
    """True when a clause of ``text`` that asks something (``asking_clauses``) has a cue of ``aspect`` (NICE, in
    capitals, for NHS access), or when no clause asks ("To ask the Scottish Government which NHS Boards...": it
    cannot be told apart)."""
    pattern, clauses = vocabulary().asks[aspect], asking_clauses(text)
    return not clauses or any(pattern.search(clause) or (aspect == "nhs_access" and NICE.search(clause))
                              for clause in clauses)


def _names_another_drug(text: str) -> bool:
    """True when ``text`` has a word with another medicine's ending (``other_drug_endings``) that is
    not one of the names in ``lexicon.yml`` ("what are the risks of raloxifene?")."""
    from bot.content.lexicon import Lexicon

    pattern = vocabulary().other_drug_names
    found = {m.group(0).lower() for m in pattern.finditer(text)} if pattern is not None else set()
    if not found:
        return False
    return bool(found - {words.lower() for _label, _topic, words in Lexicon.load().mentions(text)})


@dataclass(frozen=True)
class Decision:
    """The topic a question is about (``out_of_scope`` for the honest "not covered"), and why."""

    topic: str
    reason: str


def _kinds(topic_id: str) -> set[str]:
    kinds = {"medicine"} if topic_id in MEDICINES else {"procedure"} if topic_id in PROCEDURES else set()
    return kinds | ({"bisphosphonate"} if topic_id in BISPHOSPHONATES else set())


def decide(text: str) -> Decision | None:
    """The topic ``text`` is about when its reading makes that clear, else None (the classifier decides)."""
    reading = read(text)
    held = vocabulary().not_covered_even_when_named
    beyond = [r for r in reading.out_of_scope if r in held and not held[r] & reading.asks]
    if beyond:  # "how long do people live after a vertebroplasty?": not the procedure's page
        return Decision("out_of_scope", ", ".join(beyond))
    named = reading.named
    question_named = [t for _, t in _subjects(question_part(text)) if t in MEDICINES + PROCEDURES] if named else []
    if named and (question_named or not reading.out_of_scope):
        candidates = question_named or list(named)
        specific = [s for s in candidates if s != "bone_strengthening_medicines"]
        subject = specific[0] if specific else candidates[0]  # "is the bone jab the same as zometa?": zometa
        if subject == "cementoplasty":
            subject = where_the_cement_goes(text) or _the_cement_procedure_named(text, candidates) or subject
        if {"denosumab", "bisphosphonates"} <= set(named) and "comparison" in reading.asks:
            return Decision("denosumab", "comparison")
        asked = _asked_topic(subject, reading)
        if asked:
            return Decision(asked[0], f"{asked[1]} of {subject}")
        beside = vocabulary().medicine_side_effects
        if subject in MEDICINES and ("side_effects" in reading.subjects or (beside and beside.search(text))):
            # "is the ONJ thing from zometa real?", "is the thigh bone fracture thing from bisphosphonates real?"
            return Decision("side_effects", f"a side effect of {subject} named")
        return Decision(subject, "named")
    if _emergency_named(text, reading):  # "what is hypercalcemia?" (not a dexamethasone dose for it)
        return Decision("warning_signs", "emergency named")
    if _support_asked(text, reading):  # "how can I stay strong knowing my wife has terminal cancer?"
        return Decision(_answering("emotional_support"), "support asked")
    if reading.out_of_scope:
        return Decision("out_of_scope", ", ".join(reading.out_of_scope))
    others = [s for s in reading.subjects if s not in named]
    if "side_effects" in others:
        return Decision("side_effects", "side effect named")
    if "urgent_help" in reading.asks and not _when_to_call_the_helpline(text, others):
        # "what are the red flags?", "when should I go to A&E?"
        return Decision("warning_signs", "urgent help asked")
    if ("nice_access" in others or NICE.search(text)) and "nhs_access" in reading.asks:
        return Decision("nice_access", "nhs access")
    for aspect in ("talk_to_a_person", "wants_a_person"):  # "who should I phone?", "is the nurse line open?"
        if aspect in reading.asks:
            return Decision(_answering(aspect), "a person asked")
    general_named = [g for g in GENERAL_TOPICS if g in others]
    if general_named and "treatment_options" in reading.asks and "warning_signs" not in others:
        # "what are the treatments for compression fractures?" (not "how is cord compression treated?": a warning sign)
        return Decision(_answering("treatment_options"), "treatments asked")
    if general_named:  # bone mets, broken bones, bone pain: used when the classifier is unsure
        return Decision(general_named[0], WEAK)
    if "side_effects" in reading.asks and not reading.subjects:  # "what side effects may I notice from this medicine?"
        return Decision("side_effects", WEAK)
    return None


def _when_to_call_the_helpline(text: str, others: list[str]) -> bool:
    """True when the line ``text`` asks when to call is the nurse helpline (``helpline_named``), with no warning
    sign or emergency line named beside it, nor what it is about: "When to call the cancer helpline" (not "when do I call
    999 or the helpline?", "when should I call the helpline about his weak legs?")."""
    named, about = vocabulary().helpline_named, vocabulary().helpline_when_about
    return (named is not None and bool(named.search(text)) and "warning_signs" not in others
            and not (about is not None and about.search(text)))


def where_the_cement_goes(text: str) -> str | None:
    """The cement procedure ``text`` describes without naming one (``understanding.yml``'s ``cement_in_the_spine``):
    ``vertebroplasty`` (``kyphoplasty`` with a balloon) in the spine, ``percutaneous_cementoplasty`` in another bone,
    else None (both, neither, or where it can go is the question).

    >>> where_the_cement_goes("the doctor wants to inject cement into her back"), where_the_cement_goes("cement in his hip")
    ('vertebroplasty', 'percutaneous_cementoplasty')
    >>> where_the_cement_goes("can I go back to work after the cement?"), where_the_cement_goes("is cement only used in the spine?")
    (None, None)
    """
    parts = vocabulary().cement_in_the_spine
    if not parts:
        return None
    found = {part: bool(pattern.search(text or "")) for part, pattern in parts.items() if part != "balloon"}
    if not found["cement"] or found["named_procedure"] or found["where_asked"] or found["not_the_procedure"] \
            or found["spine"] == found["other_bones"]:
        return None
    if found["spine"]:  # a balloon in the sentence that names the cement: a kyphoplasty
        balloon = any(parts["balloon"].search(s) and parts["cement"].search(s) for s in _SENTENCE.split(text))
        return "kyphoplasty" if balloon else "vertebroplasty"
    return "percutaneous_cementoplasty"


def _the_cement_procedure_named(text: str, candidates: list[str]) -> str | None:
    """The other procedure named when ``text`` says only "cement", not cementoplasty ("is the cement used in
    vertebroplasty safe?": vertebroplasty), else None."""
    if "cementoplast" in text.lower():
        return None
    return next((c for c in candidates if c in PROCEDURES and c != "cementoplasty"), None)


def _emergency_named(text: str, reading: Reading) -> bool:
    """True when the question names an emergency the warning signs cover ("what is neutropenic sepsis?") and
    nothing else not covered (chemotherapy as its setting aside), nor asks how it is treated, its recovery,
    its cost, NHS access or a dose (``emergency_yields_to``, ``emergency_yields_to_words``)."""
    pattern, words = vocabulary().emergency_conditions, vocabulary().emergency_yields_to_words
    question = question_part(text)
    return bool(pattern and pattern.search(question)
                and not set(reading.out_of_scope) - {"other_drugs"} - _chemotherapy_as_the_setting(question, reading)
                and not reading.asks & vocabulary().emergency_yields_to
                and not (words and words.search(question)))


def _chemotherapy_as_the_setting(question: str, reading: Reading) -> set[str]:
    """``{"other_treatments"}`` when the only other treatment named is the emergency's setting (``emergency_setting``:
    "a fever during chemo"), else empty."""
    setting = vocabulary().emergency_setting
    if "other_treatments" not in reading.out_of_scope or setting is None:
        return set()
    rest = setting.sub(" ", question)
    return set() if vocabulary().out_of_scope["other_treatments"].search(rest) else {"other_treatments"}


def _support_asked(text: str, reading: Reading) -> bool:
    """True when the question asks how to bear it or support someone emotionally, about no practical target
    ("what should I say to the GP?"), asks no treatment ("emotionally drained by the pain, what can be done for
    it?") and stands beside nothing not covered but a prognosis named ("terminal")."""
    practical = vocabulary().practical_targets
    return ("emotional_support" in reading.asks and "treatment_options" not in reading.asks
            and set(reading.out_of_scope) <= {"prognosis_named"}
            and not (practical and practical.search(question_part(text))))


def _answering(aspect: str) -> str:
    """The topic ``understanding.yml`` names as answering ``aspect`` (a ValueError when it names none)."""
    topic = vocabulary().ask_topics[aspect][0]
    if not topic:
        raise ValueError(f"understanding.yml: the ask {aspect!r} needs a topic")
    return topic


def _asked_topic(subject: str | None, reading: Reading) -> tuple[str, str] | None:
    """(topic, aspect) when ``reading`` asks an aspect that a topic of its own answers for a subject
    like ``subject`` (NHS access for anything, side effects for a medicine, how it is given for a
    bisphosphonate, the helpline when a person is plainly asked for), else None."""
    for aspect in ("nhs_access", "urgent_help", "side_effects", "how_given", "wants_a_person", "who_pays"):
        topic, kind = vocabulary().ask_topics[aspect]
        if aspect == "who_pays" and reading.asks & LESSER_ASKS:
            continue  # "I can't afford to be off work, how long is recovery?" asks about recovery
        if aspect in reading.asks and topic and (kind is None or kind in _kinds(subject or "")):
            return topic, aspect
    return None


def followup_topic(subject: str | None, text: str) -> str | None:
    """The topic a follow-up about ``subject`` asks for, when another topic answers it, else None.

    >>> followup_topic("bisphosphonates", "how is it given?"), followup_topic("denosumab", "is it safe?")
    ('how_medicines_are_given', 'side_effects')
    >>> followup_topic("kyphoplasty", "can I get it on the NHS?"), followup_topic("kyphoplasty", "is it safe?")
    ('nice_access', None)
    """
    reading = read(text or "")
    if reading.named:  # a subject of its own ("and zometa?"): not a follow-up about this one
        return None
    asked = _asked_topic(subject, reading)
    return asked[0] if asked else None


# the aspects "and zoledronic acid?" goes on asking; after the warning signs it asks about the medicine
CARRIED_ASPECTS = ("nhs_access", "side_effects", "how_given")


def carried_ask(last_topic: str | None, text: str) -> str | None:
    """The aspect topic to answer again when ``text`` only names a new subject after an answer about
    that aspect ("and zoledronic acid?" after NHS access: NHS access), when it answers for the new
    subject; else None.

    >>> carried_ask("nice_access", "and zoledronic acid?"), carried_ask("side_effects", "what about Xgeva?")
    ('nice_access', 'side_effects')
    >>> carried_ask("how_medicines_are_given", "and denosumab?"), carried_ask("nice_access", "is zometa safe?")
    (None, None)
    >>> carried_ask("warning_signs", "and denosumab?"), carried_ask("nice_access", "/ask_bisphosphonates")
    (None, None)
    """
    from bot.content.lexicon import Lexicon

    if not last_topic or (text or "").lstrip().startswith("/"):  # a button's payload names its own intent
        return None
    reading = read(text or "")
    if not reading.named or reading.asks:
        return None
    rest = (text or "").lower()
    for _label, _topic, words in Lexicon.load().mentions(text):
        rest = rest.replace(words.lower(), " ")
    if set(re.findall(r"[a-z']+", rest)) - vocabulary().follow_on_words:
        return None  # more than a subject's name: a question of its own
    for aspect in CARRIED_ASPECTS:
        topic, kind = vocabulary().ask_topics[aspect]
        if topic == last_topic and (kind is None or kind in _kinds(reading.named[0])):
            return topic
    return None


def names_ours_without_a_remedy(text: str) -> bool:
    """True when the question part of ``text`` names one of our procedures or medicines and no remedy offered
    instead of treatment ("will zoledronic acid slow the spread?": True; "is there a natural cure instead of
    zoledronic acid?": False).

    >>> names_ours_without_a_remedy("will zoledronic acid slow the spread?")
    True
    >>> names_ours_without_a_remedy("is there a natural cure instead of zoledronic acid?")
    False
    """
    remedies = vocabulary().alternative_remedies
    if remedies is not None and remedies.search(text or ""):
        return False
    return subject_of(question_part(text or "")) is not None


def subject_of(text: str) -> str | None:
    """The procedure or medicine ``text`` is about (its question first), or None.

    >>> subject_of("can I have kyphoplasty on the NHS?"), subject_of("what does NICE say?")
    ('kyphoplasty', None)
    >>> subject_of("they want to put cement into her back")
    'vertebroplasty'
    """
    named = read(text or "").named
    if named and named[0] == "cementoplasty":  # "cement into her back": the vertebroplasty, as decide() reads it
        return where_the_cement_goes(text or "") or named[0]
    return named[0] if named else None
