"""What a question is about and what it asks (bot/understanding/question.py), as a table.

The wording is the team's own: how well the reading does on questions nobody here wrote is
measured on eval/questions/ (``python -m bot evaluate``)."""
from __future__ import annotations

import pytest

from bot.understanding.question import decide, question_part, read, subject_of

DECISIONS = [
    # a subject named, an aspect asked
    ("can my dad get denosumab on the NHS?", "nice_access"),
    ("is kyphoplasty available on the nhs in wales", "nice_access"),
    ("What does NICE recommend for vertebroplasty?", "nice_access"),
    ("what is Prolia and how is it different from zoledronic acid?", "denosumab"),
    ("xgeva vs zometa, which is better", "denosumab"),
    ("how long does recovery take after vertebroplasty?", "vertebroplasty"),
    ("how soon will I feel better after cementoplasty?", "cementoplasty"),
    ("what are the side effects of zoledronic acid", "side_effects"),
    ("is denosumab safe for my kidneys", "side_effects"),
    ("how is zometa given, is it a drip?", "how_medicines_are_given"),
    ("How is denosumab given?", "denosumab"),
    ("what are the risks of kyphoplasty", "kyphoplasty"),
    ("tell me about balloon kyphoplasty", "kyphoplasty"),
    ("When should I seek medical help after a Zometa infusion?", "warning_signs"),
    # what to do in an emergency, with nothing named
    ("what are the red flags I should know about?", "warning_signs"),
    ("when should I go to A&E?", "warning_signs"),
    # conditions and abbreviations
    ("what is ONJ?", "side_effects"),
    ("can bisphosphonates cause osteonecrosis of the jaw", "side_effects"),
    ("what is hypocalcaemia", "side_effects"),
    # honest scope
    ("my mum has bone mets, what is her life expectancy?", "out_of_scope"),
    ("does tamoxifen cause bone pain?", "out_of_scope"),
    ("can I take ibuprofen for the bone pain", "out_of_scope"),
    # who pays (costs, charges, insurance): NHS access, with costs as a gap of its answer
    ("Does Medicare cover kyphoplasty?", "nice_access"),
    ("Will my insurance pay for Xgeva?", "nice_access"),
    ("how much does a vertebroplasty cost?", "nice_access"),
    ("is zometa covered by insurance", "nice_access"),
    ("Do I have to pay for my zoledronic acid infusions?", "nice_access"),
    ("what is the price of denosumab per injection", "nice_access"),
    # a cost word in the story, beside another ask, is not the question (a reviewer's probes)
    ('My insurance company is slow but what are the side effects of denosumab?', 'side_effects'),
    ('my claim was denied last year, anyway, what is denosumab?', 'denosumab'),
    ('what is the cost to my kidneys of zoledronic acid?', 'side_effects'),
    ('the cost of the side effects of zometa has been huge for me - can it damage my jaw?', 'side_effects'),
    ('I pay for parking every time I have my zometa infusion, how long does the infusion take?', 'how_medicines_are_given'),
    ("I can't afford to be off work, how long does recovery from vertebroplasty take?", 'vertebroplasty'),
    ('is vertebroplasty free?', 'nice_access'),
    # a * between words spans one to three of them ("how is * given", "won't * offer")
    ("why won't my hospital offer vertebroplasty?", 'nice_access'),
    ("my hospital doesn't seem to offer kyphoplasty, why?", 'nice_access'),
    ('are zoledronic acid infusions free?', 'nice_access'),
    ('how is zoledronic acid given?', 'how_medicines_are_given'),
    ('I was offered kyphoplasty but not offered a choice of hospital. How long is recovery?', 'kyphoplasty'),
    # a long message: the story names one thing, the question another
    ("My husband had radiotherapy to his spine last month and the pain is a bit better. "
     "His consultant mentioned denosumab. Can he get it on the NHS?", "nice_access"),
    # how a cancer affects the bones: the general topic (reading_subjects, 2026-12-03)
    ("how does prostate cancer affect the bones?", "pathological_fractures"),
    ("what can I do to look after my bone health now it's spread?", "pathological_fractures"),
    ("she has lytic lesions in her pelvis, what does that mean?", "pathological_fractures"),
    # what can be done for a bone condition, nothing named: the treatments topic (treatment_options, 2026-12-03)
    ("what treatments are there for compression fractures in the spine?", "bone_pain_treatments"),
    ("how is bone pain from secondaries managed?", "bone_pain_treatments"),
    ("what can be done for his spinal mets?", "bone_pain_treatments"),
    ("what is the treatment for ONJ?", "side_effects"),
    ("she has bone mets, which chemotherapy treatment is best?", "out_of_scope"),
    ("what are the treatments for kyphoplasty side effects?", "kyphoplasty"),
    ("what are the treatments for osteosarcoma?", "out_of_scope"),  # a primary bone cancer: not covered
    ("how is a giant cell tumour treated?", "out_of_scope"),
    # a person or a service to talk to, nothing named: the helpline (talk_to_a_person, 2026-12-03)
    ("I'd like to talk to someone", "helpline"),
    ("who can I talk to at the weekend?", "helpline"),
    # a person asked for a sign: the warning signs (with the 24-hour line), never the 9-to-5 helpline (review, 2026-12-03)
    ("who do I phone if I have a high temperature after the procedure?", "warning_signs"),
    ("who do I call if I can't feel my legs?", "warning_signs"),
    ("is there a hotline for carers?", "helpline"),
    ("what if I can't get to a phone, can I email the nurses?", "helpline"),
    ("who do I ring about my mum's zometa side effects?", "side_effects"),  # a medicine named: about it
    ("who can we talk to about how long he has left to live?", "out_of_scope"),
    # a person plainly asked for, even about a subject named: the helpline (wants_a_person, 2026-12-04)
    ("can I speak with a specialist nurse about my zometa?", "helpline"),
    ("I'd rather talk to a real person about the denosumab", "helpline"),
    ("I would like to speak to a nurse about kyphoplasty. Can you arrange that?", "helpline"),
    ("is the nurse line open on a Saturday?", "helpline"),
    ("are there support groups for people who've had vertebroplasty?", "helpline"),
    ("should I ask my nurse about switching to denosumab?", "denosumab"),
    # lay names for the medicines, and strengthening weak bones in general (2026-12-04)
    ("is the bone jab the same as zometa?", "bisphosphonates"),
    ("what does the drip for my bones actually do?", "bone_strengthening_medicines"),
    ("I've heard about thigh bone fractures with zoledronic acid, should I worry?", "side_effects"),
    ("how long does zol take to work?", "bisphosphonates"),
    ("what can be done to make my bones stronger now the cancer is in them?", "bone_pain_treatments"),
    ("his lung cancer has spread to bone, what can help the pain?", "bone_pain_treatments"),
    # side effects asked with nothing named: the side effects of these medicines, when the classifier is unsure
    ("what side effects could I get from this medicine?", "side_effects"),
    # ...but not a story's words about other people or where it was read (review 2026-12-04)
    ("I saw on a forum that xgeva can harm your jaw, is that right?", "side_effects"),
    ("people who've had vertebroplasty told me it hurt for days, how long is recovery?", "vertebroplasty"),
    ("how can we help prevent her bones breaking?", "bone_pain_treatments"),
    ("what are the treatments for a tumour in the spine that has spread there?", "bone_pain_treatments"),
    # money and benefits, radiotherapy fractions, the chance of spreading: not covered, even with bone words (2026-12-04)
    ("is there any financial help for people with bone mets?", "out_of_scope"),
    ("mum has secondary bone cancer, can she get a blue badge?", "out_of_scope"),
    ("how many fractions of radiotherapy will she need for the rib?", "out_of_scope"),
    ("what are the chances of my cancer spreading to the bones?", "out_of_scope"),
    ("will zometa lower the chance of it spreading to more bones?", "bisphosphonates"),  # our medicine named: about it
    ("what are the benefits of vertebroplasty?", "vertebroplasty"),
    # ...but not a pension or the spreading of a side effect (review 2026-12-04)
    ("will my bone pain treatments cost me anything if I'm on a pension?", "bone_pain_treatments"),
    ("will it spread to the jaw, the osteonecrosis?", "side_effects"),
    # cement in the spine, no procedure named: a vertebroplasty; cement in another bone: cementoplasty (2026-12-07)
    ("the consultant wants to put cement in dad's spine, will he be awake?", "vertebroplasty"),
    ("they're going to inject cement into her lower back for the fracture, is it safe?", "vertebroplasty"),
    ("is the cement they put in the vertebra permanent?", "vertebroplasty"),
    ("they talked about cement for the tumour in his hip bone, does it work?", "percutaneous_cementoplasty"),
    ("could cement go in her pelvis as well as her back?", "cementoplasty"),
    ("what is bone cement made of?", "cementoplasty"),
    ("balloon and cement in the spine, what's that one called?", "kyphoplasty"),
    ("can I go back to work after the cement injection?", "cementoplasty"),  # "back to work" is not the spine
    ("is cement only ever used in the spine?", "cementoplasty"),  # where it can go is the question
    # asking how to bear it or support someone: the helpline, before a word of prognosis (2026-12-07)
    ("how do I stay strong for my husband now it's terminal?", "helpline"),
    ("what can I say to my mum, she's been told it's terminal", "helpline"),
    ("how can I support my dad emotionally with his bone mets?", "helpline"),
    ("how long has she got left now it's terminal?", "out_of_scope"),  # a prognosis, not support
    # an emergency named as a condition: the warning signs (2026-12-07)
    ("what is hypercalcaemia?", "warning_signs"),
    ("what does neutropenic sepsis mean?", "warning_signs"),
    ("why should I ring if I get a fever after chemo?", "warning_signs"),
    ("what's metastatic spinal cord compression?", "warning_signs"),
    ("what dose of dexamethasone is given for cord compression?", "out_of_scope"),  # another drug's dose
    ("what is the life expectancy with hypercalcaemia of malignancy?", "out_of_scope"),  # a prognosis
    # another medicine, known by its name's ending (the WHO's INN stems), is not covered; ours named stay ours (2026-12-07)
    ("what are the risks of lisinopril for my kidneys?", "out_of_scope"),
    ("is ribociclib or palbociclib hard on the bones?", "out_of_scope"),
    ("does atorvastatin weaken bones?", "out_of_scope"),
    ("can I take omeprazole with my zoledronic acid?", "bisphosphonates"),
    ("what is pamidronate?", "bisphosphonates"),
    # how a cancer is found is not covered (issue 21: diagnosis), a scan in the story is no such question (2026-12-07)
    ("how do doctors diagnose secondary bone cancer?", "out_of_scope"),
    ("what is a bone scan and does it hurt?", "out_of_scope"),
    ("how is cord compression diagnosed?", "out_of_scope"),
    ("the bone scan showed it's in her spine, is zoledronic acid given by drip?", "how_medicines_are_given"),
    # session 27 (2026-12-07): when to phone the nurse helpline, support services, how long someone lives or whether
    # the cancer comes back, genes and research papers, money worries, the bodies that fund NHS treatment
    ("when should I call the cancer helpline?", "helpline"),
    ("are there any drop-in centres for carers?", "helpline"),
    ("what local groups are there for families?", "helpline"),
    ("how long can someone live with cancer in the spine?", "out_of_scope"),
    ("will her cancer come back after the treatment?", "out_of_scope"),
    ("is there a genetic test for my bone cancer?", "out_of_scope"),
    ("we're struggling financially with all the costs, where can we get support?", "out_of_scope"),
    ("will the CCG commission this treatment?", "nice_access"),
    ("which integrated care boards commission this drug?", "nice_access"),
    # session 28 (2026-12-08, from session 27's blind review probes and their kinds): how long people live and research
    # papers or trials are not covered even with a treatment named; when to ring with a sign or an emergency line
    # beside it is the warning signs; an NHS body's news told beside another question; "cement" in a procedure named
    ("how long do people live after a vertebroplasty for spinal metastases?", "out_of_scope"),
    ("what's the median survival with bone mets?", "out_of_scope"),
    ("can you send me the research papers on kyphoplasty?", "out_of_scope"),
    ("are there clinical trials of denosumab I could join?", "out_of_scope"),
    ("is secondary bone cancer curable?", "out_of_scope"),
    ("When should I ring 999 instead of the nurse line?", "warning_signs"),
    ("at what point should mum phone 111 about her back pain?", "warning_signs"),
    ("when is it worth ringing your nurses after her kyphoplasty?", "helpline"),
    ("will my ICB fund kyphoplasty?", "nice_access"),
    ("the health board has approved zoledronic acid for her, how is it given?", "how_medicines_are_given"),
    ("the integrated care board approved dad's kyphoplasty, how long is recovery?", "kyphoplasty"),
    ("my health board says there's a postcode lottery for vertebroplasty, is that right", "nice_access"),
    ("how long does the zoledronic acid drip take?", "how_medicines_are_given"),
    ("is the cement they use in kyphoplasty safe?", "kyphoplasty"),
    ("who do I complain to about his care?", "out_of_scope"),
    ("will the NHS pay my travel costs to the hospital?", "out_of_scope"),
    # ...and from the blind review of these (2026-12-08): living longer, time left, published studies, trials running,
    # urgent help after a procedure, an appeal, another area, a complaint, travel or a taxi with a treatment named,
    # flu after the drip, how to know it has spread
    ("will denosumab help my dad live longer?", "out_of_scope"),
    ("she had vertebroplasty last month, how long has she got left?", "out_of_scope"),
    ("where can I find published studies on kyphoplasty?", "out_of_scope"),
    ("is denosumab being tested in any trials?", "out_of_scope"),
    ("what are the signs he needs urgent help after his vertebroplasty?", "warning_signs"),
    ("the ICB turned down my vertebroplasty, can I appeal?", "nice_access"),
    ("why can't mum get zoledronic acid in her area?", "nice_access"),
    ("I want to complain about the wait for my kyphoplasty", "out_of_scope"),
    ("who pays for my travel to hospital for the denosumab injections?", "out_of_scope"),
    ("can I claim my taxi fare for the zometa drip?", "out_of_scope"),
    ("I'm worried financially about whether the NHS will pay for my kyphoplasty", "nice_access"),
    ("feel like I've got flu since the zometa drip, is that normal?", "side_effects"),
    ("how would I know if the cancer has spread to my bones?", "out_of_scope"),
    ("I just want to speak to a nurse, when should I ring?", "helpline"),
    # ...from the second blind review: NICE's decision told as news beside another question
    ("NICE has approved denosumab, but how is it given?", "denosumab"),
    ("NICE approved xgeva for me, what are the side effects?", "side_effects"),
    ("what does NICE say about the side effects of zometa?", "nice_access"),
]

