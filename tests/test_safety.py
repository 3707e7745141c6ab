"""Red flags: every emergency and crisis caught, no alarm on negations and ordinary questions.

Tables of real-sounding messages (patients, carers, typos). ``test_counts`` prints the totals.
"""
from __future__ import annotations

import pytest

from bot.safety import check, normalise

EMERGENCIES = [
    # spinal cord compression: neurological signs
    ("my legs have gone weak", "emergency_spinal_cord"),
    ("legs gone weak", "emergency_spinal_cord"),
    ("cant feel my feet", "emergency_spinal_cord"),
    ("I can't feel my legs properly", "emergency_spinal_cord"),
    ("numbness in both legs since this morning", "emergency_spinal_cord"),
    ("tingling down my left leg and it feels heavy", "emergency_spinal_cord"),
    ("pins and needles in my feet that won't go", "emergency_spinal_cord"),
    ("my arms feel numb", "emergency_spinal_cord"),
    ("weakness in my legs, hard to climb stairs", "emergency_spinal_cord"),
    ("my legs keep giving way", "emergency_spinal_cord"),
    ("I'm struggling to walk today", "emergency_spinal_cord"),
    ("he can't stand up on his own any more", "emergency_spinal_cord"),
    ("I keep falling over", "emergency_spinal_cord"),
    ("my legs feel like jelly", "emergency_spinal_cord"),
    ("wet myself", "emergency_spinal_cord"),
    ("I wet myself and didn't feel it", "emergency_spinal_cord"),
    ("I've lost control of my bladder", "emergency_spinal_cord"),
    ("can't control my bowels", "emergency_spinal_cord"),
    ("I cant pee even though I need to", "emergency_spinal_cord"),
    ("she has become incontinent overnight", "emergency_spinal_cord"),
    # spinal cord compression: pain patterns
    ("terrible back pain that keeps me awake", "emergency_spinal_cord"),
    ("severe back pain getting worse every day", "emergency_spinal_cord"),
    ("back pain worse when I cough", "emergency_spinal_cord"),
    ("my back pain stops me sleeping", "emergency_spinal_cord"),
    ("pain in my upper back", "emergency_spinal_cord"),
    ("I have a pain in my middle back", "emergency_spinal_cord"),
    ("neck pain that won't settle", "emergency_spinal_cord"),
    ("band of pain round my chest", "emergency_spinal_cord"),
    ("pain shooting down my leg", "emergency_spinal_cord"),
    ("back pain and numb legs", "emergency_spinal_cord"),
    ("back pain with weakness", "emergency_spinal_cord"),
    ("excruciating back pain", "emergency_spinal_cord"),
    # broken bone
    ("I heard a crack in my hip", "emergency_fracture"),
    ("felt something snap in my leg", "emergency_fracture"),
    ("I think I've broken my arm", "emergency_fracture"),
    ("she can't put weight on her leg since she fell", "emergency_fracture"),
    ("sudden pain in my thigh and I can't bear weight", "emergency_fracture"),
    ("his hip has snapped", "emergency_fracture"),
    # high calcium
    ("very thirsty and being sick", "emergency_high_calcium"),
    ("really thirsty and drowsy all day", "emergency_high_calcium"),
    ("mum is suddenly confused", "emergency_high_calcium"),
    ("he is confused and very sleepy", "emergency_high_calcium"),
    ("so thirsty and throwing up", "emergency_high_calcium"),
    # after a cement procedure
    ("after my vertebroplasty I'm short of breath", "emergency_after_procedure"),
    ("chest pain since the kyphoplasty", "emergency_after_procedure"),
    ("since her cementoplasty she is breathless", "emergency_after_procedure"),
    # general emergencies
    ("I have chest pain", "emergency_general"),
    ("is this a heart attack", "emergency_general"),
    ("he can't breathe", "emergency_general"),
    ("cant breath properly", "emergency_general"),
    ("she has collapsed", "emergency_general"),
    ("he's unconscious", "emergency_general"),
    ("I took too many of my tablets", "emergency_general"),
    ("what to do in case of an overdose of zoledronic acid", "emergency_general"),
    ("my face is drooping and my speech is slurred", "emergency_general"),
    ("numbness of face and arm, is it an emergency?", "emergency_general"),
    ("should I call an ambulance", "emergency_general"),
    ("do I need to go back to A&E", "emergency_general"),
    ("he's having a seizure", "emergency_general"),
    ("coughing up blood", "emergency_general"),
]

