"""A pending file: JSON lines kept on this node while a database cannot be written, replayed into
it later (handoffs: ``bot/records/handoffs.py``; undelivered WhatsApp replies: ``bot/records/undelivered.py``).

- **Appending** (``append``) takes an exclusive lock on the file, writes the whole line, syncs it
  to disk, and on any failure (a full disk: ``ENOSPC``) cuts the file back to where it was, so a
  half-written line never spoils the lines before or after it. True only when the line is on disk.
- **Replaying** (``replay``) takes the pending lines, gives each to ``apply``; a line that cannot
  be read, or that ``apply`` refuses with ``ValueError``/``TypeError``/``KeyError`` (bad data,
  which no retry would mend), goes to the quarantine file beside it (kept, mode 0600, logged
  loudly) and the others carry on. Any other error (the database is down) stops the replay and
  leaves that line and the ones after it pending, in order.
- **Forgetting** (``remove_matching``) rewrites the pending and quarantine files without the lines
  about one conversation.

>>> import tempfile, pathlib
>>> spool = pathlib.Path(tempfile.mkdtemp()) / "x.pending.jsonl"
>>> append(spool, {"conversation_id": "c1"}), append(spool, {"conversation_id": "c2"})
(True, True)
>>> _ = spool.open("a").write("not json\\n")
>>> seen = []
>>> replay(spool, lambda item: seen.append(item["conversation_id"])), seen
({'replayed': 2, 'quarantined': 1}, ['c1', 'c2'])
>>> counts(spool)
{'pending': 0, 'quarantined': 1}
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Callable, Iterator

logger = logging.getLogger(__name__)

BAD_DATA = (ValueError, TypeError, KeyError, AttributeError)  # what retrying would never mend


def replaying_path(spool: Path) -> Path:
    """Where pending lines are while a replay works on them."""
    return spool.with_suffix(".replaying")


def quarantine_path(spool: Path) -> Path:
    """Where lines that could not be replayed are kept for a person to look at."""
    return spool.with_suffix(".quarantine.jsonl")


@contextlib.contextmanager
def _locked(spool: Path, what: str = "append", wait: bool = True) -> Iterator[bool]:
    """An exclusive lock (``flock`` on ``<spool>.<what>.lock``) shared by every process on this
    node: ``append`` for short changes to the files, ``replay`` for a whole replay. Yields False
    when ``wait`` is off and another process holds it."""
    spool.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(spool.with_suffix(f".{what}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)  # closing releases the lock


def _append_lines(target: Path, lines: list[str]) -> None:
    """Append whole lines and sync them; on failure the file is cut back and the error raised."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        size = os.fstat(fd).st_size
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
                if size == 0:  # made by this call (under the lock): leave no empty file behind
                    os.unlink(target)
            raise
    finally:
        os.close(fd)


def _write_lines(target: Path, lines: list[str]) -> None:
    """Replace ``target`` by ``lines`` (a temporary file renamed over it); no lines: remove it."""
    if not lines:
        target.unlink(missing_ok=True)
        return
    temporary = target.with_suffix(target.suffix + ".tmp")
    temporary.unlink(missing_ok=True)
    try:
        _append_lines(temporary, lines)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)


def append(spool: Path, item: dict) -> bool:
    """Add ``item`` as one line; True when it is on disk, False (logged, error type only) if not."""
    try:
        line = json.dumps(item)
        with _locked(spool):
            _append_lines(spool, [line])
        return True
    except Exception as error:  # noqa: BLE001 - the caller tells the person it was not kept
        logger.error("could not keep a line in the pending file %s (%s)", spool.name, type(error).__name__)
        return False


def _read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()] \
        if path.exists() else []


def replay(spool: Path, apply: Callable[[dict], object]) -> dict[str, int]:
    """Give every pending line to ``apply`` (see the module docstring); returns how many were
    replayed and quarantined. Raises what ``apply`` raised for a line that should be tried again.
    While another process replays, returns at once (nothing done): appending never waits for a replay."""
    done = {"replayed": 0, "quarantined": 0}
    taken = replaying_path(spool)
    if not (spool.exists() or taken.exists()):
        return done
    with _locked(spool, "replay", wait=False) as mine:
        for _ in range(2 if mine else 0):  # what a replay that failed half-way left, then what came since
            with _locked(spool):
                if not taken.exists():
                    if not spool.exists():
                        break
                    os.replace(spool, taken)
                lines = _read_lines(taken)
            for number, line in enumerate(lines):
                try:
                    item = json.loads(line)
                    if not isinstance(item, dict):
                        raise ValueError("not an object")
                    apply(item)
                except BAD_DATA as error:
                    with _locked(spool):
                        _append_lines(quarantine_path(spool), [line])
                    done["quarantined"] += 1
                    logger.error("PENDING LINE QUARANTINED: a line of %s could not be replayed (%s); kept in %s "
                                 "for a person to look at", spool.name, type(error).__name__,
                                 quarantine_path(spool))
                except Exception:
                    if number:  # this one and the rest, in order, for next time (if that fails too,
                        with _locked(spool), contextlib.suppress(OSError):  # all stay: they merge again)
                            _write_lines(taken, lines[number:])
                    raise
                else:
                    done["replayed"] += 1
            with _locked(spool):
                taken.unlink(missing_ok=True)
    return done



def counts(spool: Path) -> dict[str, int]:
    """How many lines are pending (waiting, or being replayed) and how many are quarantined."""
    return {"pending": len(_read_lines(spool)) + len(_read_lines(replaying_path(spool))),
            "quarantined": len(_read_lines(quarantine_path(spool)))}


def remove_matching(spool: Path, conversation_id: str) -> int:
    """Rewrite the pending, replaying and quarantine files without the lines about
    ``conversation_id`` (a line that cannot be read goes if it names it); returns how many went."""
    needle = json.dumps(conversation_id)
    removed = 0
    with _locked(spool, "replay"), _locked(spool):  # waits for a replay to finish
        for path in (spool, replaying_path(spool), quarantine_path(spool)):
            lines = _read_lines(path)
            kept = [line for line in lines if not _about(line, conversation_id, needle)]
            if len(kept) != len(lines):
                _write_lines(path, kept)
                removed += len(lines) - len(kept)
    return removed


def _about(line: str, conversation_id: str, needle: str) -> bool:
    try:
        item = json.loads(line)
    except ValueError:
        return needle in line or conversation_id in line
    return isinstance(item, dict) and item.get("conversation_id") == conversation_id or needle in line
