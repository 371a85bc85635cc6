"""RSS 2.0 and Atom feeds: the whole site, a section, a tag.

Every feed lists live stories only (``Article.objects.live()``), newest first. An
item's GUID (RSS ``<guid>``, Atom ``<id>``) is a ``tag:`` URI made from the story's
id and creation day, so it never changes when a story is edited; ``<updated>`` and
the dates are the instants the story page shows (``articles.seo``).
"""

from contextvars import ContextVar

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from taggit.models import Tag

from . import seo
from .models import Article, Section

ITEMS_PER_FEED = 30
FEED_MAX_AGE = 300  # seconds a feed reader or proxy may reuse a feed

# Feed objects are built once and shared by every request: the request being answered
# lives in a context variable, never on the instance.
_request = ContextVar("feed_request")


class LatestRssFeed(Feed):
    feed_type = Rss201rev2Feed
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        token = _request.set(request)
        try:
            response = super().__call__(request, *args, **kwargs)
        finally:
            _request.reset(token)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    # The feed

    def title(self, obj=None):
        return settings.SITE_NAME

    def description(self, obj=None):
        return f"The latest stories from {settings.SITE_NAME}."

    def link(self, obj=None):
        return self._absolute(reverse("articles:home"))

    def feed_url(self, obj=None):
        return self._absolute(_request.get().path)

    def author_name(self, obj=None):
        # Atom wants an author for every entry; the publication stands in for stories
        # without a byline.
        return settings.SITE_NAME

    def stories(self, obj=None):
        return Article.objects.live()

    def items(self, obj=None):
        return list(self.stories(obj).for_listing().prefetch_related("tags")[:ITEMS_PER_FEED])

    # Each story

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return self._absolute(item.get_absolute_url())

    def item_guid(self, item):
        return seo.story_guid(item, _request.get())

    def item_pubdate(self, item):
        return seo.instant(seo.date_published(item))

    def item_updateddate(self, item):
        return seo.instant(seo.date_modified(item))

    def item_author_name(self, item):
        return ", ".join(contributor.name for contributor in item.byline_contributors) or None

    def item_categories(self, item):
        section = [item.section.name] if item.section else []
        return section + [tag.name for tag in item.tags.all()]

    @staticmethod
    def _absolute(path):
        return seo.absolute_url(_request.get(), path)


class LatestAtomFeed(LatestRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj=None):
        return self.description(obj)


class SectionRssFeed(LatestRssFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj=None):
        return f"{obj.name} — {settings.SITE_NAME}"

    def description(self, obj=None):
        return f"The latest {obj.name} stories from {settings.SITE_NAME}."

    def link(self, obj=None):
        return self._absolute(obj.get_absolute_url())

    def stories(self, obj=None):
        return Article.objects.live().in_section(obj)


class SectionAtomFeed(SectionRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj=None):
        return self.description(obj)


class TagRssFeed(LatestRssFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj=None):
        return f"Stories tagged “{obj.name}” — {settings.SITE_NAME}"

    def description(self, obj=None):
        return f"The latest stories tagged “{obj.name}” from {settings.SITE_NAME}."

    def link(self, obj=None):
        return self._absolute(seo.tag_url(obj))

    def stories(self, obj=None):
        return Article.objects.live().tagged(obj)

    def items(self, obj=None):
        items = super().items(obj)
        if not items:
            # Like the tag page: a tag no live story carries does not exist for readers.
            raise Http404("No stories with this tag.")
        return items


class TagAtomFeed(TagRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj=None):
        return self.description(obj)
