"""Issue 24: every sentence traceable to its source, honestly dated, and signed off by a clinician.

Each fault the clinical review found is put back into a copy of today's content and must be caught
by a check-content rule (FAULTS), or is checked on the content itself (LIMITS, the leak wording,
the osteoporosis brands). The provenance rules, the sign-off record and the patient-visible source
lines are tested as tables too.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from bot.content.answers import answer_for
from bot.content.provenance import cited_sentences, content_hash, strip_markers
from bot.content.responses import domain_responses, is_safety_response
from bot.content.signoff import current_items, report, signoff_status
from bot.content.store import ContentStore, build_database
from bot.content.topics import lexicon_entries, load_content
from bot.content.validate import check_content

TODAY = dt.date(2026, 12, 1)


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _kinds(content_dir):
    problems, _ = check_content(load_content(content_dir), TODAY)
    return {p.kind for p in problems}, problems


# (what the review found, file, today's words, the words it had before the fix, the rule that fires)
FAULTS = [
    ("nice_access presented the 2013 osteoporosis guidance as the source", "topics/nice_access.md",
     "They were for the whole page, not for one treatment:[^whole_page]",
     "NICE wrote this in its guidance:[^whole_page]", "term-not-in-passage"),
    ("nice_access: 'NICE advises the NHS' is in no source", "topics/nice_access.md",
     "Cancer Research UK's page says this about guidance from the National Institute for Health and Care Excellence (NICE):[^access]",
     "The National Institute for Health and Care Excellence (NICE) advises the NHS on which treatments to use.[^access]",
     "term-not-in-passage"),
    ("nice_access: the same line with no passage at all", "topics/nice_access.md",
     "Cancer Research UK's page says this about guidance from the National Institute for Health and Care Excellence (NICE):[^access]",
     "The National Institute for Health and Care Excellence (NICE) advises the NHS on which treatments to use.",
     "no-passage"),
    ("cementoplasty: 'for bones other than the spine' is in no source", "topics/cementoplasty.md",
     "- percutaneous cementoplasty[^two]", "- percutaneous cementoplasty, for bones other than the spine[^two]",
     "term-not-in-passage"),
    ("bisphosphonates: fewer breaks, stated for every cancer from the general page", "topics/bisphosphonates.md",
     "In a large study of people with breast cancer, bisphosphonates lowered the risk of bone problems such as breaks. They also delayed these problems.[^breast]",
     "Studies show they lower the risk of bone problems such as breaks, and delay them.[^help]", "term-not-in-passage"),
    ("bone_pain_treatments: radionuclide therapy described beyond the abstract", "topics/bone_pain_treatments.md",
     "- radionuclide therapy, mainly for some people with prostate cancer[^radio]",
     "- radionuclide therapy, a radioactive medicine that goes to the bones[^chemo]", "term-not-in-passage"),
    ("bone_pain_treatments: the cited abstract has no bone medicines", "topics/bone_pain_treatments.md",
     "- bone strengthening medicines, such as bisphosphonates and denosumab[^table5]",
     "- bone strengthening medicines, such as bisphosphonates and denosumab[^chemo]", "term-not-in-passage"),
    ("bone_pain_treatments: the cited abstract has no cementoplasty", "topics/bone_pain_treatments.md",
     "- cement treatments for the spine, such as vertebroplasty and kyphoplasty[^table5][^cement]",
     "- cementoplasty, which uses a special cement to make a bone stronger[^chemo]", "term-not-in-passage"),
    ("denosumab: the long nested sentence", "topics/denosumab.md",
     "Studies have compared denosumab with zoledronic acid, a bisphosphonate. Denosumab was better at lowering the risk of bone problems, such as breaks. It also delayed these problems for longer.[^compare]",
     "Studies that compared denosumab with zoledronic acid (a bisphosphonate) found that denosumab was better at lowering the risk of bone problems, such as breaks, and at delaying them.[^compare]",
     "long-sentence"),
    ("a topic states a review date of its own", "topics/side_effects.md",
     "written: 2026-12-01", "written: 2026-12-01\nlast_reviewed: 2026-11-22", "review-claim"),
    ("patients saw 'words lost from the 2024 page'", "topics/percutaneous_cementoplasty.md",
     "  - source: cruk_2018\n    section: Percutaneous cementoplasty\n",
     "  - source: cruk_2018\n    section: Percutaneous cementoplasty (words lost from the 2024 page)\n", "internal-label"),
    ("a section that is not a heading of the source", "topics/pathological_fractures.md",
     "section: Strengthening painful bones\n", "section: Strengthening painful bones (introduction)\n",
     "section-not-in-source"),
    ("patients saw 'This project, for clinical review'", "sources.yml",
     "publisher: Written for this service, following NICE guideline NG234",
     "publisher: \"This project, for clinical review; spinal cord compression signs follow NICE guideline NG234 (2023)\"",
     "internal-label"),
    ("papers linked to PubMed searches", "sources.yml",
     "url: https://doi.org/10.5812/aapm-126333",
     "url: https://pubmed.ncbi.nlm.nih.gov/?term=A+Multimodal+Clinical+Approach+for+the+Treatment+of+Bone+Metastases+in+Solid+Tumors",
     "search-link"),
    ("'myeloma' not explained", "topics/pathological_fractures.md",
     "and myeloma (a cancer of blood cells made in the bone marrow).", "and myeloma.", "unexplained-term"),
    ("'monoclonal antibody' not explained", "topics/denosumab.md",
     "It is a monoclonal antibody (a medicine made to attach to one particular target in the body).",
     "It is a monoclonal antibody.", "unexplained-term"),
    ("'osteoporotic vertebral compression fractures' not explained", "topics/nice_access.md",
     " (breaks in spine bones made thin and weak by osteoporosis, not by cancer)", "", "unexplained-term"),
]


@pytest.mark.slow  # each re-checks a whole copy of content/ (2-3 s)
@pytest.mark.parametrize("fault, path, today, before, kind", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_found_by_the_review_is_caught(content_copy, fault, path, today, before, kind):
    assert kind not in _kinds(content_copy)[0]
    _edit(content_copy / path, today, before)
    kinds, problems = _kinds(content_copy)
    assert kind in kinds, problems


# (rule, file, today's words, a breakage)
PROVENANCE_BREAKAGES = [
    ("no-passage", "topics/kyphoplasty.md", "get back some height.[^trials]", "get back some height."),
    ("unknown-passage", "topics/kyphoplasty.md", "get back some height.[^trials]", "get back some height.[^trails]"),
    ("passage-not-in-source", "topics/kyphoplasty.md", "quote: \"Trials have shown that this technique",
     "quote: \"Trials of 500 people have shown that this technique"),
    ("passage-not-in-source", "topics/kyphoplasty.md", "  - source: lo_bianco_2022\n    section: \"3.5. Surgical and Interventional Treatments\"\n", ""),
    ("passage-not-in-source", "topics/warning_signs.md", "spec: mscc_limb_weakness", "spec: no_such_flag"),
    ("passage-not-in-source", "topics/denosumab.md",  # a title in the paper's reference list supports nothing
     "survival: {source: lo_bianco_2022, quote: \"However, no significant differences were observed between the two treatments in survival\"}",
     "survival: {source: lo_bianco_2022, quote: \"Superiority of denosumab to zoledronic acid for prevention of skeletal-related events\"}"),
    ("term-not-in-passage", "topics/vertebroplasty.md", "cement leaked out of the bone in 13 of them", "cement leaked out of the bone in 14 of them"),
    ("term-not-in-passage", "topics/side_effects.md", "Tell your care team about any side effects you have.[^team]",
     "Tell your care team if your jaw hurts.[^team]"),  # "own words" may state no medical term
    ("term-not-in-passage", "topics/kyphoplasty.md", "it can press on a nerve or irritate a disc.[^leak]",
     "it can press on a nerve or irritate a disc in the spinal cord.[^leak]"),
]


@pytest.mark.slow  # each re-checks a whole copy of content/
@pytest.mark.parametrize("kind, path, today, broken", PROVENANCE_BREAKAGES,
                         ids=[f"{k}-{i}" for i, (k, *_r) in enumerate(PROVENANCE_BREAKAGES)])
def test_each_provenance_rule_fires(content_copy, kind, path, today, broken):
    _edit(content_copy / path, today, broken)
    kinds, problems = _kinds(content_copy)
    assert kind in kinds, problems


def test_every_sentence_of_every_topic_names_a_passage():
    content = load_content()
    for topic in content.topics.values():
        sentences = cited_sentences(topic.marked_body)
        assert sentences, topic.id
        for sentence in sentences:
            assert sentence.passages and all(p in topic.passages for p in sentence.passages), (topic.id, sentence)
        assert "[^" not in topic.body and strip_markers(topic.marked_body) == topic.body


# (topic, a claim in its body, words that must be in the same paragraph): claims kept to their limits
LIMITS = [
    ("bisphosphonates", r"lower(?:ed)? the risk of bone problems", "breast cancer"),
    ("bone_pain_treatments", r"radionuclide therapy", "prostate cancer"),
    ("denosumab", r"better at lowering the risk", "which of these drugs may be best for you"),
    ("side_effects", r"calcium and vitamin D", "Your care team will tell you"),
    ("vertebroplasty", r"cement leaked out of the bone in 13", "In one small study of 39 people"),
]


@pytest.mark.parametrize("topic_id, claim, limit", LIMITS, ids=[f"{t}:{c}" for t, c, _ in LIMITS])
def test_claims_carry_their_limits(topic_id, claim, limit):
    body = load_content().topics[topic_id].body
    paragraphs = [p for p in re.split(r"\n\s*\n|\n(?=- )", body) if re.search(claim, p)]
    assert paragraphs, f"{claim!r} not in {topic_id}"
    assert all(limit in p for p in paragraphs), paragraphs


@pytest.mark.parametrize(
    "topic_id, words",
    [("side_effects", "These are the main ones"), ("side_effects", "usually given calcium"),
     ("nice_access", "NICE wrote this in its guidance"), ("nice_access", "advises the NHS"),
     ("cementoplasty", "for bones other than the spine"), ("bone_pain_treatments", "a radioactive medicine that goes to the bones")],
)
def test_statements_the_sources_do_not_support_are_gone(topic_id, words):
    assert words not in load_content().topics[topic_id].body


def test_both_cement_procedures_describe_leaks_in_the_same_words():
    topics = load_content().topics
    words = "Sometimes the cement leaks out of the bone. Depending on where it goes, it can press on a nerve or irritate a disc."
    assert words in topics["kyphoplasty"].body and words in topics["vertebroplasty"].body


@pytest.mark.parametrize("topic_id, question", [("denosumab", "what is Prolia?"), ("bisphosphonates", "is Fosamax safe"),
                                                 ("bisphosphonates", "I take Actonel for my bones"),
                                                 ("denosumab", "does denosumab help osteoporosis")])
def test_osteoporosis_names_get_told_what_the_content_is_about(store, topic_id, question):
    gaps = answer_for(topic_id, question, store).gaps
    assert any("It is about cancer that has spread to the bones" in g for g in gaps), gaps


@pytest.mark.parametrize("topic_id, question", [("denosumab", "what is Xgeva?"), ("bisphosphonates", "what is zoledronic acid")])
def test_cancer_bone_medicines_get_no_osteoporosis_note(store, topic_id, question):
    assert not any("osteoporosis" in g for g in answer_for(topic_id, question, store).gaps)


def test_the_osteoporosis_brands_are_marked_in_the_lexicon():
    contexts = {name.lower(): context for _l, _t, name, context in lexicon_entries(load_content().lexicon)}
    for brand in ("prolia", "fosamax", "actonel", "alendronate", "risedronate"):
        assert contexts[brand] == "osteoporosis", brand
    for name in ("xgeva", "zometa", "denosumab"):
        assert contexts[name] == "", name


# ---- honest dates and the sign-off record

def test_the_record_says_truthfully_that_no_clinician_has_signed_off():
    content = load_content()
    assert content.signoff["signoffs"] == [] and "no clinician" in content.signoff["status"]
    assert not any(s.signed for s in signoff_status(content).values())
    assert not any(t.claims_review for t in content.topics.values())


@pytest.mark.parametrize("topic_id", sorted(load_content().topics))
def test_no_answer_claims_a_clinical_review(store, topic_id):
    answer = answer_for(topic_id, "", store)
    assert answer.written and answer.reviewed_on == "" and answer.reviewed_by == ""


def _sign(content_copy, items, date="2027-01-15"):
    record = yaml.safe_load((content_copy / "signoff.yml").read_text())
    record["signoffs"] = [{"reviewer": "Dr A Tester", "role": "Consultant", "date": dt.date.fromisoformat(date), "items": items}]
    (content_copy / "signoff.yml").write_text(yaml.safe_dump(record))


@pytest.mark.parametrize(
    "change_after_signing, signed, shown",
    [(False, True, "15 January 2027"), (True, False, "")],
    ids=["hash matches: review shown", "changed since: no review shown"],
)
def test_review_date_comes_only_from_a_matching_signoff(content_copy, tmp_path, change_after_signing, signed, shown):
    topic = "topic:kyphoplasty"
    _sign(content_copy, {topic: current_items(load_content(content_copy))[topic]})
    if change_after_signing:
        _edit(content_copy / "topics/kyphoplasty.md", "get back some height.", "get back some of their height.")
    content = load_content(content_copy)
    status = signoff_status(content)[topic]
    assert status.signed is signed and status.changed is (not signed)
    assert ("changed since their last sign-off: topic:kyphoplasty" in "\n".join(report(content))) is (not signed)
    store = ContentStore(build_database(content, tmp_path / "content.db"))
    answer = answer_for("kyphoplasty", "", store)
    assert answer.reviewed_on == shown and answer.reviewed_by == ("Dr A Tester" if signed else "")


def test_hash_is_of_the_whole_topic_file(content_copy):
    path = content_copy / "topics" / "kyphoplasty.md"
    assert current_items(load_content(content_copy))["topic:kyphoplasty"] == content_hash(path.read_text())


@pytest.mark.parametrize(
    "name, safety",
    [("utter_emergency_spinal_cord", True), ("utter_crisis", True), ("utter_urgent_jaw", True),
     ("utter_default", False), ("utter_source", False), ("utter_written_unreviewed", False)],
)
def test_check_content_knows_the_safety_replies(name, safety):
    assert is_safety_response(name, load_content()) is safety


def test_check_content_reports_unsigned_safety_replies_and_every_item():
    content = load_content()
    lines = "\n".join(report(content))
    assert "0 of" in lines and "response:utter_emergency_spinal_cord" in lines
    items = current_items(content)
    assert {f"response:{name}" for name in domain_responses()} <= set(items)
    assert {f"topic:{tid}" for tid in content.topics} <= set(items)
    assert "file:safety/red_flags.yml" in items


# ---- what patients see under an answer

_INTERNAL = re.compile(r"this project|for clinical review|words lost|scrape|\?term=", re.IGNORECASE)


@pytest.mark.parametrize("topic_id", sorted(load_content().topics))
def test_source_lines_name_the_source_not_our_workings(store, topic_id):
    template = domain_responses()["utter_source"][0]["text"]
    for source in answer_for(topic_id, "", store).sources:
        line = template.format(**source)
        assert not _INTERNAL.search(line), line
        assert source["citation"] and source["dated"]
        if source["url"]:
            assert source["url"].startswith(("https://doi.org/", "https://www.cancerresearchuk.org/", "https://www.nice.org.uk/"))


def test_papers_give_their_journal():
    sources = load_content().sources
    assert "Anesthesiology and Pain Medicine" in sources["lo_bianco_2022"].citation
    assert "Journal of the National Medical Association" in sources["hillegonds_2007"].citation
    assert "Experimental and Therapeutic Medicine" in sources["xu_2021"].citation
