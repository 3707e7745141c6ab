"""The second, statistical red-flag detectors: logistic regressions over word (1-2) and character
(2-5, inside words) n-grams, which cope with wording and misspellings the concept lists lack.

Two models, saved together: the **red-flag** model (an emergency, crisis or urgent sign now, from
``data/safety/examples.yml`` expanded by ``training_examples``) and the **crisis** model (thoughts
of suicide or self-harm now against everything else, from ``data/safety/crisis.yml`` expanded by
``crisis_training_examples``): a crisis is said in many more ways than a list of phrases holds.
Both are trained on the team's own examples only, never on real posts: those are for evaluation (``eval/``). Its decision
threshold is chosen on the development parts of the safety evaluation set
(``eval/safety/dev.jsonl`` and the first, now-read held-back part ``heldback.jsonl``), never on a fresh
held-back set. ``python -m bot build-safety-model``
writes ``build/safety/model.pkl`` (generated, not committed); without it ``probability`` returns
None and only the signs decide.

>>> examples = training_examples()
>>> len(examples) > 1000, {label for _, label in examples} == {0, 1}
(True, True)
"""
from __future__ import annotations

import json
import logging
import math
import pickle
import random
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml

from bot.paths import build_dir, project_root

logger = logging.getLogger(__name__)
SEED = 20261201
DEFAULT_THRESHOLD = 0.9  # used until a threshold has been chosen on the development set


def model_path() -> Path:
    """Where the trained detector is kept."""
    return build_dir() / "safety" / "model.pkl"


def _fill(template: str, person: list[str], x: str = "") -> str:
    s, p, o = person
    text = template.replace("{x}", x)
    text = text.replace("{s}", s).replace("{p}", p).replace("{o}", o)
    return text[:1].upper() + text[1:]


def _nlu_questions(pattern: str = "nlu.yml") -> list[str]:
    """The topic questions of ``data/nlu.yml`` (the team's own): examples of no alarm. The red-flag
    model reads only that file: the varied ones (``nlu_varied.yml``, ``pattern="nlu*.yml"``) ask about
    symptoms so often ("why would a rib break from coughing?") that as examples of no alarm they lowered
    its recall on the development sets; the crisis model reads them all."""
    blocks: list[dict] = []
    for path in sorted((project_root() / "data").glob(pattern)):
        blocks += yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []
    texts = []
    for block in blocks:
        intent = block.get("intent") or ""
        if intent.startswith("ask_") or intent in {"out_of_scope", "greet", "thank", "what_can_you_do"}:
            texts += [line[2:].strip() for line in str(block.get("examples", "")).splitlines() if line.startswith("- ")]
    return texts


def _read_yaml(name: str) -> dict:
    return yaml.safe_load((project_root() / "data" / "safety" / name).read_text(encoding="utf-8"))


def training_examples(path: Path | None = None) -> list[tuple[str, int]]:
    """(text, 1 if it needs urgent advice else 0), expanded from the templates, shuffled."""
    data = yaml.safe_load(Path(path or project_root() / "data" / "safety" / "examples.yml").read_text(encoding="utf-8"))
    people, rng = data["people"], random.Random(SEED)
    examples: list[tuple[str, int]] = []
    for description in data["happening"] + data.get("happening_crisis", []):
        for frame in rng.sample(data["frames"]["now"], 6):
            examples.append((_fill(frame, rng.choice(people), description), 1))
        for kind, frames in data["frames"]["not_now"].items():
            if kind == "question":
                continue
            for frame in rng.sample(frames, min(2, len(frames))):
                examples.append((_fill(frame, rng.choice(people), _fill(description, rng.choice(people))), 0))
    examples += [(q, 0) for q in data["frames"]["not_now"]["question"]]
    for text in data["ordinary"]:
        examples += [(_fill(text, rng.choice(people)), 0) for _ in range(2)]
    examples += [(q, 0) for q in _nlu_questions()]
    rng.shuffle(examples)
    return examples


