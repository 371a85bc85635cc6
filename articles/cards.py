"""A story in a list, drawn in Python: the one markup every list page repeats.

A list page shows twenty or more cards; through the template engine each costs a nested
``{% include %}`` (the card, its byline, its picture) with a context pushed for each,
which was most of a list page's time. ``story_card`` writes the same markup with
``_html``, ``format_html``'s equal (every value escaped), and the picture still comes from
``articles/_picture.html``, the one picture markup of the site.
"""

import html

from django.template.loader import get_template
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from . import embeds, seo

CARD_SIZES = "(min-width: 48rem) 14rem, 100vw"


def _escaped(value) -> str:
    """``conditional_escape(value)``: safe markup as it is, anything else escaped as
    Django escapes (``html.escape``, quotes included)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _html(template: str, *values) -> SafeString:
    """``format_html(template, *values)``, the same markup at a third of the cost: a list
    page fills some 170 of these, and each of Django's goes through three lazy-aware
    wrappers per value."""
    return SafeString(template.format(*map(_escaped, values)))


def byline(article) -> SafeString:
    """ "By A, B and C · " linked to their pages, or nothing (``_byline.html``'s words)."""
    contributors = article.byline_contributors
    if not contributors:
        return mark_safe("")  # noqa: S308 - empty
    links = []
    last = len(contributors) - 1
    for n, contributor in enumerate(contributors):
        if n:
            links.append(" and " if n == last else ", ")
        links.append(
            _html(
                '<a class="author" rel="author" href="{}">{}</a>',
                seo.contributor_url(contributor),
                contributor.name,
            )
        )
    return _html('<span class="byline">By {}</span> · ', mark_safe("".join(links)))  # noqa: S308


def _picture(picture) -> str:
    context = embeds.picture_context(picture, sizes=CARD_SIZES, css_class="card-image")
    return get_template("articles/_picture.html").render(context)


def story_card(article, *, level=2, hide_section=False) -> SafeString:
    picture = article.lead_picture if article.lead_picture_id else None
    heading = "h3" if level == 3 else "h2"
    kicker = ""
    if article.section_id and not hide_section:
        kicker = _html(
            '<p class="kicker"><a href="{}">{}</a></p>',
            article.section.get_absolute_url(),
            article.section.name,
        )
    snippet = getattr(article, "snippet", "")
    text = (
        _html('<p class="snippet">{}</p>', snippet)
        if snippet
        else _html('<p class="standfirst">{}</p>', article.summary)
    )
    published = article.publish_at
    when = seo.day_time(published)
    parts = [
        _html(
            '\n<article class="story-card{}">\n  {}\n  <div class="card-text">\n    {}\n    ',
            " has-image" if picture else "",
            mark_safe(_picture(picture)) if picture else "",  # noqa: S308 - a template's output
            kicker,
        ),
        _html(
            '<{h}><a href="{}">{}</a></{h}>'.replace("{h}", heading),
            article.get_absolute_url(),
            article.headline,
        ),
        _html(
            '\n    {}\n    <p class="meta">{}\n<time datetime="{}">{}</time></p>\n  </div>\n'
            "</article>\n",
            text,
            byline(article),
            seo.iso8601(published),
            when,
        ),
    ]
    return mark_safe("".join(_escaped(part) for part in parts))  # noqa: S308


def headline_item(article) -> SafeString:
    """A story as one line of a section's block on the front page: its headline linked,
    and when it was published, short (``12 Nov, 06:45``)."""
    published = article.publish_at
    return _html(
        '<a href="{}">{}</a> <time datetime="{}">{}</time>',
        article.get_absolute_url(),
        article.headline,
        seo.iso8601(published),
        seo.day_time(published, short=True),
    )
