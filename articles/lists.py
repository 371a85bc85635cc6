"""The readers' story lists (newest, a section's, a tag's, a contributor's) and the story
page's story, as queries compiled once per process (``newsroom.prepared``).

Building a list's queryset (``live()``, ``for_listing()``, its filter) and compiling it
cost a list page more CPU than the database spent answering it; here each list is built
once with markers, and a page only puts in the moment, the section (tag, contributor)
and its window. Each page is still ``for_listing()``: the same columns, the same
prefetched bylines and pictures, the same order.
"""

import time
from collections import defaultdict

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from newsroom.prepared import PreparedQuery

from .models import Article, Byline, Contributor, Section
from .querysets import lead_renditions

_moment = Article._meta.get_field("publish_at")


def _listed(now):
    return Article.objects.live(at=now).for_listing().prefetch_related(None)


NEWEST = PreparedQuery(_listed, now=_moment)
IN_SECTION = PreparedQuery(
    lambda now, section: _listed(now).in_section(section),
    now=_moment,
    section=Article._meta.get_field("section"),
)
# The content type is a value too: a test database's may be renumbered when it is flushed.
TAGGED = PreparedQuery(
    lambda now, tag, content_type: _listed(now).tagged(tag, content_type=content_type),
    now=_moment,
    tag=TaggedItem._meta.get_field("tag"),
    content_type=TaggedItem._meta.get_field("content_type"),
)
BY_CONTRIBUTOR = PreparedQuery(
    lambda now, contributor: _listed(now).filter(bylines__contributor=contributor),
    now=_moment,
    contributor=Byline._meta.get_field("contributor"),
)

# A tag's (a contributor's) list is read one of two ways, whichever costs less for the
# page asked. Walked: the index of live stories, newest first, each checked for the tag,
# about (page's end) × (live stories) / (the tag's stories) steps, quick for a popular
# tag. From its own rows: each of its stories looked up by key, checked live and sorted,
# about (the tag's stories) reads. Left to choose, SQLite's planner (which keeps no
# statistics: nothing runs ANALYZE on a site's database) walked for every tag, and a
# rare tag's page read the whole archive to find its few (2.6 ms at 10,000 stories,
# growing with it). Chosen so, a page costs at most about the square root of
# (page's end) × (archive) × WALKS_PER_READ steps, whatever the tag.
#
# Measured on SQLite at 10,000 stories: a step of the walk 0.33 µs, a story read by
# key, checked and sorted 8.5 µs.
WALKS_PER_READ = 26
# Counting a tag's stories stops here: past it, walking to the end of a first page is
# cheaper on any archive short of some 30 million stories (5,000² × 26 / 21).
MOST_COUNTED = 5_000


def _own_rows(now, story_ids):
    return (
        Article.objects.filter(pk__in=story_ids)
        .still_live(at=now)
        .for_listing()
        .prefetch_related(None)
    )


def _tag_rows(tag, content_type):
    return TaggedItem.objects.filter(tag=tag, content_type=content_type)


def _contributor_rows(contributor):
    return Byline.objects.filter(contributor=contributor)


OWN_TAGGED = PreparedQuery(
    lambda now, tag, content_type: _own_rows(now, _tag_rows(tag, content_type).values("object_id")),
    now=_moment,
    tag=TaggedItem._meta.get_field("tag"),
    content_type=TaggedItem._meta.get_field("content_type"),
)
OWN_BY_CONTRIBUTOR = PreparedQuery(
    lambda now, contributor: _own_rows(now, _contributor_rows(contributor).values("article_id")),
    now=_moment,
    contributor=Byline._meta.get_field("contributor"),
)
# A tag's (contributor's) rows up to MOST_COUNTED + 1, read from its index alone.
TAG_SIZE = PreparedQuery(
    lambda tag, content_type: _tag_rows(tag, content_type).values_list("object_id", flat=True)[
        : MOST_COUNTED + 1
    ],
    tag=TaggedItem._meta.get_field("tag"),
    content_type=TaggedItem._meta.get_field("content_type"),
)
CONTRIBUTOR_SIZE = PreparedQuery(
    lambda contributor: _contributor_rows(contributor).values_list("article_id", flat=True)[
        : MOST_COUNTED + 1
    ],
    contributor=Byline._meta.get_field("contributor"),
)
# The archive's size, near enough: the newest story's key (one step of the key's index).
NEWEST_KEY = PreparedQuery(lambda: Article.objects.order_by("-pk").values_list("pk", flat=True)[:1])


class _Sizes:
    """How many stories a tag (a contributor, the archive) has, as this process last
    counted, for a minute: sizes choose how a list is read, never what it holds, so a
    count a minute old costs a page a little time at worst."""

    SECONDS = 60
    LIMIT = 10_000

    def __init__(self):
        self._known = {}

    def get(self, key, measure):
        """The size known by ``key``, else ``measure()``, remembered."""
        now = time.monotonic()
        known = self._known.get(key)
        if known is not None and known[1] > now:
            return known[0]
        if len(self._known) >= self.LIMIT:
            self._known.clear()
        size = measure()
        self._known[key] = (size, now + self.SECONDS)
        return size

    def forget(self):
        self._known.clear()