CARERS = [
    ("my dad's legs have gone numb", "emergency_spinal_cord"),
    ("my mum can't walk since yesterday", "emergency_spinal_cord"),
    ("my husband wet himself and says his back is agony", "emergency_spinal_cord"),
    ("my wife says her legs feel weak and wobbly", "emergency_spinal_cord"),
    ("my brother has lost feeling in his feet", "emergency_spinal_cord"),
    ("my nan is very thirsty and confused", "emergency_high_calcium"),
    ("my father fell and heard a crack", "emergency_fracture"),
    ("my son's dad can't feel his legs", "emergency_spinal_cord"),
    ("Mum's legs gave way on the stairs", "emergency_spinal_cord"),
    ("my partner's back pain is getting worse and worse", "emergency_spinal_cord"),
]

CRISES = [
    "I want to die",
    "I want to kill myself",
    "I'm thinking about suicide",
    "I feel suicidal",
    "I don't want to live any more",
    "I dont want to be here anymore",
    "everyone would be better off without me",
    "there's no point in living",
    "I can't go on like this",
    "I've been self harming",
    "I want to hurt myself",
    "I'm saving my morphine to take all my tablets at once",
    "my dad says he'll end it",
    "my mum says she wants to die",
    "my husband says he wants to end his life",
    "he keeps saying he's going to end it all",
    "my wife told me she doesn't want to wake up",
    "I wish I was dead",
    "I might as well end things",
    "I can't cope any more",
]

URGENT = [
    ("I'm on zometa and my jaw is really sore", "urgent_jaw"),
    ("pain in my jaw since starting denosumab", "urgent_jaw"),
    ("tooth socket won't heal after extraction, I'm on xgeva", "urgent_jaw"),
    ("there's exposed bone in my mouth", "urgent_jaw"),
    ("my gum hasn't healed and I have bisphosphonate infusions", "urgent_jaw"),
    ("loose teeth since my prolia injections", "urgent_jaw"),
    ("tingling round my mouth since the denosumab injection", "urgent_low_calcium"),
    ("muscle cramps after zoledronic acid", "urgent_low_calcium"),
    ("my lips feel numb and tingly", "urgent_low_calcium"),
    ("I get spasms in my hands since starting Xgeva", "urgent_low_calcium"),
]

NEGATIONS = [
    "no numbness, how does vertebroplasty work?",
    "I don't have any weakness or numbness in my legs",
    "no tingling or weakness, just want to know about kyphoplasty",
    "not numb at all, is cementoplasty painful?",
    "there's no chest pain, I'm asking about denosumab",
    "I haven't lost control of my bladder",
    "he has no numbness in his legs",
    "no problems walking, what is vertebroplasty?",
    "never had any weakness in my arms",
    "without any numbness, can I have kyphoplasty?",
    "my back pain isn't getting worse",
    "I'm not thirsty or confused, what is zoledronic acid?",
    "no jaw pain on zometa so far",
    "she isn't incontinent",
]

INFORMATION_QUESTIONS = [
    "what are the warning signs of spinal cord compression?",
    "what are the symptoms of spinal cord compression",
    "can vertebroplasty cause numbness?",
    "what are the signs of high calcium?",
    "which symptoms of numbness in the legs should I watch for",
    "can you clarify what are ER red flags",
    "what does it mean if legs go weak with bone cancer?",
    "is tingling in the legs a side effect of denosumab?",
    "what are the risks of kyphoplasty, like chest pain?",
    "what symptoms of a broken bone should I look out for",
]

