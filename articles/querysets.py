"""How stories are asked for: which are live, and what a list or a story page fetches.

``ArticleQuerySet.live()`` is the one definition of a story readers may see; every
view, feed, sitemap and search starts from it.
"""

import calendar
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Col
from django.utils import timezone

LISTING_DEFERRED = (
    "body",
    "lead_image",
    "lead_image_width",
    "lead_image_height",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
    "takedown_reason",
    "embargo_until",
    "updated_at",
    "lead_picture__usage_note",
    "lead_picture__credentials",
    "lead_picture__sha256",
    "lead_picture__created_at",
    "lead_picture__updated_at",
)


def _bylines():
    from .models import Byline

    return models.Prefetch("bylines", queryset=Byline.objects.select_related("contributor"))


def lead_renditions():
    """The lead pictures' renditions, all stories' at once (``images.renditions`` keeps
    only the current version's): one query, none when no story has a picture."""
    from images.models import Rendition

    return models.Prefetch("lead_picture__renditions", queryset=Rendition.objects.order_by("width"))


def listing_prefetches():
    """What a story card needs besides its row (``for_listing()``; the public lists
    fetch the same through ``articles.lists.prefetch_for_cards``)."""
    return (_bylines(), lead_renditions())


def display_prefetches():
    """What a story page needs besides its row (``for_display()``), as above."""
    return (_bylines(), "tags", lead_renditions())


class ArticleQuerySet(models.QuerySet):
    def live(self, *, at=None):
        """Stories readers may see: the one definition, used everywhere."""
        now = at or timezone.now()
        return self.filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now),
            status=self.model.Status.PUBLISHED,
            publish_at__lte=now,
        )

    def still_live(self, *, at=None):
        """Of stories already named by their keys (``pk__in`` a few ids), the live ones,
        each checked by its key.

        ``live()`` itself would let SQLite's planner, which keeps no statistics unless
        something runs ANALYZE, walk the index of every live story (it takes
        ``status = 'published'`` for a rare value) and test each against the few keys:
        a cost that grows with the archive, where this one looks up each key.
        """
        return self.filter(Exists(self.model.objects.live(at=at).filter(pk=OuterRef("pk"))))

    def scheduled(self, *, at=None):
        """Published stories whose time has not come yet."""
        return self.filter(status=self.model.Status.PUBLISHED, publish_at__gt=at or timezone.now())

    def awaiting_review(self):
        return self.filter(status=self.model.Status.REVIEW)

    def drafts(self):
        return self.filter(status=self.model.Status.DRAFT)

    def owned_by(self, user):
        """Stories a user created or is credited on."""
        return self.filter(Q(created_by=user) | Q(bylines__contributor__user=user)).distinct()

    def in_section(self, section):
        return self.filter(section=section)

    def tagged(self, tag, *, content_type=None):
        """Stories carrying ``tag``, as ``id IN (the tag's stories)``.

        taggit's own join (``filter(tags=tag)``) casts the tagged item's id, so PostgreSQL
        cannot look a story's tags up by index: it would read every story of the tag to
        find the newest. As a subquery both ways are open: a popular tag's page walks the
        newest stories and checks each (index-only), a rare one reads its few stories.
        """
        from django.contrib.contenttypes.models import ContentType
        from taggit.models import TaggedItem

        stories = TaggedItem.objects.filter(
            tag=tag, content_type=content_type or ContentType.objects.get_for_model(self.model)
        )
        return self.filter(pk__in=stories.values("object_id"))

    def for_listing(self):
        """What a list of story cards needs, fetched up front."""
        return (
            self.select_related("section", "lead_picture")
            .prefetch_related(*listing_prefetches())
            # A card shows none of these, and each column read costs on every row
            # (a date parsed, JSON decoded); reading one later would be a query more,
            # which the list pages' query-count tests would catch.
            .defer(*LISTING_DEFERRED)
            .order_by("-publish_at", "-pk")
        )

    def for_display(self):
        """What a story page needs, fetched up front."""
        from .attribution import deferred, related

        return (
            self.select_related("section", "lead_picture", *related())
            .defer(*deferred())
            .prefetch_related(*display_prefetches())
        )

    def periods_with_stories(self, kind, within):
        """The months (``kind="month"``) of ``within``'s year, or the days (``"day"``) of its
        month, in which these stories have one; as aware datetimes, oldest first.

        One query of a LIMIT 1 probe per period (twelve or up to 31 index reads), instead of
        truncating the date of every story of the period and keeping the distinct ones. The
        probe is compiled and planned once (31 compiled querysets would cost more than the
        reads).
        """
        if kind == "month":
            firsts = [date(within.year, month, 1) for month in range(1, 13)]
        else:
            days = calendar.monthrange(within.year, within.month)[1]
            firsts = [date(within.year, within.month, day) for day in range(1, days + 1)]
        try:
            after = date(within.year + 1, 1, 1) if kind == "month" else firsts[-1] + timedelta(1)
        except (ValueError, OverflowError):
            after = None  # the period ends with the calendar
        zone = timezone.get_current_timezone()
        bounds = [timezone.make_aware(datetime.combine(day, time.min), zone) for day in firsts]
        last = (
            timezone.make_aware(datetime.combine(after, time.min), zone)
            if after
            else datetime.max.replace(tzinfo=UTC)
        )
        ends = [*bounds[1:], last]
        # The probe, compiled once with placeholder bounds that no real bound equals, runs
        # as a correlated subquery over a VALUES list of the periods' bounds.
        low, high = datetime(1, 1, 2, tzinfo=UTC), datetime(1, 1, 3, tzinfo=UTC)
        probe = (
            self.prefetch_related(None)
            .filter(publish_at__gte=low, publish_at__lt=high)
            .order_by("publish_at")
            .values_list("publish_at", flat=True)[:1]
        )
        field = self.model._meta.get_field("publish_at")
        sql, params = probe.query.sql_with_params()
        low, high = (field.get_db_prep_value(value, connection) for value in (low, high))
        pieces = sql.split("%s")
        inner, args = pieces[0], []
        for param, piece in zip(params, pieces[1:], strict=True):
            if param in (low, high):
                inner += ("v.column1" if param == low else "v.column2") + piece
            else:
                inner += "%s" + piece
                args.append(param)
        for start, end in zip(bounds, ends, strict=True):
            args += [field.get_db_prep_value(value, connection) for value in (start, end)]
        rows = ", ".join(["(%s, %s)"] * len(bounds))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({inner}) FROM (VALUES {rows}) AS v", args)  # noqa: S608
            found = [row[0] for row in cursor.fetchall() if row[0] is not None]
        for converter in connection.ops.get_db_converters(Col(None, field)):
            found = [converter(value, None, connection) for value in found]
        return sorted({bounds[bisect_right(bounds, at) - 1] for at in found})
