"""The patients' page with the chat widget, served by waitress (``make run`` starts it).

The page's words come from ``content/web.yml``; the widget (``sites/patients/widget/dist/``, built from npm by
``make web``) connects to the Rasa server's socket.io channel (``channels/webchat.py``) at
``chat_server``. Headers: a Content-Security-Policy that allows scripts and styles only from
this site and connections only to the chat server, no framing, no referrer.

>>> app = create_app(chat_server="http://127.0.0.1:5005")
>>> page = app.test_client().get("/")
>>> page.status_code, "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005" in page.headers["Content-Security-Policy"]
(200, True)
"""
from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from flask import Flask, render_template

from bot import settings
from bot.incoming import max_chars
from bot.paths import content_dir, project_root

DEFAULT_PORT = 8000


def widget_dir() -> Path:
    """Where ``make web`` writes the built widget (``widget.js``, ``widget.css``)."""
    return project_root() / "sites" / "patients" / "widget" / "dist"


def page_text() -> dict[str, str]:
    """The page's words, from ``content/web.yml``."""
    return yaml.safe_load((content_dir() / "web.yml").read_text(encoding="utf-8"))


def _websocket_origin(server: str) -> str:
    parts = urlsplit(server)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def create_app(chat_server: str | None = None) -> Flask:
    """The page's Flask app. ``chat_server`` is the Rasa server's URL as the browser sees it."""
    chat_server = (chat_server or settings.text("BOT_CHAT_SERVER")).rstrip("/")
    app = Flask(__name__, template_folder="templates", static_folder=str(widget_dir()),
                static_url_path="/widget")
    text = page_text()
    config = {"server": chat_server, "path": "/socket.io", "text": text}
    policy = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
              f"connect-src 'self' {chat_server} {_websocket_origin(chat_server)}; "
              "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

    @app.get("/")
    def index():
        return render_template("index.html", text=text, config=config, max_chars=max_chars())

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = policy
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        return resp

    return app


def serve_in_background(port: int = DEFAULT_PORT, chat_server: str | None = None, host: str = "127.0.0.1"):
    """Serve the page from a daemon thread; returns the waitress server (``.close()`` stops it)."""
    from waitress.server import create_server

    server = create_server(create_app(chat_server), host=host, port=port, threads=4)
    threading.Thread(target=server.run, daemon=True, name="web-page").start()
    return server
