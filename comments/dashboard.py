"""The moderation desk at a glance: figures from a few aggregate queries, and SVG charts.

``figures()`` asks the database a fixed number of questions (seven at most), however
many comments there are: every count is a ``COUNT`` in SQL, grouped by day with
``TruncDate`` in the site's time zone. The decision history lives in each comment's
``reasons`` (one entry per finding or decision; moderators' and readers' entries carry
an ``at`` time) and in ``moderated_by``/``moderated_at`` (the latest moderator's
decision), so "by moderator" and "time to decision" count a comment once, by its
latest decision. A held comment waits from when it was posted, or, if readers sent
it back, from their first open report.

``charts()`` draws them with ``comments.charts`` (inline SVG, no script); the page adds
each chart's data as a table.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import NotSupportedError, connection
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .charts import Series, bar_chart, day_chart, day_label
from .models import Comment, Reason, Report

WINDOW_DAYS = 30

PENDING, APPROVED, REJECTED, SPAM = (
    Comment.Status.PENDING,
    Comment.Status.APPROVED,
    Comment.Status.REJECTED,
    Comment.Status.SPAM,
)
STATUSES = [PENDING, APPROVED, REJECTED, SPAM]

# The workbench's queues, as its queue filter names them (comments.admin.workbench).
QUEUES = [
    (PENDING, gettext_lazy("Awaiting moderation")),
    ("reported", gettext_lazy("Reported by readers")),
    (APPROVED, gettext_lazy("Approved")),
    (REJECTED, gettext_lazy("Rejected")),
    (SPAM, gettext_lazy("Spam")),
]

# Okabe–Ito colours: told apart with the common colour-vision deficiencies, and
# readable on the admin's light and dark themes.
COLOURS = {
    PENDING: "#e69f00",
    "reported": "#56b4e9",
    APPROVED: "#009e73",
    REJECTED: "#d55e00",
    SPAM: "#cc79a7",
    "count": "#0072b2",
}


def status_series(*, held_label=None) -> list[Series]:
    labels = dict(Comment.Status.choices)
    if held_label:
        labels[PENDING] = held_label
    return [Series(s, str(labels[s]), COLOURS[s]) for s in STATUSES]


@dataclass
class Figures:
    """What the dashboard shows, as plain values (counts, dates, durations)."""

    now: datetime
    days: list[date]
    queues: list[dict]
    oldest_held_at: datetime | None
    decisions: int
    median_decision: timedelta | None
    # Per day of ``days``: comments posted, by where they are now; moderators'
    # decisions, by outcome; readers' reports.
    posted_per_day: dict[str, list[int]]
    decided_per_day: dict[str, list[int]]
    reports_per_day: list[int]
    # [{"code", "label", "counts": {verdict: n}, "total"}], most frequent first.
    by_reason: list[dict]
    # [{"name", "counts": {status: n}, "total"}], busiest first.
    by_moderator: list[dict]

    @property
    def oldest_held_age(self) -> timedelta | None:
        return None if self.oldest_held_at is None else self.now - self.oldest_held_at


def window(now: datetime) -> tuple[datetime, list[date]]:
    """The last 30 days in the site's time zone, today included, and when the first began."""
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(WINDOW_DAYS - 1, -1, -1)]
    since = timezone.make_aware(datetime.combine(days[0], datetime.min.time()))
    return since, days


