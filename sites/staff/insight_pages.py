"""The staff site's insight page (role ``insight``) and content-gap report (role ``content``),
added to the triage app by ``sites/staff/triage.py``.

- ``/insight?weeks=N``        charts (SVG ``<img>``, drawn on the server) and tables
- ``/insight/<table>.svg``     one chart
- ``/insight.csv?weeks=N``     the same tables as CSV (values as shown: small counts suppressed)
- ``/gaps``                    the content-gap report (``bot/insight/gaps.py``), made on request

The figures come from ``bot.insight.figures.Summary`` (in memory, refreshed in the background every 10
minutes); the gap report is never cached, so a forgotten conversation leaves it at once. Each
view is written to the audit log (``view_insight``, ``download_insight``, ``view_gaps``).
"""
from __future__ import annotations

from flask import Response, abort, g, render_template, request

from bot.insight.figures import DEFAULT_WEEKS, MAX_WEEKS, shown
from bot.records import staff_sessions

WEEK_CHOICES = (4, 12, 26)


def _weeks() -> int:
    """``?weeks=`` within 1..MAX_WEEKS; anything else is the default."""
    try:
        weeks = int(request.args.get("weeks", DEFAULT_WEEKS))
    except ValueError:
        return DEFAULT_WEEKS
    return weeks if 1 <= weeks <= MAX_WEEKS else DEFAULT_WEEKS


def insight_routes(app, db_path, role_required, summary) -> None:
    """Add the insight and gap-report views to ``app``."""
    from bot.insight.charts import CHARTS

    @app.get("/insight")
    @role_required("insight")
    def insight():
        weeks = _weeks()
        found = summary.get(weeks)
        staff_sessions.record(g.staff, "view_insight", path=db_path)
        return render_template("insight.html", insight=found, weeks=weeks, choices=WEEK_CHOICES, charts=CHARTS,
                               shown=shown, staff=g.staff, roles=g.roles)

    @app.get("/insight/<key>.svg")
    @role_required("insight")
    def insight_chart(key):
        from bot.insight.charts import chart

        if key not in CHARTS:
            abort(404)
        svg = chart(summary.get(_weeks()).tables[key])
        response = Response(svg, mimetype="image/svg+xml")
        # an image document: no script, its own inline styles only
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response

    @app.get("/insight.csv")
    @role_required("insight")
    def insight_csv():
        from bot.insight.figures import to_csv

        weeks = _weeks()
        found = summary.get(weeks)
        staff_sessions.record(g.staff, "download_insight", path=db_path)
        name = f"insight-{found.since:%Y-%m-%d}-to-{found.computed_at:%Y-%m-%d}.csv"
        return Response(to_csv(found), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/gaps")
    @role_required("content")
    def gaps():
        from bot.insight.gaps import report
        from bot.records.retention import retention_days
        from rasa36.tracker_tables import turn_reader

        themes = report(turn_reader(app.config.get("TRIAGE_TRACKER")), db_path)
        staff_sessions.record(g.staff, "view_gaps", path=db_path)
        return render_template("gaps.html", themes=themes, retention=retention_days(), staff=g.staff,
                               roles=g.roles, total=sum(len(t.questions) for t in themes))