sizes = _Sizes()


def _read_own_rows(size_query, stop, values):
    """Whether reading the list's own rows costs less than walking to ``stop``."""
    key = (id(size_query), *sorted(values.items()))
    counted = sizes.get(key, lambda: len(size_query.rows(**values)))
    if counted > MOST_COUNTED:
        return False
    archive = sizes.get("archive", lambda: next(iter(NEWEST_KEY.rows()), 0))
    # counted reads against stop × archive / counted steps of the walk.
    return counted * counted * WALKS_PER_READ <= stop * archive


def tagged(tag, content_type):
    """The live stories carrying a tag (keys of the tag and of the story content type)."""
    return StoryList(TAGGED, own_rows=(OWN_TAGGED, TAG_SIZE), tag=tag, content_type=content_type)


def by_contributor(contributor):
    """The live stories a contributor is credited on."""
    return StoryList(
        BY_CONTRIBUTOR, own_rows=(OWN_BY_CONTRIBUTOR, CONTRIBUTOR_SIZE), contributor=contributor
    )


def _bylines_of(count):
    names = [f"story{n}" for n in range(count)]
    key = Byline._meta.get_field("article")
    return PreparedQuery(
        lambda **stories: Byline.objects.select_related("contributor").filter(
            article__in=[stories[name] for name in names]
        ),
        **dict.fromkeys(names, key),
    )


# One compiled query per number of stories a page shows (twenty or so, a few more with
# front-page pins): the ``IN`` list has one place per story.
_BYLINES = {}


def prefetch_bylines(stories):
    """Each story's bylines with their contributors, in byline order, as
    ``prefetch_related("bylines")`` would leave them (``article.bylines.all()`` asks
    nothing more): one query, compiled once per number of stories."""
    stories = [
        story
        for story in stories
        if "bylines" not in getattr(story, "_prefetched_objects_cache", {})
    ]
    if not stories:
        return
    ids = sorted({story.pk for story in stories})
    query = _BYLINES.get(len(ids))
    if query is None:
        if len(_BYLINES) > 100:
            _BYLINES.clear()
        query = _BYLINES[len(ids)] = _bylines_of(len(ids))
    by_story = defaultdict(list)
    for byline in query.rows(**{f"story{n}": pk for n, pk in enumerate(ids)}):
        by_story[byline.article_id].append(byline)
    for story in stories:
        found = by_story.get(story.pk, [])
        for byline in found:
            byline._state.fields_cache["article"] = story
        # What Django's prefetching stores: a queryset whose rows are already read.
        bylines = Byline.objects.all()
        bylines._result_cache = found
        bylines._prefetch_done = True
        story.__dict__.setdefault("_prefetched_objects_cache", {})["bylines"] = bylines


def prefetch_for_cards(stories):
    """What a story card shows besides its row (``for_listing()``'s prefetches)."""
    prefetch_bylines(stories)
    prefetch_related_objects(stories, lead_renditions())


def prefetch_for_page(stories):
    """What a story page shows besides its row (``for_display()``'s prefetches)."""
    prefetch_bylines(stories)
    prefetch_related_objects(stories, "tags", lead_renditions())


class StoryList:
    """A list of live stories at one moment, newest first, for ``StoryPaginator``: each
    slice it takes is one prepared query, then the cards' prefetches."""

    model = Article

    def __init__(self, query, *, own_rows=None, **values):
        """``own_rows``: (query, size query) to read a list of few stories by their keys
        instead, when that costs less (``_read_own_rows``)."""
        self.query = query
        self.own_rows = own_rows
        self.values = values
        self.now = timezone.now()

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("A story list is read a page at a time: list[start:stop].")
        query = self.query
        if self.own_rows is not None:
            own, size = self.own_rows
            if _read_own_rows(size, window.stop, self.values):
                query = own
        stories = query.rows(window=(window.start or 0, window.stop), now=self.now, **self.values)
        prefetch_for_cards(stories)
        return stories


def _by_slug(model):
    return PreparedQuery(
        lambda slug: model.objects.filter(slug=slug)[:1], slug=model._meta.get_field("slug")
    )


_BY_SLUG = {model: _by_slug(model) for model in (Section, Tag, Contributor)}


def by_slug_or_404(model, slug):
    """The section, tag or contributor a list's address names (``get_object_or_404``)."""
    found = _BY_SLUG[model].first(slug=slug)
    if found is None:
        raise Http404(f"No {model._meta.verbose_name} is called that.")
    return found


LIVE_BY_SLUG = PreparedQuery(
    lambda now, slug: (
        Article.objects.live(at=now)
        .for_display()
        .prefetch_related(None)
        .filter(slug=slug)
        .order_by("pk")[:1]
    ),
    now=_moment,
    slug=Article._meta.get_field("slug"),
)


def live_story(slug):
    """The live story at this address, with what its page shows (``for_display()``)."""
    stories = LIVE_BY_SLUG.rows(now=timezone.now(), slug=slug)
    prefetch_for_page(stories)
    return stories[0] if stories else None
