"""The clinician's review pack: one printable HTML document of every sentence the assistant can say.

``python -m bot review-pack`` (run by ``make test``) writes ``build/review_pack.html``:

1. each topic body, sentence by sentence, with the passage of the archived source behind each
   sentence (or "this service's own words" / "safety specification"), its sources as patients
   see them, what it says it does not cover, and its sign-off status and hash;
2. every ``domain.yml`` response (red-flag, crisis and urgent replies first), with its status;
3. the red-flag specification (``content/safety/red_flags.yml``), listed generically by its
   top-level entries so a change of layout still prints;
4. the other patient-visible words in ``content/`` (gaps, glossary, helpline, channel words).

A reviewer signs off by adding the hashes printed here to ``content/signoff.yml``.

>>> from bot.content.topics import load_content
>>> html = render_review_pack(load_content())
>>> "Denosumab" in html and "utter_emergency_spinal_cord" in html
True
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.content.provenance import cited_sentences
from bot.content.responses import domain_responses, is_safety_response
from bot.content.signoff import REVIEWED_FILES, signoff_status
from bot.content.topics import Content

_TEMPLATES = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SentenceRow:
    """A run of sentences supported by the same passages, as the pack prints it."""

    sentences: tuple[str, ...]
    passage_ids: tuple[str, ...]
    kind: str  # "source", "own", "spec" or "none"
    support: tuple[tuple[str, str], ...]  # (source id or label, quoted text)


def topic_rows(topic, content: Content) -> list[SentenceRow]:
    """The sentences of ``topic`` in order, consecutive ones with the same passages in one row."""
    rows: list[SentenceRow] = []
    for sentence in cited_sentences(topic.marked_body):
        support, kinds = [], set()
        for pid in sentence.passages:
            passage = topic.passages.get(pid)
            if passage is None:
                support.append(("?", f"unknown passage '{pid}'"))
                kinds.add("none")
            elif passage.own:
                support.append(("this service's own words", passage.own))
                kinds.add("own")
            elif passage.spec:
                support.append((passage.source, f"safety specification entry '{passage.spec}' (content/safety/red_flags.yml)"))
                kinds.add("spec")
            else:
                support.append((passage.source, passage.text))
                kinds.add("source")
        kind = "none" if not sentence.passages else ("source" if kinds == {"source"} else sorted(kinds)[0])
        if rows and rows[-1].passage_ids == sentence.passages and sentence.passages:
            last = rows.pop()
            rows.append(SentenceRow(last.sentences + (sentence.text,), last.passage_ids, last.kind, last.support))
        else:
            rows.append(SentenceRow((sentence.text,), sentence.passages, kind, tuple(support)))
    return rows


def _generic(node):
    """A YAML value as nested (key, value) pairs and lists the template prints as it finds them."""
    if isinstance(node, dict):
        return {"kind": "map", "items": [(str(k), _generic(v)) for k, v in node.items()]}
    if isinstance(node, list):
        return {"kind": "list", "items": [_generic(v) for v in node]}
    return {"kind": "text", "text": "" if node is None else str(node)}


def _yaml_file(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return f"could not read {path.name}: {exc}"


def pack_data(content: Content, domain_path: Path | None = None, today: dt.date | None = None) -> dict:
    """Everything the template prints, as plain data (also what the tests read)."""
    status = signoff_status(content, domain_path)
    topics = []
    for topic in sorted(content.topics.values(), key=lambda t: t.title.lower()):
        sources = []
        for ref in topic.sources:
            src = content.sources.get(ref.source)
            sources.append({"id": ref.source, "section": ref.section,
                            "citation": src.citation if src else "", "dated": src.dated if src else "",
                            "url": src.url if src else ""})
        topics.append({
            "id": topic.id, "title": topic.title, "written": topic.written, "path": topic.path.name,
            "sources": sources, "rows": topic_rows(topic, content),
            "not_covered": [content.gaps[g].what for g in topic.not_covered if g in content.gaps],
            "status": status[f"topic:{topic.id}"],
        })
    responses = []
    for name, variations in domain_responses(domain_path).items():
        texts, buttons = [], []
        for variation in variations or []:
            if isinstance(variation, dict):
                if variation.get("text"):
                    texts.append(str(variation["text"]))
                buttons += [str(b.get("title", "")) for b in variation.get("buttons") or [] if isinstance(b, dict)]
        responses.append({"name": name, "texts": texts, "buttons": buttons,
                          "safety": is_safety_response(name, content), "status": status[f"response:{name}"]})
    responses.sort(key=lambda r: (not r["safety"], r["name"]))
    red_flags = _yaml_file(content.root / "safety" / "red_flags.yml")
    red_flag_sections = ([(str(k), _generic(v)) for k, v in red_flags.items()]
                         if isinstance(red_flags, dict) else [("red_flags.yml", _generic(red_flags))])
    other_files = []
    for rel in REVIEWED_FILES:
        if rel == "safety/red_flags.yml" or not (content.root / rel).exists():
            continue
        other_files.append({"path": rel, "tree": _generic(_yaml_file(content.root / rel)), "status": status[f"file:{rel}"]})
    signed = sum(1 for s in status.values() if s.signed)
    return {
        "generated": (today or dt.date.today()).isoformat(),
        "record_status": (content.signoff or {}).get("status") or "",
        "signed": signed, "total": len(status),
        "topics": topics, "responses": responses,
        "red_flag_sections": red_flag_sections,
        "red_flags_status": status.get("file:safety/red_flags.yml"),
        "other_files": other_files,
        "glossary": content.glossary or {},
    }


def render_review_pack(content: Content, domain_path: Path | None = None, today: dt.date | None = None) -> str:
    """The review pack as one HTML document (a string)."""
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("review_pack.html").render(**pack_data(content, domain_path, today))


def write_review_pack(content: Content, path: Path, domain_path: Path | None = None) -> Path:
    """Write the review pack to ``path`` and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_review_pack(content, domain_path), encoding="utf-8")
    return path


__all__ = ["SentenceRow", "pack_data", "render_review_pack", "topic_rows", "write_review_pack"]
