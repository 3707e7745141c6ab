"""Commands for helpline staff and operators, added to ``python -m bot``:

- ``triage list [--all]``               the queue, most urgent then oldest
- ``triage show ID``                    one handoff with its note
- ``triage claim|resolve|hand-back ID --as NAME``
- ``staff add NAME [--role R ...]``     create or reset an account (password from stdin or a prompt);
                                        roles: triage (default), insight, content
- ``staff roles NAME --role R ...``     give an account exactly these roles (from its next request)
- ``staff remove NAME``                 delete an account; its sessions end at once
- ``staff audit [--staff NAME] [--handoff ID] [--limit N]``  who viewed or changed which handoff
- ``triage-web``                        the staff triage page (see sites/staff/triage.py)
- ``purge [--days N]``                  delete resolved handoffs and conversations older than the retention period
- ``forget CONVERSATION_ID``            remove one person's conversation and handoffs everywhere
- ``undelivered [--retry]``             replies a messaging channel could not send; send them again
- ``feedback``                          "was this helpful?" answers per topic
- ``gaps``                              the content-gap report (as the staff site's content role sees it)
"""
from __future__ import annotations

import getpass
import json
import sys

from bot.records import handoff_rules, handoff_store


def _row(record: dict) -> str:
    who = record.get("claimed_by") or "-"
    nurse = " with-nurse" if record.get("with_nurse") else ""
    return (f"{record['id']:12}  {record['urgency']:9}  {record['status']:8}  {who:10}  {record['created']}  "
            f"{', '.join(json.loads(record.get('reasons') or '[]'))}{nurse}")


def _triage(args) -> int:
    try:
        if args.action == "list":
            rows = handoff_store.list_handoffs(include_resolved=args.all)
            print(f"{'id':12}  {'urgency':9}  {'status':8}  {'claimed':10}  {'created':25}  reasons")
            for record in rows:
                print(_row(record))
            print(f"{len(rows)} handoff(s)")
            return 0
        if not args.id:
            print("triage: give a handoff id", file=sys.stderr)
            return 2
        if args.action == "show":
            record = handoff_store.get_handoff(args.id)
            _audit(args.staff or f"os:{getpass.getuser()}", "view", args.id)
        else:
            if not args.staff:
                print("triage: say who you are with --as NAME", file=sys.stderr)
                return 2
            change = {"claim": handoff_store.claim, "resolve": handoff_store.resolve, "hand-back": handoff_store.hand_back}
            record = change[args.action](args.id, args.staff)
            _audit(args.staff, args.action, args.id)
    except handoff_rules.HandoffError as error:
        print(f"triage: {error}", file=sys.stderr)
        return 1
    print(_row(record))
    print(record["note"])
    if record.get("consent"):
        print(f"Name: {record['contact_name']}   Contact: {record['contact']}   Best time: {record['good_time']}")
    return 0


def _audit(staff: str, action: str, handoff_id: str) -> None:
    from bot.records.staff_sessions import record

    record(staff, action, handoff_id, via="cli")


def _staff(args) -> int:
    from bot.records.staff_accounts import (
        DEFAULT_ROLES,
        add_staff,
        remove_staff,
        set_roles,
    )
    from bot.records.staff_sessions import audit_log

    if args.verb == "audit":
        rows = audit_log(staff=args.name, handoff_id=args.handoff, limit=args.limit)
        for row in rows:
            print(f"{row['at']}  {row['via'] or '-':4} {row['staff']:16} {row['action']:11} {row['handoff_id'] or ''}")
        print(f"staff audit: {len(rows)} line(s)")
        return 0
    if not args.name:
        print(f"staff {args.verb}: give the account's name", file=sys.stderr)
        return 2
    if args.verb == "roles":
        try:
            changed = set_roles(args.name, args.role or ())
        except ValueError as error:
            print(f"staff: {error}", file=sys.stderr)
            return 1
        if not changed:
            print(f"staff: no account {args.name}", file=sys.stderr)
            return 1
        print(f"staff: account {args.name} now has the roles {', '.join(args.role)}")
        return 0
    if args.verb == "remove":
        if not remove_staff(args.name):
            print(f"staff: no account {args.name}", file=sys.stderr)
            return 1
        print(f"staff: account {args.name} removed; its sessions have ended")
        return 0
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    try:
        add_staff(args.name, password, roles=args.role or DEFAULT_ROLES)
    except ValueError as error:
        print(f"staff: {error}", file=sys.stderr)
        return 1
    print(f"staff: account {args.name} saved with the roles {', '.join(args.role or DEFAULT_ROLES)}")
    return 0