def crisis_training_examples() -> list[tuple[str, int]]:
    """(text, 1 if it is a crisis now else 0), for the crisis model, shuffled. Crisis statements in the
    frames of now are 1; the same in past or hypothetical frames, ``not_crisis``, the ordinary lines of
    ``examples.yml``, its physical emergencies and the topic questions of ``data/nlu.yml`` are 0."""
    crisis, signs = _read_yaml("crisis.yml"), _read_yaml("examples.yml")
    people, rng = signs["people"], random.Random(SEED)
    examples: list[tuple[str, int]] = []
    for description in crisis["crisis"]:
        for frame in rng.sample(crisis["frames"]["now"], 6):
            examples.append((_fill(frame, rng.choice(people), _fill(description, rng.choice(people))), 1))
        for frames in crisis["frames"]["not_now"].values():
            frame = rng.choice(frames)
            examples.append((_fill(frame, rng.choice(people), _fill(description, rng.choice(people))), 0))
    for text in crisis["not_crisis"] + signs["ordinary"]:
        examples += [(_fill(text, rng.choice(people)), 0) for _ in range(3)]
    for description in signs["happening"]:  # physical emergencies: not crises (the other model's job)
        examples.append((_fill(rng.choice(signs["frames"]["now"]), rng.choice(people), _fill(description, rng.choice(people))), 0))
    examples += [(q, 0) for q in _nlu_questions("nlu*.yml")]
    rng.shuffle(examples)
    return examples


