"""The sentence-only featuriser (components/featurizers.py) gives the classifier exactly Rasa's
features, and the pipeline has nothing that needs the per-token ones it leaves out."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

import rasa36

if not rasa36.apply():
    pytest.skip("the rasa36/ patches are switched off (BOT_RASA_PATCHES=0)", allow_module_level=True)
from components.featurizers import SentenceCountVectorsFeaturizer
from rasa36.prediction_speedups import _sentence_row

CONFIGS = {  # as in config.yml
    "words": {"analyzer": "word", "ngram_range": [1, 2]},
    "characters": {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
}
UNSEEN = [
    "my mum's doctor wants to inject cement into her back, is it safe?",
    "Zotmeta infusions as part of the chemo", "vertebropasty", "xgen", "?!", "😀", "", "   ",
    "مرحبا", "how long is recovery after kyphoplasty " * 20, "123 456", "a",
]


@pytest.fixture(scope="module")
def training_data():
    """data/nlu.yml, tokenised (the tokeniser does not matter for the comparison)."""
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.paths import project_root

    data = load_data(str(project_root() / "data" / "nlu.yml"))
    assert len(data.training_examples) > 200
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    return data


def _trained(cls, options, tmp_path, training_data):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    storage = tmp_path / cls.__name__
    storage.mkdir(exist_ok=True)
    featurizer = cls.create({**cls.get_default_config(), **options}, LocalModelStorage(storage),
                            Resource(f"{cls.__name__}-{options['analyzer']}"), ExecutionContext(GraphSchema({}), "t"))
    featurizer.train(training_data)
    return featurizer


def _messages(texts):
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    messages = [Message(data={"text": text}) for text in texts]
    return WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)


def _features(message, attribute, kind):
    return [(f.origin, f.features.toarray(), f.features.dtype, type(f.features))
            for f in message.features if f.attribute == attribute and f.type == kind]


@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_the_text_sentence_features_are_rasas_and_the_per_token_ones_are_left_out(options, tmp_path, training_data):
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    rasas = _trained(CountVectorsFeaturizer, options, tmp_path, training_data)
    ours = _trained(SentenceCountVectorsFeaturizer, options, tmp_path, training_data)
    assert ours.vectorizers["text"].vocabulary_ == rasas.vectorizers["text"].vocabulary_  # same training

    texts = UNSEEN + [example.get("text") for example in training_data.training_examples[::25]]
    for mine, theirs in zip(ours.process(_messages(texts)), rasas.process(_messages(texts))):
        expected = _features(theirs, "text", "sentence")
        got = _features(mine, "text", "sentence")
        assert [(o, d, t) for o, _, d, t in got] == [(o, d, t) for o, _, d, t in expected]
        assert all(np.array_equal(a, b) for (_, a, _, _), (_, b, _, _) in zip(got, expected))
        assert _features(mine, "text", "sequence") == []
        if mine.get("text").strip():  # what is left out: Rasa's per-token rows
            assert _features(theirs, "text", "sequence") != []
        mine_row, their_row = _sentence_row(mine), _sentence_row(theirs)  # what the classifier reads
        assert (mine_row is None) == (their_row is None)
        if mine_row is not None:
            assert (mine_row != their_row).nnz == 0 and mine_row.dtype == their_row.dtype


@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_training_examples_keep_rasas_features_for_everything_but_text_sequences(options, tmp_path, training_data):
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    def features_of(cls):
        featurizer = _trained(cls, options, tmp_path, training_data)
        examples = [example for example in training_data.training_examples[:40]]
        copies = [type(example)(data=dict(example.data)) for example in examples]
        featurizer.process_training_data(type(training_data)(copies))
        return [[(f.attribute, f.type, f.origin, f.features.toarray().tolist()) for f in example.features]
                for example in copies]

    for mine, theirs in zip(features_of(SentenceCountVectorsFeaturizer), features_of(CountVectorsFeaturizer)):
        assert mine == [f for f in theirs if not (f[0] == "text" and f[1] == "sequence")]
        assert any(f[:2] == ("text", "sentence") for f in mine)
        if options["analyzer"] == "word":  # the word featuriser also counts intents, for training
            assert any(f[0] == "intent" for f in mine)


# Components that read no per-token text features (sentence features, the text, or nothing).
# A classifier or extractor that reads them (DIETClassifier, ResponseSelector, CRFEntityExtractor)
# needs Rasa's CountVectorsFeaturizer in place of SentenceCountVectorsFeaturizer.
READ_NO_TOKEN_FEATURES = {
    "SpacyNLP", "SpacyTokenizer", "SpacyEntityExtractor", "LogisticRegressionClassifier", "FallbackClassifier",
    "components.featurizers.SentenceCountVectorsFeaturizer", "components.language.NonEnglishDetector",
    "components.stop.StopDetector", "components.red_flags.RedFlagDetector",
    "components.question_reader.QuestionReader",  # reads the text only
}
POLICIES_WITHOUT_FEATURES = {"RulePolicy", "MemoizationPolicy", "AugmentedMemoizationPolicy"}


def test_no_component_of_the_pipeline_needs_the_per_token_features():
    from bot.paths import project_root

    config = yaml.safe_load((project_root() / "config.yml").read_text())
    names = [component["name"] for component in config["pipeline"]]
    assert "components.featurizers.SentenceCountVectorsFeaturizer" in names
    assert "CountVectorsFeaturizer" not in names  # one kind of count features, or the test below is moot
    assert set(names) <= READ_NO_TOKEN_FEATURES, set(names) - READ_NO_TOKEN_FEATURES
    assert {policy["name"] for policy in config["policies"]} <= POLICIES_WITHOUT_FEATURES


def test_a_guessed_stop_is_dropped_before_the_question_is_read():
    """The question reader leaves "stop" alone, so the stop detector must drop the classifier's guessed
    "stop" first ("Can you ever stop taking prolia?")."""
    from bot.paths import project_root

    names = [c["name"] for c in yaml.safe_load((project_root() / "config.yml").read_text())["pipeline"]]
    assert names.index("components.stop.StopDetector") < names.index("components.question_reader.QuestionReader")