# the readings of 2026-12-07 (sessions 26 and 27) stop short of these (a review helper's probes: practical help, treating an emergency,
# not cancer, a prognosis asked)
NOT_THIS_TOPIC = [
    ("how can I help my mum with her bone pain at night?", "helpline"),
    ("what should I say to the GP about her pain, the co-codamol isn't working", "helpline"),
    ("how long has she got? I need to know so I can stay strong", "helpline"),
    ("I feel so alone, can I get carers allowance?", "helpline"),
    ("what is the treatment for hypercalcaemia?", "warning_signs"),
    ("my grandson had sepsis from a cut, how is it treated?", "warning_signs"),
    ("neutropenic diet, what foods should I avoid?", "warning_signs"),
    ("can you get spinal cord compression from a slipped disc?", "warning_signs"),
    ("how long is recovery from surgery for cord compression?", "warning_signs"),
    # ...and those of session 27: an emergency line or a sign beside the helpline, the pain coming back
    ("when should I call 999 or the helpline?", "helpline"),
    ("when should I call the helpline if her legs go numb?", "helpline"),
    ("will the pain come back after vertebroplasty?", "out_of_scope"),
    # ...from the blind review of session 27's readings: a funding body named without an access question, a sign
    # told beside the helpline
    ("what is an integrated care board?", "nice_access"),
    ("my ICB has agreed to fund vertebroplasty, what happens during the procedure?", "nice_access"),
    ("does my ICB run any support groups for carers?", "nice_access"),
    ("when should I call the acute oncology helpline about my back pain and weak legs?", "helpline"),
    # ...and session 28's: when to ring with no sign named, studies the topic tells, a recovery question about
    # healing, the cement named as cementoplasty
    ("when should I ring for my scan results?", "warning_signs"),
    ("do studies show vertebroplasty works?", "out_of_scope"),
    ("how long does it take to heal after kyphoplasty?", "nice_access"),
    ("is cementoplasty the same as vertebroplasty?", "vertebroplasty"),
    # ...and from the second blind review: a symptom complained of, flu before the drip
    ("my dad keeps complaining his jaw hurts since he started denosumab", "out_of_scope"),
    ("I've got flu, can I still have my zometa drip tomorrow?", "side_effects"),
]


