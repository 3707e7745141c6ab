#!/usr/bin/env python3
"""Split the 2026-12d question collection ONCE into a dev half and a held-back half.

Standard library only. Refuses to overwrite existing output files.

* Input: /tmp/questions_combined_2026-12d.jsonl (collected and de-duplicated lines; not committed).
* Stratified by `expected_topic`: labels are processed in sorted order; within each label the lines
  are shuffled with one random.Random(20261203) and dealt alternately to dev / held-back (dev first).
* Lines quoted from the same source page stay in the same part: once a source page has been dealt to a
  part, every later line from that page (in any label) goes to the same part without advancing the
  alternation.
"""
import json
import os
import random
import re
import sys

SRC = "/tmp/questions_combined_2026-12d.jsonl"
HERE = os.path.dirname(os.path.abspath(__file__))
DEV = os.path.join(HERE, "dev-2026-12d.jsonl")
HELD = os.path.join(HERE, "heldback-2026-12d.jsonl")
SEED = 20261203


def source_key(source):
    """The page a line was quoted from: the URL (without fragment), or the dataset record."""
    s = source.strip()
    m = re.search(r"https?://\S+", s)
    if m and not s.startswith("github.com/"):
        return m.group(0).split("#")[0].rstrip("/").lower()
    # dataset records: repository + file + record id (drop the field name)
    return re.sub(r"\s+field=\S+", "", s).lower()


def main():
    for path in (DEV, HELD):
        if os.path.exists(path):
            sys.exit(f"refusing to overwrite {path}; the split is done once")
    with open(SRC, encoding="utf-8") as f:
        lines = [json.loads(l) for l in f if l.strip()]
    rng = random.Random(SEED)
    assigned = {}  # source key -> "dev" | "held"
    dev, held = [], []
    for label in sorted({o["expected_topic"] for o in lines}):
        items = [o for o in lines if o["expected_topic"] == label]
        rng.shuffle(items)
        turn = 0  # 0 -> dev next, 1 -> held next
        for o in items:
            key = source_key(o["source"])
            part = assigned.get(key)
            if part is None:
                part = "dev" if turn == 0 else "held"
                turn = 1 - turn
                assigned[key] = part
            (dev if part == "dev" else held).append(o)
    for path, rows in ((DEV, dev), (HELD, held)):
        with open(path, "x", encoding="utf-8") as f:
            for o in rows:
                f.write(json.dumps(o, ensure_ascii=False) + "\n")
    print(f"dev {len(dev)}  held-back {len(held)}")


if __name__ == "__main__":
    main()