def figures(*, now: datetime | None = None) -> Figures:
    """Every figure of the dashboard, from seven queries at most."""
    now = now or timezone.now()
    since, days = window(now)
    by_status = {status: Count("pk", filter=Q(status=status)) for status in STATUSES}
    decided = Comment.objects.filter(moderated_at__gte=since).order_by()

    # 1. The queues now, the oldest held comment, how many decisions in the window.
    open_reports = Report.objects.unresolved().filter(comment=OuterRef("pk")).order_by()
    # A comment readers sent back waits from their first open report, not from when
    # it was posted (and published) weeks ago.
    first_report = Subquery(open_reports.order_by("created_at").values("created_at")[:1])
    summary = Comment.objects.aggregate(
        reported=Count("pk", filter=Q(Exists(open_reports))),
        oldest_held_at=Min(Coalesce(first_report, "created_at"), filter=Q(status=PENDING)),
        decisions=Count("pk", filter=Q(moderated_at__gte=since)),
        **by_status,
    )
    queues = [{"key": key, "label": str(label), "count": summary[key]} for key, label in QUEUES]

    # 2–4. Per day: comments posted (by status now), decisions (by outcome), reports.
    posted = _per_day(
        Comment.objects.filter(created_at__gte=since).order_by(),
        "created_at",
        days,
        by_status,
    )
    decided_per_day = _per_day(decided, "moderated_at", days, by_status)
    reports = _per_day(
        Report.objects.filter(created_at__gte=since).order_by(),
        "created_at",
        days,
        {"count": Count("pk")},
    )["count"]

    # 5. The median wait from posting to a moderator's decision (the middle one or two).
    median_decision = None
    if summary["decisions"]:
        n = summary["decisions"]
        waits = list(
            decided.annotate(
                wait=ExpressionWrapper(
                    F("moderated_at") - F("created_at"), output_field=DurationField()
                )
            )
            .order_by("wait", "pk")
            .values_list("wait", flat=True)[(n - 1) // 2 : n // 2 + 1]
        )
        median_decision = sum(waits, timedelta()) / len(waits)

    # 6. Reasons given for decisions, from the decision history.
    by_reason = _reasons_since(since)

    # 7. The latest decisions per moderator.
    rows = (
        decided.values(
            "moderated_by",
            "moderated_by__username",
            "moderated_by__first_name",
            "moderated_by__last_name",
        )
        .annotate(total=Count("pk"), **by_status)
        .order_by("-total", "moderated_by__username")
    )
    by_moderator = [
        {
            "name": (
                " ".join(
                    filter(None, [r["moderated_by__first_name"], r["moderated_by__last_name"]])
                )
                or r["moderated_by__username"]
                or _("(account deleted)")
            ),
            "counts": {s: r[s] for s in STATUSES},
            "total": r["total"],
        }
        for r in rows
    ]

    return Figures(
        now=now,
        days=days,
        queues=queues,
        oldest_held_at=summary["oldest_held_at"],
        decisions=summary["decisions"],
        median_decision=median_decision,
        posted_per_day=posted,
        decided_per_day=decided_per_day,
        reports_per_day=reports,
        by_reason=by_reason,
        by_moderator=by_moderator,
    )


def _per_day(queryset, field, days, counts):
    """``{key: [n per day]}`` from one query grouped by the day (site time) of ``field``."""
    rows = queryset.annotate(day=TruncDate(field)).values("day").annotate(**counts)
    found = {row["day"]: row for row in rows}
    return {key: [found[day][key] if day in found else 0 for day in days] for key in counts}


# The decision history: each entry of ``reasons`` is {"code", "verdict", "text"} and,
# for moderators' decisions and readers' reports, "at" (ISO time); entries without
# one were written when the comment was posted. The database unpacks the lists
# (json_each / jsonb_array_elements) and counts entries with a verdict by reason.
# A comment whose latest change is older than the window cannot hold a newer entry,
# so the prefilter keeps the scan to recent comments and the queue.
_REASONS_SQL = {
    "sqlite": """
        SELECT json_extract(e.value, '$.code'), json_extract(e.value, '$.verdict'), COUNT(*)
        FROM {table} AS c, json_each(c.reasons) AS e
        WHERE e.type = 'object'
          AND ({recent})
          AND json_extract(e.value, '$.verdict') IN (%s, %s, %s, %s)
          AND julianday(COALESCE(json_extract(e.value, '$.at'), c.created_at)) >= julianday(%s)
        GROUP BY 1, 2
    """,
    "postgresql": """
        SELECT e.item ->> 'code', e.item ->> 'verdict', COUNT(*)
        FROM {table} AS c
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(c.reasons) = 'array' THEN c.reasons ELSE '[]'::jsonb END
        ) AS e(item)
        WHERE jsonb_typeof(e.item) = 'object'
          AND ({recent})
          AND e.item ->> 'verdict' IN (%s, %s, %s, %s)
          AND COALESCE((e.item ->> 'at')::timestamptz, c.created_at) >= %s
        GROUP BY 1, 2
    """,
}


def _reasons_since(since):
    sql = _REASONS_SQL.get(connection.vendor)
    if sql is None:
        raise NotSupportedError(f"No decision-history query for {connection.vendor}.")
    quote = connection.ops.quote_name
    recent = " OR ".join(
        [
            f"c.{quote('created_at')} >= %s",
            f"c.{quote('moderated_at')} >= %s",
            f"c.{quote('status')} = %s",
        ]
    )
    # Table and column names come from the model, never from a request.
    sql = sql.format(table=quote(Comment._meta.db_table), recent=recent)
    database_since = connection.ops.adapt_datetimefield_value(since)
    comparable_since = since.isoformat() if connection.vendor == "sqlite" else since
    with connection.cursor() as cursor:
        cursor.execute(sql, [database_since, database_since, PENDING, *STATUSES, comparable_since])
        rows = cursor.fetchall()
    labels = dict(Reason.choices)
    reasons = {}
    for code, verdict, n in rows:
        entry = reasons.setdefault(
            code,
            {
                "code": code,
                "label": str(labels.get(code, code)),
                "counts": dict.fromkeys(STATUSES, 0),
            },
        )
        entry["counts"][verdict] += n
    for entry in reasons.values():
        entry["total"] = sum(entry["counts"].values())
    return sorted(reasons.values(), key=lambda e: (-e["total"], e["label"]))


# Words ----------------------------------------------------------------------------


def duration_text(value: timedelta | None) -> str:
    """A wait as people say it: "2 days 3 hours", "3 hours 20 minutes", "4 minutes"."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts) or _("under a minute")


# The page's charts ------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A chart and the same figures as a table, for people who cannot see the picture."""

    id: str
    title: str
    svg: str
    columns: list[str]
    rows: list[tuple]


def charts(data: Figures) -> list[Chart]:
    """The dashboard's charts, in the order the page shows them."""
    window_text = ngettext("the last %(n)d day", "the last %(n)d days", WINDOW_DAYS) % {
        "n": WINDOW_DAYS
    }
    statuses = status_series()
    held_or_decided = status_series(held_label=_("Held"))
    count = [Series("count", _("Comments"), COLOURS["count"])]
    result = []

    def add(chart_id, title, description, svg_builder, table_columns, table_rows, **chart):
        svg = svg_builder(chart_id, title=title, description=description, **chart)
        result.append(Chart(chart_id, title, svg, table_columns, table_rows))

    queue_rows = [(q["label"], {"count": q["count"]}) for q in data.queues]
    add(
        "chart-queues",
        _("Queues now"),
        "; ".join(f"{q['label']}: {q['count']}" for q in data.queues),
        bar_chart,
        [_("Queue"), _("Comments")],
        [(q["label"], q["count"]) for q in data.queues],
        rows=queue_rows,
        series=count,
    )

    days = [day_label(day) for day in data.days]
    posted_total = sum(sum(v) for v in data.posted_per_day.values())
    add(
        "chart-posted",
        _("Comments posted per day, by status now"),
        ngettext(
            "%(n)d comment posted in %(window)s.",
            "%(n)d comments posted in %(window)s.",
            posted_total,
        )
        % {"n": posted_total, "window": window_text},
        day_chart,
        [_("Day"), *(s.label for s in statuses)],
        [(d, *(data.posted_per_day[s.key][i] for s in statuses)) for i, d in enumerate(days)],
        days=data.days,
        values=data.posted_per_day,
        series=statuses,
    )
    decided_total = sum(sum(v) for v in data.decided_per_day.values())
    add(
        "chart-decided",
        _("Moderators' decisions per day, by status now"),
        ngettext(
            "%(n)d comment decided by moderators in %(window)s.",
            "%(n)d comments decided by moderators in %(window)s.",
            decided_total,
        )
        % {"n": decided_total, "window": window_text},
        day_chart,
        [_("Day"), *(s.label for s in statuses)],
        [(d, *(data.decided_per_day[s.key][i] for s in statuses)) for i, d in enumerate(days)],
        days=data.days,
        values=data.decided_per_day,
        series=statuses,
    )
    reports_total = sum(data.reports_per_day)
    reports = [Series("count", _("Reports"), COLOURS["reported"])]
    add(
        "chart-reports",
        _("Readers' reports per day"),
        ngettext("%(n)d report in %(window)s.", "%(n)d reports in %(window)s.", reports_total)
        % {"n": reports_total, "window": window_text},
        day_chart,
        [_("Day"), _("Reports")],
        list(zip(days, data.reports_per_day, strict=True)),
        days=data.days,
        values={"count": data.reports_per_day},
        series=reports,
    )
    add(
        "chart-reasons",
        _("Decisions by reason"),
        _(
            "Held, approved, rejected or spam, by the reason given, in %(window)s; "
            "a decision with several reasons counts under each."
        )
        % {"window": window_text},
        bar_chart,
        [_("Reason"), *(s.label for s in held_or_decided), _("Total")],
        [
            (r["label"], *(r["counts"][s.key] for s in held_or_decided), r["total"])
            for r in data.by_reason
        ],
        rows=[(r["label"], r["counts"]) for r in data.by_reason],
        series=held_or_decided,
    )
    add(
        "chart-moderators",
        _("Decisions by moderator"),
        _(
            "Comments whose latest decision a moderator made in %(window)s, by where they are "
            "now (back awaiting moderation after readers reported them)."
        )
        % {"window": window_text},
        bar_chart,
        [_("Moderator"), *(s.label for s in statuses), _("Total")],
        [
            (m["name"], *(m["counts"][s.key] for s in statuses), m["total"])
            for m in data.by_moderator
        ],
        rows=[(m["name"], m["counts"]) for m in data.by_moderator],
        series=statuses,
    )
    return result
