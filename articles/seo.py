"""What search engines, feed readers and link previews are told about a story.

One place decides the instants a story carries ("published", "updated"), how they
are written, and how absolute URLs are made, so that the story page, its JSON-LD,
its Open Graph tags, the feeds and the sitemaps always agree.
"""

import functools
import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import to_locale

from images import renditions

from . import attribution

# Publisher logo: a static file served by the site itself (no third-party requests).
LOGO_PATH = "img/logo.png"
LOGO_SIZE = (600, 60)


def date_published(article) -> datetime | None:
    """datePublished: when the story first went live, whatever happened since."""
    return article.first_published_at or article.publish_at


def date_modified(article) -> datetime | None:
    """dateModified: the last public update or correction, else the publication time.

    ``Article.public_modified_at`` decides; ``modified_at`` is set only by updates,
    corrections and clarifications, never by silent edits such as typo fixes.
    """
    return article.public_modified_at


def publicly_updated(article) -> datetime | None:
    """The "Updated" instant shown to readers, or None when the story was never updated."""
    return article.modified_at if article.was_updated else None


def instant(value: datetime | None, zone=None) -> datetime | None:
    """An instant as every output shows it: whole seconds, in the site's time zone.

    HTML's ``<time datetime>`` allows at most three decimals of a second, RSS has
    none: whole seconds suit every format, so the page, JSON-LD, Open Graph, the
    feeds and the sitemaps all state the same instant. ``zone``: the current time
    zone, when the caller already has it (a list of many instants).
    """
    if value is None:
        return None
    return timezone.localtime(value, zone).replace(microsecond=0)


def iso8601(value: datetime | None) -> str:
    """An instant in ISO 8601 / W3C Datetime, e.g. ``2026-11-25T14:05:00+00:00``."""
    value = instant(value)
    return value.isoformat() if value else ""


def day_time(value: datetime | None, *, short: bool = False) -> str:
    """``"12 November 2026, 06:45"`` (the ``date`` filter's ``"j F Y, H:i"``) or, short,
    ``"12 Nov, 06:45"`` (``"j M, H:i"``), in the site's time zone: the same words without
    the filter's per-call format lookups (a tenth of a millisecond each, twenty or more
    times on every list page)."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if short:
        return f"{local.day} {MONTHS_3[local.month].title()}, {local:%H:%M}"
    return f"{local.day} {MONTHS[local.month]} {local.year}, {local:%H:%M}"


def absolute_url(request, path: str) -> str:
    """``path`` as an absolute URL: on ``SITE_URL`` when set, else on the request's host."""
    if urlsplit(path).scheme:
        return path  # already absolute, e.g. a picture on a CDN (MEDIA_URL)
    site_url = settings.SITE_URL
    if site_url:
        return site_url.rstrip("/") + path
    return request.build_absolute_uri(path)


def site_domain(request) -> str:
    """The host name used in permanent identifiers (feed GUIDs)."""
    site_url = settings.SITE_URL
    if site_url:
        return site_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return request.get_host().split(":", 1)[0]


def path(viewname: str, *args) -> str:
    """``reverse(viewname, args=args)``, remembered for the life of the process.

    A page links to the same few dozen addresses (the feeds, search, sections,
    bylines) and ``reverse()`` costs about as much as rendering the link; what it
    returns depends only on these arguments, the URLconf and the script prefix.
    """
    return _reversed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname, args)


@functools.lru_cache(maxsize=4096)
def _reversed(urlconf, prefix, viewname, args):
    return reverse(viewname, urlconf=urlconf, args=args)


def contributor_url(contributor) -> str:
    return path("articles:contributor", contributor.slug)


def tag_url(tag) -> str:
    return path("articles:tag", tag.slug)


def story_guid(article, request) -> str:
    """A permanent identifier for feeds: a ``tag:`` URI (RFC 4151) from the story's id.

    Built from what never changes once a story exists — its primary key and the day it
    was created — so editing the headline, the slug or the body keeps the same GUID and
    feed readers do not show the story twice.
    """
    created = article.created_at.astimezone(UTC).date().isoformat()  # not TIME_ZONE's day
    return f"tag:{site_domain(request)},{created}:story:{article.pk}"


def language_code() -> str:
    """The site language as ISO 639 (Google News wants ``en``, not ``en-us``)."""
    code = settings.LANGUAGE_CODE.lower()
    if code in {"zh-cn", "zh-tw"}:
        return code
    return code.split("-", 1)[0]


