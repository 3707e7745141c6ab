"""Red flags and the other senses of their words (session 29, 2026-12-08): an idiom or another sense of a
sign's word raises no alarm ("a stroke of luck", "fit to drive", "I got all choked up"), while the literal
sign beside it keeps its advice; a sign already taken to hospital, told in the past, is a story
(``care_already_given`` in ``content/safety/context.yml``), unless anything says it is still going on.

The rows are the team's own; how the check does on wording nobody here wrote is measured on ``eval/safety/``.
"""
from __future__ import annotations

import pytest

from bot.safety import check

# another sense of the word: no advice (content/safety/concepts.yml, each concept's `exclude`)
OTHER_SENSES = [
    "he thinks he is fit to drive now his hip is better",
    "I'm trying to keep fit while I'm on denosumab",
    "the dentist has fitted me a night guard",
    "my sister had a fit of the giggles in the waiting room",
    "does he fit the criteria for the trial?",
    "I got all choked up when the nurse told us it was working",
    "I was choking back tears all through the appointment",
    "what a stroke of luck, the clinic had a cancellation",
    "I stroke his hair until he falls asleep",
    "there's a faint line on the x-ray they want to check",
    "I've only a faint memory of the consultant mentioning denosumab",
    "I nearly fainted when I saw the price of hospital parking",
    "I nearly had a heart attack when I saw the size of the needle",
    "people don't respond well when I talk about the cancer",
    "I'm dead on my feet after the school run",
    "the nurse on the ward was dead nice to mum",
    "my phone's dead so I'm on my son's tablet",
    "I feel numb about the whole diagnosis",
    "the benefit forms have me totally confused",
    "the hospital letters are so confusing, one says Tuesday and one says Thursday",
    "I was shaking like a leaf before the scan",
    "that programme gave me the shivers, too close to home",
    "I can't stand all the waiting between scans",
    "I can't bear the thought of another hospital stay",
    "dad's being a right pain in the neck about his walking frame",
    "I snapped at my husband this morning and feel awful",
    "we fell out over who drives her to radiotherapy",
    "mum fell asleep during the zoledronic acid drip",
    "we're going to see family in the fall, can he fly with bone mets?",
    "the air turned blue when dad saw the parking charges",
    "I just collapsed on the sofa with the telly after the drip, is it normal to be so tired?",
    # a second round
    "I was wetting myself laughing at the nurse's jokes",
    "the builders have had the cement mixer going since seven",
    "the dog's been sick on the carpet again",
    "does it matter how her shoes fit with bone mets?",
    "bailiffs are threatening to seize the car",
    "dad can't stand daytime telly, any ideas for the infusion?",
    "I can't go on the school trip because it's mum's chemo day",
    "I fell off the wagon and had a cigarette",
    "our kettle's broken, dad's lost without his cuppa",
    "the shower keeps running hot and cold",
    "my daughter's got a loose tooth, the tooth fairy's coming tonight",
    "the walking stick is cramping her style",
    "I've decided to put his evening tablets ready in the dosette box",
]


@pytest.mark.parametrize("message", OTHER_SENSES)
def test_another_sense_of_a_signs_word_gets_no_advice(message):
    result = check(message)
    assert result.decision != "advice", (message, result.signs)


# the literal sign, also beside the same words: the full advice at its urgency
LITERAL_SIGNS = [
    ("he's having a fit and isn't responding", "call_999"),
    ("mum has fitted twice this morning", "call_999"),
    ("he had a coughing fit and now his lips have gone blue", "call_999"),
    ("he's choking and can't breathe", "call_999"),
    ("I think dad's had a stroke, his face has dropped on one side", "call_999"),
    ("she fainted in the kitchen and won't wake up", "call_999"),
    ("he doesn't respond when I shake him", "call_999"),
    ("the bandage is soaked and blood is dripping on the floor", "call_999"),
    ("blood is pouring from the wound and it won't stop", "call_999"),
    ("heard a pop in my ribs when I coughed and now it hurts to breathe in", "emergency"),
    ("he can't lift his feet properly tonight", "emergency"),
    ("his toes feel like cotton wool and his back is agony", "emergency"),
    ("my legs have gone dead and I can't stand up", "emergency"),
    # words the other senses' lists must not reach
    ("he's been having fits through the night", "call_999"),
    ("he had a fit in the bath", "call_999"),
    ("she fitted a few times this morning", "call_999"),
    ("he got choked up on a bit of meat and can't get any air in", "call_999"),
    ("think dad's had a stroke, his hand has gone floppy", "call_999"),
    ("she broke down in tears and can't stand up, her legs have gone", "emergency"),
    ("mum had a trip and fell and can't get up", "emergency"),
    ("he can't go on like this, he says he wants to die", "crisis"),
    ("i've decided tonight is the night, i have all the pills ready", "crisis"),
    ("dont know if hes had a heart attack, chest pain, sweating buckets and hes gone grey", "call_999"),
    # ...nor these, which the first lists did reach (found on reading the change again, session 29)
    ("she can't stand up for long now", "emergency"),
    ("I can't go on the way things are", "crisis"),
    ("I can't go on with the pain", "crisis"),
    ("mum can't stand her legs are too weak", "emergency"),
    ("mum fell for the second time today and can't get up", "emergency"),
    ("he fell behind the sofa and can't get up", "emergency"),
    ("he started to seize the moment I hung up", "call_999"),
    ("she collapsed on the sofa with no warning", "call_999"),
    ("mum's very confused and thirsty since her drip", "emergency"),
]


@pytest.mark.parametrize("message, urgency", LITERAL_SIGNS)
def test_the_literal_sign_keeps_its_advice(message, urgency):
    result = check(message)
    assert (result.decision, result.urgency) == ("advice", urgency), (message, result.signs)


# a sign told in the past, in a sentence that tells (in the past) of the hospital acting on it, or the sentence
# before one: a story, no advice
CARE_ALREADY_GIVEN = [
    "Mum bent down to feed the cat and felt something go in her back and couldn't move. Off to A&E we went. "
    "What does a spinal fracture mean for her treatment?",
    "My husband went to A&E on Friday because he was coughing up blood, what causes that on chemo?",
    "Dad fell and couldn't get up so we took him to hospital and they kept him in. How long does a hip take to heal?",
]


@pytest.mark.parametrize("message", CARE_ALREADY_GIVEN)
def test_a_sign_the_hospital_already_acted_on_is_a_story(message):
    result = check(message)
    assert result.decision != "advice", (message, result.signs)


# ...not when the sign is told now or after the visit, or anything says it goes on
CARE_THEN_STILL_GOING_ON = [
    ("we went to A&E but they sent him home and he still can't walk", "emergency"),
    ("he was very confused so we went to A&E yesterday", "emergency"),
    ("we took him to hospital last week. Now his legs have gone numb", "emergency"),
    ("she collapsed and we called an ambulance, they're not here yet", "call_999"),
    ("I was admitted after an overdose in the spring and I want to do it again", "call_999"),
]


@pytest.mark.parametrize("message, urgency", CARE_THEN_STILL_GOING_ON)
def test_a_sign_still_going_on_after_hospital_keeps_its_advice(message, urgency):
    result = check(message)
    assert (result.decision, result.urgency) == ("advice", urgency), (message, result.signs)
