"""The insight page and the content-gap report (issue 25), on SQLite and on PostgreSQL.

A seeded service (``tests/insight_seed.py``: 300 conversations written as Rasa events, handoffs
with known claim times, feedback) is read through the real Flask app: every cell of the CSV (and
of the page's tables) is checked against the counts the seed kept while writing, with counts
under 5 shown as "fewer than 5". Roles are enforced on every request; a forgotten conversation
leaves the gap report; the page works in headless Chromium with no console errors and no
serious axe-core violations."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest

from bot.records import db as handoff_db
from bot.records import staff_sessions
from bot.records.staff_accounts import add_staff, set_roles, staff_roles
from rasa36.tracker_tables import turn_reader
from sites.staff.triage import create_app
from tests.conftest import new_postgres_db
from tests.insight_seed import GAP_QUESTIONS, NOW, Seed, when

PASSWORD = "a long enough secret"


# ---------------------------------------------------------------- the expected display, worked out here

def show(n: int) -> str:
    return str(n) if n == 0 or n >= 5 else "fewer than 5"


def show_rate(part: int, whole: int) -> str:
    if whole < 5:
        return "fewer than 5 of fewer than 5" if whole else "none asked"
    if 0 < part < 5:
        return f"fewer than 5 of {whole}"
    return f"{100 * part / whole:.1f}% ({part} of {whole})"


def show_minutes(values: list[float], quantile: float) -> str:
    if len(values) < 5:
        return "fewer than 5" if values else "none"
    minutes = float(np.median(values) if quantile == 0.5 else np.percentile(values, 90))
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes / 1440:.1f} days"


# ---------------------------------------------------------------- the seeded service

def _handoffs(seed: Seed) -> dict:
    """Handoffs whose waits are known by construction; returns the expected handoffs table."""
    wed, sat, mon, tue, today = when(7), when(4), when(2), when(1), when(0)  # 18, 21, 23, 24, 25 November
    at = lambda day, hour: day + dt.timedelta(hours=hour - 10)  # noqa: E731 - when() is 10:00 that day
    minute = dt.timedelta(minutes=1)
    # (created, claimed, resolved, waited past the opening)
    pattern = [
        (at(wed, 10), at(wed, 10.5), at(wed, 12), False),   # open: claimed within the hour
        (at(wed, 10), at(wed, 11.5), None, True),           # open: claimed after the hour
        (at(sat, 10), at(mon, 9) + 40 * minute, at(mon, 11), False),  # weekend: claimed 40 min after opening
        (at(sat, 12), at(mon, 10.5), None, True),           # weekend: claimed 90 min after opening
        (at(tue, 18), None, None, True),                    # evening: still waiting at noon next day
        (at(today, 11.5), None, None, False),               # open: not an hour yet (it is 12:00)
        (at(mon, 16.5), at(mon, 16.75), at(tue, 9), False),  # late afternoon: claimed at once
    ]
    expected = {}
    for urgency, copies in (("urgent", 1), ("routine", 2), ("emergency", 0)):
        rows = pattern * copies if copies else pattern[:2]
        for created, claimed, resolved, _ in rows:
            seed.handoff(urgency, created, claimed, resolved)
        claim = [(c - made).total_seconds() / 60 for made, c, _, _ in rows if c]
        resolve = [(r - made).total_seconds() / 60 for made, _, r, _ in rows if r]
        expected[urgency] = {
            "Created": show(len(rows)), "Claimed": show(len(claim)), "To claim: median": show_minutes(claim, 0.5),
            "To claim: 90th percentile": show_minutes(claim, 0.9), "Resolved": show(len(resolve)),
            "To resolve: median": show_minutes(resolve, 0.5), "To resolve: 90th percentile": show_minutes(resolve, 0.9),
            "Waited past the opening": show(sum(w for *_, w in rows))}
    seed.handoff("routine", when(120), when(119), when(118))  # before the 12 weeks shown: not counted
    return expected


def _feedback(seed: Seed) -> dict:
    answers = {"denosumab": (8, 3), "vertebroplasty": (2, 0), "side_effects": (5, 5)}
    for topic, (yes, no) in answers.items():
        for n in range(yes + no):
            seed.feedback(f"fb-{topic}-{n}", topic, n < yes, when(n + 1))
    seed.feedback("fb-old", "denosumab", True, when(200))  # outside the window
    return {topic: {"Answers": show(yes + no), "Helpful": show(yes), "Not helpful": show(no),
                    "Share helpful": show_rate(yes, yes + no)} for topic, (yes, no) in answers.items()}


def expected_cells(seed: Seed, handoffs: dict, feedback: dict) -> dict:
    """(table, row, column) -> the value the page must show, from the seed's own counts."""
    cells = {}
    for (day, channel), n in seed.messages.items():
        cells[("activity", f"{day} / {channel}", "Conversations")] = show(len(seed.conversations[(day, channel)]))
        cells[("activity", f"{day} / {channel}", "Messages")] = show(n)
    for day in {day for day, _ in seed.messages}:
        senders = set().union(*(found for (d, _), found in seed.conversations.items() if d == day))
        cells[("activity", f"{day} / all channels", "Conversations")] = show(len(senders))
        cells[("activity", f"{day} / all channels", "Messages")] = show(sum(
            n for (d, _), n in seed.messages.items() if d == day))
    for (week, topic), n in seed.topics.items():
        cells[("topics", f"{week} / {topic}", "Answers")] = show(n)
    for gap, n in seed.gaps_hit.items():
        cells[("gaps", gap, "Times hit")] = show(n)
    total = Counter()
    columns = {"clarify": '"Which did you mean?"', "not_covered": '"Not covered"', "out_of_scope": "Out of scope",
               "fallback": "Could not help"}
    for week, counts in seed.rates.items():
        if not counts["typed"]:
            continue
        total.update(counts)
        cells[("rates", week, "Typed messages")] = show(counts["typed"])
        for key, column in columns.items():
            cells[("rates", week, column)] = show_rate(counts[key], counts["typed"])
    cells[("rates", "All weeks", "Typed messages")] = show(total["typed"])
    for key, column in columns.items():
        cells[("rates", "All weeks", column)] = show_rate(total[key], total["typed"])
    for (week, urgency, sign), n in seed.flags.items():
        cells[("red_flags", f"{week} / {urgency} / {sign}", "Times")] = show(n)
        cells[("red_flags", f"{week} / {urgency} / all signs", "Times")] = show(sum(
            m for (w, u, _), m in seed.flags.items() if (w, u) == (week, urgency)))
    for table, rows in (("handoffs", handoffs), ("feedback", feedback)):
        for row, values in rows.items():
            for column, value in values.items():
                cells[(table, row, column)] = value
    return cells


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request, tmp_path_factory):
    """The seeded stores and the cells the page must show."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("insight")
        tracker, handoffs_where = str(folder / "tracker.db"), folder / "handoffs.db"
    else:
        postgres = request.getfixturevalue("postgres")
        tracker, handoffs_where = new_postgres_db(postgres), new_postgres_db(postgres)
    seed = Seed(tracker, handoffs_where)
    seed.conversations_in_bulk(300)
    seed.unanswered_questions()
    seed.write()
    expected = expected_cells(seed, _handoffs(seed), _feedback(seed))
    for name, roles in (("ops", ["insight"]), ("writer", ["content"]), ("nurse", ["triage"]),
                        ("lead", ["triage", "insight", "content"])):
        add_staff(name, PASSWORD, path=handoffs_where, roles=roles)
    yield {"tracker": tracker, "handoffs": handoffs_where, "expected": expected, "seed": seed}
    seed.engine.dispose()
    handoff_db.close(handoffs_where)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("BOT_CLOCK", NOW.isoformat())


def _app(service):
    return create_app(handoffs_db=service["handoffs"], secret_key="test-secret", tracker=service["tracker"],
                      secure_cookie=False)


def _login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})


def _csv_cells(body: str) -> dict:
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["table", "row", "column", "value"]
    return {(table, row, column): value for table, row, column, value in rows[1:]}


class _Tables(HTMLParser):
    """The page's figure tables as {(table, row, column): text}."""

    def __init__(self):
        super().__init__()
        self.cells, self.table, self.columns, self.row, self.text, self.in_head = {}, None, [], [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.table, self.columns = attrs["data-table"], []
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td") and self.table:
            self.text = ""

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.text is not None:
            (self.columns if self.in_head else self.row).append(self.text.strip())
            self.text = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "tr" and self.table and self.row:
            labels = sum(1 for c in self.columns if c in ("Day", "Channel", "Week starting", "Topic", "Urgency",
                                                          "Sign", "Gap"))
            for column, value in zip(self.columns[labels:], self.row[labels:]):
                self.cells[(self.table, " / ".join(self.row[:labels]), column)] = value
            self.row = []
        elif tag == "table":
            self.table = None


# ---------------------------------------------------------------- every figure

def test_every_figure_matches_the_seeded_counts(service):
    client = _app(service).test_client()
    assert _login(client, "ops").status_code == 302
    response = client.get("/insight.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    cells = _csv_cells(response.get_data(as_text=True))
    expected = service["expected"]
    assert set(cells) == set(expected), sorted(set(cells) ^ set(expected))[:10]
    wrong = {key: (cells[key], expected[key]) for key in expected if cells[key] != expected[key]}
    assert wrong == {}
    # the page's tables say the same as the CSV
    parser = _Tables()
    page = client.get("/insight")
    parser.feed(page.get_data(as_text=True))
    assert parser.cells == cells
    # the seed really has small and large counts, so suppression was exercised both ways
    values = list(cells.values())
    assert values.count("fewer than 5") > 20 and any(v.isdigit() and int(v) >= 5 for v in values)


@pytest.mark.parametrize("row, column, shown", [
    ("urgent", "Created", "7"), ("urgent", "Claimed", "5"), ("urgent", "Resolved", "fewer than 5"),
    ("urgent", "Waited past the opening", "fewer than 5"), ("routine", "Waited past the opening", "6"),
    ("routine", "To claim: median", "1.5 h"), ("emergency", "Created", "fewer than 5"),
    ("emergency", "To claim: median", "fewer than 5"),
])
def test_handoff_waits_worked_out_by_hand(service, row, column, shown):
    client = _app(service).test_client()
    _login(client, "ops")
    assert _csv_cells(client.get("/insight.csv").get_data(as_text=True))[("handoffs", row, column)] == shown


def test_days_are_london_days(service):
    """A message at 23:45 London time in summer (22:45 UTC) counts on the London day."""
    from bot.insight.figures import london_day

    summer = dt.datetime(2026, 9, 15, 22, 45, tzinfo=dt.timezone.utc)
    assert london_day(summer.timestamp()).isoformat() == "2026-09-15"
    assert london_day(dt.datetime(2026, 9, 15, 23, 30, tzinfo=dt.timezone.utc).timestamp()).isoformat() == "2026-09-16"


# ---------------------------------------------------------------- roles, on every request

@pytest.mark.parametrize("user, url, status", [
    ("ops", "/insight", 200), ("ops", "/insight.csv", 200), ("ops", "/insight/activity.svg", 200),
    ("ops", "/gaps", 403), ("ops", "/", 403), ("ops", "/handoffs/x", 403),
    ("writer", "/gaps", 200), ("writer", "/insight", 403), ("writer", "/insight.csv", 403), ("writer", "/", 403),
    ("nurse", "/", 200), ("nurse", "/insight", 403), ("nurse", "/insight/activity.svg", 403), ("nurse", "/gaps", 403),
    ("lead", "/", 200), ("lead", "/insight", 200), ("lead", "/gaps", 200),
    (None, "/insight", 302), (None, "/insight.csv", 302), (None, "/gaps", 302), (None, "/insight/gaps.svg", 302),
])
def test_each_page_needs_its_role(service, user, url, status):
    client = _app(service).test_client()
    if user:
        _login(client, user)
    response = client.get(url)
    assert response.status_code == status
    if status == 403:
        assert "not open to your account" in response.get_data(as_text=True)
        assert "conv-" not in response.get_data(as_text=True)


def test_a_role_taken_away_counts_from_the_next_request(service):
    client = _app(service).test_client()
    add_staff("temp", PASSWORD, path=service["handoffs"], roles=["insight"])
    assert _login(client, "temp").headers["Location"].endswith("/insight")
    assert client.get("/insight").status_code == 200
    set_roles("temp", ["triage"], path=service["handoffs"])
    assert client.get("/insight").status_code == 403
    assert client.get("/").status_code == 200
    refused = [r for r in staff_sessions.audit_log(service["handoffs"], staff="temp") if r["action"] == "refused"]
    assert refused and refused[-1]["handoff_id"] == "/insight"


def test_accounts_made_before_roles_keep_the_queue_only(tmp_path):
    """The migration: an old database's staff table has no roles column; its accounts get triage."""
    import sqlite3

    from bot.records.staff_accounts import hash_password

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE staff (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created TEXT)")
        conn.execute("INSERT INTO staff VALUES ('old', ?, '2026-01-01')", (hash_password(PASSWORD),))
    client = create_app(handoffs_db=path, secret_key="x", secure_cookie=False, tracker=str(tmp_path / "t.db"))\
        .test_client()  # the site migrates the database as it starts
    assert staff_roles("old", path) == {"triage"}
    _login(client, "old")
    assert client.get("/").status_code == 200 and client.get("/insight").status_code == 403


@pytest.mark.parametrize("argv, out, roles", [
    (["staff", "add", "ana", "--password-stdin", "--role", "insight", "--role", "content"],
     "saved with the roles insight, content", {"insight", "content"}),
    (["staff", "add", "ben", "--password-stdin"], "saved with the roles triage", {"triage"}),
    (["staff", "add", "cy", "--password-stdin", "--role", "admin"], "role: one or more of", set()),
])
def test_staff_add_with_roles_on_the_command_line(tmp_path, monkeypatch, capsys, argv, out, roles):
    from tools.cli import main

    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "h.db"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    main(argv)
    captured = capsys.readouterr()
    assert out in captured.out + captured.err
    assert staff_roles(argv[2], tmp_path / "h.db") == roles


# ---------------------------------------------------------------- the content-gap report

def test_gap_report_groups_scrubbed_questions_newest_first(service):
    from bot.insight.gaps import report

    themes = report(turn_reader(service["tracker"]), service["handoffs"])
    texts = [q.text for t in themes for q in t.questions]
    assert not any("07700" in t or "Keith" in t for t in texts)
    assert "How long is recovery after kyphoplasty for my dad [name], call [phone]" in texts
    # the three recovery questions share a theme, the two dose questions another
    theme_of = {q.text: t.label for t in themes for q in t.questions}
    recovery = {theme_of[q] for q in texts if "recovery" in q.lower() and "question about" not in q}
    doses = {theme_of[q] for q in texts if "dose" in q.lower()}
    assert len(recovery) == 1 and len(doses) == 1 and recovery != doses
    newest = [t.newest for t in themes]
    assert newest == sorted(newest, reverse=True)
    kinds = Counter(q.kind for t in themes for q in t.questions)
    assert set(kinds) >= {"could not help", "which did you mean?", "not covered", "out of scope", "not helpful"} - {
        "not helpful"}


def test_gap_report_page_and_command(service, capsys, monkeypatch):
    client = _app(service).test_client()
    _login(client, "writer")
    page = client.get("/gaps").get_data(as_text=True)
    assert "dad [name], call [phone]" in page and "Keith" not in page
    monkeypatch.setenv("BOT_HANDOFFS_DB", str(service["handoffs"]))
    monkeypatch.setenv("BOT_TRACKER_URL", str(service["tracker"]) if "://" in str(service["tracker"])
                       else f"sqlite:///{service['tracker']}")
    from tools.cli import main

    assert main(["gaps"]) == 0
    printed = capsys.readouterr().out
    assert "dad [name], call [phone]" in printed and "Keith" not in printed and "themes" in printed


@pytest.fixture(params=["sqlite", "postgresql"])
def small_service(request, tmp_path):
    if request.param == "sqlite":
        tracker, handoffs_where = str(tmp_path / "tracker.db"), tmp_path / "handoffs.db"
    else:
        postgres = request.getfixturevalue("postgres")
        tracker, handoffs_where = new_postgres_db(postgres), new_postgres_db(postgres)
    seed = Seed(tracker, handoffs_where)
    seed.unanswered_questions()
    seed.turn("unhelpful-1", "webchat", when(3), "answer", text="can my wife Brenda have denosumab", topic="denosumab")
    seed.write()
    seed.feedback("unhelpful-1", "denosumab", False, when(3) + dt.timedelta(minutes=1))
    seed.turn("too-old", "webchat", when(95), "out_of_scope", text="a question from long ago about parking")
    seed.write()
    yield tracker, handoffs_where
    seed.engine.dispose()
    handoff_db.close(handoffs_where)


def test_forgotten_conversations_and_old_ones_leave_the_gap_report(small_service):
    from bot.insight.gaps import questions
    from rasa36.tracker_tables import forget

    tracker, handoffs_where = small_service
    found = [q.text for q in questions(turn_reader(tracker), handoffs_where)]
    assert "can my wife [name] have denosumab" in found      # the question behind "not helpful"
    assert not any("parking" in q for q in found)             # older than the 90-day retention period
    assert any("cement procedure" in q for q in found)
    forget("gapq-2", handoffs_db=handoffs_where, tracker_db=tracker)
    forget("unhelpful-1", handoffs_db=handoffs_where, tracker_db=tracker)
    found = [q.text for q in questions(turn_reader(tracker), handoffs_where)]
    assert not any("cement procedure" in q for q in found) and not any("my wife" in q for q in found)
    assert len(found) == len(GAP_QUESTIONS) - 1


# ---------------------------------------------------------------- a real browser

AXE_TAGS = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']"


@pytest.fixture
def served(service):
    from waitress import create_server

    server = create_server(_app(service), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def test_insight_page_in_a_real_browser(served, browser, service, tmp_path):
    from bot.paths import project_root

    axe = project_root() / "sites" / "patients" / "widget" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail("axe-core is not installed: `make web` installs it from the npm registry")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    _browser_login(page, served)
    page.goto(served + "/insight")
    page.wait_for_load_state("networkidle")
    assert page.locator("table.figures").count() == 7
    widths = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth])")
    assert len(widths) == 7 and all(done and width > 0 for done, width in widths), widths
    page.screenshot(path=str(tmp_path / "insight.png"), full_page=True)
    page.select_option("#weeks", "4")
    page.get_by_role("button", name="Show").click()
    assert "weeks=4" in page.url and page.locator("table.figures").count() == 7
    with page.expect_download() as download:
        page.click("text=Download these tables (CSV)")
    assert download.value.suggested_filename.endswith(".csv")
    page.goto(served + "/gaps")
    assert "dad [name], call [phone]" in page.inner_text("main")
    assert problems == []  # no console errors or warnings: nothing the CSP blocked
    page.close()
    # axe-core is injected, so this context sets the page's CSP aside (as tests/sites/test_web_widget.py does)
    scan = browser.new_context(bypass_csp=True).new_page()
    _browser_login(scan, served)
    for url in ("/insight", "/gaps"):
        scan.goto(served + url)
        scan.add_script_tag(path=str(axe))
        result = scan.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})")
        serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], url
        assert len(result["passes"]) > 10
    scan.context.close()


