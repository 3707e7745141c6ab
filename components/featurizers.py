"""Rasa's ``CountVectorsFeaturizer``, making only the features this pipeline's classifier reads.

For a message's text, Rasa's featuriser makes two things: one row of counts for the whole
message (its *sentence* features) and one row per token (*sequence* features, for DIET and other
classifiers that look at each word). The logistic regression classifier reads only the sentence
row, and no other component of ``config.yml`` reads either, so counting every token again one by
one was work for nothing on every message (a few per cent of the Rasa server's CPU under load;
with ``rasa36/fast_json.py`` the two took Rasa's CPU per message from 4.9-5.2 to 4.5-4.6 ms
in an interleaved comparison at 20 concurrent conversations).

``SentenceCountVectorsFeaturizer`` is the same featuriser (same options, same training, same
vocabulary, the same vectorisers saved in the model) whose text features are the sentence row
alone, computed by the same steps as Rasa's. Everything else (the intent and response attributes used in training) is
Rasa's code unchanged. ``tests/components/test_featurizers.py`` checks that the sentence rows are Rasa's and
that ``config.yml`` has no component that would need the per-token ones: whoever adds DIET or
another such classifier must name ``CountVectorsFeaturizer`` again.
"""
from __future__ import annotations

from typing import List, Optional

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """``CountVectorsFeaturizer`` whose ``text`` features are the sentence row only."""

    def sentence_features(self, tokens: List[str]) -> Optional[scipy.sparse.coo_matrix]:
        """The text's sentence row exactly as ``CountVectorsFeaturizer._create_features`` makes it
        (COO, indices sorted), or None when there is nothing to count or no trained vocabulary."""
        vectorizer = self.vectorizers.get(TEXT)
        if not vectorizer or not tokens:
            return None
        row = vectorizer.transform([" ".join(tokens)])
        row.sort_indices()
        return row.tocoo()

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets each message's features: for ``text`` the sentence row alone, otherwise Rasa's."""
        if self.vectorizers is None:
            return super().process(messages)
        for message in messages:
            for attribute in self._attributes:
                tokens = self._get_processed_message_tokens_by_attribute(message, attribute)
                if attribute == TEXT:
                    self.add_features_to_message(None, self.sentence_features(tokens), attribute, message)
                else:
                    sequence, sentence = self._create_features(attribute, [tokens])
                    self.add_features_to_message(sequence[0], sentence[0], attribute, message)
        return messages
