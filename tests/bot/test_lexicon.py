"""Names of procedures and medicines, brand names and misspellings point to the right topic."""
from __future__ import annotations

import pytest

from bot.content.lexicon import Lexicon
from bot.understanding.nlp import build_pipeline


@pytest.mark.parametrize(
    "text, topic",
    [
        ("Zometa every month", "bisphosphonates"),
        ("Zotmeta infusions as part of the chemo", "bisphosphonates"),
        ("zoledronic acid", "bisphosphonates"),
        ("Aredia", "bisphosphonates"),
        ("pamidronate drip", "bisphosphonates"),
        ("Bondronat tablets", "bisphosphonates"),
        ("ibandronate", "bisphosphonates"),
        ("Xgeva", "denosumab"),
        ("PROLIA shots", "denosumab"),
        ("denosumub", "denosumab"),
        ("vertebroplasty", "vertebroplasty"),
        ("vertebropasty", "vertebroplasty"),
        ("balloon kyphoplasty", "kyphoplasty"),
        ("kyphoplsty", "kyphoplasty"),
        ("cementoplasty", "cementoplasty"),
        ("bone cement", "cementoplasty"),
        ("percutaneous cementoplasty", "percutaneous_cementoplasty"),
    ],
)
def test_names_point_to_topics(text, topic):
    assert topic in [t for _label, t, _words in Lexicon.load().mentions(text)]


@pytest.mark.parametrize("text", ["I recast the plan", "is it contagious?", "my hip hurts", "action plan", ""])
def test_ordinary_words_are_not_taken_for_names(text):
    assert Lexicon.load().mentions(text) == []


def test_spacy_pipeline_tags_entities_and_lemmas():
    nlp = build_pipeline()
    doc = nlp("My dad had Zometa infusions and a balloon kyphoplasty")
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [
        ("Zometa", "MEDICINE", "bisphosphonates"),
        ("balloon kyphoplasty", "PROCEDURE", "kyphoplasty"),
    ]
    assert [t.lemma_ for t in doc][4] == "infusion"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("bonjour, ma mère a un cancer des os", True),
        ("hola, tengo cáncer en los huesos", True),
        ("dzień dobry, mam pytanie o leczenie", True),
        ("Mae gen i gwestiwn am fy nhriniaeth", True),
        ("我有一个问题", True),
        ("میرے والد کو کینسر ہے", True),
        ("Merhaba, kemik ağrım var", True),
        ("what is vertebroplasty", False),
        ("is it available on the NHS?", False),
        ("printed materials on osteoporosis", False),
        ("goedendag, ik heb pijn in mijn botten", True),
        ("hej, jeg har kræft i knoglerne", True),
        ("Zotmeta infusions as part of the chemo, is that safe?", False),
        ("i have ostonecrois I need a booklet", False),
        ("zzkq blorp snargle", False),  # gibberish goes to "which did you mean?"
        ("café", False),
        ("hi", False),
        ("", False),
    ],
)
def test_non_english_messages_are_recognised(text, expected):
    from bot.understanding.language import looks_non_english

    assert looks_non_english(text) is expected


@pytest.mark.parametrize("text, topic", [
    ("Quelles sont les indications d'une cimentoplastie ?", "cementoplasty"),
    ("¿Qué es el denosumab y cómo se administra?", "denosumab"),
    ("Quelles sont les suites opératoires ?", None),     # nothing named: "only in English", as before
    ("what is cementoplasty?", None),                   # English: answered the usual way
    ("ma mère a des métastases osseuses, quelle est son espérance de vie ?", None),  # a condition, not a subject
])
def test_a_subject_named_in_another_language_is_found(text, topic):
    from bot.understanding.language import named_in_another_language

    assert named_in_another_language(text) == topic
