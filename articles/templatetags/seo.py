"""Template tags for what machines read in a page: dates, absolute URLs, JSON-LD.

``{% load seo %}``. All of them use ``articles.seo``, so the story page, its
structured data, the feeds and the sitemaps state the same instants and URLs.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import seo

register = template.Library()


@register.filter
def iso8601(value):
    """``{{ article.publish_at|iso8601 }}``: for ``<time datetime>`` and meta tags."""
    return seo.iso8601(value)


@register.filter
def day_time(value, length=""):
    """``{{ article.publish_at|day_time }}`` — "12 November 2026, 06:45";
    ``|day_time:"short"`` — "12 Nov, 06:45" (``seo.day_time``)."""
    return seo.day_time(value, short=length == "short")


@register.filter
def local_instant(value):
    """The instant, to whole seconds, in the site's time zone: for the visible date."""
    return seo.instant(value)


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """``{% absolute_url article.get_absolute_url %}``: on SITE_URL, else the request's host."""
    request = context.get("request")
    if request is None:
        return path
    return seo.absolute_url(request, path)


@register.simple_tag(takes_context=True)
def current_url(context):
    """The absolute URL of this page; only the ``page`` parameter is kept (canonical URL)."""
    request = context["request"]
    page = request.GET.get("page")
    path = request.path + (f"?page={page}" if page and page.isdigit() and page != "1" else "")
    return seo.absolute_url(request, path)


@register.simple_tag
def path(viewname, *args):
    """``{% path 'articles:feed' %}``: like ``{% url %}`` (positional arguments), remembered."""
    return seo.path(viewname, *(str(arg) for arg in args))


@register.simple_tag
def og_locale():
    return seo.og_locale()


@register.simple_tag(takes_context=True)
def story_card(context, article):
    """``{% story_card article as card %}``: what link previews and search results show.

    The story page's meta tags and the story form's preview in the admin both use it.
    """
    return seo.story_card(article, context["request"])


@register.filter
def shorten(text, limit):
    """``{{ card.title|shorten:70 }}``: cut at a word with "…", as search results do."""
    return seo.shorten(text or "", int(limit))


@register.simple_tag
def card_limits():
    """``{% card_limits as limits %}``: ``limits.title`` and ``limits.description``, in
    characters: how much of each search results and link previews show."""
    return {"title": seo.TITLE_LIMIT, "description": seo.DESCRIPTION_LIMIT}


@register.simple_tag
def contributor_url(contributor):
    return seo.contributor_url(contributor)


@register.simple_tag
def tag_url(tag):
    return seo.tag_url(tag)


@register.simple_tag(takes_context=True)
def news_article_jsonld(context, article):
    """The story's schema.org ``NewsArticle`` as a JSON-LD data block.

    A data block (``type="application/ld+json"``) is never executed, so the
    Content-Security-Policy's ``script-src`` does not apply to it and it needs no
    nonce; leaving the nonce out keeps the page identical for every reader (cacheable).
    """
    data = seo.news_article(article, context["request"])
    # json_for_script escapes <, > and &, so the JSON cannot end the element early.
    safe_json = mark_safe(seo.json_for_script(data))  # noqa: S308
    return format_html('<script type="application/ld+json">{}</script>', safe_json)


@register.simple_tag
def headline_item(article):
    """``{% headline_item article %}``: a story as one line of a front-page block
    (``articles/cards.py``)."""
    from articles.cards import headline_item as item

    return item(article)


@register.simple_tag
def headline_items(articles):
    """``{% headline_items block.articles %}``: each story as ``<li>{% headline_item %}</li>``,
    without a loop's per-story work in the template engine."""
    from articles.cards import headline_item as item

    return mark_safe("\n".join(f"<li>{item(article)}</li>" for article in articles))  # noqa: S308


@register.simple_tag
def card_items(articles, level=2):
    """``{% card_items articles level=3 %}``: each story as ``<li>{% list_card %}</li>``, for a
    list that shows every section (the front page's)."""
    from articles.cards import story_card as card

    return mark_safe("\n".join(f"<li>{card(article, level=level)}</li>" for article in articles))  # noqa: S308


@register.simple_tag(takes_context=True)
def list_card(context, article, level=None):
    """``{% list_card article level=3 %}``: a story in a list (``articles/cards.py``).
    The headline's level is 2 unless given here or by the page (``level``); a page that
    is one section's list sets ``hide_section``."""
    from articles.cards import story_card as card

    level = level if level is not None else context.get("level", 2)
    return card(article, level=level, hide_section=bool(context.get("hide_section")))
