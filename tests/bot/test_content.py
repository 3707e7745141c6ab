"""content/ parses, passes its checks, and each kind of problem is caught."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest

from bot.content.topics import ContentError, load_content, parse_topic
from bot.content.validate import check_content, numbers_in
from bot.paths import project_root

TODAY = dt.date(2026, 11, 22)
REQUIRED_TOPICS = {
    "cementoplasty", "percutaneous_cementoplasty", "vertebroplasty", "kyphoplasty",
    "bone_strengthening_medicines", "bisphosphonates", "denosumab", "how_medicines_are_given",
    "side_effects", "pathological_fractures", "nice_access", "helpline",
}


def test_real_content_is_clean():
    problems, grades = check_content(load_content(), TODAY)
    assert problems == []
    assert REQUIRED_TOPICS <= set(grades)


def test_every_topic_carries_source_dates_and_gaps():
    content = load_content()
    for topic in content.topics.values():
        assert topic.title and topic.label and topic.body, topic.id
        assert topic.written and topic.next_review > topic.written, topic.id
        assert topic.sources and topic.passages, topic.id
        for ref in topic.sources:
            source = content.sources[ref.source]
            assert source.title and source.citation and source.dated and ref.section
            # a paper without a checked DOI is cited by title and journal, with no link at all
            assert source.url.startswith("https://") or (source.kind == "paper" and source.url == ""), source.id


def test_procedures_and_medicines_say_what_they_do_not_cover():
    content = load_content()
    for topic_id in ("vertebroplasty", "kyphoplasty", "percutaneous_cementoplasty"):
        assert "recovery" in content.topics[topic_id].not_covered
    for topic_id in ("bisphosphonates", "denosumab", "side_effects"):
        assert "doses" in content.topics[topic_id].not_covered


def test_2024_page_wins_and_lost_words_are_restored():
    topics = load_content().topics
    assert "8 out of 10" in topics["vertebroplasty"].body
    assert "9 out of 10" not in topics["vertebroplasty"].body
    body = topics["percutaneous_cementoplasty"].body
    assert "general anaesthetic" in body and "sedative" in body


def test_nice_references_from_the_2018_page_are_recorded():
    content = load_content()
    titles = " ".join(r["title"] for r in content.sources["cruk_2018"].references)
    assert "Percutaneous cementoplasty for palliative treatment of bony malignancies" in titles
    assert "balloon kyphoplasty" in titles
    assert "(NICE, 2006)" in content.topics["nice_access"].body and "(NICE, 2013)" in content.topics["nice_access"].body


def test_helpline_topic_has_number_and_hours():
    body = load_content().topics["helpline"].body
    assert "0808 800 4040" in body and "9 to 5" in body and "Monday to Friday" in body and "email" in body


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


BREAKAGES = [
    ("missing-field", lambda c: _edit(c / "topics/denosumab.md", "title: Denosumab\n", "")),
    ("missing-field", lambda c: _edit(c / "topics/denosumab.md", "not_covered: [doses, treatment_length, interactions, local_services]\n", "")),
    ("duplicate-id", lambda c: (c / "topics/zz_copy.md").write_text((c / "topics/denosumab.md").read_text())),
    ("id-filename", lambda c: _edit(c / "topics/denosumab.md", "id: denosumab", "id: denosumab_x")),
    ("unknown-source", lambda c: _edit(c / "topics/denosumab.md", "source: lo_bianco_2022", "source: wikipedia")),
    ("unknown-gap", lambda c: _edit(c / "topics/denosumab.md", "[doses,", "[dosing,")),
    ("review-overdue", lambda c: _edit(c / "topics/denosumab.md", "next_review: 2027-01-31", "next_review: 2025-01-31")),
    ("scrape-gap", lambda c: _edit(c / "topics/percutaneous_cementoplasty.md", "under a general anaesthetic, so you are asleep,", "under a .")),
    ("unsourced-number", lambda c: _edit(c / "topics/vertebroplasty.md", "ease pain in up to 8 out of 10", "ease pain in up to 7777 out of 10")),
    ("hard-to-read", lambda c: _edit(c / "topics/cementoplasty.md", "Your doctor will know which treatment may be best for you.",
        "Notwithstanding considerable methodological heterogeneity, contemporary observational investigations "
        "characterising percutaneous augmentation demonstrate substantial analgesic effectiveness, "
        "particularly regarding mechanically unstable osteolytic metastatic involvement necessitating "
        "multidisciplinary consideration incorporating interventional radiological expertise.")),
]


@pytest.mark.slow  # each re-checks a whole copy of content/
@pytest.mark.parametrize("kind, breakage", BREAKAGES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(BREAKAGES)])
def test_each_kind_of_problem_is_caught(content_copy, kind, breakage):
    breakage(content_copy)
    problems, _ = check_content(load_content(content_copy), TODAY)
    assert kind in {p.kind for p in problems}, problems


def test_topic_without_front_matter_is_an_error_naming_the_file(content_copy):
    path = content_copy / "topics" / "denosumab.md"
    path.write_text("Just a body, no front matter.\n")
    with pytest.raises(ContentError, match="denosumab.md"):
        parse_topic(path)


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("call 0808 800 4040 now", {"08088004040"}),
        ("up to 8 out of 10 people (up to 80%)", {"8", "10", "80"}),
        ("no numbers here", set()),
        ("1,600 people and 4.3 points", {"1600", "4.3"}),
    ],
)
def test_numbers_in(text, numbers):
    assert numbers_in(text) == numbers


def _check_content_cli(content):
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-content", "--content", str(content)],
        cwd=project_root(), capture_output=True, text=True, check=False,
    )


@pytest.mark.slow  # a subprocess
def test_check_content_command_passes_on_real_content():
    result = _check_content_cli(project_root() / "content")
    assert result.returncode == 0, result.stderr
    assert re.search(r"vertebroplasty\s+\d+\.\d", result.stdout)  # a reading grade per topic


@pytest.mark.slow  # a subprocess
def test_check_content_command_fails_naming_the_file(content_copy):
    _edit(content_copy / "topics/kyphoplasty.md", "Trials have shown that it", "Trials of 7777 people have shown that it")
    result = _check_content_cli(content_copy)
    assert result.returncode == 1
    assert "kyphoplasty.md" in result.stderr and "unsourced-number" in result.stderr
