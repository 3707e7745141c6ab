"""The staff triage page: log in, see the handoff queue (most urgent, then oldest), read each
handoff's note, claim, resolve, hand the conversation back to the assistant.

Security: staff accounts with scrypt-hashed passwords (``bot/staff.py``); a signed session
cookie (HttpOnly, SameSite=Strict, Secure when ``BOT_TRIAGE_SECURE_COOKIE=1``); a per-session
token on every form against cross-site request forgery; a strict Content-Security-Policy; a
short lock-out after repeated failed log-ins. Served by waitress: ``python -m bot triage-web``.

>>> app = create_app(handoffs_db=":memory:", secret_key="x")
>>> app.test_client().get("/").status_code  # not logged in: sent to the log-in page
302
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path

from flask import Flask, abort, flash, redirect, render_template, request, session, url_for

from bot import handoffs
from bot.local_secret import local_secret
from bot.staff import check_password

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
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


def create_app(handoffs_db: Path | str | None = None, secret_key: str | None = None) -> Flask:
    """The Flask app. ``handoffs_db`` (a file or a database URL) defaults to ``$BOT_HANDOFFS_DB``, else
    ``var/handoffs.db``."""
    app = Flask(__name__, template_folder="templates/triage", static_folder="static")
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=os.environ.get("BOT_TRIAGE_SECURE_COOKIE") == "1",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=10),
        MAX_CONTENT_LENGTH=16 * 1024,
    )
    db_path = handoffs_db  # a SQLite file, a database URL, or None for $BOT_HANDOFFS_DB
    failures: dict[str, list[float]] = defaultdict(list)

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return session["csrf"]

    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    def check_csrf():
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
                abort(403, "This form has expired or did not come from this site. Reload the page and try again.")

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = ("default-src 'self'; style-src 'self'; script-src 'none'; "
                                                       "frame-ancestors 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def pending_handoffs_banner():
        """For signed-in staff: handoffs on this node that are not in the queue yet (pending file) or
        need a person (quarantined), shown as a banner on every page (``_pending_banner.html``)."""
        if not session.get("staff"):
            return {}
        try:
            return {"not_in_queue": handoffs.pending_status(db_path)}
        except Exception as error:  # noqa: BLE001 - the page still shows the queue
            logger.error("could not read the pending handoffs file (%s)", type(error).__name__)
            return {"not_in_queue": {"pending": -1, "quarantined": -1}}

    def login_required(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not session.get("staff"):
                return redirect(url_for("login"))
            return view(*args, **kwargs)
        return wrapper

    @app.get("/login")
    def login():
        return render_template("login.html")

    @app.post("/login")
    def login_post():
        username = request.form.get("username", "").strip().lower()
        recent = [t for t in failures[username] if time.monotonic() - t < LOCKOUT_SECONDS]
        failures[username] = recent
        if len(recent) >= MAX_FAILURES:
            flash("Too many failed attempts. Wait 15 minutes and try again.")
            return render_template("login.html"), 429
        if not check_password(username, request.form.get("password", ""), path=db_path):
            failures[username].append(time.monotonic())
            logger.warning("failed staff log-in")
            flash("That username and password did not match.")
            return render_template("login.html"), 401
        session.clear()
        session["staff"] = username
        session.permanent = True
        return redirect(url_for("queue"))

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    @login_required
    def queue():
        now = dt.datetime.now(dt.timezone.utc)
        show_all = request.args.get("show") == "all"
        rows = [_view(r, now) for r in handoffs.list_handoffs(db_path, include_resolved=show_all)]
        return render_template("queue.html", rows=rows, show_all=show_all, staff=session["staff"])

    @app.get("/handoffs/<handoff_id>")
    @login_required
    def detail(handoff_id):
        try:
            record = handoffs.get_handoff(handoff_id, db_path)
        except handoffs.HandoffError:
            abort(404)
        return render_template("detail.html", h=_view(record, dt.datetime.now(dt.timezone.utc)),
                               staff=session["staff"])

    @app.post("/handoffs/<handoff_id>/<verb>")
    @login_required
    def change(handoff_id, verb):
        actions = {"claim": handoffs.claim, "resolve": handoffs.resolve, "hand-back": handoffs.hand_back}
        if verb not in actions:
            abort(404)
        try:
            actions[verb](handoff_id, session["staff"], path=db_path)
        except handoffs.HandoffError as error:
            flash(str(error))
        else:
            flash({"claim": "Claimed.", "resolve": "Resolved.", "hand-back": "Handed back to the assistant."}[verb])
        return redirect(url_for("queue"))

    return app


def serve(host: str = "127.0.0.1", port: int = 8080, handoffs_db: Path | str | None = None) -> None:
    """Serve the triage page with waitress until interrupted."""
    from waitress import serve as waitress_serve

    print(f"Staff triage page: http://{host}:{port}/  (accounts: python -m bot staff add NAME)", flush=True)
    waitress_serve(create_app(handoffs_db), host=host, port=port, threads=4, ident="triage")