def language_tag() -> str:
    """The site language as a BCP 47 tag (``en-US``), for ``inLanguage``."""
    language, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{language}-{region.upper()}" if region else language


def og_locale() -> str:
    """The site language as Open Graph writes it (``en_US``)."""
    return to_locale(settings.LANGUAGE_CODE)


def lead_picture_image(article, request) -> dict:
    """The lead picture as link previews show it: its largest 16:9 crop, absolute.

    Empty when the story has none. Reads the picture's renditions once
    (``images.renditions`` keeps them with the picture).
    """
    picture = article.lead_picture if article.lead_picture_id else None
    if picture is None:
        return {}
    crops = renditions.structured_data(picture)
    wide = renditions.sources(picture, "16x9")
    return {
        "url": absolute_url(request, crops[0] if crops else picture.file.url),
        "width": wide.get("width") if crops else picture.width,
        "height": wide.get("height") if crops else picture.height,
        "alt": picture.alt_text,
    }


# How much of a title and of a description search results and link previews show
# before cutting them short (Google's ~600 px title, a meta description's ~160
# characters). The story form's counters and live preview use the same limits.
TITLE_LIMIT = 70
DESCRIPTION_LIMIT = 160


def shorten(text: str, limit: int) -> str:
    """``text`` as a search result shows it: whole, or cut at a word with "…".

    Whitespace runs count as one space. ``shorten()`` in
    ``articles/static/articles/writing.js`` follows the same rule for the admin's
    live preview, so the preview rendered here and the one updated as the writer
    types agree.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]  # room for the ellipsis
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def story_card(article, request) -> dict:
    """What a link preview or a search result shows of a story: the "card".

    The story page's description, Open Graph and Twitter tags and the story form's
    preview in the admin both come from here, so what the writer is shown is what
    will be shared. Uses the story's own fields and its lead picture's renditions
    (loaded with the picture, once). An unsaved story without a slug has no URL yet.
    """
    image = lead_picture_image(article, request)
    return {
        "title": article.headline,
        "description": article.summary,
        "url": absolute_url(request, article.get_absolute_url()) if article.slug else "",
        "image": image.get("url", ""),
        "image_alt": image.get("alt", ""),
        "image_width": image.get("width"),
        "image_height": image.get("height"),
        "site_name": settings.SITE_NAME,
    }


def logo(request) -> dict:
    width, height = LOGO_SIZE
    return {
        "@type": "ImageObject",
        "url": absolute_url(request, static(LOGO_PATH)),
        "width": width,
        "height": height,
    }


def publisher(request) -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": absolute_url(request, path("articles:home")),
        "logo": logo(request),
    }


def author(contributor, request) -> dict:
    # A contributor with a login is one of our people; one without is most often a
    # news agency or another organisation (the model does not say which).
    return {
        "@type": "Person" if contributor.user_id else "Organization",
        "name": contributor.name,
        "url": absolute_url(request, contributor_url(contributor)),
    }


def news_article(article, request) -> dict:
    """schema.org ``NewsArticle`` for a story, as Google's article guidelines describe it.

    Uses only what ``ArticleQuerySet.for_display()`` fetched: no extra queries.
    """
    card = story_card(article, request)  # the same title, text, URL and picture as Open Graph
    url = card["url"]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": card["title"],
        "description": card["description"],
        "datePublished": iso8601(date_published(article)),
        "dateModified": iso8601(date_modified(article)),
        "author": [author(contributor, request) for contributor in article.byline_contributors],
        "publisher": publisher(request),
        "inLanguage": language_tag(),
    }
    picture = article.lead_picture if article.lead_picture_id else None
    if picture is not None:
        # The 16:9, 4:3 and 1:1 crops, as Google's article guidelines ask (each at least
        # 50,000 pixels: images.renditions makes them so).
        crops = renditions.structured_data(picture)
        data["image"] = [absolute_url(request, crop) for crop in crops] or [card["image"]]
    if article.section:
        data["articleSection"] = article.section.name
    keywords = [tag.name for tag in article.tags.all()]
    if keywords:
        data["keywords"] = keywords
    based_on = attribution.of(article)
    if based_on is not None:
        source = {"@type": "Organization", "name": based_on.name}
        if based_on.site_url:
            source["url"] = based_on.site_url
        data["sourceOrganization"] = source
        if based_on.item_url:
            data["isBasedOn"] = based_on.item_url
    return data


# JSON inside <script> must not be able to close the element or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_for_script(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
