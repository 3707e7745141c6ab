"""The content database: built from ``content/`` with sqlite-utils, then opened read-only.

Tables: ``topics`` (one row a topic, with its sources and gaps as JSON), ``sources``, and the
full-text index ``topics_fts`` over title and body.

>>> store = ContentStore.open()          # builds nothing: run ``python -m bot build-db`` first
>>> store.topic("denosumab")["title"]
'Denosumab'
>>> [hit["id"] for hit in store.search("Xgeva or denosumab?")][:1]
['denosumab']
"""
from __future__ import annotations

import json
import re
import sqlite3
from functools import lru_cache
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import Table

from bot.content.provenance import block_passages
from bot.content.topics import Content, load_content
from bot.content.validate import plain_text
from bot.paths import content_db_path

MAX_QUERY_TERMS = 24  # more words than this add nothing to ranking and cost time
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _table(db: sqlite_utils.Database, name: str) -> Table:
    """``db[name]`` where it can only be a table (a new file has no views)."""
    table = db[name]
    assert isinstance(table, Table)
    return table


def build_database(content: Content, path: Path) -> Path:
    """Write ``content`` to a new SQLite file at ``path`` (replacing it) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp)
    _table(db, "sources").insert_all(
        (
            {
                "id": s.id,
                "title": s.title,
                "publisher": s.publisher,
                "url": s.url,
                "last_reviewed": s.last_reviewed.isoformat() if s.last_reviewed else None,
                "next_review": s.next_review.isoformat() if s.next_review else None,
                "citation": s.citation,
                "dated": s.dated,
            }
            for s in content.sources.values()
        ),
        pk="id",
    )
    from bot.content.signoff import signoff_status

    signed = signoff_status(content)
    _table(db, "topics").insert_all(
        (
            {
                "id": t.id,
                "title": t.title,
                "label": t.label,
                "body": t.body,
                "text": plain_text(t.body),
                "written": t.written.isoformat() if t.written else None,
                "next_review": t.next_review.isoformat() if t.next_review else None,
                # a clinical review date only from content/signoff.yml, and only while the hash matches
                **_review_columns(signed.get(f"topic:{t.id}")),
                "sources": json.dumps([{"source": r.source, "section": r.section} for r in t.sources]),
                "not_covered": json.dumps(list(t.not_covered)),
                "where_from": json.dumps(_where_from(t)),
            }
            for t in content.topics.values()
        ),
        pk="id",
    )
    _table(db, "gaps").insert_all(
        ({"id": g.id, "what": g.what, "pattern": g.pattern.pattern, "all_topics": g.all_topics}
         for g in content.gaps.values()),
        pk="id",
    )
    db["topics"].enable_fts(["title", "text"], fts_version="FTS5", tokenize="porter")
    _build_retrieval(db, content)
    db.conn.commit()
    db.conn.close()
    tmp.replace(path)
    return path


def _as_searched(text: str, proper_names: dict) -> str:
    """``text`` with each organisation's full name put as its short name (``understanding.yml``,
    ``retrieval_proper_names``): the words of "National Institute for Health and Care Excellence" are not
    about health or care, and indexed as words they pointed "palliative care" at NHS access.

    >>> _as_searched("Guidance from the National Institute for Health and Care Excellence.",
    ...              {"NICE": ["National Institute for Health and Care Excellence"]})
    'Guidance from the NICE.'
    """
    for short, full_names in proper_names.items():
        for full in full_names:
            text = re.sub(re.escape(full), short, text, flags=re.IGNORECASE)
    return text


def _build_retrieval(db, content: Content) -> None:
    """The ``retrieval`` table and its FTS5 index (``retrieval_fts``): per topic its title, body
    and the names people use for it (``lexicon.yml`` names, ``understanding.yml`` subject cues),
    searched by ``bot.understanding.retrieval``."""
    import yaml

    from bot.content.topics import lexicon_entries

    names: dict[str, list[str]] = {t: [] for t in content.topics}
    for _label, topic_id, name, _context in lexicon_entries(content.lexicon):
        names.setdefault(topic_id, []).append(name)
    path = Path(content.root) / "understanding.yml"
    understanding = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    for topic_id, cues in (understanding.get("subjects") or {}).items():
        names.setdefault(topic_id, []).extend(str(c).replace("*", "") for c in cues)
    proper_names = understanding.get("retrieval_proper_names") or {}
    db["retrieval"].insert_all(
        ({"id": t.id, "title": _as_searched(t.title, proper_names), "body": _as_searched(plain_text(t.body), proper_names),
          "names": " ; ".join(names.get(t.id, []))}
         for t in content.topics.values()),
        pk="id",
    )
    db["retrieval"].enable_fts(["title", "body", "names"], fts_version="FTS5", tokenize="porter")


def _where_from(topic) -> list[list[str]]:
    """Per paragraph (or list) of the body, the ids of the sources its sentences come from
    (this service's own signposting names none)."""
    blocks = []
    for ids in block_passages(topic.marked_body):
        sources: list[str] = []
        for pid in ids:
            passage = topic.passages.get(pid)
            if passage and passage.source and passage.source not in sources:
                sources.append(passage.source)
        blocks.append(sources)
    return blocks


def _review_columns(status) -> dict:
    if status is None or not status.signed:
        return {"reviewed_on": None, "reviewed_by": None}
    return {"reviewed_on": status.date.isoformat() if status.date else None, "reviewed_by": status.reviewer}


def fts_query(text: str) -> str:
    """A safe FTS5 query for any user text: each word quoted, joined with OR.

    Operators, quotes, ``*``, ``NOT``, hyphens and NUL characters become plain words or vanish;
    an empty result means "nothing to search for".

    >>> fts_query('vertebro-plasty NOT "safe"*')
    '"vertebro" OR "plasty" OR "NOT" OR "safe"'
    >>> fts_query("\\x00 ***")
    ''
    """
    seen: dict[str, None] = {}
    for word in _WORD.findall(text[:20_000]):
        seen.setdefault(word, None)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return " OR ".join(f'"{word}"' for word in seen)


class ContentStore:
    """Read-only lookups in the content database. Open it once and share it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        uri = f"file:{self.path}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)

    @classmethod
    def open(cls, path: Path | None = None) -> "ContentStore":
        """Open the database at ``path`` (default: ``bot.paths.content_db_path()``)."""
        path = Path(path or content_db_path())
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: run 'python -m bot build-db' (or 'make db')")
        return cls(path)

    def _row(self, row: dict) -> dict:
        row = dict(row)
        row["sources"] = json.loads(row["sources"])
        row["not_covered"] = json.loads(row["not_covered"])
        row["where_from"] = json.loads(row.get("where_from") or "[]")
        source_rows = {s["id"]: s for s in self.db["sources"].rows}
        for ref in row["sources"]:
            src = source_rows.get(ref["source"], {})
            ref.update(title=src.get("title", ""), publisher=src.get("publisher", ""), url=src.get("url", ""),
                       citation=src.get("citation", ""), dated=src.get("dated", ""))
        return row

    def topic(self, topic_id: str) -> dict | None:
        """The topic with id ``topic_id`` as a dict (sources expanded), or None."""
        rows = list(self.db.query("select * from topics where id = ?", [topic_id]))
        return self._row(rows[0]) if rows else None

    def existing_topic(self, topic_id: str) -> dict:
        """``topic(topic_id)`` for an id known to be there (``KeyError`` if it is not)."""
        found = self.topic(topic_id)
        if found is None:
            raise KeyError(topic_id)
        return found

    def gaps(self) -> dict[str, dict]:
        """Every gap by id: ``{"what": patient-visible words, "pattern": regex of its cues, "all_topics"}``."""
        return {row["id"]: row for row in self.db["gaps"].rows}

    def topic_ids(self) -> list[str]:
        """Every topic id, sorted."""
        return sorted(r["id"] for r in self.db.query("select id from topics"))

    def search(self, text: str, limit: int = 3) -> list[dict]:
        """Topics matching ``text``, best first (bm25). Never raises on user text.

        Returns a list of ``{"id", "title", "score"}``; lower score is a better match.
        """
        query = fts_query(text)
        if not query:
            return []
        sql = (
            "select topics.id, topics.title, bm25(topics_fts) as score from topics_fts "
            "join topics on topics.rowid = topics_fts.rowid "
            "where topics_fts match ? order by score limit ?"
        )
        return list(self.db.query(sql, [query, int(limit)]))


@lru_cache(maxsize=1)
def default_store() -> ContentStore:
    """The shared store for this process, opened on first use."""
    return ContentStore.open()


def ensure_database(path: Path | None = None) -> Path:
    """Build the database from ``content/`` into ``path`` and return the path."""
    return build_database(load_content(), Path(path or content_db_path()))