def _browser_login(page, served):
    page.goto(served + "/login")
    page.fill("#username", "lead")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_the_summary_is_refreshed_in_the_background(tmp_path):
    """A page view gets the figures in memory at once; a stale summary is recounted in a thread."""
    import time

    from bot.insight.figures import Summary

    seed = Seed(str(tmp_path / "tracker.db"), tmp_path / "handoffs.db")
    seed.turn("first", "webchat", when(1), "answer", topic="denosumab")
    seed.write()
    summary = Summary(refresh_s=0, handoffs_db=tmp_path / "handoffs.db", read_turns=turn_reader(str(tmp_path / "tracker.db")))
    first = summary.get(4)
    seed.turn("second", "whatsapp", when(1), "answer", topic="denosumab")
    seed.write()
    assert summary.get(4) is first  # stale: served as it is, a recount starts
    deadline = time.monotonic() + 30
    while summary.get(4) is first and time.monotonic() < deadline:
        time.sleep(0.05)
    channels = {row[1] for row in summary.get(4).tables["activity"].rows}
    assert channels == {"all channels", "webchat", "whatsapp"}
    seed.engine.dispose()


def test_staff_roles_command_changes_an_account(tmp_path, monkeypatch, capsys):
    from tools.cli import main

    monkeypatch.setenv("BOT_HANDOFFS_DB", str(tmp_path / "h.db"))
    add_staff("dee", PASSWORD, path=tmp_path / "h.db")
    assert main(["staff", "roles", "dee", "--role", "content"]) == 0
    assert staff_roles("dee", tmp_path / "h.db") == {"content"}
    assert main(["staff", "roles", "nobody", "--role", "content"]) == 1
    assert main(["staff", "roles", "dee"]) == 1  # no role given: refused, the account keeps its roles
    assert "role: one or more of" in capsys.readouterr().err
    assert staff_roles("dee", tmp_path / "h.db") == {"content"}
