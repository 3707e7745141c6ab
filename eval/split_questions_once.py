#!/usr/bin/env python3
"""Split a combined validation JSONL once into dev and held-back halves.

Stdlib only. Stratified by `expected_topic`, 50/50 per label (odd counts put the
extra item in the held-back half), using random.Random(20261201). Run it once;
the combined input file is kept outside the repository.

Usage: python3 eval/split_questions_once.py COMBINED.jsonl [OUT_DIR]
OUT_DIR defaults to eval/questions/ next to this script; the script refuses to
overwrite existing dev.jsonl / heldback.jsonl.
"""
import json
import os
import random
import sys
from collections import OrderedDict

SEED = 20261201


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    src = argv[1]
    out_dir = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "questions")
    dev_path = os.path.join(out_dir, "dev.jsonl")
    held_path = os.path.join(out_dir, "heldback.jsonl")
    for p in (dev_path, held_path):
        if os.path.exists(p):
            sys.exit("refusing to overwrite %s: the split is made once" % p)
    with open(src, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    groups = OrderedDict()
    for row in rows:
        groups.setdefault(row["expected_topic"], []).append(row)
    rng = random.Random(SEED)
    dev, held = [], []
    for label in sorted(groups):
        items = list(groups[label])
        rng.shuffle(items)
        half = len(items) // 2
        dev.extend(items[:half])
        held.extend(items[half:])
    os.makedirs(out_dir, exist_ok=True)
    for path, part in ((dev_path, dev), (held_path, held)):
        with open(path, "w", encoding="utf-8") as f:
            for row in part:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("dev %d, heldback %d (seed %d)" % (len(dev), len(held), SEED))


if __name__ == "__main__":
    main(sys.argv)
