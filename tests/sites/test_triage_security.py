"""The triage page's log-in, sessions, forms and audit log, through the real Flask app and the
real handoffs database (SQLite, and PostgreSQL where several nodes share it):

- guessing at a nurse's password from elsewhere does not lock the nurse out; the guesser waits,
  longer with every failure;
- a session ends, whatever the cookie says, when the account is removed or its password reset,
  on signing out, after the idle and the absolute time-out;
- a forged or mangled form token (non-ASCII too) is a 403 page, never a 500;
- the cookie is Secure unless explicitly turned off;
- an unknown username costs what a known one does;
- passwords are hashed at OWASP's scrypt cost, and older hashes are upgraded at the next log-in;
- who viewed or changed which handoff is in the audit log, without patients' details."""
from __future__ import annotations

import base64
import hashlib
import os
import re
import statistics
import time

import pytest
from sqlalchemy import delete, select, update

from bot.records import db as handoff_db
from bot.records import handoff_store, handoffs
from bot.records.db import STAFF
from bot.records.staff_accounts import add_staff, check_password
from sites.staff.triage import create_app

pytestmark = pytest.mark.slow  # a full-cost scrypt hash (0.3 s) at every log-in: make test, not make check

PASSWORD = "a long enough secret"
NURSE, GUESSER = "10.0.0.5", "10.0.0.66"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    path = tmp_path / "handoffs.db" if request.param == "sqlite" else request.getfixturevalue("fresh_postgres_db")
    add_staff("sam", PASSWORD, path=path)
    handoffs.save_handoff("routine-conv", "routine", "callback", with_nurse=True, topics=["denosumab"],
                          contact={"contact_name": "Sue", "contact": "07911 123456", "contact_kind": "phone",
                                   "good_time": "mornings"}, path=path)
    return path


@pytest.fixture
def sqlite_db(tmp_path):
    path = tmp_path / "handoffs.db"
    add_staff("sam", PASSWORD, path=path)
    return path


@pytest.fixture
def app(db):
    """The page on SQLite and on PostgreSQL (for what the database keeps: sessions, hashes, audit)."""
    return create_app(handoffs_db=db, secret_key="test-secret")


@pytest.fixture
def sqlite_app(sqlite_db):
    """The page on SQLite (for what does not depend on the database)."""
    return create_app(handoffs_db=sqlite_db, secret_key="test-secret")


def _client(app, address=NURSE):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, username="sam", password=PASSWORD):
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


# ---------------------------------------------------------------- lock-out

def test_someone_guessing_elsewhere_does_not_lock_the_nurse_out(sqlite_app):
    app = sqlite_app
    guesser = _client(app, GUESSER)
    for _ in range(10):
        assert _login(guesser, password="wrong password").status_code in (401, 429)
    assert _login(guesser).status_code == 429  # the guesser waits, even with the right password
    assert _login(_client(app, NURSE)).status_code == 302  # the nurse, from her own address, gets in


@pytest.mark.slow  # several seconds: not in make check's fast lane
def test_one_address_trying_many_usernames_is_slowed_down_for_all(sqlite_db):
    app = create_app(handoffs_db=sqlite_db, secret_key="k")
    guesser = _client(app, GUESSER)
    for number in range(30):
        _login(guesser, username=f"user{number}", password="wrong password")
    assert _login(guesser).status_code == 429
    assert "Wait" in _login(guesser).get_data(as_text=True)
    assert _login(_client(app, NURSE)).status_code == 302


@pytest.mark.parametrize("failures, wait_s", [
    (4, 0), (5, 60), (6, 120), (7, 240), (8, 480), (9, 900), (20, 900),  # doubling, at most 15 minutes
])
def test_the_wait_grows_with_every_failure(failures, wait_s):
    from sites.staff.login_throttle import LoginThrottle

    clock = [1000.0]
    throttle = LoginThrottle(clock=lambda: clock[0])
    for _ in range(failures):
        throttle.failed(GUESSER, "sam")
    assert throttle.wait_s(GUESSER, "sam") == wait_s
    assert throttle.wait_s(NURSE, "sam") == 0
    clock[0] += wait_s
    assert throttle.wait_s(GUESSER, "sam") == 0