ORDINARY = [
    "what is vertebroplasty?",
    "How long is recovery after kyphoplasty?",
    "Zotmeta infusions as part of the chemo, is that safe?",
    "my mother's doctor wants to inject cement into her back, is it safe?",
    "does vertebroplasty help back pain?",
    "is kyphoplasty painful",
    "my mum has weak bones from myeloma",
    "can I get cementoplasty on the NHS?",
    "what are the side effects of denosumab",
    "why does cancer make bones break?",
    "my dad has prostate cancer in his spine, what can help the pain?",
    "how is zoledronic acid given?",
    "can I talk to a nurse",
    "thank you",
    "hello",
    "what does NICE say about kyphoplasty",
    "what is a pathological fracture",
    "is denosumab better than zoledronic acid",
    "I have back pain from my bone metastases, would cement help?",
    "my husband is on Xgeva, what is it for?",
    "who should get Zometa",
    "what is balloon kyphoplasty",
    "my wife's cancer spread to her hip, will it break?",
    "do bisphosphonates help bone pain",
    "the nurse said I need a dental check before denosumab, why?",
    "can I have my bone drug as a tablet",
    "what is cementoplasty",
    "my sister had radiotherapy for her bone pain",
    "is this service free",
    "I'm scared about my scan results",
    "my dad broke his hip last year and now has cancer in his bones",
    "how many people get pain relief from vertebroplasty",
    "it's killing me not knowing what the treatment involves",
    "will kyphoplasty make me taller",
    "what is the cement made of",
    "I'm on zometa, what is it for?",
    "my jaw is fine but what about my kidneys on zoledronic acid",
    "I had my first infusion yesterday",
    "can I drive after vertebroplasty",
    "",
    "   ",
    "🙂",
    "<img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("message, intent", EMERGENCIES + CARERS)
def test_emergencies_are_caught(message, intent):
    result = check(message)
    assert result.urgency == "emergency", (message, result)
    assert result.intent == intent


@pytest.mark.parametrize("message", CRISES)
def test_crises_are_caught(message):
    assert check(message).intent == "crisis"


@pytest.mark.parametrize("message, intent", URGENT)
def test_urgent_signs_are_caught(message, intent):
    assert check(message).intent == intent


@pytest.mark.parametrize("message", NEGATIONS)
def test_negated_signs_raise_no_alarm(message):
    result = check(message)
    assert not result.flagged, result
    assert result.negated or not result.matched


@pytest.mark.parametrize("message", INFORMATION_QUESTIONS)
def test_information_questions_raise_no_alarm(message):
    result = check(message)
    assert not result.flagged, result


@pytest.mark.parametrize("message", ORDINARY)
def test_ordinary_messages_raise_no_alarm(message):
    assert not check(message).flagged, check(message)


def test_crisis_is_never_excused_as_an_information_question():
    assert check("what are the signs I want to die").intent == "crisis"


def test_emergency_wins_over_urgent_in_one_message():
    assert check("my jaw hurts on zometa and I can't feel my legs").urgency == "emergency"


def test_hostile_input_never_raises():
    for text in ["\x00" * 50, "a" * 100_000, "(" * 1000, "\\" * 500, None]:
        check(text)


def test_normalise_fixes_informal_spelling():
    assert normalise("Cant feel my legs, DONT know") == "can't feel my legs, don't know"


def test_counts():
    total = len(EMERGENCIES) + len(CARERS) + len(CRISES) + len(URGENT) + len(NEGATIONS) + len(INFORMATION_QUESTIONS) + len(ORDINARY)
    print(
        f"\nsafety table: {len(EMERGENCIES) + len(CARERS)} emergencies (incl. {len(CARERS)} carers), "
        f"{len(CRISES)} crises, {len(URGENT)} urgent, {len(NEGATIONS)} negations, "
        f"{len(INFORMATION_QUESTIONS)} information questions, {len(ORDINARY)} ordinary; {total} in all"
    )
    assert total >= 150
