"""The insight page's charts, drawn on the server as SVG with matplotlib (no script in the page,
so its Content-Security-Policy stays ``script-src 'none'``). Each chart is drawn from the same
``bot.insight.figures`` table the page shows under it; counts under 5 (and rates or times from fewer
than 5 cases) are left out of the charts, as they are shown as "fewer than 5" in the tables.
matplotlib is imported on first use, not with this module.

>>> from bot.insight.figures import Table, Count
>>> svg = chart(Table("gaps", "Gaps", ["Gap", "Times hit"], [["recovery", Count(7)], ["doses", Count(2)]]))
>>> svg.startswith("<?xml") and "<script" not in svg
True
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from bot.insight.figures import Count, Table, value_of

CHARTS = ("activity", "topics", "rates", "red_flags", "handoffs", "feedback", "gaps")
_COLOURS = ["#005eb8", "#ffb81c", "#007f3b", "#d5281b", "#330072", "#768692", "#00a9ce", "#ae2573", "#41b6e6",
            "#78be20", "#ed8b00", "#425563", "#7c2855", "#00a499"]


def _figure(height: float = 3.2):
    import matplotlib

    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "bones-insight", "font.size": 9,
                                "font.family": "sans-serif"})
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, height), dpi=96)
    return figure, figure.add_subplot()


def _svg(figure) -> str:
    out = io.StringIO()
    figure.tight_layout()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _stacked(table: Table, x_col: int, group_col: int, value_col: int, ylabel: str) -> str:
    xs = sorted({row[x_col] for row in table.rows})
    groups = sorted({row[group_col] for row in table.rows})
    values: defaultdict[tuple, float] = defaultdict(float)
    for row in table.rows:
        values[(row[x_col], row[group_col])] += value_of(row[value_col]) or 0
    figure, axes = _figure()
    bottom = [0.0] * len(xs)
    for number, group in enumerate(groups):
        heights = [values[(x, group)] for x in xs]
        axes.bar(range(len(xs)), heights, bottom=bottom, label=group, color=_COLOURS[number % len(_COLOURS)])
        bottom = [b + h for b, h in zip(bottom, heights)]
    _x_labels(axes, xs)
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    if not any(bottom):
        _all_small(axes)
    if groups:
        axes.legend(fontsize=7, ncol=min(4, len(groups)), loc="upper left", frameon=False)
    return _svg(figure)


def _all_small(axes) -> None:
    axes.set_ylim(0, 5)
    axes.text(0.5, 0.5, "every count here is under 5 (not drawn)", transform=axes.transAxes, ha="center",
              color="#425563")


def _x_labels(axes, xs: list[str]) -> None:
    step = max(1, len(xs) // 12)
    axes.set_xticks(range(0, len(xs), step))
    axes.set_xticklabels([xs[i][5:] for i in range(0, len(xs), step)], rotation=45, ha="right")
    axes.spines[["top", "right"]].set_visible(False)


def _horizontal(labels: list[str], values: list[float], xlabel: str) -> str:
    figure, axes = _figure(max(1.8, 0.3 * len(labels) + 1))
    axes.barh(range(len(labels)), values, color=_COLOURS[0])
    axes.set_yticks(range(len(labels)))
    axes.set_yticklabels(labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _daily(table: Table) -> str:
    from bot.insight.figures import ALL_CHANNELS

    rows = [row for row in table.rows if row[1] == ALL_CHANNELS]
    first, last = dt.date.fromisoformat(rows[0][0]), dt.date.fromisoformat(rows[-1][0])
    days = [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    values = {row[0]: (value_of(row[2]) or 0, value_of(row[3]) or 0) for row in rows}
    figure, axes = _figure()
    axes.bar(range(len(days)), [values.get(d, (0, 0))[1] for d in days], color=_COLOURS[5], label="messages")
    axes.bar(range(len(days)), [values.get(d, (0, 0))[0] for d in days], color=_COLOURS[0], label="conversations")
    _x_labels(axes, days)
    axes.set_ylabel("per day, all channels")
    axes.legend(fontsize=7, ncol=2, loc="upper left", frameon=False)
    return _svg(figure)


def _rates(table: Table) -> str:
    rows = [row for row in table.rows if row[0] != "All weeks"]
    xs = [row[0] for row in rows]
    figure, axes = _figure()
    for number, column in enumerate(range(2, len(table.columns))):
        ys = [value_of(row[column]) for row in rows]
        axes.plot(range(len(xs)), [y if y is not None else float("nan") for y in ys], marker="o",
                  label=table.columns[column].strip('"'), color=_COLOURS[number])
    _x_labels(axes, xs)
    axes.set_ylabel("% of typed messages")
    axes.legend(fontsize=7, ncol=4, loc="upper left", frameon=False)
    return _svg(figure)


def _handoffs(table: Table) -> str:
    labels = [row[0] for row in table.rows]
    figure, axes = _figure()
    width = 0.2
    for number, (column, name) in enumerate([(3, "to claim, median"), (4, "to claim, 90th percentile"),
                                              (6, "to resolve, median"), (7, "to resolve, 90th percentile")]):
        hours = [(value_of(row[column]) or 0) / 60 for row in table.rows]
        axes.bar([i + (number - 1.5) * width for i in range(len(labels))], hours, width, label=name,
                 color=_COLOURS[number])
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(labels)
    axes.set_ylabel("hours")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, ncol=2, loc="upper left", frameon=False)
    return _svg(figure)


def chart(table: Table) -> str:
    """The SVG (a string) for one of the insight tables (``CHARTS``)."""
    if table.key == "activity":  # every channel together: one channel a day is often under 5
        return _daily(table)
    if table.key == "topics":
        return _stacked(table, 0, 1, 2, "answers")
    if table.key == "red_flags":  # every sign together: one sign a week is often under 5
        from bot.insight.figures import ALL_SIGNS

        return _stacked(Table(table.key, table.title, table.columns,
                              [row for row in table.rows if row[2] == ALL_SIGNS]), 0, 1, 3, "red flags")
    if table.key == "rates":
        return _rates(table)
    if table.key == "handoffs":
        return _handoffs(table)
    if table.key == "feedback":
        return _horizontal([row[0] for row in table.rows], [value_of(row[4]) or 0 for row in table.rows],
                           "% who said it was helpful")
    if table.key == "gaps":
        return _horizontal([row[0] for row in table.rows],
                           [value_of(row[1]) or 0 for row in table.rows if isinstance(row[1], Count)], "times hit")
    raise KeyError(table.key)
