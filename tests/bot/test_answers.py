"""Answers carry the body, sources, review date, and an honest note of what is not covered."""
from __future__ import annotations

import pytest

from bot.content.answers import answer_for, candidate_topics, topic_for_intent


@pytest.mark.parametrize(
    "topic, question, gap",
    [
        ("kyphoplasty", "How long is recovery after kyphoplasty?", "recovery"),
        ("vertebroplasty", "how do I prepare for vertebroplasty", "prepare"),
        ("vertebroplasty", "will I have to stay in hospital overnight?", "stay in hospital"),
        ("bisphosphonates", "what dose of zoledronic acid", "doses"),
        ("denosumab", "how much denosumab should I take", "doses"),
        ("nice_access", "what are waiting times for it near me", "waiting times"),
        ("percutaneous_cementoplasty", "is cementoplasty safe?", "risks"),
        ("bone_pain_treatments", "what are the side effects of radiotherapy?", "radiotherapy"),
        ("nice_access", "does this apply in Scotland?", "Scotland"),
        ("denosumab", "is prolia the same thing?", "osteoporosis"),
    ],
)
def test_gaps_are_named(store, topic, question, gap):
    answer = answer_for(topic, question, store)
    assert any(gap in g for g in answer.gaps), answer.gaps


@pytest.mark.parametrize(
    "topic, question",
    [
        ("kyphoplasty", "what is kyphoplasty?"),
        ("vertebroplasty", "is vertebroplasty safe?"),  # the vertebroplasty topic covers its risks
        ("denosumab", "what is Xgeva?"),
        ("helpline", "can I talk to a nurse"),
    ],
)
def test_no_gap_when_the_topic_covers_the_question(store, topic, question):
    assert answer_for(topic, question, store).gaps == []


def test_answer_has_body_sources_and_dates(store):
    answer = answer_for("vertebroplasty", "", store)
    assert "8 out of 10" in answer.body
    assert [s["source"] for s in answer.sources] == ["cruk_2024", "lo_bianco_2022", "xu_2021"]
    assert answer.sources[1]["section"] == "3.5. Surgical and Interventional Treatments"
    # the date this service wrote it; no clinician has signed it off (content/signoff.yml)
    assert answer.written == "1 December 2026" and answer.next_review == "31 January 2027"
    assert (answer.reviewed_on, answer.reviewed_by) == ("", "")


def test_unknown_topic_raises(store):
    with pytest.raises(KeyError):
        answer_for("astrology", "", store)


@pytest.mark.parametrize(
    "intent, topic",
    [("ask_denosumab", "denosumab"), ("ask_nothing", None), ("greet", None), (None, None), ("", None)],
)
def test_topic_for_intent(store, intent, topic):
    assert topic_for_intent(intent, store) == topic


def test_candidates_come_from_ranking_then_search(store):
    ranking = [
        {"name": "nlu_fallback", "confidence": 1.0},
        {"name": "ask_kyphoplasty", "confidence": 0.3},
        {"name": "greet", "confidence": 0.2},
        {"name": "ask_vertebroplasty", "confidence": 0.2},
        {"name": "ask_denosumab", "confidence": 0.01},
    ]
    topics = candidate_topics(ranking, "osteonecrosis jaw", store)
    assert [t["id"] for t in topics] == ["kyphoplasty", "vertebroplasty", "side_effects"]
    assert topics[0]["title"] == "Balloon kyphoplasty"


@pytest.mark.parametrize(
    "topic, question, gap",
    [
        ("denosumab", "should I stop denosumab before my dental work?", "right for you"),
        ("percutaneous_cementoplasty", "can I have cementoplasty?", "right for you"),
        ("vertebroplasty", "is vertebroplasty suitable for me?", "right for you"),
        ("pathological_fractures", "is this pain cancer?", "causing your symptoms"),
        ("bone_pain_treatments", "do I have bone cancer?", "causing your symptoms"),
        ("bone_pain_treatments", "my back aches, is it due to my arthritis?", "causing your symptoms"),
        ("pathological_fractures", "is this caused by the chemo?", "causing your symptoms"),
    ],
)
def test_personal_decisions_and_diagnosis_are_never_answered(store, topic, question, gap):
    answer = answer_for(topic, question, store)
    assert any(gap in g for g in answer.gaps), answer.gaps
