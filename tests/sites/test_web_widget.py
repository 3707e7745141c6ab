"""The patients' chat page in a real headless Chromium (Debian's package, driven by Playwright),
talking to the real Rasa server's socket.io channel (channels/webchat.py) and action server.

A full conversation, a reload that keeps it, feedback stored in the database, XSS payloads that
stay text, keyboard-only use, the layout at 320 px, an axe-core scan (from npm), and the origin
and session checks."""
from __future__ import annotations

import re

import pytest

from bot.paths import project_root
from bot.records import db as handoff_db
from sites.patients.page import page_text, serve_in_background, widget_dir
from tools.servers import default_model

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not default_model().exists(), reason="no trained model: run `make model`"),
]

AXE = project_root() / "sites" / "patients" / "widget" / "node_modules" / "axe-core" / "axe.min.js"
TEXT = page_text()
REPLY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def page_url(assistant, channel_settings):
    """The chat page on the origin the Rasa server allows."""
    if not (widget_dir() / "widget.js").exists():
        pytest.fail("the widget is not built: `make web` builds it")
    server = serve_in_background(channel_settings.web_port, chat_server=assistant.url)
    yield channel_settings.web_origin + "/"
    server.close()


@pytest.fixture
def page(browser, page_url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(page_url)
    yield page
    context.close()


def bot_messages(page):
    return page.locator("#chat-log .msg-bot")


def say(page, text: str) -> None:
    """Type ``text`` and press Enter; wait for the assistant's reply to arrive and settle."""
    before = bot_messages(page).count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    page.locator("#chat-log .msg-bot").nth(before).wait_for(timeout=REPLY_TIMEOUT_MS)
    page.wait_for_timeout(700)  # the rest of the turn (sources, review date)


def _until(check, seconds: float = 10) -> None:
    """Poll ``check`` (from Python: the page's CSP forbids evaluating strings in it)."""
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def session_id(page) -> str:
    return page.evaluate("JSON.parse(sessionStorage.getItem('bones-chat')).session.session_id")


def test_a_full_conversation_with_sources_review_date_and_feedback(page, assistant, handoffs_db):
    say(page, "what is denosumab?")
    log = page.locator("#chat-log")
    assert "Denosumab is a bone strengthening drug" in log.inner_text()
    assert bot_messages(page).count() == 1  # one message, its parts laid out (actions/reply.py)
    answer = page.locator('.msg-bot[data-kind="answer"]')
    assert "Denosumab is a bone strengthening drug" in answer.locator(".answer-body").inner_text()
    sources = answer.locator('.answer-sources [data-kind="utter_source"]')
    assert sources.count() == 2
    link = sources.first.locator("a")
    assert link.get_attribute("href").startswith("https://") and link.get_attribute("rel") == "noopener noreferrer"
    reviewed = answer.locator('.answer-reviewed[data-kind="utter_written_unreviewed"]')
    assert "No clinician has checked it for this service yet" in reviewed.inner_text()

    feedback = answer.get_by_role("group", name=TEXT["helpful_question"])
    feedback.get_by_role("button", name=TEXT["helpful_yes"]).click()
    page.wait_for_selector(f"text={TEXT['helpful_thanks']}")
    conversation = session_id(page)
    page.wait_for_timeout(500)
    rows = handoff_db.rows("feedback", handoffs_db, conversation_id=conversation)
    assert [(r["topic"], r["helpful"], r["channel"]) for r in rows] == [("denosumab", 1, "webchat")]

    say(page, "can I talk to a nurse?")  # the helpline topic and its offer, once, with its buttons
    nurse = bot_messages(page).last
    assert bot_messages(page).count() == 2 and nurse.locator(".answer-offer").count() == 1
    assert nurse.inner_text().count("The nurse helpline is closed now.") == 1
    choices = page.get_by_role("group", name=TEXT["choices"]).last
    choices.get_by_role("button", name="Ask for a call back").click()
    page.get_by_text("first name", exact=False).wait_for(timeout=REPLY_TIMEOUT_MS)
    user_said = page.locator("#chat-log .msg-user").all_inner_texts()
    assert user_said[-1].endswith("Ask for a call back")  # the title is shown, not "/request_callback"
    tracker = assistant.tracker(conversation)
    assert tracker["active_loop"]["name"] == "callback_form"
    assert {e["input_channel"] for e in tracker["events"] if e["event"] == "user"} == {"webchat"}


def test_each_paragraph_says_where_it_comes_from_by_keyboard(page):
    say(page, "what is vertebroplasty?")
    body = page.locator("#chat-log .msg-bot").first
    disclosures = body.locator("details.where-from")
    # one under each paragraph with a source: all 6 of vertebroplasty's paragraphs have one
    assert disclosures.count() == 6
    first = disclosures.first
    assert first.locator("summary").inner_text() == TEXT["where_from"]
    assert not first.evaluate("d => d.open")
    first.locator("summary").focus()
    page.keyboard.press("Enter")  # a native <details>: Enter opens it, no script needed
    assert first.evaluate("d => d.open")
    assert 'Cancer Research UK, "Strengthening painful bones", section "Vertebroplasty"' in first.inner_text()
    study = disclosures.last  # "Is it safe?", with the leak study
    study.locator("summary").focus()
    page.keyboard.press("Enter")
    assert "Experimental and Therapeutic Medicine" in study.inner_text()
    assert study.locator('a[href="https://doi.org/10.3892/etm.2021.10159"]').count() == 1


def test_a_reload_keeps_the_conversation(page, assistant):
    say(page, "what is kyphoplasty?")
    conversation = session_id(page)
    shown = page.locator("#chat-log").inner_text()
    page.reload()
    page.wait_for_selector("#chat-log .msg-bot")
    assert page.locator("#chat-log").inner_text() == shown
    say(page, "thank you")
    assert session_id(page) == conversation
    user_texts = [e["text"] for e in assistant.tracker(conversation)["events"] if e["event"] == "user"]
    assert user_texts == ["what is kyphoplasty?", "thank you"]  # the same conversation on the server


XSS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    '"><svg onload="window.__xss=1">',
    "[click](javascript:window.__xss=1) javascript:window.__xss=1",
]


