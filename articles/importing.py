"""Reading wire-style plain-text stories.

The shape: the first line is the headline, the second the summary, then body
paragraphs (one per line, or blocks separated by blank lines). A line
``Original Source: X`` gives the attribution; page chrome copied along with
the story, such as a trailing ``Post Comment`` line, is dropped.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.text import slugify
from django.utils.translation import gettext as _

SOURCE_LINE = re.compile(r"^\s*(?:original\s+)?source\s*:\s*(?P<source>.+?)\s*$", re.IGNORECASE)
# Lines that belong to the page the story was copied from, not to the story.
CHROME_LINES = {
    "post comment",
    "post a comment",
    "leave a comment",
    "comments",
    "share",
    "share this",
    "share this article",
    "advertisement",
    "read more",
    "related",
    "related stories",
}
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$", re.IGNORECASE)


class StoryFormatError(ValueError):
    """The text is not a story in the expected shape; the message says why."""


@dataclass
class ParsedStory:
    headline: str
    summary: str
    paragraphs: list[str] = field(default_factory=list)
    source_name: str = ""
    source_url: str = ""


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StoryFormatError(
            _("The file is not UTF-8 text (byte 0x%(byte)02x at position %(position)d).")
            % {"byte": data[error.start], "position": error.start}
        ) from None


def parse_source(value: str) -> tuple[str, str]:
    """Name and URL for an attribution: a URL, a bare domain or a plain name."""
    if re.match(r"^https?://", value, re.IGNORECASE):
        host = urlsplit(value).hostname or value
        return host.removeprefix("www."), value
    if DOMAIN.match(value):
        return value, f"https://{value}/"
    return value, ""


def _is_chrome(line: str) -> bool:
    return line.strip().lower().rstrip(".:!") in CHROME_LINES


def parse_story(text: str) -> ParsedStory:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # Drop page chrome at the end (and the blank lines around it).
    while lines and (not lines[-1].strip() or _is_chrome(lines[-1])):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise StoryFormatError(_("The file is empty: there is no story to import."))

    source_name = source_url = ""
    kept = []
    for line in lines:
        match = SOURCE_LINE.match(line)
        if match:
            source_name, source_url = parse_source(match["source"])
        elif line.strip().lower() != "advertisement":
            kept.append(line)

    first_lines = [line.strip() for line in kept if line.strip()][:2]
    if len(first_lines) < 2:
        raise StoryFormatError(
            _("The story needs a headline on the first line and a summary on the second.")
        )
    headline, summary = first_lines
    rest = kept[[i for i, line in enumerate(kept) if line.strip()][1] + 1 :]
    paragraphs = _blocks(rest)
    if not paragraphs:
        raise StoryFormatError(_("The story has a headline and a summary but no body paragraphs."))
    if len(headline) > 250:
        raise StoryFormatError(
            _("The headline is %(length)d characters long; the limit is 250.")
            % {"length": len(headline)}
        )
    return ParsedStory(headline, summary, paragraphs, source_name, source_url)


def _blocks(lines: list[str]) -> list[str]:
    """Headline, summary and paragraphs as single-line strings.

    When the text separates paragraphs by blank lines, the lines of one block
    (hard-wrapped text) are joined; otherwise every line is a paragraph.
    """
    if any(not line.strip() for line in lines):
        blocks, current = [], []
        for line in lines:
            if line.strip():
                current.append(line.strip())
            elif current:
                blocks.append(" ".join(current))
                current = []
        if current:
            blocks.append(" ".join(current))
        return blocks
    return [line.strip() for line in lines]


def unique_slug(headline):
    """A slug for a new story from its headline, numbered when the plain one is taken."""
    from .models import Article

    base = slugify(headline, allow_unicode=True)[:240].strip("-") or "story"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
