#!/usr/bin/env python3
# (Run once, on 2026-12-08, from /work/fresh_s28q by the helper who collected the set; kept here as the record of the split;
# imports sorted by ruff afterwards.)
"""Split collected.jsonl ONCE into dev.jsonl and heldback.jsonl.
- lines sharing a source page (same 'source' string) go to the same part
- stratified by expected_topic: each source group is assigned a stratum (its most common topic),
  groups within a stratum are shuffled (seed 20261208) and dealt so each part gets about half of
  that stratum's lines; ties go to the part with fewer lines overall, then to dev.
- refuses to run if dev.jsonl or heldback.jsonl already exists."""
import collections
import json
import os
import random
import sys

SEED = 20261208
HERE = os.path.dirname(os.path.abspath(__file__))
SRC, DEV, HELD = (os.path.join(HERE, n) for n in ("collected.jsonl", "dev.jsonl", "heldback.jsonl"))

for p in (DEV, HELD):
    if os.path.exists(p):
        sys.exit(f"refusing to overwrite existing {p}")

rows = [json.loads(l) for l in open(SRC, encoding="utf-8") if l.strip()]
groups = collections.OrderedDict()
for r in rows:
    groups.setdefault(r["source"].strip(), []).append(r)

strata = collections.defaultdict(list)
for key, g in groups.items():
    topic = collections.Counter(r["expected_topic"] for r in g).most_common(1)[0][0]
    strata[topic].append(key)

rng = random.Random(SEED)
parts = {"dev": [], "heldback": []}
for topic in sorted(strata):
    keys = sorted(strata[topic])
    rng.shuffle(keys)
    cnt = {"dev": 0, "heldback": 0}
    for k in keys:
        tgt = min(("dev", "heldback"), key=lambda p: (cnt[p], len(parts[p]), p != "dev"))
        parts[tgt].extend(groups[k])
        cnt[tgt] += len(groups[k])

for name, path in (("dev", DEV), ("heldback", HELD)):
    with open(path, "x", encoding="utf-8") as f:
        for r in parts[name]:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(parts[name]), dict(collections.Counter(r["expected_topic"] for r in parts[name])))
