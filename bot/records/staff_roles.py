"""What a staff account may do: its roles, as the ``roles`` column of ``staff`` stores them."""
from __future__ import annotations

ROLES = ("triage", "insight", "content")  # the queue; the insight page; the content-gap report
DEFAULT_ROLES = ("triage",)


def parse_roles(stored: str | None) -> frozenset[str]:
    """The roles in a ``roles`` column ("triage,insight"); unknown names are ignored.

    >>> sorted(parse_roles("insight, content,admin")), sorted(parse_roles(None))
    (['content', 'insight'], [])
    """
    return frozenset(r.strip() for r in (stored or "").split(",") if r.strip() in ROLES)
