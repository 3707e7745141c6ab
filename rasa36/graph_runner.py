"""9. Rasa 3.6 runs its model graph through dask on every message; this calls the same nodes one
after the other without it.

Every message is understood by running the NLU part of the model graph, and every next action is
chosen by running the policy part (``DaskGraphRunner.run``). Each run rebuilds the part of the
graph the targets need, hands it to dask's synchronous scheduler (``dask.get``), which orders the
tasks, keeps their state in queues and dictionaries and calls the nodes one after the other on
this thread. That bookkeeping, not the nodes, was about 10% of the Rasa server's CPU under load
(py-spy, 20 concurrent conversations: dask 48%, the nodes themselves 38%).

``run`` below works out once per runner and set of targets which nodes are needed and in which
order (every node after the nodes it needs), then calls the same ``GraphNode`` objects with the
same arguments dask gives them: each needed node's ``(name, output)`` pair, the ``(name, value)``
pair of each input, and the bare name for anything that is neither (the node then logs that it
was not resolved, as with dask). Outputs nobody needs any more are let go, as dask lets them go
(``rasa train`` runs its graph through here too). The same errors come out: ``GraphRunError`` when
an input clashes with a node's name or a node raises ``RuntimeError``, any other exception as it is.

``tests/rasa36/test_graph_runner.py`` checks the trained model parses and predicts exactly as with dask.
Installed with the other patches by ``rasa36.apply()``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

RASA_METHODS: Dict[str, Any] = {}  # Rasa's own DaskGraphRunner.run, for the tests
_PLANS_ATTRIBUTE = "_bones_plans"

# one step: the node's name, the node, the names it needs (in order), the names to let go after it
Step = Tuple[Text, Any, Tuple[Text, ...], Tuple[Text, ...]]


def plan(nodes: Dict[Text, Any], targets: Sequence[Text]) -> List[Tuple[Text, Tuple[Text, ...]]]:
    """The nodes ``targets`` need, each after the nodes it needs: ``[(name, needs), ...]``.

    ``nodes`` maps a node's name to anything with a ``needs`` dict (parameter -> node name); names
    that are not nodes (the run's inputs) are not steps.

    >>> from types import SimpleNamespace as N
    >>> plan({"a": N(needs={"x": "__input__"}), "b": N(needs={"m": "a"}), "c": N(needs={"m": "a", "n": "b"}),
    ...       "unused": N(needs={})}, ["c"])
    [('a', ('__input__',)), ('b', ('a',)), ('c', ('a', 'b'))]
    """
    order: List[Tuple[Text, Tuple[Text, ...]]] = []
    seen = set()

    def visit(name: Text) -> None:
        if name in seen or name not in nodes:
            return
        seen.add(name)
        needs = tuple(nodes[name].needs.values())
        for need in needs:
            visit(need)
        order.append((name, needs))

    for target in targets:
        visit(target)
    return order


def _steps(runner, targets: Tuple[Text, ...]) -> List[Step]:
    """The runner's steps for ``targets``, worked out on its first run for them."""
    plans = runner.__dict__.setdefault(_PLANS_ATTRIBUTE, {})
    steps = plans.get(targets)
    if steps is None:
        order = plan(runner._graph_schema.nodes, targets)
        last_use = {need: index for index, (_, needs) in enumerate(order) for need in needs}
        steps = [(name, runner._instantiated_nodes[name], needs,
                  tuple(need for need in set(needs) if last_use[need] == index and need not in targets))
                 for index, (name, needs) in enumerate(order)]
        plans[targets] = steps
    return steps


def run(self, inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    """``DaskGraphRunner.run``: the targets' outputs, ``{target name: output}``."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    steps = _steps(self, run_targets)
    results: Dict[Text, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and input_value in self._graph_schema.nodes:
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure that none of the input "
                f"names passed to the `run` method are the same as node names in the graph schema.")
        results[input_name] = (input_name, input_value)
    try:
        for name, node, needs, done_with in steps:
            results[name] = node(*[results.get(need, need) for need in needs])
            for need in done_with:
                results.pop(need, None)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results[target] for target in run_targets)


def apply() -> None:
    """Install on ``rasa.engine.runner.dask.DaskGraphRunner`` (idempotent)."""
    from rasa.engine.runner.dask import DaskGraphRunner

    if RASA_METHODS:
        return
    RASA_METHODS["run"] = DaskGraphRunner.run
    DaskGraphRunner.run = run