@pytest.mark.parametrize("payload", XSS)
def test_typed_html_stays_text(page, payload):
    say(page, payload)
    mine = page.locator("#chat-log .msg-user .msg-body").last
    assert mine.inner_text() == payload
    assert page.locator("#chat-log img, #chat-log script, #chat-log svg").count() == 0
    assert page.evaluate("window.__xss") is None


def test_an_answer_s_parts_are_laid_out_and_a_message_without_parts_stays_plain_text(page):
    _until(lambda: page.evaluate("window.bonesChat && window.bonesChat.confirmed"))
    page.evaluate("""window.bonesChat.receive({text: 'Body one.\\n\\nSource: A. https://a.example/x\\n\\nGap.\\n\\nCall.',
        buttons: [{title: 'Ask for a call back', payload: '/request_callback'}],
        custom: {topic: 'denosumab', where_from: [[{citation: 'A', section: 'S', dated: 'D', url: ''}]],
                 answer: {body: 'Body <b>one</b>.', reviewed_line: 'Written <i>then</i>.',
                          reviewed_response: 'utter_written_unreviewed',
                          sources: [{text: 'Source: A. https://a.example/x', response: 'utter_source'}],
                          gaps: [{what: 'g', text: 'Gap.', response: 'utter_not_covered'}],
                          offer: {text: 'Call.', response: 'utter_helpline_closed', buttons: []}}}})""")
    last = bot_messages(page).last
    assert last.get_attribute("data-kind") == "answer"
    assert last.locator(".answer-body").inner_text().startswith("Body <b>one</b>.")  # text, never HTML
    assert last.locator(".answer-body details.where-from").count() == 1
    assert last.locator('.answer-sources a[href="https://a.example/x"]').count() == 1
    assert last.locator(".answer-reviewed").inner_text() == "Written <i>then</i>."
    assert last.locator('.answer-gap[data-kind="utter_not_covered"]').inner_text() == "Gap."
    assert last.locator('.answer-offer[data-kind="utter_helpline_closed"]').inner_text() == "Call."
    assert last.locator(".choice").all_inner_texts() == ["Ask for a call back"]
    assert last.locator(".feedback").count() == 1
    assert page.locator("#chat-log b, #chat-log i").count() == 0
    page.evaluate("window.bonesChat.receive({text: 'Just text.\\n\\nTwo paragraphs.', custom: {responses: ['x']}})")
    plain = bot_messages(page).last
    assert plain.locator("p").all_inner_texts() == ["Just text.", "Two paragraphs."]
    assert plain.get_attribute("data-kind") is None


def test_an_answer_whose_parts_are_all_empty_shows_its_plain_text(page):
    _until(lambda: page.evaluate("window.bonesChat && window.bonesChat.confirmed"))
    page.evaluate("""window.bonesChat.receive({text: 'The plain words.',
        custom: {topic: 'denosumab', answer: {body: '  ', reviewed_line: '', sources: [], gaps: [], offer: null}}})""")
    assert bot_messages(page).last.locator(".msg-body").inner_text().strip() == "The plain words."


def test_bot_text_is_rendered_without_html_and_links_are_only_http(page):
    _until(lambda: page.evaluate("window.bonesChat && window.bonesChat.confirmed"))
    page.evaluate("""window.bonesChat.receive({text:
        '<img src=x onerror="window.__xss=1"> **bold** javascript:window.__xss=1 http://ok.example/a ' +
        'data:text/html,<b>x</b>\\n\\n- one\\n- two'})""")
    last = bot_messages(page).last
    assert last.locator("img").count() == 0
    assert last.locator("strong").inner_text() == "bold"
    assert [a.get_attribute("href") for a in last.locator("a").all()] == ["http://ok.example/a"]
    assert last.locator("li").all_inner_texts() == ["one", "two"]
    assert '<img src=x onerror="window.__xss=1">' in last.inner_text()
    assert page.evaluate("window.__xss") is None