def train(examples: list[tuple[str, int]] | None = None):
    """A fitted scikit-learn pipeline (features + logistic regression)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    examples = examples or training_examples()
    features = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
                          TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))
    model = make_pipeline(features, LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000,
                                                       random_state=SEED))
    model.fit([t for t, _ in examples], [y for _, y in examples])
    return model


def build(threshold: float | None = None) -> Path:
    """Train and save both models (the red-flag one with ``threshold``, both with the default until
    ``set_threshold`` is called); returns the file written."""
    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = {"model": train(), "threshold": threshold or DEFAULT_THRESHOLD,
             "crisis_model": train(crisis_training_examples()), "crisis_threshold": DEFAULT_THRESHOLD}
    with path.open("wb") as handle:
        pickle.dump(saved, handle)
    _loaded.cache_clear()
    _scorer.cache_clear()
    return path


def set_threshold(threshold: float, model: str = "model") -> None:
    """Store ``threshold`` with the saved model (``model`` "model" for red flags, "crisis_model")."""
    saved = _loaded()
    if saved is None:
        raise FileNotFoundError(model_path())
    key = "threshold" if model == "model" else "crisis_threshold"
    with model_path().open("wb") as handle:
        pickle.dump({**saved, key: threshold}, handle)
    _loaded.cache_clear()
    _scorer.cache_clear()


@lru_cache(maxsize=1)
def _loaded() -> dict | None:
    path = model_path()
    if not path.exists():
        logger.warning("safety: no statistical detector at %s (python -m bot build-safety-model); signs only", path)
        return None
    with path.open("rb") as handle:
        return pickle.load(handle)


class _Scorer:
    """The saved pipeline's probability computed with plain dictionaries: for each TF-IDF vectoriser,
    the n-grams' sublinear counts times their idf, L2-normalised, dotted with the logistic regression's
    weights. The same number as ``predict_proba`` (to rounding) without scikit-learn's and SciPy's
    per-call cost of building sparse matrices (about a third of the time per message)."""

    def __init__(self, model):
        features, regression = model.steps[0][1], model.steps[-1][1]
        vectorisers = [v for _, v in features.transformer_list] if hasattr(features, "transformer_list") else [features]
        coef, offset = regression.coef_[0], 0
        self.parts = []
        for vectoriser in vectorisers:
            if not (vectoriser.sublinear_tf and vectoriser.norm == "l2" and vectoriser.use_idf):
                raise ValueError("the fast scorer reads only sublinear, idf-weighted, L2-normalised TF-IDF")
            idf = vectoriser.idf_
            table = {term: (float(idf[i]), float(coef[offset + i])) for term, i in vectoriser.vocabulary_.items()}
            signature = (vectoriser.analyzer, vectoriser.ngram_range, vectoriser.lowercase, vectoriser.token_pattern)
            self.parts.append((signature, vectoriser.build_analyzer(), table))
            offset += len(vectoriser.vocabulary_)
        self.intercept = float(regression.intercept_[0])

    def __call__(self, text: str) -> float:
        decision = self.intercept
        for signature, analyse, table in self.parts:
            norm = dot = 0.0
            for gram, count in _gram_counts(signature, analyse, text).items():
                entry = table.get(gram)
                if entry is not None:
                    value = (1.0 + math.log(count)) * entry[0]
                    norm += value * value
                    dot += value * entry[1]
            if norm:
                decision += dot / math.sqrt(norm)
        return 1.0 / (1.0 + math.exp(-decision)) if decision > -700 else 0.0


_last_counts: dict[tuple, tuple[str, Counter]] = {}  # per analyser signature: the last text and its n-gram counts


def _gram_counts(signature: tuple, analyse, text: str) -> Counter:
    """The n-gram counts of ``text``; the two models share the analysis of the same message."""
    last = _last_counts.get(signature)
    if last is not None and last[0] == text:
        return last[1]
    counts = Counter(analyse(text))
    _last_counts[signature] = (text, counts)
    return counts


@lru_cache(maxsize=2)
def _scorer(model: str = "model") -> _Scorer | None:
    saved = _loaded()
    return _Scorer(saved[model]) if saved and model in saved else None


def probability(text: str) -> float | None:
    """The detector's probability that ``text`` describes an emergency, crisis or urgent sign now
    (None when the detector has not been built)."""
    scorer = _scorer()
    if scorer is None:
        return None
    return scorer(text)


def threshold() -> float:
    """The probability from which the detector alone raises the check-back reply."""
    saved = _loaded()
    return float(saved["threshold"]) if saved else 1.0


def crisis_probability(text: str) -> float | None:
    """The crisis model's probability that ``text`` tells of thoughts of suicide or self-harm now
    (None when it has not been built)."""
    scorer = _scorer("crisis_model")
    return None if scorer is None else scorer(text)


def crisis_threshold() -> float:
    """The probability from which the crisis model alone gives the crisis reply."""
    saved = _loaded()
    return float(saved.get("crisis_threshold", 1.0)) if saved else 1.0


def choose_threshold(rows: list[dict], check, model: str = "model") -> tuple[float, dict]:
    """The threshold for ``model`` ("model": red flags; "crisis_model": crises) that, added to what
    ``check`` (``bot.safety.check``) already flags, misses fewest of the messages it is for on ``rows``
    (the development set: any needing help, or the crises), then raises fewest false alarms on the
    ``not_emergency`` ones, counting the team's own ordinary questions (``data/nlu.yml``) as messages that
    must raise none. Choose the crisis model's first: it is asked before the other. Returns it and its counts."""
    from bot.safety import crisis_model_texts

    crisis = model == "crisis_model"
    rows = rows + [{"message": q, "expect": "not_emergency"} for q in _nlu_questions()]
    scored = []
    for row in rows:
        result = check(row["message"])
        needs = row["expect"] == "crisis" if crisis else row["expect"] != "not_emergency"
        counts_as_false = row["expect"] == "not_emergency"
        other = ("statistical_crisis", "statistical") if crisis else ("statistical",)
        by_others = result.decision != "none" and not set(result.reasons) & set(other)
        if crisis:  # what the check lets the crisis model read (no reading: it is not asked)
            reads = crisis_model_texts(row["message"], list(result.signs))
            cancelled = not reads
            p = max((crisis_probability(read) or 0.0 for read in reads), default=0.0)
        else:
            cancelled = any(s.status == "cancelled" for s in result.signs)
            p = probability(row["message"]) or 0.0
        scored.append((needs, counts_as_false, by_others, cancelled, p))
    best: tuple[tuple[int, float], float, dict[str, int]] | None = None
    for step in range(50, 100):
        t = step / 100
        flagged = [by or (not cancelled and p >= t) for _, _, by, cancelled, p in scored]
        missed = sum(n and not f for (n, *_), f in zip(scored, flagged))
        false = sum(c and f for (_, c, *_), f in zip(scored, flagged))
        key = (missed * 3 + false, -t)
        if best is None or key < best[0]:
            best = (key, t, {"missed": missed, "false_alarms": false})
    assert best is not None  # range(50, 100) is not empty
    return best[1], best[2]


DEVELOPMENT_PARTS = ("safety/dev.jsonl", "safety/heldback.jsonl",  # the old held-back part: development data since 2026-12-01
                     "crisis/dev.jsonl")  # the crisis set's development part (its held-back part is never read here)


def dev_rows() -> list[dict]:
    """The development parts of the evaluation sets under ``eval/``: the safety set's ``dev.jsonl``
    (required) and first held-back part ``heldback.jsonl``, read while writing rules since 2026-12-01
    and so development data now, and the crisis set's ``dev.jsonl`` when present. A held-back set
    (``safety/*2026-12*``, ``crisis/heldback.jsonl``) is never read here."""
    rows = []
    for name in DEVELOPMENT_PARTS:
        path = project_root() / "eval" / name
        if name == DEVELOPMENT_PARTS[0] or path.exists():
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows
