"""Reading the curated content in ``content/`` into plain objects.

Layout::

    content/sources.yml      the register of sources (id -> title, url, archived text, dates)
    content/gaps.yml         things people ask that the content does not cover
    content/lexicon.yml      names of procedures and medicines, brand names and misspellings
    content/topics/<id>.md   one topic: YAML front matter between '---' lines, then the body
                             (its sentences marked with the passage that supports them, see
                             ``bot.content.provenance``)
    content/signoff.yml      the clinicians' sign-off record (see ``bot.content.signoff``)

Parsing is forgiving: a malformed file becomes a ``ContentError`` that names the file, and
``bot.content.validate`` turns the rest into a list of problems.

>>> content = load_content()
>>> content.topics["denosumab"].title
'Denosumab'
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from bot.content.provenance import Passage, parse_passages, strip_markers
from bot.paths import content_dir

TOPIC_FIELDS = ("id", "title", "label", "written", "next_review", "sources", "passages", "not_covered")


class ContentError(ValueError):
    """A content file that cannot be read at all. The message names the file."""


@dataclass(frozen=True)
class Source:
    """One entry of ``content/sources.yml``."""

    id: str
    title: str
    publisher: str
    url: str
    text_path: Path
    last_reviewed: dt.date | None
    next_review: dt.date | None
    references: tuple[dict, ...] = ()
    citation: str = ""  # patient-visible: who, title, journal, year
    dated: str = ""  # patient-visible: when the source itself was written or reviewed
    kind: str = ""  # "patient page", "paper", "safety specification"...

    @cached_property
    def text(self) -> str:
        """The archived text of the source ('' when the file is missing)."""
        try:
            return self.text_path.read_text(encoding="utf-8")
        except OSError:
            return ""


@dataclass(frozen=True)
class SourceRef:
    """A topic's citation: which source, and which section of it."""

    source: str
    section: str


@dataclass(frozen=True)
class Gap:
    """Something the content does not cover, with the words that show a question is about it."""

    id: str
    what: str
    cues: tuple[str, ...]
    all_topics: bool = False

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """One regex for all cues; ``recover*`` matches recover, recovery, recovering..."""
        parts = []
        for cue in self.cues:
            stem = re.escape(cue.rstrip("*")).replace(r"\ ", r"\s+")
            parts.append(stem + (r"\w*" if cue.endswith("*") else r"\b"))
        return re.compile(r"\b(?:" + "|".join(parts) + ")", re.IGNORECASE)

    def mentioned_in(self, text: str) -> bool:
        """True when ``text`` uses one of the cues.

        >>> Gap("recovery", "recovery", ("recover*",)).mentioned_in("How long to recover?")
        True
        """
        return bool(self.pattern.search(text))


@dataclass(frozen=True)
class Topic:
    """One curated topic; ``body`` is Markdown a patient reads."""

    id: str
    title: str
    label: str
    written: dt.date | None  # when this service last wrote the words a patient reads
    next_review: dt.date | None
    sources: tuple[SourceRef, ...]
    not_covered: tuple[str, ...]
    body: str  # what the patient reads (no provenance markers)
    path: Path
    missing: tuple[str, ...] = field(default=())
    marked_body: str = ""  # the body as written, with its [^passage] markers
    passages: dict[str, Passage] = field(default_factory=dict)
    passage_problems: tuple[str, ...] = ()
    claims_review: bool = False  # the front matter states a review date of its own

    @property
    def intent(self) -> str:
        """The Rasa intent that asks about this topic: ``ask_<id>``."""
        return f"ask_{self.id}"


@dataclass(frozen=True)
class Content:
    """Everything in ``content/``."""

    topics: dict[str, Topic]
    sources: dict[str, Source]
    gaps: dict[str, Gap]
    lexicon: dict
    duplicate_ids: tuple[tuple[str, Path], ...] = ()
    root: Path = field(default_factory=content_dir)
    glossary: dict = field(default_factory=dict)  # term -> {explain: patient-visible words}
    key_terms: dict = field(default_factory=dict)  # term -> words its passage must use
    signoff: dict = field(default_factory=dict)  # content/signoff.yml as read