def test_behind_a_trusted_proxy_the_forwarded_address_is_used(sqlite_db, monkeypatch):
    monkeypatch.setenv("BOT_TRIAGE_TRUSTED_PROXIES", "1")
    app = create_app(handoffs_db=sqlite_db, secret_key="k")
    proxy = _client(app, "127.0.0.1")
    for _ in range(6):
        token = _csrf(proxy.get("/login", headers={"X-Forwarded-For": GUESSER}).get_data(as_text=True))
        proxy.post("/login", data={"username": "sam", "password": "wrong password", "csrf_token": token},
                   headers={"X-Forwarded-For": GUESSER})
    token = _csrf(proxy.get("/login", headers={"X-Forwarded-For": NURSE}).get_data(as_text=True))
    response = proxy.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token},
                          headers={"X-Forwarded-For": NURSE})
    assert response.status_code == 302


# ---------------------------------------------------------------- sessions

def test_a_deleted_accounts_cookie_no_longer_opens_the_queue(app, db):
    nurse = _client(app)
    assert _login(nurse).status_code == 302 and nurse.get("/").status_code == 200
    with handoff_db.engine(db).begin() as conn:
        conn.execute(delete(STAFF).where(STAFF.c.username == "sam"))
    response = nurse.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Sue" not in nurse.get("/handoffs/x").get_data(as_text=True)


def test_removing_an_account_with_the_cli_ends_its_sessions(app, db, monkeypatch, capsys):
    from tools.cli import main

    nurse = _client(app)
    _login(nurse)
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(db))
    assert main(["staff", "remove", "sam"]) == 0
    assert "removed" in capsys.readouterr().out
    assert nurse.get("/").status_code == 302
    assert main(["staff", "remove", "sam"]) == 1


def test_a_password_reset_ends_the_old_sessions(app, db):
    nurse = _client(app)
    _login(nurse)
    add_staff("sam", "a brand new long secret", path=db)
    assert nurse.get("/").status_code == 302


def test_a_cookie_kept_from_before_signing_out_does_not_work(app):
    nurse = _client(app)
    _login(nurse)
    kept = _session_cookie(nurse)
    token = _csrf(nurse.get("/").get_data(as_text=True))
    assert nurse.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = _client(app, GUESSER)
    replay.set_cookie("session", kept)
    assert replay.get("/").status_code == 302


@pytest.mark.parametrize("column, age_s, still_in", [
    ("last_seen", 29 * 60, True),         # idle for 29 minutes
    ("last_seen", 31 * 60, False),        # idle for 31 minutes
    ("created", 9 * 3600, True),          # signed in 9 hours ago, busy since
    ("created", 10 * 3600 + 60, False),   # more than 10 hours ago, however busy
])
def test_sessions_time_out_when_idle_and_after_a_shift(app, db, column, age_s, still_in):
    from bot.records.staff_sessions import SESSIONS

    nurse = _client(app)
    _login(nurse)
    with handoff_db.engine(db).begin() as conn:
        conn.execute(update(SESSIONS).values(**{column: time.time() - age_s}))
    assert nurse.get("/").status_code == (200 if still_in else 302)


# ---------------------------------------------------------------- forms

@pytest.mark.parametrize("token", ["é", "🙂" * 40, "ünïcödé.token.x", "\x00", "a" * 5000, ""],
                         ids=["accent", "emoji", "non-ascii-dotted", "nul", "long", "empty"])
def test_a_mangled_form_token_is_refused_kindly(sqlite_app, token):
    nurse = _client(sqlite_app)
    _login(nurse)
    for where in ("/login", "/handoffs/x/claim", "/logout"):
        response = nurse.post(where, data={"csrf_token": token, "username": "sam", "password": PASSWORD})
        assert response.status_code == 403, where
        assert "This form has expired or did not come from this site" in response.get_data(as_text=True)
    assert nurse.get("/").status_code == 200  # still signed in: nothing was changed


def test_a_token_from_another_session_is_refused(sqlite_app):
    app = sqlite_app
    other = _client(app, GUESSER)
    stolen = _csrf(other.get("/login").get_data(as_text=True))
    nurse = _client(app)
    _login(nurse)
    assert nurse.post("/handoffs/x/claim", data={"csrf_token": stolen}).status_code == 403


# ---------------------------------------------------------------- cookie

@pytest.mark.parametrize("setting, secure", [(None, True), ("0", True), ("", True), ("1", False)])
def test_the_session_cookie_is_secure_unless_turned_off(sqlite_db, monkeypatch, setting, secure):
    if setting is None:
        monkeypatch.delenv("BOT_TRIAGE_INSECURE_COOKIE", raising=False)
    else:
        monkeypatch.setenv("BOT_TRIAGE_INSECURE_COOKIE", setting)
    cookie = _login(_client(create_app(handoffs_db=sqlite_db, secret_key="k"))).headers["Set-Cookie"]
    assert ("; Secure" in cookie) == secure
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


