"""The staff triage page: log-in, the queue, claim, resolve, hand back; refused without a
log-in or with a forged form; with the handoffs in SQLite or in PostgreSQL. First through Flask's
test client, then in a real headless Chromium (Debian's package, driven by Playwright) against the page served by waitress."""
from __future__ import annotations

import re
import threading

import pytest

from bot.records import handoff_spool, handoff_store, handoffs
from bot.records.staff_accounts import add_staff
from sites.staff.triage import create_app

pytestmark = pytest.mark.slow  # a full-cost scrypt hash (0.3 s) at every log-in: make test, not make check

PASSWORD = "a long enough secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """Two handoffs and a staff account, in a SQLite file or in PostgreSQL (several nodes)."""
    path = tmp_path / "handoffs.db" if request.param == "sqlite" else request.getfixturevalue("fresh_postgres_db")
    add_staff("sam", PASSWORD, path=path)
    handoffs.save_handoff("routine-conv", "routine", "callback", with_nurse=True, topics=["denosumab"],
                          contact={"contact_name": "Sue", "contact": "07911 123456", "contact_kind": "phone",
                                   "good_time": "mornings"}, path=path)
    handoffs.save_handoff("urgent-conv", "urgent", "red_flag", red_flags=["jaw_osteonecrosis"], path=path)
    return path


@pytest.fixture
def client(db):
    return create_app(handoffs_db=db, secret_key="test-secret").test_client()


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, password=PASSWORD):
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": "sam", "password": password, "csrf_token": token})


@pytest.mark.parametrize("method, url", [("get", "/"), ("get", "/handoffs/x"), ("post", "/handoffs/x/claim")])
def test_nothing_without_logging_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code in (302, 403)
    assert "Sue" not in response.get_data(as_text=True)


def test_wrong_password_is_refused_and_repeated_failures_lock_out(client):
    assert _login(client, "wrong password").status_code == 401
    for _ in range(4):
        _login(client, "wrong password")
    assert _login(client).status_code == 429  # even the right password, for a while
    assert client.get("/").status_code == 302


def test_session_cookie_and_headers_are_locked_down(client):
    response = _login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/")
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert '<meta http-equiv="refresh" content="60">' in page.get_data(as_text=True)  # the queue refreshes


def test_login_shows_the_queue_by_urgency_with_notes(client, db):
    assert _login(client).status_code == 302
    page = client.get("/").get_data(as_text=True)
    order = [handoff_store.get_handoff(i, db)["conversation_id"] for i in re.findall(r'data-id="(\w+)"', page)]
    assert order == ["urgent-conv", "routine-conv"]
    assert "jaw_osteonecrosis" in page and "Sue · 07911 123456 · mornings" in page
    assert "with a nurse: assistant paused" in page


def test_forged_form_posts_are_refused(client, db):
    _login(client)
    handoff_id = handoff_store.open_handoff("urgent-conv", db)["id"]
    for token in (None, "forged-token"):
        data = {} if token is None else {"csrf_token": token}
        response = client.post(f"/handoffs/{handoff_id}/claim", data=data)
        assert response.status_code == 403
    assert handoff_store.get_handoff(handoff_id, db)["status"] == "new"


def test_claim_hand_back_and_resolve_through_the_page(client, db):
    _login(client)
    token = _csrf(client.get("/").get_data(as_text=True))
    handoff_id = handoff_store.open_handoff("routine-conv", db)["id"]
    for verb in ("claim", "hand-back", "resolve"):
        assert client.post(f"/handoffs/{handoff_id}/{verb}", data={"csrf_token": token}).status_code == 302
    record = handoff_store.get_handoff(handoff_id, db)
    assert (record["status"], record["claimed_by"], record["with_nurse"], record["handed_back_by"]) == (
        "resolved", "sam", 0, "sam")


def test_page_text_is_escaped(client, db):
    handoffs.save_handoff("x", "routine", "callback", path=db, contact={
        "contact_name": "<img src=x onerror=alert(1)>", "contact": "a@b.co", "contact_kind": "email", "good_time": "now"})
    _login(client)
    page = client.get("/").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# ---------------------------------------------------------------- real headless browser

@pytest.fixture
def served(db):
    from waitress import create_server

    server = create_server(create_app(handoffs_db=db, secret_key="browser-secret"), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def test_staff_work_the_queue_in_a_real_browser(served, browser, db):
    page = browser.new_page()
    page.goto(served + "/")
    assert page.url.endswith("/login")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    items = page.locator("li.handoff")
    assert items.count() == 2
    assert "Urgent" in items.nth(0).inner_text() and "Routine" in items.nth(1).inner_text()

    # a new emergency arrives and is shown at the top
    handoffs.save_handoff("emergency-conv", "emergency", "red_flag", red_flags=["spinal_cord_compression"], path=db)
    page.reload()
    top = page.locator("li.handoff").nth(0)
    assert "Emergency" in top.inner_text() and "spinal_cord_compression" in top.inner_text()
    emergency_id = top.get_attribute("data-id")

    top.get_by_role("button", name=f"Claim handoff {emergency_id}").click()
    assert "Claimed." in page.inner_text("body")
    assert "claimed by sam" in page.locator(f"li[data-id='{emergency_id}']").inner_text()
    page.locator(f"li[data-id='{emergency_id}']").get_by_role("button", name=f"Resolve handoff {emergency_id}").click()
    assert page.locator(f"li[data-id='{emergency_id}']").count() == 0  # resolved ones leave the open queue
    assert handoff_store.get_handoff(emergency_id, db)["status"] == "resolved"

    # the routine call back is with a nurse: hand it back to the assistant
    routine_id = handoff_store.open_handoff("routine-conv", db)["id"]
    page.locator(f"li[data-id='{routine_id}']").get_by_role("button", name=re.compile("Hand conversation")).click()
    assert not handoff_store.is_with_nurse("routine-conv", db)


def test_a_forged_cross_site_post_is_refused_in_a_real_browser(served, browser, db, tmp_path):
    page = browser.new_page()
    page.goto(served + "/login")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    handoff_id = handoff_store.open_handoff("urgent-conv", db)["id"]
    # a page elsewhere that posts to the triage page with the staff member's browser
    attack = tmp_path / "attack.html"
    attack.write_text(f'<form id="f" method="post" action="{served}/handoffs/{handoff_id}/resolve">'
                      f'<input name="csrf_token" value="guessed"></form><script>f.submit()</script>')
    page.goto(attack.as_uri())
    page.wait_for_load_state()
    assert handoff_store.get_handoff(handoff_id, db)["status"] == "new"  # SameSite=Strict: no session sent
    # the same post from the page's own origin, with the session cookie but without the real token
    page.goto(served + "/")
    status = page.evaluate(f"""fetch('/handoffs/{handoff_id}/resolve', {{method: 'POST',
        body: new URLSearchParams({{csrf_token: 'guessed'}})}}).then(r => r.status)""")
    assert status == 403
    assert handoff_store.get_handoff(handoff_id, db)["status"] == "new"


@pytest.mark.parametrize("pending, quarantined, shown", [
    (0, 0, []),
    (2, 0, ["2 handoffs are not in this queue yet"]),
    (1, 1, ["1 handoff is not in this queue yet", "1 waiting handoff could not be read"]),
])
def test_a_banner_warns_while_handoffs_wait_outside_the_queue(db, client, tmp_path, monkeypatch, pending,
                                                              quarantined, shown):
    monkeypatch.setenv("BOT_HANDOFFS_SPOOL", str(tmp_path / "spool" / "handoffs.pending.jsonl"))
    from bot.records import spool

    target = handoff_spool.pending_path(db)
    for n in range(pending):
        spool.append(target, {"conversation_id": f"waiting-{n}", "urgency": "urgent", "reason": "callback",
                              "fields": {}})
    if quarantined:
        spool.quarantine_path(target).write_text("not a handoff\n")
    assert "not in this queue" not in client.get("/login").get_data(as_text=True)  # not before logging in
    _login(client)
    page = client.get("/").get_data(as_text=True)
    for words in shown:
        assert words in page
    assert ('role="alert"' in page) == bool(shown)
