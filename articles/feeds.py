"""RSS 2.0 and Atom feeds: the whole site, a section, a tag.

Every feed lists live stories only (``Article.objects.live()``), newest first. An
item's GUID (RSS ``<guid>``, Atom ``<id>``) is a ``tag:`` URI made from the story's
id and creation day, so it never changes when a story is edited; ``<updated>`` and
the dates are the instants the story page shows (``articles.seo``).
"""

from contextvars import ContextVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, Stylesheet
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.generic import TemplateView
from taggit.models import Tag

from . import lists, seo
from .models import Article, Section

ITEMS_PER_FEED = 30
FEED_MAX_AGE = 300  # seconds a feed reader or proxy may reuse a feed

# Feed objects are built once and shared by every request: the request being answered
# lives in a context variable, never on the instance.
_request = ContextVar("feed_request")

# Opened in a browser, a feed shows as a page (what a feed is, its address, its
# stories) through this XSLT stylesheet; feed readers ignore the instruction.
# A .xml name so that every static file server sends it as XML.
FEED_STYLESHEET = "feeds/feed.xsl.xml"
# Chromium shows application/rss+xml and application/atom+xml as plain text and
# applies a stylesheet only to XML it renders as XML. Links meant for people (the
# feeds page) add this query; the same feed then comes as application/xml, which
# browsers draw through the stylesheet and feed readers still read. A query, not
# content negotiation: caches (the page cache, Varnish) key pages by address.
BROWSER_QUERY = "view=page"
BROWSER_CONTENT_TYPE = "application/xml; charset=utf-8"


class StyledAtom1Feed(Atom1Feed):
    """Atom with the stylesheet instruction Django writes for RSS only (Feed.stylesheets)."""

    def write(self, outfile, encoding):
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        # A processing instruction must come before the root element.
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", str(stylesheet))
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


class FeedListView(TemplateView):
    """/feeds/: every feed the site offers and what to do with one (linked from the footer)."""

    template_name = "articles/feed_list.html"
    extra_context = {"browser_query": BROWSER_QUERY}


class LatestRssFeed(Feed):
    feed_type = Rss201rev2Feed
    item_guid_is_permalink = False

    def stylesheets(self, obj=None):
        return [Stylesheet(static(FEED_STYLESHEET), mimetype="text/xsl")]

    def __call__(self, request, *args, **kwargs):
        token = _request.set(request)
        try:
            response = super().__call__(request, *args, **kwargs)
        finally:
            _request.reset(token)
        if request.META.get("QUERY_STRING") == BROWSER_QUERY:
            response["Content-Type"] = BROWSER_CONTENT_TYPE
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
    feed_type = StyledAtom1Feed

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
    feed_type = StyledAtom1Feed

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

    def items(self, obj=None):
        # As the tag's page reads it: a rare tag's few stories by key (lists.tagged).
        items = lists.tagged(obj.pk, ContentType.objects.get_for_model(Article).pk)
        items = items[0:ITEMS_PER_FEED]
        prefetch_related_objects(items, "tags")
        if not items:
            # Like the tag page: a tag no live story carries does not exist for readers.
            raise Http404("No stories with this tag.")
        return items


class TagAtomFeed(TagRssFeed):
    feed_type = StyledAtom1Feed

    def subtitle(self, obj=None):
        return self.description(obj)