def test_keyboard_only_use(page):
    focused = []
    for _ in range(15):  # Tab from the top of the page until the message box has focus
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if focused[-1] == "chat-input":
            break
    assert focused[-1] == "chat-input", focused
    page.keyboard.type("can I talk to a nurse?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat-log .choice", timeout=REPLY_TIMEOUT_MS)
    page.wait_for_timeout(500)
    for _ in range(25):  # Shift+Tab back up to the offered choices ("No, thank you" comes first)
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "Ask for a call back":
            break
    assert page.evaluate("document.activeElement.textContent") == "Ask for a call back"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus indicator
    page.keyboard.press("Enter")
    page.get_by_text("first name", exact=False).wait_for(timeout=REPLY_TIMEOUT_MS)
    assert page.evaluate("document.activeElement.id") == "chat-input"  # back in the message box


def test_accessibility_scan_and_small_screens(browser, page_url):
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(page_url)
    say(page, "what is vertebroplasty?")
    say(page, "can I talk to a nurse?")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""")
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert len(result["passes"]) > 10  # the scan really ran over the page
    assert page.locator("#chat-log").get_attribute("role") == "log"
    assert page.locator("#chat-log").get_attribute("aria-live") == "polite"
    # 320 px wide: nothing scrolls sideways, and every control is at least 24x24 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    sizes = page.evaluate("[...document.querySelectorAll('button, textarea')].map(b => "
                          "[b.textContent, b.getBoundingClientRect().width, b.getBoundingClientRect().height])")
    assert sizes and all(w >= 24 and h >= 24 for _, w, h in sizes), sizes
    # 200% zoom of a 640 px window is the same CSS width; the page must still fit.
    page.set_viewport_size({"width": 640, "height": 800})
    page.evaluate("document.body.style.zoom = '2'")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    context.close()


def test_a_page_on_another_site_cannot_connect(browser, assistant, tmp_path):
    other = serve_in_background(0, chat_server=assistant.url)  # same page, origin not allowed
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{other.effective_port}/")
        _until(lambda: page.locator("#chat-status").text_content() == TEXT["disconnected"])
        assert page.evaluate("window.bonesChat.confirmed") is False
        page.close()
    finally:
        other.close()


def _socket(assistant, origin: str | None):
    import socketio

    client = socketio.Client(reconnection=False)
    confirmed = []
    client.on("session_confirm", confirmed.append)
    headers = {"Origin": origin} if origin else {}
    client.connect(assistant.url, headers=headers, transports=["polling"], socketio_path="/socket.io")
    return client, confirmed


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://127.0.0.1:1"])
def test_only_the_configured_site_may_connect(assistant, origin):
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(assistant, origin)


def test_a_session_cannot_be_taken_over_by_guessing_its_id(assistant, channel_settings):
    owner, owner_sessions = _socket(assistant, channel_settings.web_origin)
    owner.emit("session_request", {})
    owner.sleep(1)
    session = owner_sessions[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", session["session_id"])

    thief, thief_sessions = _socket(assistant, channel_settings.web_origin)
    thief.emit("session_request", {"session_id": session["session_id"], "token": "0" * 64})
    thief.emit("session_request", {"session_id": session["session_id"]})
    thief.sleep(1)
    assert [s["session_id"] for s in thief_sessions if s["session_id"] == session["session_id"]] == []

    returning, returning_sessions = _socket(assistant, channel_settings.web_origin)  # the owner's reload
    returning.emit("session_request", session)
    returning.sleep(1)
    assert returning_sessions[-1]["session_id"] == session["session_id"]
    for client in (owner, thief, returning):
        client.eio.disconnect(abort=True)  # a plain disconnect waits out the 25 s long poll


def test_a_session_token_expires(monkeypatch):
    """A stolen or forgotten token stops working after its lifetime (``BOT_WEB_SESSION_HOURS``)."""
    from bot.web_session import is_valid, new_session

    monkeypatch.setenv("BOT_WEB_SESSION_HOURS", "2")
    issued = new_session(b"k" * 32, now=1_000_000)
    ages = [0, 3600, 2 * 3600 + 1, 30 * 24 * 3600]
    assert [is_valid(b"k" * 32, issued["session_id"], issued["token"], now=1_000_000 + a) for a in ages] == \
        [True, True, False, False]
    forged = f"{1_000_000 + 10 * 3600}.{issued['token'].split('.')[1]}"  # a later time, the old MAC
    assert not is_valid(b"k" * 32, issued["session_id"], forged, now=1_000_000 + 10 * 3600)
