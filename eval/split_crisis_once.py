"""Split the crisis evaluation set (eval/crisis) into a development part and a held-back part, once.

Usage:
    python3 eval/split_crisis_once.py COMBINED.jsonl eval/crisis

Reads COMBINED.jsonl (one JSON object a line, fields described in eval/crisis/README.md) and
writes OUTPUT_DIR/dev.jsonl and OUTPUT_DIR/heldback.jsonl.

How the split is made:
  * The stratum of a line is (expect, sign, how) for crisis lines and (expect, kind, how)
    for not_emergency lines, so real, adapted and written lines are each split 50/50.
  * Lines that must not be separated form one group, and a group always goes to one part:
      - a `misspelt` line goes with the line it is a variant of (its note starts with
        "misspelt variant of: " followed by that line's exact message);
      - `verbatim` lines with the same `source` (several passages of one post) go together.
  * Within each stratum the groups are shuffled with random.Random(20261202) and each group is
    put in whichever part has fewer lines of that stratum so far (dev on a tie). This gives a
    50/50 split per stratum, off by at most one group.

It is meant to be run once. It refuses to overwrite existing output files.
Standard library only; the grouping and the split itself are split_once.py's.
"""

import split_once

SEED = 20261202
REQUIRED = ("message", "expect", "origin", "how", "source", "license")


def stratum(line):
    label = line.get("sign") if line["expect"] != "not_emergency" else line.get("kind")
    return (line["expect"], label, line["how"])


if __name__ == "__main__":
    split_once.main(SEED, stratum, REQUIRED, __doc__)
