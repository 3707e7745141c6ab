"""The clinician's review pack holds every sentence the assistant can say, with its support."""
from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
import yaml

from bot.content.provenance import cited_sentences
from bot.content.responses import domain_responses
from bot.content.review_pack import pack_data, render_review_pack
from bot.content.topics import load_content
from bot.paths import project_root


@pytest.fixture(scope="module")
def page() -> str:
    return html.unescape(render_review_pack(load_content()))


def test_every_topic_sentence_is_in_the_pack_with_its_passage(page):
    content = load_content()
    for topic in content.topics.values():
        for sentence in cited_sentences(topic.marked_body):
            assert sentence.text in page, (topic.id, sentence.text)
        for passage in topic.passages.values():
            assert (passage.text or passage.own or passage.spec) in page, (topic.id, passage.id)


def test_every_domain_response_is_in_the_pack_with_its_status(page):
    for name, variations in domain_responses().items():
        assert f"<code>{name}</code>" in page, name
        for variation in variations:
            if isinstance(variation, dict) and variation.get("text"):
                assert variation["text"].strip() in page, name
    assert page.count("not signed off") >= len(domain_responses())


def test_safety_replies_come_first():
    responses = pack_data(load_content())["responses"]
    flags = [r["safety"] for r in responses]
    assert flags[0] and flags == sorted(flags, reverse=True)
    assert "utter_emergency_spinal_cord" in [r["name"] for r in responses if r["safety"]]


def test_the_red_flag_lists_are_printed_with_their_sources(page):
    red_flags = yaml.safe_load((project_root() / "content/safety/red_flags.yml").read_text())
    for key in red_flags:
        assert f"<h3>{key}</h3>" in page, key
    for sign in red_flags["signs"]:
        assert sign["id"] in page, sign["id"]
    assert "NICE guideline NG234" in page or "Spinal metastases and metastatic spinal cord compression (NG234)" in page


@pytest.mark.parametrize(
    "red_flags",
    [
        {"emergency": [{"name": "cord", "says": "call now", "signs": ["numb legs"]}], "version": 2},
        {"rules": {"cord": {"regex": "numb", "source": "nice"}}},
        ["just", "a", "list"],
    ],
    ids=["new top-level lists", "mapping of mappings", "not a mapping"],
)
def test_a_changed_red_flag_layout_still_prints(content_copy, red_flags):
    (content_copy / "safety/red_flags.yml").write_text(yaml.safe_dump(red_flags))
    page = html.unescape(render_review_pack(load_content(content_copy)))
    for word in re.findall(r"[a-z]+", yaml.safe_dump(red_flags)):
        assert word in page, word


def test_review_pack_command_writes_one_html_file(tmp_path):
    out = tmp_path / "pack.html"
    result = subprocess.run([sys.executable, "-m", "bot", "review-pack", "--output", str(out)],
                            cwd=project_root(), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("<!doctype html>") and "@media print" in text and "Sign-off so far: 0 of" in text
