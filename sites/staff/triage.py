"""The staff triage page: log in, see the handoff queue (most urgent, then oldest), read each
handoff's note, claim, resolve, hand the conversation back to the assistant; for the people who
run the service, the insight page and the content-gap report (``sites/staff/insight_pages.py``).

Roles (``bot/records/staff_accounts.py``): ``triage`` sees the queue and the handoffs, ``insight`` the insight
page and its CSV, ``content`` the content-gap report; checked in the database on every request,
so a change of roles counts from the next click.

Security: staff accounts with scrypt-hashed passwords (``bot/records/staff_accounts.py``); server-side sessions
(``bot/records/staff_sessions.py``: the account is checked on every request, sessions end on signing out,
when the account is removed or its password reset, after 30 minutes idle and 10 hours after
signing in) whose id travels in a signed cookie (HttpOnly, SameSite=Strict, Secure unless
``BOT_TRIAGE_INSECURE_COOKIE=1``, for plain-http tests on loopback only); Flask-WTF's signed,
time-limited token on every form against cross-site request forgery; a strict
Content-Security-Policy; failed log-ins slowed down per address and username with a growing wait
(``sites/staff/login_throttle.py``); an audit log of who viewed or changed which handoff. Behind a reverse
proxy set ``BOT_TRIAGE_TRUSTED_PROXIES`` to the number of proxies, so that the client's address
(``X-Forwarded-For``, set by them) is used, never one a client sent itself. Served by waitress:
``python -m bot triage-web``.

>>> import pathlib, tempfile
>>> app = create_app(handoffs_db=pathlib.Path(tempfile.mkdtemp()) / "h.db", secret_key="x")
>>> app.test_client().get("/").status_code  # not logged in: sent to the log-in page
302
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
from functools import wraps
from pathlib import Path

from flask import (
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import settings
from bot.local_secret import local_secret
from bot.records import handoff_rules, handoff_spool, handoff_store, staff_sessions
from bot.records.migrations import migrate
from bot.records.staff_accounts import check_password, dummy_hash, staff_roles
from sites.staff.insight_pages import insight_routes
from sites.staff.login_throttle import LoginThrottle

logger = logging.getLogger(__name__)

URGENCY_LABELS = {"emergency": "Emergency", "crisis": "Crisis", "urgent": "Urgent", "routine": "Routine"}
ABOUT_LABELS = {"self": "Themselves", "someone_else": "Someone they care for"}


def _secret_key() -> str:
    """``BOT_TRIAGE_SECRET``, else a random key kept in ``var/triage_secret`` (created once, 0600)."""
    return local_secret("BOT_TRIAGE_SECRET", "triage_secret")


def _age(created: str, now: dt.datetime) -> str:
    minutes = int((now - dt.datetime.fromisoformat(created)).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} days"


def _view(record: dict, now: dt.datetime) -> dict:
    loads = lambda key: json.loads(record.get(key) or "[]")  # noqa: E731
    return {**record, "age": _age(record["created"], now), "urgency_label": URGENCY_LABELS.get(record["urgency"]),
            "reasons_list": loads("reasons"), "topics_list": loads("topics"), "flags_list": loads("red_flags"),
            "answers_list": loads("answers"), "about_label": ABOUT_LABELS.get(record.get("about") or "", "Not known")}


def secure_cookie_wanted() -> bool:
    """Secure cookies unless ``BOT_TRIAGE_INSECURE_COOKIE=1`` says otherwise (plain-http tests)."""
    return not settings.switch("BOT_TRIAGE_INSECURE_COOKIE")


def create_app(handoffs_db: Path | str | None = None, secret_key: str | None = None,
               secure_cookie: bool | None = None, throttle: LoginThrottle | None = None,
               tracker: Path | str | None = None, insight_summary=None) -> Flask:
    """The Flask app. ``handoffs_db`` (a file or a database URL) defaults to ``$BOT_HANDOFFS_DB``, else
    ``var/handoffs.db``; ``tracker`` (the conversations, for the insight page and the gap report)
    to ``rasa36.tracker_tables.tracker_location()``. ``secure_cookie`` defaults to ``secure_cookie_wanted()``.
    ``insight_summary``: a ``bot.insight.figures.Summary`` (default: one refreshed every 10 minutes)."""
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure_cookie_wanted() if secure_cookie is None else secure_cookie,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=staff_sessions.ABSOLUTE_S),
        MAX_CONTENT_LENGTH=16 * 1024,
        WTF_CSRF_TIME_LIMIT=staff_sessions.ABSOLUTE_S,
        TRIAGE_IDLE_S=staff_sessions.IDLE_S,
        TRIAGE_ABSOLUTE_S=staff_sessions.ABSOLUTE_S,
    )
    proxies = settings.integer("BOT_TRIAGE_TRUSTED_PROXIES")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    CSRFProtect(app)  # every POST; csrf_token() in the templates
    db_path = handoffs_db  # a SQLite file, a database URL, or None for $BOT_HANDOFFS_DB
    migrate(db_path)  # an older database is brought up to date before the site serves it
    throttle = throttle or LoginThrottle()
    if insight_summary is None:
        from bot.insight.figures import Summary
        from rasa36.tracker_tables import turn_reader

        insight_summary = Summary(handoffs_db=db_path, read_turns=turn_reader(tracker))
    app.config["TRIAGE_TRACKER"] = tracker
    dummy_hash()  # made now, so that the first unknown username costs what a known one does

    @app.errorhandler(CSRFError)
    def refused_form(_error):
        return render_template("refused.html"), 403

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = ("default-src 'self'; style-src 'self'; script-src 'none'; "
                                                       "frame-ancestors 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # Flask-WTF checks it on HTTPS posts
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def pending_handoffs_banner():
        """For signed-in staff: handoffs on this node that are not in the queue yet (pending file) or
        need a person (quarantined), shown as a banner on every page (``_pending_banner.html``)."""
        if "triage" not in g.get("roles", ()):  # signed in (checked this request) with the queue's role
            return {}
        try:
            return {"not_in_queue": handoff_spool.pending_status(db_path)}
        except Exception as error:  # noqa: BLE001 - the page still shows the queue
            logger.error("could not read the pending handoffs file (%s)", type(error).__name__)
            return {"not_in_queue": {"pending": -1, "quarantined": -1}}

    def role_required(role: str):
        """The view needs a live session (checked in the database on every request) whose account
        has ``role`` now; otherwise the log-in page, or a 403 page (and an audit line)."""
        def decorate(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                found = staff_sessions.session_account(session.get("sid"), db_path, app.config["TRIAGE_IDLE_S"],
                                                      app.config["TRIAGE_ABSOLUTE_S"])
                if not found:  # never signed in, signed out, timed out, or the account is gone
                    session.clear()
                    return redirect(url_for("login"))
                g.staff, g.roles = found
                if role not in g.roles:
                    staff_sessions.record(g.staff, "refused", request.path[:200], path=db_path)
                    return render_template("forbidden.html", staff=g.staff, roles=g.roles), 403
                return view(*args, **kwargs)
            return wrapper
        return decorate

    login_required = role_required("triage")  # the queue and the handoffs

    @app.get("/login")
    def login():
        return render_template("login.html")

    @app.post("/login")
    def login_post():
        username = request.form.get("username", "").strip().lower()[:64]
        address = request.remote_addr or ""
        wait = throttle.wait_s(address, username)
        if wait:
            minutes = math.ceil(wait / 60)
            flash(f"Too many failed attempts. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again.")
            return render_template("login.html"), 429
        if not check_password(username, request.form.get("password", ""), path=db_path):
            throttle.failed(address, username)
            logger.warning("failed staff log-in")
            flash("That username and password did not match.")
            return render_template("login.html"), 401
        throttle.succeeded(address, username)
        session.clear()  # a new session id: nothing from before signing in is kept
        session["sid"] = staff_sessions.start_session(username, db_path)
        session.permanent = True
        staff_sessions.record(username, "sign_in", path=db_path)
        return redirect(_landing(staff_roles(username, db_path)))

    @app.post("/logout")
    def logout():
        user = staff_sessions.session_user(session.get("sid"), db_path)
        staff_sessions.end_session(session.get("sid"), db_path)
        if user:
            staff_sessions.record(user, "sign_out", path=db_path)
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    @login_required
    def queue():
        now = dt.datetime.now(dt.timezone.utc)
        show_all = request.args.get("show") == "all"
        rows = [_view(r, now) for r in handoff_store.list_handoffs(db_path, include_resolved=show_all)]
        staff_sessions.record(g.staff, "view_queue", ",".join(r["id"] for r in rows), path=db_path)
        return render_template("queue.html", rows=rows, show_all=show_all, staff=g.staff)

    @app.get("/handoffs/<handoff_id>")
    @login_required
    def detail(handoff_id):
        try:
            record = handoff_store.get_handoff(handoff_id, db_path)
        except handoff_rules.HandoffError:
            abort(404)
        staff_sessions.record(g.staff, "view", handoff_id, path=db_path)
        return render_template("detail.html", h=_view(record, dt.datetime.now(dt.timezone.utc)), staff=g.staff)

    @app.post("/handoffs/<handoff_id>/<verb>")
    @login_required
    def change(handoff_id, verb):
        actions = {"claim": handoff_store.claim, "resolve": handoff_store.resolve, "hand-back": handoff_store.hand_back}
        if verb not in actions:
            abort(404)
        try:
            actions[verb](handoff_id, g.staff, path=db_path)
        except handoff_rules.HandoffError as error:
            flash(str(error))
        else:
            staff_sessions.record(g.staff, verb, handoff_id, path=db_path)
            flash({"claim": "Claimed.", "resolve": "Resolved.", "hand-back": "Handed back to the assistant."}[verb])
        return redirect(url_for("queue"))

    insight_routes(app, db_path, role_required, insight_summary)
    return app


def _landing(roles) -> str:
    """The first page an account may see: the queue, else the insight page, else the gap report."""
    for role, view in (("triage", "queue"), ("insight", "insight"), ("content", "gaps")):
        if role in roles:
            return url_for(view)
    return url_for("queue")  # no role at all: the queue's 403 page says so


def serve(host: str = "127.0.0.1", port: int = 8080, handoffs_db: Path | str | None = None) -> None:
    """Serve the triage page with waitress until interrupted."""
    from waitress import serve as waitress_serve

    print(f"Staff triage page: http://{host}:{port}/  (accounts: python -m bot staff add NAME)", flush=True)
    if secure_cookie_wanted():
        print("The session cookie is Secure: browsers send it over HTTPS (and to http://localhost) only; "
              "BOT_TRIAGE_INSECURE_COOKIE=1 turns that off for plain-http tests on loopback.", flush=True)
    elif host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("BOT_TRIAGE_INSECURE_COOKIE=1 on %s: session cookies travel unencrypted", host)
    waitress_serve(create_app(handoffs_db), host=host, port=port, threads=4, ident="triage")
