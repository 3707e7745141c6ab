"""The ``python -m bot`` commands.

- ``check-content``  validate content/ and print each topic's reading grade (exit 1 on problems)
- ``build-db``       build the content database (build/content.db)
- ``review-pack``    write the clinician's review pack (build/review_pack.html) of every sentence
- ``build-spacy``    build the project's spaCy pipeline (build/spacy/en_bones)
- ``validate-data``  ``rasa data validate``, failing on any warning but the allowed ones
- ``run``            start the Rasa server, action server and chat page; chat in this terminal too
- ``rasa-test``      conversation tests (tests/assistant/test_stories.yml) with the action server running
- ``ask FILE``       send each question in a JSONL file through the real assistant
- ``evaluate FILE``  ``ask`` plus accuracy per expected label
- ``calibrate FILE...``  choose the understanding thresholds (bot/understanding/decision.py) on development questions
- ``evaluate-safety FILE``  recall of emergencies and crises per urgency and sign, false alarms per
  kind, every miss (through the real assistant; ``--library`` checks in this process only)
- ``build-safety-model``  train the statistical red-flag and crisis models; their thresholds from the development sets (eval/safety/dev.jsonl, heldback.jsonl, eval/crisis/dev.jsonl)
- ``bench``          latency, throughput, memory and start-up figures

Staff and privacy commands (``triage``, ``staff``, ``triage-web``, ``purge``, ``forget``) are in
``tools/staff_cli.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path


def _check_content(args) -> int:
    from bot.content.topics import ContentError, load_content
    from bot.content.validate import MAX_READING_GRADE, check_content

    try:
        content = load_content(args.content)
    except ContentError as exc:
        print(f"check-content: FAILED: {exc}", file=sys.stderr)
        return 1
    problems, grades = check_content(content)
    print(f"reading grade (Flesch-Kincaid, limit {MAX_READING_GRADE:.0f}):")
    for topic_id, grade in sorted(grades.items()):
        print(f"  {topic_id:32} {grade:5.1f}")
    from bot.content.signoff import report

    for line in report(content):
        print(line)
    for problem in problems:
        print(f"check-content: {problem}", file=sys.stderr)
    if problems:
        print(f"check-content: FAILED with {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-content: OK, {len(content.topics)} topics, {len(content.sources)} sources")
    return 0


def _review_pack(args) -> int:
    from bot.content.review_pack import write_review_pack
    from bot.content.topics import load_content
    from bot.paths import build_dir

    path = write_review_pack(load_content(args.content), Path(args.output or build_dir() / "review_pack.html"))
    print(f"review-pack: wrote {path}")
    return 0


def _build_db(args) -> int:
    from bot.content.store import build_database
    from bot.content.topics import load_content
    from bot.paths import content_db_path

    path = build_database(load_content(args.content), Path(args.output or content_db_path()))
    print(f"build-db: wrote {path}")
    return 0


def _build_spacy(args) -> int:
    from bot.understanding.nlp import save_pipeline

    print(f"build-spacy: wrote {save_pipeline(Path(args.output) if args.output else None)}")
    return 0


def _read_questions(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        text = row.get("question", row.get("message"))
        if text is None:
            text = ""  # kept: the report says what the person would have seen
        if not isinstance(text, str):
            raise SystemExit(f"{path}:{number}: needs a 'question' (or 'message') string")
        rows.append(row | {"question": text})
    return rows


def _ask_all(rows: list[dict]):
    from tools.conversation import ask_one
    from tools.servers import running_assistant

    with running_assistant() as assistant:
        for row in rows:
            yield row, ask_one(assistant, row["question"])


def _ask(args) -> int:
    for _row, reply in _ask_all(_read_questions(args.file)):
        print(json.dumps(reply.as_json(), ensure_ascii=False), flush=True)
    return 0


def _evaluate(args) -> int:
    from collections import Counter

    rows = _read_questions(args.file)
    totals, right, confusion, why_missed = Counter(), Counter(), Counter(), Counter()
    clarifying = wrong_topic = not_covered = 0
    answered: list[tuple[float | None, bool]] = []  # (confidence, right) of each topic answer
    for row, reply in _ask_all(rows):
        expected = row.get("expected_topic") or row.get("label")
        ok = reply.label == expected
        totals[expected] += 1
        right[expected] += ok
        got = "which did you mean?" if reply.clarifying else reply.label
        confusion[(expected, got)] += 1
        clarifying += reply.clarifying
        if not ok:  # which step of the decision gave the miss (no words of the question)
            why_missed[_decided_by(reply)] += 1
        # the worst kind: a topic answer (or emergency advice) given confidently for another subject
        wrong_topic += (not ok) and not reply.clarifying and reply.label != "out_of_scope"
        not_covered += (not ok) and not reply.clarifying and reply.label == "out_of_scope"
        if not reply.clarifying and reply.label != "out_of_scope":
            answered.append((reply.confidence, ok))
        if args.verbose:
            print(json.dumps({"ok": ok, "expected": expected} | reply.as_json(), ensure_ascii=False), flush=True)
    for label in sorted(totals):
        print(f"{label:20} {right[label]:3}/{totals[label]:<3} = {100 * right[label] / totals[label]:5.1f}%")
    n, m = sum(right.values()), max(sum(totals.values()), 1)
    print("confusion (expected -> got: count), misses only:")
    for (expected, got), count in sorted(confusion.items()):
        if expected != got:
            print(f"  {expected:20} -> {got:22} {count}")
    print("misses by the step that decided them (decision: reason): count")
    for step, count in why_missed.most_common():
        print(f"  {step:46} {count}")
    print(f"wrong topic (answered about another subject): {wrong_topic}/{m} = {100 * wrong_topic / m:.1f}%")
    print(f"'which did you mean?': {clarifying}/{m} = {100 * clarifying / m:.1f}%")
    print(f"'not covered' for a question that had a topic: {not_covered}/{m} = {100 * not_covered / m:.1f}%")
    _print_calibration(answered)
    print(f"topic accuracy: {n}/{m} = {100 * n / m:.1f}%")
    return 0


def _decided_by(reply) -> str:
    """``"<choice>: <reason>"`` of the understanding decision behind a reply, ``"safety check"`` for
    emergency advice, or ``"classifier's intent"`` when the decision left the intent alone."""
    if reply.emergency:
        return "safety check"
    understanding = reply.understanding or {}
    if not understanding.get("choice"):
        return "classifier's intent: " + str(((understanding.get("classifier") or [{}])[0]).get("name"))
    return f"{understanding['choice']}: {understanding.get('reason')}"


def _print_calibration(answered) -> None:
    from bot.understanding.calibrate import calibration

    print("calibration (topic and emergency answers by confidence): bucket  answers  right")
    for bucket, count, right in calibration(answered):
        print(f"  {bucket}  {count:4}  {right:4} = {100 * right / count:5.1f}%")


def _calibrate(args) -> int:
    from bot.understanding.calibrate import CLARIFY, Record, search, tally
    from bot.understanding.decision import THRESHOLDS

    records = []
    for path in args.files:
        for row, reply in _ask_all(_read_questions(path)):
            understood = reply.understanding or {}
            ours = reply.intent is None or reply.intent.startswith("ask_") or reply.intent in (
                "nlu_fallback", "out_of_scope")
            records.append(Record(row["question"], row.get("expected_topic") or row.get("label"),
                                  understood.get("classifier") or [],
                                  CLARIFY if reply.clarifying else reply.label,
                                  decided_later=bool(understood.get("choice")) and not ours))
    now = tally(records, THRESHOLDS)
    best, counts = search(records)
    print(f"calibrate: {len(records)} questions from {', '.join(str(p) for p in args.files)}")
    print(f"  current {THRESHOLDS}: {now}")
    print(f"  best    {best}: {counts}")
    return 0


def _evaluate_safety(args) -> int:
    from bot.safety.evaluate import Score

    rows = [row | {"message": row["question"]} for row in _read_questions(args.file)]
    if args.library:
        from bot.safety import check

        results = [check(row["message"]) for row in rows]
        flagged = [r.flagged for r in results]
        details = [f"{r.decision} {r.intent or ''}".strip() for r in results]
    else:
        flagged, details = [], []
        for _row, reply in _ask_all(rows):
            flagged.append(reply.urgency is not None)
            details.append(",".join(reply.responses) or reply.note or "no reply")
    print(f"safety evaluation of {args.file} ({len(rows)} messages, "
          f"{'library' if args.library else 'the real assistant'}):")
    print(Score.of(rows, flagged, details).report(list_rows=not args.summary))
    return 0


def _build_safety_model(args) -> int:
    from bot.safety import check, statistical

    path = statistical.build()
    try:
        rows = statistical.dev_rows()
    except FileNotFoundError:
        print(f"build-safety-model: wrote {path} (no eval/safety/dev.jsonl: default threshold)")
        return 0
    # the crisis model first: check() asks it before the red-flag model
    for model, what in (("crisis_model", "crises"), ("model", "red flags")):
        threshold, counts = statistical.choose_threshold(rows, check, model)
        statistical.set_threshold(threshold, model)
        print(f"build-safety-model: {what}: threshold {threshold:.2f} on the development sets ({len(rows)} messages: "
              f"{counts['missed']} missed, {counts['false_alarms']} false alarms with the signs)")
    print(f"build-safety-model: wrote {path}")
    return 0


def _run(args) -> int:
    from sites.patients.page import serve_in_background
    from tools.servers import running_assistant

    page = f"http://127.0.0.1:{args.web_port}"
    os.environ.setdefault("BOT_WEB_ORIGINS", f"{page},http://localhost:{args.web_port}")
    print("Starting the action server and the Rasa server (this takes about half a minute)...")
    with running_assistant(rasa_port=args.port, actions_port=args.actions_port) as assistant:
        web = serve_in_background(args.web_port, chat_server=assistant.url)
        print(f"Rasa server: {assistant.url}   action server: {assistant.actions_url}")
        print(f"The patients' chat page: {page}/  (open it in a browser)")
        print("Or type a message here and press Enter. Ctrl-D (or Ctrl-C) stops everything.\n")
        sender = f"terminal-{os.getpid()}"
        try:
            while True:
                try:
                    message = input("you> ")
                except EOFError:
                    if sys.stdin.isatty():
                        break
                    signal.pause()  # no terminal (started in the background): serve the page until stopped
                    continue
                if not message.strip():
                    continue
                for reply in assistant.send(sender, message):
                    if reply.get("text"):
                        print(f"bot> {reply['text']}")
                    for number, button in enumerate(reply.get("buttons") or [], 1):
                        print(f"     {number}. {button['title']}   (type {button['payload']})")
        except KeyboardInterrupt:
            pass
        finally:
            web.close()
    print("\nStopped.")
    return 0


def _rasa_test(args) -> int:
    import subprocess

    from bot.paths import project_root
    from tools.servers import child_env, default_model, running_assistant

    out = project_root() / "results" / "conversations"
    with running_assistant() as assistant:
        cmd = [sys.executable, "-m", "rasa36", "test", "core", "--stories", "tests/assistant/test_stories.yml",
               "--model", str(default_model()), "--endpoints", str(assistant.endpoints), "--out", str(out),
               "--e2e", "--fail-on-prediction-errors"]
        return subprocess.call(cmd, cwd=project_root(), env=child_env())


def _bench(args) -> int:
    from tools.bench import main as bench_main

    return bench_main(levels=tuple(args.users), long_turns=args.long_turns, reference=not args.no_reference)


def _validate_data(args) -> int:
    from tools.data_validation import validate_data

    problems = validate_data()
    for problem in problems:
        print(f"validate-data: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("validate-data: OK")
    return 0


def _stop_on_sigterm(signum, frame) -> None:
    """SIGTERM (systemd stop, ``kill``, a CI time-out) ends a command like Ctrl-C does: through its
    ``finally`` blocks, so the servers it started are stopped too, not left running."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check-content", help="validate content/ (exit 1 on any problem)")
    p.add_argument("--content", type=Path, default=None, help="content folder (default: content/)")
    p.set_defaults(func=_check_content)
    p = sub.add_parser("review-pack", help="write the clinician's review pack: every sentence the assistant can say")
    p.add_argument("--content", type=Path, default=None)
    p.add_argument("--output", type=Path, default=None, help="default: build/review_pack.html")
    p.set_defaults(func=_review_pack)
    p = sub.add_parser("build-db", help="build the content database")
    p.add_argument("--content", type=Path, default=None)
    p.add_argument("--output", default=None)
    p.set_defaults(func=_build_db)
    p = sub.add_parser("build-spacy", help="build the spaCy pipeline used by Rasa")
    p.add_argument("--output", default=None)
    p.set_defaults(func=_build_spacy)
    p = sub.add_parser("validate-data", help="rasa data validate, strict")
    p.set_defaults(func=_validate_data)
    p = sub.add_parser("run", help="start the servers and the chat page; chat in this terminal too")
    p.add_argument("--port", type=int, default=5005, help="Rasa server port (default 5005)")
    p.add_argument("--actions-port", type=int, default=5055, help="action server port (default 5055)")
    p.add_argument("--web-port", type=int, default=8000, help="the chat page's port (default 8000)")
    p.set_defaults(func=_run)
    p = sub.add_parser("rasa-test", help="conversation tests with the action server running")
    p.set_defaults(func=_rasa_test)
    p = sub.add_parser("ask", help="send each question of a JSONL file through the assistant")
    p.add_argument("file", type=Path)
    p.set_defaults(func=_ask)
    p = sub.add_parser("evaluate", help="ask, then accuracy per expected label")
    p.add_argument("file", type=Path)
    p.add_argument("-v", "--verbose", action="store_true", help="also print each reply")
    p.set_defaults(func=_evaluate)
    p = sub.add_parser("calibrate", help="choose the understanding thresholds on labelled development questions")
    p.add_argument("files", type=Path, nargs="+")
    p.set_defaults(func=_calibrate)
    p = sub.add_parser("evaluate-safety", help="recall and false alarms of the red-flag check on a labelled JSONL file")
    p.add_argument("file", type=Path)
    p.add_argument("--library", action="store_true", help="check in this process instead of through the assistant")
    p.add_argument("--summary", action="store_true", help="figures only, no list of misses")
    p.set_defaults(func=_evaluate_safety)
    p = sub.add_parser("build-safety-model", help="train the statistical red-flag detector (build/safety/)")
    p.set_defaults(func=_build_safety_model)
    p = sub.add_parser("bench", help="latency, throughput, memory and start-up figures, both configurations")
    p.add_argument("--users", type=int, nargs="+", default=[1, 20, 50, 100],
                   help="concurrent conversations to measure (default 1 20 50 100)")
    p.add_argument("--long-turns", type=int, default=500, help="turns of the long conversation (0: skip)")
    p.add_argument("--no-reference", action="store_true", help="skip the plain `rasa init` reference")
    p.set_defaults(func=_bench)
    from tools.staff_cli import register

    register(sub)
    args = parser.parse_args(argv)
    from bot.local_secret import WeakSecret

    try:
        return args.func(args)
    except WeakSecret as error:  # an empty or short secret: say what to do, no traceback
        print(f"python -m bot {args.command}: {error}", file=sys.stderr)
        return 2