@pytest.mark.parametrize("question, topic", NOT_THIS_TOPIC)
def test_readings_stop_short_of_look_alikes(question, topic):
    decision = decide(question)
    assert decision is None or decision.topic != topic, (question, decision, read(question))


LEFT_TO_THE_CLASSIFIER = ["thanks", "hello", "what can you do", "ok",
                          # a phone call in the story is not a person asked for (review, 2026-12-03)
                          "The nurse said she'd phone on Monday.", "The hospital are phoning tomorrow about his scan.",
                          "I was called back after my mammogram, what now?",
                          # asking what the assistant is, not asking for a person (CI, 2026-12-04)
                          "are you a real person?", "am I talking to a human?"]


@pytest.mark.parametrize("question, topic", DECISIONS)
def test_about_and_asks_decide_the_topic(question, topic):
    decision = decide(question)
    assert decision is not None and decision.topic == topic, (question, decision, read(question))


@pytest.mark.parametrize("question", LEFT_TO_THE_CLASSIFIER)
def test_unclear_readings_leave_the_classifier_alone(question):
    assert decide(question) is None


def test_a_long_message_is_read_for_its_question():
    text = "We saw the consultant on Monday. It was a long day. Will the zoledronic acid hurt?"
    assert question_part(text) == "Will the zoledronic acid hurt?"


