"""A reader's plain text as safe HTML: escaped, line breaks kept, bare URLs linked."""

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

# A bare URL: http(s)://… or www.…, up to whitespace or a character that cannot be in one.
URL_RE = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)
NEWLINES_RE = re.compile(r"\r\n|\r")
PARAGRAPH_BREAK_RE = re.compile(r"\n{2,}")
TRAILING_PUNCTUATION = ".,:;!?'\""
BRACKETS = {")": "(", "]": "[", "}": "{"}


def find_urls(text: str) -> list[str]:
    """Every bare URL in the text, without the punctuation that ends a sentence."""
    return [_trim(match.group()) for match in URL_RE.finditer(text)]


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end."""

    def ends_badly(url):
        last = url[-1]
        unbalanced = last in BRACKETS and url.count(BRACKETS[last]) < url.count(last)
        return last in TRAILING_PUNCTUATION or unbalanced

    while url and ends_badly(url):
        url = url[:-1]
    return url


def render(text: str) -> SafeString:
    """Escape everything the reader typed; link bare URLs with rel="nofollow ugc".

    Blank lines separate paragraphs (``<p>``), other line breaks are kept (``<br>``),
    as Django's ``linebreaks`` filter does. Every comment on a page goes through
    here, so it uses the standard library's ``html.escape`` (what Django's
    ``escape`` calls) without Django's lazy-string wrappers.
    """
    text = NEWLINES_RE.sub("\n", text)
    parts = []
    position = 0
    for match in URL_RE.finditer(text):
        url = _trim(match.group())
        if not url or url.lower() in ("http://", "https://", "www."):
            continue
        start = match.start()
        parts.append(escape(text[position:start]))
        href = url if url.lower().startswith(("http://", "https://")) else f"http://{url}"
        parts.append(f'<a href="{escape(href)}" rel="nofollow ugc">{escape(url)}</a>')
        position = start + len(url)
    parts.append(escape(text[position:]))
    paragraphs = PARAGRAPH_BREAK_RE.split("".join(parts))
    # Everything is escaped above; only <p> and <br> are added.
    return mark_safe(  # noqa: S308
        "\n\n".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>" for paragraph in paragraphs)
    )
