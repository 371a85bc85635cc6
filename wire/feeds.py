"""Reading an RSS or Atom feed's bytes into items for ``wire.ingest.receive``.

feedparser reads RSS 0.9x/1.0/2.0 and Atom 0.3/1.0, and copes with a lot of
slightly broken XML: a feed it could still read items from is taken (with a warning
in the log); one it could read nothing from is a ``FeedError`` saying why.
"""

import io
import logging
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from django.utils.translation import gettext as _

from .ingest import Item

logger = logging.getLogger("wire")


class FeedError(ValueError):
    """The bytes are not a feed we can read; the message says why, for an editor."""


def parse(content: bytes, *, url: str = "", content_type: str = "") -> list[Item]:
    """The feed's items, in the feed's order.

    An item is known by its ``id`` (RSS ``<guid>``, Atom ``<id>``) or, without one, by
    its link. When a feed lists the same ID twice, the first occurrence wins and the
    others are dropped: feeds list the newest first, and one poll takes one version
    of each story.
    """
    # Its charset, if it names one, says how the bytes are to be read. No
    # Content-Location: feedparser would resolve a GUID such as "kstp-1001" against
    # the feed's address, and the ID would change whenever the feed moved.
    headers = {"content-type": content_type} if content_type else {}
    # Bytes wrapped in a stream: feedparser opens a bare string that looks like a
    # path or URL itself, and the feed's bytes are the partner's to choose. Bodies are
    # sanitised by ingest with the story allowlist, not by feedparser's own.
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers=headers,
        resolve_relative_uris=True,
        sanitize_html=False,
    )
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    entries = parsed.get("entries") or []
    # Only what the server said about the bytes was wrong; the XML itself was fine.
    benign = isinstance(
        problem, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    )
    if not entries:
        if problem is not None and not (benign and parsed.get("version")):
            raise FeedError(_unreadable(problem, content))
        if not parsed.get("version"):
            raise FeedError(
                _("This is not an RSS or Atom feed: no <rss>, <feed> or <rdf:RDF> was found.")
            )
        return []
    if problem is not None:
        logger.warning(
            "Feed %s is not well-formed (%s); %d items read from it anyway",
            url or "(unnamed)",
            _reason(problem),
            len(entries),
        )
    items = []
    seen = set()
    for entry in entries:
        item = item_of(entry, base=url)
        if item.guid and item.guid in seen:
            continue
        seen.add(item.guid)
        items.append(item)
    return items


def item_of(entry, *, base: str = "") -> Item:
    link = (entry.get("link") or "").strip()
    guid = (entry.get("id") or "").strip()
    if link == guid and not link.lower().startswith(("http://", "https://")):
        # An RSS <guid> is taken for the link when there is no <link>, even a
        # "kstp-1001" that is no address at all.
        link = ""
    if link and base:
        link = urljoin(base, link)
    content = entry.get("content") or []
    summary = entry.get("summary") or entry.get("description") or ""
    body = content[0].get("value", "") if content else summary
    return Item(
        guid=guid or link,
        title=entry.get("title") or "",
        # Without a separate body, the summary is the body: not shown twice.
        summary=summary if content else "",
        body=body,
        url=link,
        published=_when(entry.get("published_parsed")),
        # Only what the partner said: feedparser would otherwise answer with the
        # publication time (and a deprecation warning).
        updated=_when(entry.get("updated_parsed") if "updated_parsed" in entry else None),
        byline=_byline(entry),
    )


def _when(parsed) -> datetime | None:
    """feedparser's UTC ``struct_time`` as an aware datetime."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _byline(entry) -> str:
    detail = entry.get("author_detail") or {}
    return (detail.get("name") or entry.get("author") or "").strip()


def _reason(problem) -> str:
    message = problem.getMessage() if hasattr(problem, "getMessage") else str(problem)
    line = problem.getLineNumber() if hasattr(problem, "getLineNumber") else None
    if line:
        return _("%(reason)s, line %(line)d") % {"reason": message, "line": line}
    return str(message)


def _unreadable(problem, content: bytes) -> str:
    if not content.strip():
        return _("The feed is empty: the server sent nothing.")
    head = content.lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return _("This is a web page, not an RSS or Atom feed.")
    return _("The feed is not well-formed XML (%(reason)s); no items could be read.") % {
        "reason": _reason(problem)
    }
