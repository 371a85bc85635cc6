"""Partner copy arriving: every item from a feed or a file goes through ``receive``.

An item is known by its source and the partner's ID for it (the feed's GUID, or its
link). The first time, it becomes a draft in the Incoming queue, with its source, the
original URL and the ID kept, and the source's rights window as its expiry. Later:

- the same words again change nothing ("unchanged");
- new words update the draft while it has not been published — the revision history
  keeps what was there, and the queue shows what the partner changed ("updated");
- a story already published is never overwritten: the partner's new version is kept
  beside it and the editors are told ("partner changed").

Stories are created and changed through ``articles.publishing`` like any other.
"""

import html
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from articles import publishing
from articles.importing import unique_slug
from articles.models import Article
from articles.richtext import paragraphs_to_html, sanitize_body

from .models import Provenance

logger = logging.getLogger("wire")

HEADLINE_LIMIT = Article._meta.get_field("headline").max_length
SUMMARY_WORDS = 60


@dataclass
class Item:
    guid: str
    title: str
    summary: str = ""
    body: str = ""
    url: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    byline: str = ""


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    PARTNER_CHANGED = "partner_changed"


def as_text(value: str) -> str:
    """Markup and entities reduced to the text a reader would see, on one line."""
    text = value or ""
    for _round in range(2):  # "&lt;b&gt;" in a feed is markup once unescaped
        text = html.unescape(strip_tags(text))
    return re.sub(r"\s+", " ", text).strip()


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-– ")
    return cut + "…"


# Link and picture addresses in markup the allowlist has already normalised (quoted).
_ADDRESS = re.compile(r'(?P<attr>\b(?:href|src))="(?P<url>[^"]*)"')


def absolute_links(body: str, base: str) -> str:
    """Relative links and picture addresses in a partner's body, made absolute against
    the partner's page for the item (on our site they would point nowhere)."""
    if not base or not body:
        return body

    def resolve(match):
        url = html.unescape(match["url"])
        if not url or url.startswith("#") or urlsplit(url).scheme:
            return match.group(0)
        return f'{match["attr"]}="{html.escape(urljoin(base, url), quote=True)}"'

    return sanitize_body(_ADDRESS.sub(resolve, body))


def copy_of(item: Item) -> dict:
    """What of an item becomes the story: headline, summary and body, cleaned."""
    headline = _shorten(as_text(item.title), HEADLINE_LIMIT)
    body = absolute_links(sanitize_body(item.body or ""), item.url)
    summary = as_text(item.summary)
    if not as_text(body) and summary:
        body = paragraphs_to_html([summary])
    if not summary:
        words = as_text(body).split()
        summary = " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")
    if not headline:
        raise ValidationError(_("The item has no title."), code="no_title")
    if not as_text(body):
        raise ValidationError(
            _("“%(title)s” has no text: neither a body nor a summary.") % {"title": headline},
            code="no_text",
        )
    return {"headline": headline, "summary": summary, "body": body}


def item_id(item: Item) -> str:
    guid = (item.guid or "").strip() or (item.url or "").strip()
    if not guid:
        raise ValidationError(
            _("The item “%(title)s” has neither an ID nor a link: it cannot be told apart.")
            % {"title": as_text(item.title)[:80]},
            code="no_guid",
        )
    return guid[: Provenance._meta.get_field("guid").max_length]


def receive(source, item: Item, *, feed=None, by=None) -> Outcome:
    """Take one item of partner copy in (see the module's docstring)."""
    by = by or publishing.System("poll_sources")
    guid = item_id(item)
    copy = copy_of(item)
    now = timezone.now()
    with transaction.atomic():
        provenance = (
            Provenance.objects.select_for_update()
            .select_related("article")
            .filter(source=source, guid=guid)
            .first()
        )
        if provenance is None:
            return _new(source, item, guid, copy, feed=feed, by=by, now=now)
        if copy == provenance.partner_copy:
            _keep_url(provenance, item)
            return Outcome.UNCHANGED
        return _changed(provenance, item, copy, by=by, now=now)


def _new(source, item, guid, copy, *, feed, by, now):
    start = item.published if item.published and item.published < now else now
    article = publishing.create(
        Article(slug=unique_slug(copy["headline"]), expire_at=source.rights_end(start), **copy),
        by=by,
        note=_("Received from %(source)s") % {"source": source},
    )
    Provenance.objects.create(
        article=article,
        source=source,
        original_url=item.url[:1000],
        guid=guid,
        feed=feed,
        received_at=now,
        partner_published_at=item.published,
        partner_updated_at=item.updated or item.published,
        partner_copy=copy,
    )
    logger.info("New story from %s: %s (%s)", source, copy["headline"], guid)
    return Outcome.NEW


def _keep_url(provenance, item):
    if item.url and item.url != provenance.original_url:
        provenance.original_url = item.url[:1000]
        provenance.save(update_fields=["original_url"])


def _changed(provenance, item, copy, *, by, now):
    article = provenance.article
    provenance.previous_partner_copy = provenance.partner_copy
    provenance.partner_copy = copy
    provenance.partner_updated_at = item.updated or now
    if item.url:
        provenance.original_url = item.url[:1000]
    if article.first_published_at is None and article.status in {
        Article.Status.DRAFT,
        Article.Status.REVIEW,
    }:
        publishing.update(
            article,
            by=by,
            note=_("Updated by %(source)s") % {"source": provenance.source},
            **copy,
        )
        provenance.save()
        logger.info("%s updated its story %s", provenance.source, provenance.guid)
        return Outcome.UPDATED
    # Published once: what readers saw stays as the editors left it.
    provenance.partner_changed_at = now
    provenance.save()
    publishing.log(
        article,
        "partner_changed",
        by=by,
        note=_("%(source)s changed its story; ours was left as it is.")
        % {"source": provenance.source},
    )
    logger.info(
        "%s changed its story %s, published here: not overwritten",
        provenance.source,
        provenance.guid,
    )
    return Outcome.PARTNER_CHANGED


def acknowledge(provenance, *, by):
    """An editor has seen the partner's change to a published story."""
    provenance.partner_changed_at = None
    provenance.save(update_fields=["partner_changed_at"])
    publishing.log(provenance.article, "partner_change_seen", by=by)