def test_the_subject_named_in_the_question_comes_first():
    assert subject_of("My mum had vertebroplasty last year. Is kyphoplasty any different?") == "kyphoplasty"


def test_misspelt_names_are_subjects():
    assert subject_of("is zotmeta given by drip") == "bisphosphonates"


@pytest.mark.parametrize("last_topic, text, topic", [
    ("nice_access", "and zoledronic acid?", "nice_access"),
    ("nice_access", "what about kyphoplasty", "nice_access"),
    ("side_effects", "what about Xgeva?", "side_effects"),
    ("how_medicines_are_given", "and pamidronate?", "how_medicines_are_given"),
    ("how_medicines_are_given", "and denosumab?", None),   # how it is given is a bisphosphonate topic
    ("side_effects", "and vertebroplasty?", None),          # side effects are the medicines'
    ("nice_access", "is zometa safe?", None),               # an ask of its own
    ("nice_access", "my mum has zometa every month", None),  # more than a name
    ("bisphosphonates", "and denosumab?", None),            # the last answer was not about an aspect
    (None, "and denosumab?", None),
    ("nice_access", "and?", None),
])
def test_only_a_new_subject_after_an_aspect_keeps_asking_that_aspect(last_topic, text, topic):
    from bot.understanding.question import carried_ask

    assert carried_ask(last_topic, text) == topic


def test_reading_only_subject_words_are_not_retrievals_names():
    """"bone health" helps the reader; its word "health" must not point retrieval at the topic."""
    from bot.understanding.retrieval import rank

    assert [h.topic for h in rank("pain relief for a rare nerve disease affecting his health")][:1] != \
        ["pathological_fractures"]


def test_an_organisations_name_is_not_searched_as_its_words():
    """"National Institute for Health and Care Excellence" is searched as NICE (understanding.yml,
    retrieval_proper_names): "health" and "care" in a question do not point at NHS access."""
    from bot.understanding.retrieval import rank

    assert "nice_access" not in [h.topic for h in rank("help with his health and care at home") if h.share > 0]
    assert [h.topic for h in rank("what does NICE say about denosumab?")][:1] == ["nice_access"]
