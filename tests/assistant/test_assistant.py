"""End to end through the real Rasa server and the real action server (REST channel).

The servers (fixture ``assistant`` in conftest.py) are shared by the test session.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import uuid

import pytest

from bot.records.handoff_store import list_handoffs
from tools.servers import default_model, running_assistant

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`"),
]


def _texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def _sender():
    return f"test-{uuid.uuid4().hex[:10]}"


def test_topic_answer_has_body_source_and_review_date(assistant):
    messages = assistant.send(_sender(), "what is balloon kyphoplasty?")
    text = _texts(messages)
    assert "Small balloons are put into the spine" in text
    assert 'Source: Cancer Research UK, "Strengthening painful bones", section "Kyphoplasty"' in text
    assert "(page last reviewed by Cancer Research UK on 30 January 2024)" in text
    assert "No clinician has checked it for this service yet" in text
    custom = [m["custom"] for m in messages if m.get("custom")]
    assert custom and custom[0]["where_from"][0][0]["section"] == "Kyphoplasty"  # with the body
    assert [c["topic"] for c in custom if "topic" in c] == ["kyphoplasty"]


def test_an_answer_is_one_message_with_its_parts_and_no_message_is_empty(assistant):
    """Issue 21: a topic answer was up to nine messages, the last one empty (REST sent the custom
    data alone); the helpline offer is said once, with its buttons on the answer."""
    [answer] = assistant.send(_sender(), "what is balloon kyphoplasty?")
    parts = answer["custom"]["answer"]
    assert answer["text"].startswith(parts["body"]) and answer["text"].endswith(parts["reviewed_line"])
    assert [s["section"] for s in parts["sources"]] == ["Kyphoplasty", "3.5. Surgical and Interventional Treatments"]
    for question in ("can I talk to a nurse?", "How long is recovery after kyphoplasty?"):
        [answer] = assistant.send(_sender(), question)
        assert answer["text"].count("The nurse helpline is closed now.") == 1, question
        assert [b["title"] for b in answer["buttons"]] == ["Ask for a call back", "No, thank you"]
    sender = _sender()
    assistant.send(sender, "what is balloon kyphoplasty?")
    [followup] = assistant.send(sender, "how long is recovery?")
    assert followup["text"].count("The nurse helpline is closed now.") == 1


def test_uncovered_question_gets_what_is_known_and_an_honest_gap(assistant):
    text = _texts(assistant.send(_sender(), "How long is recovery after kyphoplasty?"))
    assert "Small balloons" in text
    assert "does not cover how long recovery takes" in text
    assert "0808 800 4040" in text


def test_carer_wording_is_understood(assistant):
    sender = _sender()
    assistant.send(sender, "my husband has been given Xgeva injections, what are they for?")
    assert assistant.tracker(sender)["latest_message"]["intent"]["name"] == "ask_denosumab"


def test_a_question_with_the_word_stop_is_a_question(assistant):
    # The classifier reads "stop" in it as the cancel intent; the stop detector drops that guess before the
    # question is read (before 2026-12-03 the reader saw "stop", left it alone, and the person got "which
    # did you mean?").
    sender = _sender()
    assistant.send(sender, "Can you ever stop taking prolia?")
    assert assistant.tracker(sender)["latest_message"]["intent"]["name"] == "ask_denosumab"


@pytest.mark.parametrize(
    "message, response, nurse_helpline_offered",
    [
        ("my legs have gone weak and I cant feel my feet", "utter_emergency_spinal_cord", False),
        ("my dad says he'll end it", "utter_crisis", False),
        # urgent, not an emergency: care team today first, then the helpline with its hours
        ("I'm on zometa and my jaw is really sore", "utter_urgent_jaw", True),
    ],
)
def test_red_flags_get_urgent_advice_and_a_handoff(assistant, handoffs_db, message, response, nurse_helpline_offered):
    sender = _sender()
    messages = assistant.send(sender, message)
    events = assistant.tracker(sender)["events"]
    sent = [(e.get("metadata") or {}).get("utter_action") for e in events if e["event"] == "bot"]
    assert sent[0] == response
    text = _texts(messages)
    if nurse_helpline_offered:
        assert sent[-1] == "utter_helpline_closed" and "0808 800 4040" in text
    else:
        assert "9 to 5" not in text and "0808 800 4040" not in text  # never the 9-to-5 helpline
    handoffs = [h for h in list_handoffs(handoffs_db) if h["conversation_id"] == sender]
    assert len(handoffs) == 1
    assert json.loads(handoffs[0]["reasons"])
    assert message.lower() not in json.dumps(handoffs[0]).lower()  # the person's words are not stored


def test_a_question_about_a_named_treatment_is_answered_after_the_urgent_advice(assistant, handoffs_db):
    from tools.conversation import ask_one

    question = "my back pain is getting worse and worse, and hurts more when I cough. can I have kyphoplasty on the NHS?"
    before = {h["id"] for h in list_handoffs(handoffs_db)}
    reply = ask_one(assistant, question)
    assert reply.responses[:2] == ["utter_urgent_spinal_pain", "utter_answer_after_urgent_advice"]
    assert reply.text.index("24-hour number") < reply.text.index("NICE")  # the advice first, then the answer
    assert (reply.label, reply.emergency, reply.urgency, reply.topic) == ("nice_access", True, "urgent", "nice_access")
    [handoff] = [h for h in list_handoffs(handoffs_db) if h["id"] not in before]  # the nurses still see the red flag
    assert json.loads(handoff["red_flags"]) and handoff["conversation_id"].startswith("eval-")


def test_red_flag_interrupts_a_topic_conversation(assistant):
    sender = _sender()
    assistant.send(sender, "what is vertebroplasty?")
    text = _texts(assistant.send(sender, "actually my legs have gone numb since this morning"))
    assert "spinal cord compression" in text and "999" in text
    text = _texts(assistant.send(sender, "is vertebroplasty on the NHS?"))
    assert "NICE" in text  # and the conversation goes on


def test_out_of_scope_gets_a_kind_no_and_the_helpline(assistant):
    text = _texts(assistant.send(_sender(), "what is the best chemotherapy for bowel cancer?"))
    assert "can't help with that here" in text and "0808 800 4040" in text


def test_non_english_gets_english_only_and_helpline(assistant):
    text = _texts(assistant.send(_sender(), "dzień dobry, mam pytanie o leczenie"))
    assert "only in English" in text and "0808 800 4040" in text


def test_unclear_message_offers_topics_then_the_helpline_on_a_second_miss(assistant):
    sender = _sender()
    first = assistant.send(sender, "zzkq blorp snargle")
    buttons = [b for m in first for b in (m.get("buttons") or [])]
    assert buttons and buttons[-1] == {"title": "Something else", "payload": "/out_of_scope"}
    assert all(b["payload"].startswith("/ask_") for b in buttons[:-1])
    second = assistant.send(sender, "qwfp arst zxcv")
    assert "0808 800 4040" in _texts(second)


def test_something_else_asks_to_rephrase_then_offers_the_helpline(assistant):
    sender = _sender()
    assistant.send(sender, "zzkq blorp snargle")
    assert "say it another way" in _texts(assistant.send(sender, "/out_of_scope"))
    again = assistant.send(sender, "zzkq blorp snargle")
    assert any("clarify" in (m.get("custom") or {}) for m in again)  # "which did you mean?" again
    assert "0808 800 4040" in _texts(assistant.send(sender, "/out_of_scope"))


def test_choosing_a_topic_button_answers_that_topic(assistant):
    sender = _sender()
    assistant.send(sender, "zzkq blorp snargle")
    text = _texts(assistant.send(sender, "/ask_denosumab"))
    assert "Denosumab is a bone strengthening drug" in text


def test_emergency_reply_still_arrives_when_the_action_server_is_down(tmp_path):
    with running_assistant(tracker_db=tmp_path / "t.db") as running:
        os.killpg(running.processes[0].pid, signal.SIGKILL)
        running.processes[0].wait(timeout=10)
        text = _texts(running.send(_sender(), "I've lost control of my bladder and my back hurts"))
        assert running.endpoints.exists()
    assert "spinal cord compression" in text and "999" in text
    assert not running.endpoints.exists()  # the run's copy of endpoints.yml goes with the servers


def test_rasa_killed_mid_form_and_restarted_carries_on_where_it_was(tmp_path):
    sender = _sender()
    with running_assistant(tracker_db=tmp_path / "tracker.db") as running:
        running.send(sender, "what is vertebroplasty?")
        assert "first name" in _texts(running.send(sender, "/request_callback"))
        assert "UK phone number or an email" in _texts(running.send(sender, "Sue"))
        old_pid = running.pids()["rasa"]
        running.kill_and_restart_rasa()  # SIGKILL: no clean shutdown
        assert running.pids()["rasa"] != old_pid
        assert "good time" in _texts(running.send(sender, "07911 123456"))  # the form goes on
        assert "about you, or about someone you care for" in _texts(running.send(sender, "mornings"))
        assert "Do you agree?" in _texts(running.send(sender, "about me"))
        summary = _texts(running.send(sender, "/affirm"))
        events = running.tracker(sender)["events"]
    assert "Name: Sue" in summary and "Contact: 07911 123456" in summary
    assert [e["text"] for e in events if e["event"] == "user"][:3] == [
        "what is vertebroplasty?", "/request_callback", "Sue"]


def test_the_server_keeps_its_sqlite_tracker_file_open_and_in_write_ahead_log_mode(assistant):
    """The tuning of rasa36/sql_tracker_store.py reaches the store the real server makes (Rasa
    makes it before it loads the model, i.e. before our patches would otherwise be applied)."""
    import sqlite3

    assistant.send(_sender(), "hello")
    fds = f"/proc/{assistant.pids()['rasa']}/fd"
    open_files = {os.path.realpath(os.path.join(fds, fd)) for fd in os.listdir(fds)}
    trackers = [path for path in open_files if path.endswith("tracker.db")]
    assert len(trackers) == 1  # kept open between turns: Rasa's own store closes it after each
    assert sqlite3.connect(trackers[0]).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_follow_up_question_is_about_the_last_topic(assistant):
    sender = _sender()
    assistant.send(sender, "what is balloon kyphoplasty?")
    text = _texts(assistant.send(sender, "how long is recovery?"))
    assert 'The information I have on "Balloon kyphoplasty" does not cover how long recovery takes' in text


def test_gibberish_gets_a_question_not_a_guess(assistant):
    messages = assistant.send(_sender(), "zzkq blorp")
    assert any("clarify" in (m.get("custom") or {}) for m in messages)  # not the helpline's buttons


@pytest.mark.parametrize(
    "question, label, emergency, handoff, clarifying",
    [
        ("what is balloon kyphoplasty?", "kyphoplasty", False, False, False),
        ("How long is recovery after kyphoplasty?", "kyphoplasty", False, True, False),
        ("my legs have gone weak and I cant feel my feet", "emergency", True, True, False),
        ("what's the best chemotherapy for bowel cancer?", "out_of_scope", False, True, False),
        ("zzkq blorp snargle", "out_of_scope", False, False, True),
    ],
)
def test_ask_reports_what_the_user_saw(assistant, question, label, emergency, handoff, clarifying):
    from tools.conversation import ask_one

    reply = ask_one(assistant, question).as_json()
    assert set(reply) >= {"question", "label", "intent", "confidence", "emergency", "handoff_offered", "text", "sources"}
    assert (reply["label"], reply["emergency"], reply["handoff_offered"], reply["clarifying"]) == (label, emergency, handoff, clarifying)
    assert reply["text"]
    if label == "kyphoplasty":
        assert reply["sources"][0]["section"] == "Kyphoplasty"


def test_stopping_make_run_with_sigterm_stops_every_server_it_started(tmp_path):
    import socket
    import subprocess
    import sys
    import time

    from tools.servers import child_env, free_ports

    ports = dict(zip(("--port", "--actions-port", "--web-port"), free_ports(3)))
    run = subprocess.Popen([sys.executable, "-m", "bot", "run", *[str(x) for kv in ports.items() for x in kv]],
                           env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

    def listening(port: int) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    try:
        deadline = time.monotonic() + 180
        while not all(listening(p) for p in ports.values()):
            assert run.poll() is None and time.monotonic() < deadline, "`python -m bot run` did not start"
            time.sleep(0.5)
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) != 0
        deadline = time.monotonic() + 30
        while any(listening(p) for p in ports.values()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [p for p in ports.values() if listening(p)] == []  # no server left behind
    finally:
        if run.poll() is None:
            run.kill()
        _kill_servers_on(ports.values())  # when the test fails, leave nothing running


def _kill_servers_on(ports) -> None:
    """Kill any process started with ``--port N`` for one of ``ports`` (Linux /proc)."""
    from pathlib import Path

    wanted = {f"--port\0{port}\0" for port in ports}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_text()
        except OSError:
            continue
        if any(w in text for w in wanted):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(cmdline.parent.name), signal.SIGKILL)


def test_the_server_settles_once_started_info_logs_kept_and_start_up_objects_frozen(assistant):
    """serving/server_start.py runs in the real server: loading the model sets the root logger to
    WARNING (numpy.distutils, via skops) and is put back, so INFO lines reach the log; the objects
    loaded at start-up (several hundred thousand) are out of the garbage collector's walks."""
    assistant.send(_sender(), "hello")
    log = assistant.logs["rasa"].read_text(encoding="utf-8", errors="replace")
    assert "INFO     serving.server_start  - log level set back to INFO (loading the model had changed it to WARNING)" in log
    frozen = re.findall(r"INFO +serving\.server_start +- garbage collector: (\d+) objects loaded at start-up", log)
    assert len(frozen) == 1 and int(frozen[0]) > 100_000, frozen  # once, though three channels register it


def test_an_over_long_message_is_checked_for_red_flags_before_it_is_refused(assistant, handoffs_db):
    sender = _sender()
    text = _texts(assistant.send(sender, "Sorry for the long message. " * 200 + "Since last night my legs have gone numb."))
    assert "spinal cord compression" in text and "999" in text  # the urgent advice, first
    assert "too long" in text  # then the channel's own reply
    assert [h for h in list_handoffs(handoffs_db) if h["conversation_id"] == sender]