def _purge(args) -> int:
    from bot.records.retention import retention_days
    from rasa36.tracker_tables import purge

    days = retention_days() if args.days is None else args.days
    removed = purge(days)
    print(f"purge: older than {days} days: " + ", ".join(f"{n} {what}" for what, n in removed.items()))
    from bot.records.handoff_store import open_older_than

    kept = open_older_than(days)
    if kept:  # never deleted while open: staff resolve them first
        print(f"purge: {len(kept)} open handoffs older than {days} days were kept (resolve them first):")
        for record in kept:
            print(f"  {record['id']}  {record['urgency']:<9}  {record['status']:<8}  created {record['created']}")
    return 0


def _forget(args) -> int:
    from rasa36.tracker_tables import forget

    removed = forget(args.conversation_id)
    print(f"forget {args.conversation_id}: " + ", ".join(f"{n} {what}" for what, n in removed.items()))
    return 0


def _undelivered(args) -> int:
    import asyncio

    from bot.records import undelivered
    from bot.twilio_api import TwilioConfig

    if args.retry:
        config = TwilioConfig.from_settings()
        if config is None:
            print("undelivered: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM", file=sys.stderr)
            return 2
        sent, failed = asyncio.run(undelivered.retry_all(config))
        print(f"undelivered: {sent} sent, {failed} still failing")
        return 1 if failed else 0
    rows = undelivered.waiting()
    for row in rows:
        print(f"{row['id']:>5}  {row['created']}  {row['channel']:9} {row['conversation_id']}  "
              f"attempts {row['attempts']}  {row['error']}")
    print(f"undelivered: {len(rows)} waiting")
    return 0


def _feedback(args) -> int:
    from bot.records.feedback import summary

    for row in summary():
        print(f"{row['topic']:32} helpful {row['helpful']:4}   not helpful {row['not_helpful']:4}")
    return 0


def _gaps(args) -> int:
    from bot.insight.gaps import as_text, report
    from rasa36.tracker_tables import turn_reader

    print(as_text(report(turn_reader()), examples=args.examples))
    return 0


def _triage_web(args) -> int:
    from sites.staff.triage import serve

    serve(host=args.host, port=args.port)
    return 0


def _migrate(args) -> int:
    from bot.records.migrations import migrate

    done = migrate()
    print("handoffs database: " + (", ".join(done) + " applied" if done else "up to date"))
    return 0


def _after_migrating(command):
    """``command``, after bringing an older handoffs database up to date (``bot/records/migrations.py``)."""
    def run(args) -> int:
        from bot.records.migrations import migrate

        migrate()
        return command(args)
    return run


def register(sub) -> None:
    """Add the staff commands to the ``python -m bot`` argument parser; each works on a handoffs
    database brought up to date first."""
    p = sub.add_parser("migrate", help="bring an older handoffs database up to date (the servers do it at start-up)")
    p.set_defaults(func=_migrate)
    p = sub.add_parser("triage", help="the handoff queue for helpline staff")
    p.add_argument("action", choices=["list", "show", "claim", "resolve", "hand-back"])
    p.add_argument("id", nargs="?", help="handoff id (all but list)")
    p.add_argument("--as", dest="staff", help="your staff name (claim, resolve, hand-back)")
    p.add_argument("--all", action="store_true", help="list: include resolved handoffs")
    p.set_defaults(func=_after_migrating(_triage))
    p = sub.add_parser("staff", help="staff accounts for the triage page")
    p.add_argument("verb", choices=["add", "remove", "roles", "audit"])
    p.add_argument("name", nargs="?", help="the account (add, remove; audit: only this member of staff)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--role", action="append", metavar="ROLE",
                   help="add, roles: triage (the queue; the default), insight (the insight page), content "
                        "(the content-gap report); repeat for several")
    p.add_argument("--handoff", help="audit: only this handoff")
    p.add_argument("--limit", type=int, default=200, help="audit: the latest N lines (default 200)")
    p.set_defaults(func=_after_migrating(_staff))
    p = sub.add_parser("triage-web", help="serve the staff triage page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=_triage_web)
    p = sub.add_parser("purge", help="delete handoffs and conversations older than the retention period")
    p.add_argument("--days", type=int, default=None, help="default: $BOT_RETENTION_DAYS or 90")
    p.set_defaults(func=_after_migrating(_purge))
    p = sub.add_parser("forget", help="remove a conversation and its handoffs everywhere")
    p.add_argument("conversation_id")
    p.set_defaults(func=_after_migrating(_forget))
    p = sub.add_parser("undelivered", help="replies a messaging channel could not send")
    p.add_argument("--retry", action="store_true", help="send them again (WhatsApp via Twilio)")
    p.set_defaults(func=_after_migrating(_undelivered))
    p = sub.add_parser("feedback", help="'was this helpful?' answers per topic")
    p.set_defaults(func=_after_migrating(_feedback))
    p = sub.add_parser("gaps", help="the content-gap report: questions it could not answer well, by theme")
    p.add_argument("--examples", type=int, default=2, help="examples per theme (default 2)")
    p.set_defaults(func=_after_migrating(_gaps))
