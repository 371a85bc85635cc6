"""A story's comment threads as readers see them: oldest first, a page at a time.

Pages hold first comments; each comes with all its replies, so a thread is never
split. Most stories have a few hundred comments at most: those are read whole in
one query, which also counts them. A story with more costs at most three queries
however many it has: that one (for the counts), the page's threads, and (on page
one, when the first query did not hold them) the featured comments.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Q, Window

from newsroom.prepared import PreparedQuery

from .models import MAX_DEPTH, Comment

# Counts in story lists come from the cache; every change that moderation makes
# forgets them, and they expire after a minute in any case (the cache may be
# per process).
COUNT_TIMEOUT = 60
FEATURED_LIMIT = 5
# A story with at most this many approved comments is read whole, in one query.
READ_WHOLE = 250


@dataclass(slots=True)
class ShownComment:
    """What a reader sees of an approved comment; moderation's fields stay in the database.

    Plain rows rather than model instances: a page shows up to hundreds of comments,
    and building a model instance (with its signals) for each cost more than the query.
    """

    pk: int
    parent_id: int | None
    root_id: int | None
    depth: int
    name: str
    body: str
    created_at: datetime
    featured: bool
    redacted_at: datetime | None = None
    children: list = field(default_factory=list)

    FIELDS = (
        "pk",
        "parent",
        "root",
        "depth",
        "name",
        "body",
        "created_at",
        "featured",
        "redacted_at",
    )

    @property
    def can_have_replies(self):
        return self.depth < MAX_DEPTH - 1


def _shown(queryset) -> list[ShownComment]:
    return [ShownComment(*row) for row in queryset.values_list(*ShownComment.FIELDS)]


@dataclass
class ThreadPage:
    comments: list = field(default_factory=list)
    featured: list = field(default_factory=list)
    total: int = 0
    number: int = 1
    num_pages: int = 1

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.num_pages

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1


def page_number(value) -> int:
    """A page number from the query string; anything odd means the first page."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, 10**6))


def _oldest_with_counts(article):
    # Oldest first, each row with the story's counts (window counts see every row the
    # WHERE keeps, before the LIMIT).
    return (
        Comment.objects.public()
        .for_article(article)
        .annotate(
            total=Window(Count("pk")),
            threads=Window(Count("pk", filter=Q(parent__isnull=True))),
            featured_count=Window(Count("pk", filter=Q(featured=True))),
        )
        .values_list(*ShownComment.FIELDS, "total", "threads", "featured_count")[: READ_WHOLE + 1]
    )


# Every story page asks it: compiled once per process (newsroom.prepared).
OLDEST_WITH_COUNTS = PreparedQuery(_oldest_with_counts, article=Comment._meta.get_field("article"))


def thread_page(article, number: int, *, per_page: int) -> ThreadPage:
    """The approved comments of one page, nested: each comment gets ``.children``."""
    rows = OLDEST_WITH_COUNTS.rows(article=article.pk)
    if not rows:
        return ThreadPage()
    total, thread_count, featured_count = rows[0][-3:]
    oldest = [ShownComment(*row[:-3]) for row in rows]
    num_pages = max(1, math.ceil(thread_count / per_page))
    number = min(number, num_pages)
    offset = (number - 1) * per_page
    if total == len(oldest):  # the whole story is here
        top = [c for c in oldest if c.parent_id is None][offset : offset + per_page]
        shown = {c.pk for c in top}
        replies = [c for c in oldest if c.root_id in shown]
    else:
        public = Comment.objects.public().for_article(article)
        threads = public.top_level().values("pk")[offset : offset + per_page]
        page = _shown(public.filter(Q(pk__in=threads) | Q(root__in=threads)))
        top = [c for c in page if c.parent_id is None]
        replies = [c for c in page if c.parent_id is not None]
    _nest(top, replies)
    featured = []
    if number == 1 and featured_count:
        # The first query holds the oldest comments: the featured ones among them
        # come first, so they do when they are all, or enough.
        featured = [c for c in oldest if c.featured]
        if len(featured) < min(featured_count, FEATURED_LIMIT):
            public = Comment.objects.public().for_article(article)
            featured = _shown(public.filter(featured=True)[:FEATURED_LIMIT])
    return ThreadPage(top, featured[:FEATURED_LIMIT], total, number, num_pages)


def _nest(top, replies):
    by_pk = {c.pk: c for c in [*top, *replies]}
    for reply in replies:  # oldest first, so a parent always comes before its replies
        # A reply whose parent is hidden hangs under the thread's first comment.
        (by_pk.get(reply.parent_id) or by_pk[reply.root_id]).children.append(reply)


def count_key(article_id) -> str:
    return f"comments:count:{article_id}"


def comment_counts(articles) -> dict[int, int]:
    """Approved comments per story, for a list of stories: from the cache or one query."""
    ids = [article.pk for article in articles]
    cached = cache.get_many([count_key(pk) for pk in ids])
    counts = {pk: cached[count_key(pk)] for pk in ids if count_key(pk) in cached}
    missing = [pk for pk in ids if pk not in counts]
    if missing:
        found = dict(
            Comment.objects.public()
            .filter(article__in=missing)
            .order_by()
            .values_list("article")
            .annotate(count=Count("pk"))
            .values_list("article", "count")
        )
        fresh = {pk: found.get(pk, 0) for pk in missing}
        cache.set_many({count_key(pk): n for pk, n in fresh.items()}, COUNT_TIMEOUT)
        counts |= fresh
    return counts


def forget_counts(article_ids):
    cache.delete_many([count_key(pk) for pk in article_ids])
