"""The model graph run without dask gives what Rasa's dask run gives (rasa36/graph_runner.py)."""
from __future__ import annotations

import asyncio
import weakref

import pytest

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from rasa36 import graph_runner
from rasa36.graph_runner import RASA_METHODS


class Output:
    """A node's output that can be watched for being let go; it keeps the names of its inputs."""

    def __init__(self, name, inputs):
        self.name = name
        self.inputs = [item.name if isinstance(item, Output) else item for item in inputs]


class Graph:
    """A small graph of recording nodes: ``{name: {parameter: needed name}}``."""

    def __init__(self, needs, targets=(), fail=None):
        from rasa.engine.graph import GraphComponent, GraphSchema, SchemaNode
        from rasa.engine.runner.dask import DaskGraphRunner

        self.calls, self.outputs = [], {}
        self.runner = object.__new__(DaskGraphRunner)  # nodes made here, not from a model
        self.runner._graph_schema = GraphSchema({
            name: SchemaNode(needs=node_needs, uses=GraphComponent, constructor_name="create", fn="run", config={},
                             is_target=name in targets)
            for name, node_needs in needs.items()})
        self.runner._instantiated_nodes = {name: self._node(name, fail) for name in needs}
        self.runner._execution_context = None

    def _node(self, name, fail):
        def node(*received):
            self.calls.append(name)
            if fail and name in fail:
                raise fail[name]
            output = Output(name, [item[1] if isinstance(item, tuple) else item for item in received])
            self.outputs[name] = weakref.ref(output)
            return name, output
        return node

    def run(self, run, inputs=None, targets=None):
        self.calls.clear()
        result = run(self.runner, inputs, targets)
        return {name: (output.name, output.inputs) if isinstance(output, Output) else output
                for name, output in result.items()}


DIAMOND = {"a": {"x": "__in__"}, "b": {"x": "a"}, "c": {"x": "a"}, "d": {"x": "b", "y": "c"},
           "other": {"x": "__in__"}}
GRAPHS = [  # (needs, targets given to run, targets marked in the schema)
    (DIAMOND, ["d"], ()),
    (DIAMOND, ["d", "b"], ()),
    (DIAMOND, ["other", "c"], ()),
    (DIAMOND, None, ("d", "other")),
    ({"a": {"x": "__in__", "y": "__also_in__"}, "b": {"x": "a", "y": "__in__"}}, ["b"], ()),
    ({"a": {"x": "nothing_gives_this"}, "b": {"x": "a"}}, ["b"], ()),  # an unresolved name is passed as it is
    ({"a": {}}, ["a", "__in__"], ()),  # an input asked for as a target
]


@pytest.mark.parametrize("needs, targets, marked", GRAPHS)
def test_small_graphs_give_what_dask_gives_and_run_every_node_after_the_nodes_it_needs(needs, targets, marked):
    inputs = {"__in__": "message", "__also_in__": ["tracker"]}
    graph = Graph(needs, marked)
    expected = graph.run(RASA_METHODS["run"], inputs, targets)
    assert graph.run(graph_runner.run, inputs, targets) == expected
    assert expected  # the comparison is not of empty results
    for position, name in enumerate(graph.calls):
        assert graph.calls.count(name) == 1
        assert set(needs[name].values()) & set(needs) <= set(graph.calls[:position])


def test_an_output_is_let_go_once_the_last_node_needing_it_has_run():
    graph = Graph({"a": {}, "b": {"x": "a"}, "c": {"x": "b"}, "d": {"x": "c"}})
    seen_when_d_ran = []
    d = graph.runner._instantiated_nodes["d"]
    graph.runner._instantiated_nodes["d"] = lambda *received: (
        seen_when_d_ran.append({name: ref() is not None for name, ref in graph.outputs.items()}) or d(*received))
    graph.run(graph_runner.run, {}, ["d", "b"])
    assert seen_when_d_ran == [{"a": False, "b": True, "c": True}]  # b stays: it is a target


@pytest.mark.parametrize("error, expected", [
    (RuntimeError("boom"), "GraphRunError"),  # as DaskGraphRunner wraps it
    (ValueError("bad"), "ValueError"),
    (KeyError("k"), "KeyError"),
])
def test_a_failing_node_raises_what_dask_raised(error, expected):
    for run in (RASA_METHODS["run"], graph_runner.run):
        graph = Graph(DIAMOND, fail={"c": error})
        with pytest.raises(Exception) as raised:
            graph.run(run, {"__in__": "message"}, ["d"])
        assert type(raised.value).__name__ == expected


def test_an_input_named_like_a_node_is_refused_as_dask_refused_it():
    from rasa.engine.exceptions import GraphRunError

    for run in (RASA_METHODS["run"], graph_runner.run):
        graph = Graph(DIAMOND)
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            graph.run(run, {"__in__": "b"}, ["d"])
        assert graph.calls == []


# --- the trained model ---------------------------------------------------------------------------

def test_the_patch_is_installed():
    from rasa.engine.runner.dask import DaskGraphRunner

    assert DaskGraphRunner.run is graph_runner.run


MESSAGES = ["what is vertebroplasty?", "my mum has Zometa infusions, is it safe", "hello", "I can't feel my legs",
            "can I speak to a nurse", "¿Qué es la cementoplastia?", "stop", "xkcd qwerty",
            "how long is recovery after kyphoplasty for my husband"]


def test_the_trained_model_parses_every_message_exactly_as_with_dask(agent, monkeypatch):
    from rasa.engine.runner.dask import DaskGraphRunner

    async def parses():
        return [await agent.parse_message(text) for text in MESSAGES]

    ours = asyncio.run(parses())
    monkeypatch.setattr(DaskGraphRunner, "run", RASA_METHODS["run"])
    assert asyncio.run(parses()) == ours
    assert ours[0]["intent"]["name"] == "ask_vertebroplasty"
    assert {entity["entity"] for entity in ours[1]["entities"]} == {"MEDICINE"}


def test_the_trained_model_chooses_every_action_of_every_story_and_rule_exactly_as_with_dask(agent, monkeypatch):
    from rasa.core.training import load_data
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.paths import project_root

    domain = agent.processor.domain
    stories = load_data(str(project_root() / "data"), domain, augmentation_factor=0)

    def predictions():
        found = []
        for story in stories:
            tracker = DialogueStateTracker.from_events("graph-test", [], slots=domain.slots)
            for event in story.events:
                tracker.update(event, domain)
                prediction = agent.processor._predict_next_with_tracker(tracker)
                found.append((prediction.policy_name, prediction.probabilities, prediction.events))
        return found

    ours = predictions()
    monkeypatch.setattr(DaskGraphRunner, "run", RASA_METHODS["run"])
    assert predictions() == ours
    assert len(ours) > 200 and sum(max(probabilities) == 1.0 for _, probabilities, _ in ours) > 100
