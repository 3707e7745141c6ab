#!/usr/bin/env python3
# (Run once, on 2026-12-07, from /work/fresh by the helper who collected the set; kept here as the record of the split.)
"""Say, for each candidate line, whether it duplicates a line of an existing evaluation set (DUP), quotes a
page already quoted there (SAMESOURCE: allowed, but prefer other pages), or is new (OK). Reads the existing
sets itself; prints no text of theirs."""
import glob
import json
import re
import sys

STOP = set("a an the and or of to in on for is are was were be been it its this that with as at by from i my me we our you your he she his her they them their do does did can could will would should what which how why when where who have has had not no so if about into than then there these those just also any some very more most".split())

def words(t):
    return {w for w in re.findall(r"[a-z0-9']+", t.lower()) if w not in STOP and len(w) > 2}

def norm(t):
    return " ".join(re.findall(r"[a-z0-9]+", t.lower()))

def src_key(s):
    m = re.search(r"https?://\S+", s or "")
    return m.group(0).split("#")[0].rstrip("/").lower() if m else (s or "").strip().lower()

existing, sources = [], set()
for f in glob.glob("/work/main/eval/**/*.jsonl", recursive=True) + glob.glob("/work/shared/eval/*.jsonl"):
    for line in open(f, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            t = r.get("question") or r.get("message") or ""
            existing.append((norm(t), words(t)))
            if r.get("source"): sources.add(src_key(r["source"]))

for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if not line.strip():
        continue
    r = json.loads(line)
    t = r.get("question", "")
    nt, wt = norm(t), words(t)
    dup = False
    for ne, we in existing:
        if nt == ne or (nt and (nt in ne or ne in nt) and min(len(nt), len(ne)) > 0.8 * max(len(nt), len(ne))):
            dup = True; break
        if wt and we:
            j = len(wt & we) / len(wt | we)
            if j > 0.45 and len(wt & we) >= 2:
                dup = True; break
    same = src_key(r.get("source", "")) in sources
    print(n, "DUP" if dup else ("SAMESOURCE" if same else "OK"))
