#!/usr/bin/env python3
"""Split a probe file written by a helper session ONCE into a development half and a held-back half.

Usage: split_once.py SOURCE.jsonl OUT_PREFIX LABEL_FIELD SEED

Standard library only; refuses to overwrite. Stratified by LABEL_FIELD: labels in sorted order, each
label's lines shuffled with one random.Random(SEED) and dealt alternately (development first). Each line
gains a "source" saying who wrote it. Writes OUT_PREFIX-dev.jsonl and OUT_PREFIX-heldback.jsonl and
prints only the counts, so the held-back half is never shown.
"""
import json
import os
import random
import sys

SOURCE_NOTE = ("written on 2026-12-04 by a helper session that had not seen the assistant's rules, "
               "vocabulary, training data or evaluation sets (prompt in eval/probes/README.md)")


def main(src, prefix, field, seed):
    dev_path, held_path = prefix + "-dev.jsonl", prefix + "-heldback.jsonl"
    for path in (dev_path, held_path):
        if os.path.exists(path):
            sys.exit(f"refusing to overwrite {path}; the split is done once")
    with open(src, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    rng = random.Random(int(seed))
    dev, held = [], []
    for label in sorted({o[field] for o in lines}):
        items = [o for o in lines if o[field] == label]
        rng.shuffle(items)
        for i, o in enumerate(items):
            o.setdefault("source", SOURCE_NOTE)
            (dev if i % 2 == 0 else held).append(o)
    for path, part in ((dev_path, dev), (held_path, held)):
        with open(path, "w", encoding="utf-8") as f:
            for o in part:
                f.write(json.dumps(o, ensure_ascii=False) + "\n")
    print(f"development {len(dev)}, held-back {len(held)}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
