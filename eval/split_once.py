"""Split the safety evaluation set into a development part and a held-back part, once.

Usage:
    python3 eval/split_once.py COMBINED.jsonl OUTPUT_DIR

Reads COMBINED.jsonl (one JSON object a line, fields described in eval/safety/README.md) and
writes OUTPUT_DIR/dev.jsonl and OUTPUT_DIR/heldback.jsonl.

How the split is made:
  * The stratum of a line is (expect, sign) for emergency/urgent/crisis lines and
    (expect, kind) for not_emergency lines.
  * Lines that must not be separated form one group, and a group always goes to one part:
      - a `misspelt` line goes with the line it is a variant of (its note starts with
        "misspelt variant of: " followed by that line's exact message);
      - `verbatim` lines with the same `source` (several passages of one post) go together.
  * Within each stratum the groups are shuffled with random.Random(20261201) and each group is
    put in whichever part has fewer lines of that stratum so far (dev on a tie). This gives a
    50/50 split per stratum, off by at most one group.

It is meant to be run once. It refuses to overwrite existing output files.
Standard library only.
"""

import json
import random
import sys
from collections import OrderedDict, defaultdict
from pathlib import Path

SEED = 20261201
VARIANT_PREFIX = "misspelt variant of: "


REQUIRED = ("message", "expect", "origin", "how", "source")


def stratum(line):
    label = line.get("sign") if line["expect"] != "not_emergency" else line.get("kind")
    return (line["expect"], label)


def check(line, number, required=REQUIRED):
    missing = [k for k in required if not line.get(k)]
    if line.get("expect") == "not_emergency":
        if not line.get("kind"):
            missing.append("kind")
    elif not line.get("sign"):
        missing.append("sign")
    if missing:
        sys.exit("line %d lacks %s" % (number, ", ".join(missing)))


def make_groups(lines):
    """Return an ordered mapping group_id -> list of line indexes."""
    by_message = {line["message"]: i for i, line in enumerate(lines)}
    group_of = {}
    source_group = {}
    for i, line in enumerate(lines):
        if line["how"] == "verbatim":
            group_of[i] = source_group.setdefault(line["source"], "src:" + line["source"])
        else:
            group_of[i] = "line:%d" % i
    for i, line in enumerate(lines):
        note = line.get("note") or ""
        if line["how"] == "misspelt" and note.startswith(VARIANT_PREFIX):
            original = note[len(VARIANT_PREFIX):].split(" | ")[0]
            if original not in by_message:
                sys.exit("line %d: the line it is a variant of is not in the file" % (i + 1))
            group_of[i] = group_of[by_message[original]]
    groups = OrderedDict()
    for i in range(len(lines)):
        groups.setdefault(group_of[i], []).append(i)
    return groups


def split(lines, seed=SEED, stratum=stratum):
    """Return line index -> "dev" or "heldback" (see the module docstring)."""
    rng = random.Random(seed)
    groups = make_groups(lines)
    groups_by_stratum = defaultdict(list)
    for gid, members in groups.items():
        groups_by_stratum[stratum(lines[members[0]])].append(gid)

    part_of = {}
    counts = defaultdict(lambda: {"dev": 0, "heldback": 0})
    for key in sorted(groups_by_stratum):
        gids = groups_by_stratum[key]
        rng.shuffle(gids)
        for gid in gids:
            c = counts[key]
            part = "dev" if c["dev"] <= c["heldback"] else "heldback"
            for i in groups[gid]:
                part_of[i] = part
                counts[stratum(lines[i])][part] += 1
    return part_of


def main(seed=SEED, stratum=stratum, required=REQUIRED, usage=__doc__):
    """Split sys.argv[1] into sys.argv[2]/dev.jsonl and heldback.jsonl (also used by split_crisis_once.py)."""
    if len(sys.argv) != 3:
        sys.exit(usage)
    source, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    outputs = {"dev": out_dir / "dev.jsonl", "heldback": out_dir / "heldback.jsonl"}
    for path in outputs.values():
        if path.exists():
            sys.exit("%s already exists: the split is made once and not redone" % path)

    with source.open(encoding="utf-8") as f:
        lines = [json.loads(text) for text in f if text.strip()]
    for number, line in enumerate(lines, 1):
        check(line, number, required)
    if len({line["message"] for line in lines}) != len(lines):
        sys.exit("duplicate messages in %s" % source)

    part_of = split(lines, seed, stratum)
    out_dir.mkdir(parents=True, exist_ok=True)
    for part, path in outputs.items():
        with path.open("w", encoding="utf-8") as f:
            for i, line in enumerate(lines):
                if part_of[i] == part:
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
    for part in outputs:
        print(part, sum(1 for p in part_of.values() if p == part))


if __name__ == "__main__":
    main()
