"""The clinicians' sign-off record (``content/signoff.yml``) against what the assistant says now.

Every reviewable item has an id and a hash of its current content:

- ``topic:<id>``            the topic file (body, passages, sources)
- ``response:<name>``       one ``domain.yml`` response (all its variations and buttons)
- ``file:<path>``           a whole content file a clinician reviews as one (the red-flag
                            specification, the glossary, the gaps, the helpline and channel words)

An item is signed off when the newest sign-off entry that names it gives the hash it has now.

>>> from bot.content.topics import load_content
>>> status = signoff_status(load_content())
>>> status["topic:denosumab"].signed
False
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from bot.content.provenance import content_hash
from bot.content.responses import domain_responses, is_safety_response
from bot.content.topics import Content
from bot.content.validate import unexplained_in_responses

# content files reviewed as a whole (paths relative to content/)
REVIEWED_FILES = ("safety/red_flags.yml", "glossary.yml", "gaps.yml", "helpline.yml", "messaging.yml", "web.yml")


@dataclass(frozen=True)
class ItemStatus:
    """One item: its current hash and, if signed off at that hash, who signed and when."""

    item: str
    hash: str
    signed: bool = False
    reviewer: str = ""
    role: str = ""
    date: dt.date | None = None
    changed: bool = False  # signed off once, but the content has changed since


def current_items(content: Content, domain_path: Path | None = None) -> dict[str, str]:
    """Every reviewable item and the hash of its content now: ``{item: "sha256:..."}``."""
    items = {}
    for topic in sorted(content.topics.values(), key=lambda t: t.id):
        items[f"topic:{topic.id}"] = content_hash(topic.path.read_text(encoding="utf-8"))
    for name, variations in sorted(domain_responses(domain_path).items()):
        items[f"response:{name}"] = content_hash(json.dumps(variations, sort_keys=True, ensure_ascii=False))
    for rel in REVIEWED_FILES:
        path = content.root / rel
        if path.exists():
            items[f"file:{rel}"] = content_hash(path.read_text(encoding="utf-8"))
    return items


def signoff_status(content: Content, domain_path: Path | None = None) -> dict[str, ItemStatus]:
    """Each item's sign-off status, from the newest entry of ``content/signoff.yml`` naming it."""
    entries = [e for e in ((content.signoff or {}).get("signoffs") or []) if isinstance(e, dict)]
    entries.sort(key=lambda e: str(e.get("date") or ""))
    status = {}
    for item, digest in current_items(content, domain_path).items():
        latest = None
        for entry in entries:
            if item in (entry.get("items") or {}):
                latest = entry
        if latest is None:
            status[item] = ItemStatus(item, digest)
            continue
        date = latest.get("date")
        date = date if isinstance(date, dt.date) else None
        same = str((latest.get("items") or {}).get(item)) == digest
        status[item] = ItemStatus(item, digest, same, str(latest.get("reviewer") or ""),
                                  str(latest.get("role") or ""), date, not same)
    return status


def report(content: Content, domain_path: Path | None = None) -> list[str]:
    """Lines for ``check-content``: what is signed off, what changed since, what never was."""
    status = signoff_status(content, domain_path)
    signed = [s for s in status.values() if s.signed]
    changed = [s for s in status.values() if s.changed]
    never = [s for s in status.values() if not s.signed and not s.changed]
    lines = [f"sign-off: {len(signed)} of {len(status)} items signed off by a clinician"
             f" ({(content.signoff or {}).get('status') or 'see content/signoff.yml'})"]
    if changed:
        lines.append("  changed since their last sign-off: " + ", ".join(s.item for s in changed))
    safety = [s.item for s in never if s.item.startswith("response:") and is_safety_response(s.item[9:], content)]
    if safety:
        lines.append("  safety replies never signed off: " + ", ".join(safety))
    for name, term, is_safety in unexplained_in_responses(content, domain_path):
        if is_safety:
            lines.append(f"  safety reply {name} uses '{term}' without the explanation in content/glossary.yml")
    others = [s.item for s in never if s.item not in safety]
    if others:
        lines.append(f"  {len(others)} other items never signed off (python -m bot review-pack lists them)")
    return lines


__all__ = ["ItemStatus", "current_items", "report", "signoff_status"]