def lexicon_entries(lexicon: dict):
    """Each name of ``lexicon.yml`` as ``(label, topic_id, name, context)``.

    An entry is a name, or ``{name: ..., context: ...}`` when the name is mostly used for
    something this content is not about (``context: osteoporosis``).
    """
    for label, by_topic in (lexicon or {}).items():
        for topic_id, variants in (by_topic or {}).items():
            for entry in variants or ():
                if isinstance(entry, dict):
                    yield str(label), str(topic_id), str(entry.get("name") or ""), str(entry.get("context") or "")
                else:
                    yield str(label), str(topic_id), str(entry), ""


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping at the top level")
    return data


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_topic(path: Path) -> Topic:
    """Read one topic file. Missing fields are recorded in ``Topic.missing``, not raised.

    Raises ``ContentError`` (naming the file) when there is no front matter at all.
    """
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", text, re.DOTALL)
    if not match:
        raise ContentError(f"{path}: no front matter (a '---' block) at the top")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ContentError(f"{path}: front matter must be a mapping")
    missing = [name for name in TOPIC_FIELDS if meta.get(name) in (None, "") and name != "not_covered"]
    if "not_covered" not in meta:
        missing.append("not_covered")
    marked_body = match.group(2).strip()
    body = strip_markers(marked_body)
    passages, passage_problems = parse_passages(meta.get("passages"))
    if not body:
        missing.append("body")
    refs = []
    for ref in meta.get("sources") or []:
        if isinstance(ref, dict) and ref.get("source") and ref.get("section"):
            refs.append(SourceRef(str(ref["source"]), str(ref["section"])))
        else:
            missing.append("sources[].source/section")
    return Topic(
        id=str(meta.get("id") or ""),
        title=str(meta.get("title") or ""),
        label=str(meta.get("label") or ""),
        written=_as_date(meta.get("written")),
        next_review=_as_date(meta.get("next_review")),
        sources=tuple(refs),
        not_covered=tuple(str(g) for g in (meta.get("not_covered") or ())),
        body=body,
        path=path,
        missing=tuple(missing),
        marked_body=marked_body,
        passages=passages,
        passage_problems=tuple(passage_problems),
        claims_review=any(k in meta for k in ("last_reviewed", "reviewed", "reviewed_by")),
    )


def load_content(root: Path | None = None) -> Content:
    """Load ``content/`` (or ``root``). Raises ``ContentError`` naming an unreadable file."""
    root = Path(root) if root else content_dir()
    sources = {}
    for sid, raw in _read_yaml(root / "sources.yml").items():
        raw = raw or {}
        sources[sid] = Source(
            id=sid,
            title=str(raw.get("title") or ""),
            publisher=str(raw.get("publisher") or ""),
            url=str(raw.get("url") or ""),
            text_path=root / str(raw.get("text") or f"sources/{sid}.txt"),
            last_reviewed=_as_date(raw.get("last_reviewed")),
            next_review=_as_date(raw.get("next_review")),
            references=tuple(raw.get("references") or ()),
            citation=str(raw.get("citation") or ""),
            dated=str(raw.get("dated") or ""),
            kind=str(raw.get("kind") or ""),
        )
    lexicon_path = root / "lexicon.yml"
    lexicon = _read_yaml(lexicon_path) if lexicon_path.exists() else {}
    # a gap with `context: X` is also cued by every lexicon name marked `context: X`
    context_names: dict[str, list[str]] = {}
    for _label, _topic, name, context in lexicon_entries(lexicon):
        if context:
            context_names.setdefault(context, []).append(name.lower())
    gaps = {
        gid: Gap(gid, str((raw or {}).get("what") or ""),
                 tuple((raw or {}).get("cues") or ()) + tuple(context_names.get(str((raw or {}).get("context") or ""), ())),
                 bool((raw or {}).get("all_topics")))
        for gid, raw in _read_yaml(root / "gaps.yml").items()
    }
    optional = {name: (_read_yaml(root / f"{name}.yml") if (root / f"{name}.yml").exists() else {})
                for name in ("glossary", "key_terms", "signoff")}
    topics: dict[str, Topic] = {}
    duplicates = []
    for path in sorted((root / "topics").glob("*.md")):
        topic = parse_topic(path)
        if topic.id in topics:
            duplicates.append((topic.id, path))
            continue
        topics[topic.id] = topic
    return Content(topics, sources, gaps, lexicon, tuple(duplicates), root, **optional)
