"""Shared fixtures: a private copy of content/ to break, a content database built from it, the
trained model loaded in this process (for the speed-up tests), and the real servers (Rasa +
action server) for the end-to-end tests."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content.store import ContentStore, build_database
from bot.content.topics import load_content
from bot.paths import content_dir


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A writable copy of content/ for tests that break it."""
    target = tmp_path / "content"
    shutil.copytree(content_dir(), target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> ContentStore:
    """A content database built from the real content/ into a temporary folder."""
    path = tmp_path_factory.mktemp("db") / "content.db"
    return ContentStore.open(build_database(load_content(), path))


# The end-to-end servers run with the clock fixed at a Saturday morning (helpline closed), so
# replies that depend on the hours are predictable. bot/helpline/hours.py reads BOT_CLOCK.
E2E_CLOCK = "2026-11-28T11:00:00"


@pytest.fixture(scope="session")
def handoffs_db(tmp_path_factory):
    """The handoffs database the end-to-end action server writes to."""
    path = tmp_path_factory.mktemp("handoffs") / "handoffs.db"
    with pytest.MonkeyPatch.context() as env:  # inherited by the servers; put back after the session
        env.setenv("BOT_HANDOFFS_DB", str(path))
        env.setenv("BOT_CLOCK", E2E_CLOCK)
        yield path


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server (Debian's package, installed by `make services`) for this run."""
    from tools.services import missing_packages, running_postgres

    if missing_packages():
        pytest.fail(f"not installed: {', '.join(missing_packages())} (`make services` installs them)")
    with running_postgres() as server:
        _SERVERS["postgres"] = server
        try:
            yield server
        finally:
            _SERVERS.pop("postgres", None)


@pytest.fixture(scope="session")
def redis_port():
    """The port of a private Redis server (Debian's package, installed by `make services`)."""
    from tools.services import missing_packages, running_redis

    if "redis-server" in missing_packages():
        pytest.fail("redis-server is not installed (`make services` installs it)")
    with running_redis() as server:
        yield server.port


@contextlib.contextmanager
def silent_listener():
    """The port of a TCP server that accepts connections and never answers: a Redis or
    PostgreSQL that hangs (up, but silent) - the network peer, not a mock of our code."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(200)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])  # keep it open, say nothing
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


@contextlib.asynccontextmanager
async def heartbeat(every_s: float = 0.05):
    """Count ticks of the running event loop while the block runs; yields a one-item list (the
    count so far). A loop blocked by a synchronous call stops ticking."""
    import asyncio

    beats = [0]

    async def tick():
        while True:
            await asyncio.sleep(every_s)
            beats[0] += 1

    task = asyncio.create_task(tick())
    try:
        yield beats
    finally:
        task.cancel()


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers (``silent_listener``)."""
    with silent_listener() as port:
        yield port


def new_postgres_db(postgres) -> str:
    """Create a new, empty database on the private PostgreSQL server; returns its URL."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres.url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f"create database {name}"))
    admin.dispose()
    return postgres.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def fresh_postgres_db(postgres):
    """The URL of a new, empty database on the private PostgreSQL server; closed after the test."""
    from bot.records import db as handoff_db

    url = new_postgres_db(postgres)
    yield url
    handoff_db.close(url)


@dataclass
class ChannelSettings:
    """What the end-to-end servers' channels are configured with (set in their environment)."""

    web_port: int           # the chat page the web widget tests serve (the allowed origin)
    twilio_port: int        # the local fake of Twilio's API (tests/fake_twilio.py)
    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "test-auth-token-0123456789abcdef"
    whatsapp_from: str = "whatsapp:+14155238886"

    @property
    def web_origin(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"


@pytest.fixture(scope="session")
def channel_settings():
    """Ports and secrets for the web and WhatsApp channels, in the environment the servers inherit.
    The Twilio webhook URL is filled in once the Rasa server's port is known (``assistant``)."""
    from tools.servers import free_ports

    web_port, twilio_port = free_ports(2)
    settings = ChannelSettings(web_port=web_port, twilio_port=twilio_port)
    values = {
        "BOT_WEB_ORIGINS": settings.web_origin,
        "BOT_SESSION_SECRET": "test-session-secret-0123456789abcdef",
        "TWILIO_ACCOUNT_SID": settings.account_sid,
        "TWILIO_AUTH_TOKEN": settings.auth_token,
        "TWILIO_WHATSAPP_FROM": settings.whatsapp_from,
        "TWILIO_API_BASE": f"http://127.0.0.1:{settings.twilio_port}",
    }
    with pytest.MonkeyPatch.context() as env:
        for key, value in values.items():
            env.setenv(key, value)
        env.delenv("TWILIO_WEBHOOK_URL", raising=False)  # set by `assistant`; put back with the rest
        yield settings


@pytest.fixture(scope="session")
def agent():
    """The trained model (``make model``) loaded in this process, with components/ applied."""
    from rasa.core.agent import Agent

    import rasa36

    rasa36.apply()  # as the Rasa server's launcher does (tools/rasa_server.py)
    from tools.servers import default_model

    return Agent.load(str(default_model()))


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, handoffs_db, channel_settings):
    """The real Rasa server and action server, started once for the session, with every channel
    of credentials.yml (REST, the web widget's socket.io, WhatsApp pointed at a local fake)."""
    from tools.servers import free_port, running_assistant

    rasa_port = free_port(avoid=(channel_settings.web_port, channel_settings.twilio_port))
    os.environ["TWILIO_WEBHOOK_URL"] = f"http://127.0.0.1:{rasa_port}/webhooks/whatsapp/webhook"

    tracker_db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    with running_assistant(tracker_db=tracker_db, rasa_port=rasa_port) as running:
        yield running


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download; `make browser`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


# Fixtures that start or need a real server, a browser or the trained model: a test using none of
# them (and not marked ``servers`` or ``slow``, not run against PostgreSQL) is marked ``fast``: ``make check``.
_NOT_FAST_FIXTURES = {"postgres", "redis_port", "new_postgres_db", "fresh_postgres_db", "agent", "assistant",
                      "browser", "served", "service", "small_service", "silent_listener", "silent_port"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        slow = ("servers" in item.keywords or "slow" in item.keywords or _NOT_FAST_FIXTURES & set(getattr(item, "fixturenames", ()))
                or "postgres" in item.nodeid)
        if not slow:
            item.add_marker(pytest.mark.fast)


_SERVERS: dict = {}  # the private servers now running, for the failure reports below


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that failed on a PostgreSQL error gets the private server's own log (its last lines) in
    its report: "server closed the connection unexpectedly" says nothing of why, and CI keeps no files."""
    outcome = yield
    report = outcome.get_result()
    server = _SERVERS.get("postgres")
    if server is None or not report.failed or "psycopg2" not in str(report.longrepr):
        return
    log = server.data_dir / "server.log"
    with contextlib.suppress(OSError):
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-60:]
        report.sections.append(("PostgreSQL server log (last lines)", "\n".join(tail)))
