"""Readable differences between two revisions of a story."""

import difflib
import html
import re

from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Article

FIELDS = [
    ("headline", _("Headline")),
    ("slug", _("Slug")),
    ("summary", _("Summary")),
    ("body", _("Body")),
    ("section", _("Section")),
    ("tags", _("Tags")),
    ("byline", _("Byline")),
    ("lead_picture", _("Lead picture")),
    ("status", _("Status")),
    ("publish_at", _("Publish at")),
    ("expire_at", _("Expire at")),
    ("embargo_until", _("Embargoed until")),
]
DATE_FIELDS = {"publish_at", "expire_at", "embargo_until"}


def readable_time(value) -> str:
    """An instant as people read it, in the site's time zone: "1 December 2026, 14:05"."""
    instant = parse_datetime(value) if isinstance(value, str) else value
    if instant is None:
        return str(value)
    if timezone.is_aware(instant):
        instant = timezone.localtime(instant)
    return dateformat.format(instant, "j F Y, H:i")


def as_text(field, value):
    """A revision's value as plain text; the body keeps one paragraph per line."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field in DATE_FIELDS:
        return readable_time(value)
    if field == "status":
        return str(Article.Status(value).label) if value in Article.Status.values else str(value)
    if field == "body":
        text = re.sub(r"</(p|h[1-6]|li|blockquote)>", "\n", str(value))
        return html.unescape(strip_tags(text)).strip()
    return str(value)


def word_diff(old: str, new: str):
    """HTML with removed words in <del> and added words in <ins>, all escaped."""
    old_words = re.split(r"(\s+)", old)
    new_words = re.split(r"(\s+)", new)
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", "".join(old_words[a1:a2])))
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", "".join(old_words[a1:a2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[b1:b2])))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - parts are escaped


def compare(old: dict, new: dict):
    """Changed fields between two revision snapshots: (label, diff html)."""
    changes = []
    for field, label in FIELDS:
        before, after = as_text(field, old.get(field)), as_text(field, new.get(field))
        if before != after:
            changes.append((label, word_diff(before, after)))
    return changes
