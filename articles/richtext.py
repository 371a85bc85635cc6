"""The one definition of what a story body may contain.

The admin editor (django-prose-editor) offers exactly these extensions, and
the same allowlist sanitises HTML arriving by any other route (import, shell,
fixtures) when the article is saved.
"""

import re

import nh3
from django.utils.html import escape
from django_prose_editor.config import allowlist_from_extensions, expand_extensions

BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "History": True,
    "SpecialCharacters": True,
    # Pictures from the library, with their caption (articles/embeds.py draws them).
    # "Browse…" in the figure dialog opens the library's picker (the story admin's).
    "Figure": {"pickerUrl": "/admin/articles/article/picture-picker/"},
    "Caption": True,
    "Image": True,
}


def _allowlist():
    allowed = allowlist_from_extensions(expand_extensions(BODY_EXTENSIONS))
    # The library picture a figure shows (embeds.py); the editor keeps it as the
    # image's data-file, the library's name for it is data-picture.
    allowed["attributes"]["figure"] = {*allowed["attributes"].get("figure", ()), "data-picture"}
    return allowed


_cleaner = None


def sanitize_body(html: str) -> str:
    """The body as it may be stored: only what ``BODY_EXTENSIONS`` allows."""
    global _cleaner  # noqa: PLW0603 - built once, on first use (needs settings)
    if _cleaner is None:
        _cleaner = nh3.Cleaner(**_allowlist())
    cleaned = _cleaner.clean(html)
    # The editor always leaves an empty paragraph: an empty body is "" (falsy).
    return "" if _EMPTY.match(cleaned) else cleaned


_EMPTY = re.compile(r"^<(?P<tag>\w+)></(?P=tag)>$")


def paragraphs_to_html(paragraphs):
    """Plain-text paragraphs as escaped ``<p>`` elements."""
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
