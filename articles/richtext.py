"""The one definition of what a story body may contain.

The admin editor (django-prose-editor) offers exactly these extensions, and
the same allowlist sanitises HTML arriving by any other route (import, shell,
fixtures) when the article is saved.
"""

from django.utils.html import escape
from django_prose_editor.fields import create_sanitizer

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
}

sanitize_body = create_sanitizer(BODY_EXTENSIONS)


def paragraphs_to_html(paragraphs):
    """Plain-text paragraphs as escaped ``<p>`` elements."""
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
