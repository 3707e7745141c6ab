#!/usr/bin/env python3
# (Run once, on 2026-12-08, from /work/fresh_s28s by the helper who collected the set; kept here as the record of the split;
# imports sorted by ruff afterwards.)
"""Split collected.jsonl ONCE into dev.jsonl and heldback.jsonl.
Stratified by expect and sign/kind, seed 20261208; all lines from the same source page go to the same part.
Refuses to run if either output already exists."""
import collections
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC, DEV, HELD = (os.path.join(HERE, n) for n in ("collected.jsonl", "dev.jsonl", "heldback.jsonl"))
for p in (DEV, HELD):
    if os.path.exists(p):
        sys.exit(f"refusing to overwrite existing {p}")

def page_key(s):
    m = re.search(r"https?://\S+", s or "")
    if m:
        return m.group(0).split("#")[0].rstrip("/").lower()
    return (s or "").split(", user")[0].strip().lower()   # dataset rows: repo + path + row identify one post

rows = [json.loads(l) for l in open(SRC, encoding="utf-8") if l.strip()]
groups = collections.OrderedDict()
for r in rows:
    groups.setdefault(page_key(r["source"]), []).append(r)

def stratum(r):
    return (r["expect"], r.get("sign") or r.get("kind") or "")

rng = random.Random(20261208)
by_stratum = collections.defaultdict(list)
for k, g in groups.items():
    by_stratum[stratum(g[0])].append(k)

parts = {"dev": [], "heldback": []}
per_stratum = collections.defaultdict(lambda: {"dev": 0, "heldback": 0})
total = {"dev": 0, "heldback": 0}
for st in sorted(by_stratum):
    keys = by_stratum[st][:]
    rng.shuffle(keys)
    for k in keys:
        c = per_stratum[st]
        if c["dev"] != c["heldback"]:
            side = "dev" if c["dev"] < c["heldback"] else "heldback"
        elif total["dev"] != total["heldback"]:
            side = "dev" if total["dev"] < total["heldback"] else "heldback"
        else:
            side = rng.choice(["dev", "heldback"])
        for r in groups[k]:
            parts[side].append(r)
            per_stratum[stratum(r)][side] += 1
            total[side] += 1

for side, path in (("dev", DEV), ("heldback", HELD)):
    with open(path, "x", encoding="utf-8") as f:
        for r in parts[side]:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
print("dev", total["dev"], "heldback", total["heldback"])
for st in sorted(per_stratum):
    print(st, dict(per_stratum[st]))
