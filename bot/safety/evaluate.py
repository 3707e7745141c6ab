"""Scoring the red-flag check on a labelled set (``python -m bot evaluate-safety FILE``).

Each row has ``message``, ``expect`` (``emergency``, ``crisis``, ``urgent`` or ``not_emergency``),
and ``sign`` (for the first three) or ``kind`` (for non-emergencies: negated, past, hypothetical,
advice_received, information_question, relative_history, explained_otherwise, ordinary). A row
that needs help counts as caught when the reply gave emergency, crisis or urgent advice (the
check-back reply included); a non-emergency that got such advice is a false alarm.

>>> rows = [{"message": "a", "expect": "emergency", "sign": "mscc"},
...         {"message": "b", "expect": "not_emergency", "kind": "past"}]
>>> score = Score.of(rows, [True, True])
>>> score.recall["emergency"], score.false_alarms["past"]
((1, 1), (1, 1))
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

NEEDS_HELP = ("emergency", "crisis", "urgent")
TRICKY = ("negated", "past", "hypothetical", "advice_received", "information_question", "relative_history",
          "explained_otherwise")


def _ratio(pair: tuple[int, int]) -> str:
    hit, total = pair
    return f"{hit:4}/{total:<4} {100 * hit / total:5.1f}%" if total else f"{hit:4}/{total:<4}    -"


@dataclass
class Score:
    """Recall per expected urgency and per sign, false alarms per kind, and the rows behind them."""

    recall: dict[str, tuple[int, int]] = field(default_factory=dict)
    recall_by_sign: dict[str, tuple[int, int]] = field(default_factory=dict)
    false_alarms: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: list[dict] = field(default_factory=list)
    false_alarm_rows: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, rows: list[dict], flagged: list[bool], details: list[str] | None = None) -> "Score":
        """Score ``rows`` given whether each one got urgent advice (``details``: what it got, for the lists)."""
        counts: dict[str, dict[str, list[int]]] = {"recall": defaultdict(lambda: [0, 0]),
                                                   "sign": defaultdict(lambda: [0, 0]),
                                                   "false": defaultdict(lambda: [0, 0])}
        score = cls()
        for i, (row, got) in enumerate(zip(rows, flagged)):
            detail = (details or [""] * len(rows))[i]
            if row["expect"] in NEEDS_HELP:
                for key, name in (("recall", row["expect"]), ("recall", "all"), ("sign", row.get("sign") or "?")):
                    counts[key][name][0] += got
                    counts[key][name][1] += 1
                if not got:
                    score.missed.append(row | {"got": detail})
            else:
                kind = row.get("kind") or "ordinary"
                names = [kind, "all"] + (["tricky"] if kind in TRICKY else [])
                for name in names:
                    counts["false"][name][0] += got
                    counts["false"][name][1] += 1
                if got:
                    score.false_alarm_rows.append(row | {"got": detail})
        score.recall = {k: (v[0], v[1]) for k, v in counts["recall"].items()}
        score.recall_by_sign = {k: (v[0], v[1]) for k, v in counts["sign"].items()}
        score.false_alarms = {k: (v[0], v[1]) for k, v in counts["false"].items()}
        return score

    def report(self, list_rows: bool = True) -> str:
        """The printed report: recall, false alarms, then every miss and false alarm."""
        lines = ["recall (needed help and got emergency, crisis or urgent advice):"]
        order = [k for k in (*NEEDS_HELP, "all") if k in self.recall]
        lines += [f"  {name:22} {_ratio(self.recall[name])}" for name in order]
        lines.append("recall per sign:")
        lines += [f"  {name:22} {_ratio(pair)}" for name, pair in sorted(self.recall_by_sign.items())]
        lines.append("false alarms (did not need it and got urgent advice):")
        kinds = [k for k in sorted(self.false_alarms) if k not in ("all", "tricky")] + ["tricky", "all"]
        lines += [f"  {name:22} {_ratio(self.false_alarms[name])}" for name in kinds if name in self.false_alarms]
        if list_rows:
            lines.append(f"missed ({len(self.missed)}):")
            lines += [f"  [{r['expect']}/{r.get('sign', '?')}] {_one_line(r['message'])}  -> {r['got']}"
                      for r in self.missed]
            lines.append(f"false alarms ({len(self.false_alarm_rows)}):")
            lines += [f"  [{r.get('kind', 'ordinary')}] {_one_line(r['message'])}  -> {r['got']}"
                      for r in self.false_alarm_rows]
        return "\n".join(lines)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