# ---------------------------------------------------------------- passwords

def test_unknown_usernames_do_the_same_work_as_known_ones(sqlite_db, monkeypatch):
    check_password("warm-up", "x", path=sqlite_db)
    calls = []
    real = hashlib.scrypt

    def counted(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    assert not check_password("sam", "wrong password", path=sqlite_db)
    known, calls[:] = list(calls), []
    assert not check_password("nobody", "wrong password", path=sqlite_db)
    assert calls == known and len(known) == 1


@pytest.mark.slow  # several seconds: not in make check's fast lane
def test_unknown_usernames_take_as_long_as_known_ones_on_the_page(sqlite_db):
    client = _client(create_app(handoffs_db=sqlite_db, secret_key="k"))
    token = _csrf(client.get("/login").get_data(as_text=True))
    timings: dict[str, list[float]] = {"sam": [], "nobody": []}
    for _ in range(4):  # fewer failures than any lock-out
        for username in timings:
            started = time.perf_counter()
            client.post("/login", data={"username": username, "password": "wrong password", "csrf_token": token})
            timings[username].append(time.perf_counter() - started)
    ratio = statistics.median(timings["nobody"]) / statistics.median(timings["sam"])
    assert 0.6 < ratio < 1.5, timings


def _old_style_hash(password: str) -> str:
    """What bot/records/staff_accounts.py stored before: scrypt N=2^14, r=8, p=1, base64 salt and hash."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _stored_hash(db) -> str:
    with handoff_db.engine(db).connect() as conn:
        return conn.execute(select(STAFF.c.password_hash).where(STAFF.c.username == "sam")).scalar_one()


def test_passwords_are_hashed_at_owasps_scrypt_cost(sqlite_db):
    method = _stored_hash(sqlite_db).split("$")[0]
    name, n, r, p = method.split(":")
    assert name == "scrypt" and int(n) >= 2**17 and int(r) >= 8 and int(p) >= 1


def test_an_old_hash_still_logs_in_and_is_upgraded(app, db):
    with handoff_db.engine(db).begin() as conn:
        conn.execute(update(STAFF).where(STAFF.c.username == "sam").values(password_hash=_old_style_hash(PASSWORD)))
    assert _login(_client(app, GUESSER), password="wrong password").status_code == 401
    assert _stored_hash(db).startswith("scrypt$16384$")  # not upgraded by a wrong password
    assert _login(_client(app)).status_code == 302
    assert _stored_hash(db).startswith("scrypt:131072:8:1$")
    assert _login(_client(app)).status_code == 302  # and the new hash works


# ---------------------------------------------------------------- audit

def test_who_viewed_or_changed_which_handoff_is_audited_without_patients_details(app, db, monkeypatch, capsys):
    from bot.records.staff_sessions import AUDIT
    from tools.cli import main

    handoff_id = handoff_store.open_handoff("routine-conv", db)["id"]
    nurse = _client(app)
    _login(nurse)
    page = nurse.get("/").get_data(as_text=True)
    nurse.get(f"/handoffs/{handoff_id}")
    nurse.post(f"/handoffs/{handoff_id}/claim", data={"csrf_token": _csrf(page)})
    nurse.post("/logout", data={"csrf_token": _csrf(page)})
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(db))
    assert main(["triage", "resolve", handoff_id, "--as", "kim"]) == 0

    with handoff_db.engine(db).connect() as conn:
        rows = [dict(r) for r in conn.execute(select(AUDIT).order_by(AUDIT.c.id)).mappings()]
    assert [(r["staff"], r["action"], r["handoff_id"], r["via"]) for r in rows] == [
        ("sam", "sign_in", None, "web"), ("sam", "view_queue", handoff_id, "web"), ("sam", "view", handoff_id, "web"),
        ("sam", "claim", handoff_id, "web"), ("sam", "sign_out", None, "web"), ("kim", "resolve", handoff_id, "cli")]
    stored = repr(rows)
    assert "Sue" not in stored and "07911" not in stored and "routine-conv" not in stored

    capsys.readouterr()
    assert main(["staff", "audit", "--handoff", handoff_id]) == 0
    printed = capsys.readouterr().out
    assert re.search(rf"web\s+sam\s+claim\s+{handoff_id}", printed)
    assert re.search(rf"cli\s+kim\s+resolve\s+{handoff_id}", printed)
    assert "sign_in" not in printed and "4 line(s)" in printed
