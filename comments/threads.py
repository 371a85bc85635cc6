"""A story's comment threads as readers see them: oldest first, a page at a time.

Pages hold first comments; each comes with all its replies, so a thread is never
split. A page costs at most four queries however many comments the story has:
the counts, the page's first comments, their replies, and (on page one, when
there are any) the featured comments.
"""

import math
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q

from .models import Comment

# Counts in story lists come from the cache; every change that moderation makes
# forgets them, and they expire after a minute in any case (the cache may be
# per process).
COUNT_TIMEOUT = 60
FEATURED_LIMIT = 5


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


def thread_page(article, number: int, *, per_page: int) -> ThreadPage:
    """The approved comments of one page, nested: each comment gets ``.children``."""
    public = Comment.objects.public().for_article(article)
    summary = public.aggregate(
        total=Count("pk"),
        threads=Count("pk", filter=Q(parent__isnull=True)),
        featured=Count("pk", filter=Q(featured=True)),
    )
    if not summary["total"]:
        return ThreadPage()
    num_pages = max(1, math.ceil(summary["threads"] / per_page))
    number = min(number, num_pages)
    offset = (number - 1) * per_page
    top = list(public.top_level()[offset : offset + per_page])
    replies = []
    if summary["total"] > summary["threads"] and top:
        replies = list(public.in_threads([c.pk for c in top]))
    _nest(top, replies)
    featured = []
    if number == 1 and summary["featured"]:
        featured = list(public.filter(featured=True)[:FEATURED_LIMIT])
    return ThreadPage(top, featured, summary["total"], number, num_pages)


def _nest(top, replies):
    by_pk = {c.pk: c for c in [*top, *replies]}
    for comment in by_pk.values():
        comment.children = []
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
