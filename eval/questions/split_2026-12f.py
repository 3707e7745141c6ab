#!/usr/bin/env python3
# (Run once, on 2026-12-07, from /work/fresh by the helper who collected the set; kept here as the record of the split.)
"""Split /work/fresh/collected.jsonl ONCE into dev.jsonl and heldback.jsonl (stratified by expected_topic,
seed 20261207, lines from the same source page kept in the same part, dev first). Refuses to overwrite."""
import json
import os
import random
import re
import sys

HERE = "/work/fresh"
SRC, DEV, HELD = f"{HERE}/collected.jsonl", f"{HERE}/dev.jsonl", f"{HERE}/heldback.jsonl"
def key(s):
    m = re.search(r"https?://\S+", s or "")
    return m.group(0).split("#")[0].rstrip("/").lower() if m else re.sub(r"\s+field=\S+", "", (s or "")).lower()
for p in (DEV, HELD):
    if os.path.exists(p):
        sys.exit(f"refusing to overwrite {p}; the split is done once")
rows = [json.loads(l) for l in open(SRC, encoding="utf-8") if l.strip()]
rng = random.Random(20261207)
parts, placed, turn = ([], []), {}, 0
for label in sorted({r["expected_topic"] for r in rows}):
    group = [r for r in rows if r["expected_topic"] == label]
    rng.shuffle(group)
    for r in group:
        k = key(r.get("source", ""))
        if k in placed:
            parts[placed[k]].append(r); continue
        placed[k] = turn; parts[turn].append(r); turn = 1 - turn
for path, part in zip((DEV, HELD), parts):
    with open(path, "w", encoding="utf-8") as f:
        for r in part: f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"dev {len(parts[0])}, heldback {len(parts[1])}")
