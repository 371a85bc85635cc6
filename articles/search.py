"""Search over live stories: PostgreSQL full-text search, or a plain fallback on SQLite.

On PostgreSQL the story text is weighted (headline A, summary B, body C), matched with
``websearch_to_tsquery`` (quotes, ``or`` and ``-word`` work as readers expect), ranked,
and shown with highlighted snippets. ``SEARCH_VECTOR_SQL`` below is the expression the
GIN index of migration ``0003_search_index`` is built on; ``search_vector()`` makes
Django write exactly that expression, so PostgreSQL can use the index (a test checks
this with ``EXPLAIN``).

On SQLite, which has no full-text search in Django, every word or "quoted phrase" must
appear in the headline, summary or body (case-insensitive, no stemming), -words must
not; matches in the headline rank first.
"""

import html
import re

from django.db import connection
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from .models import Article

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 35

# The indexed expression, exactly as Django writes search_vector() (see the migration).
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(headline, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')"
)

# Highlight markers that cannot occur in story text: the snippet is escaped first,
# then the markers become <mark> elements.
_START, _STOP = "\ue000", "\ue001"


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_LENGTH]


def search(raw_query: str):
    """Live stories matching the reader's words, best match first.

    Each result carries ``snippet``: an excerpt with the matched words in ``<mark>``.
    Returns an empty queryset for an empty query.
    """
    query = clean_query(raw_query)
    stories = Article.objects.live().for_listing()
    if not query:
        return stories.none()
    if full_text_available():
        return _postgres_search(stories, query)
    return _fallback_search(stories, query)


def search_vector():
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("headline", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=SEARCH_CONFIG)
    )


def _postgres_search(stories, query):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
    from django.db.models import Func

    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    plain_body = Func(
        F("body"),
        Value("<[^>]*>"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    return (
        stories.annotate(search=search_vector())
        .filter(search=search_query)
        .annotate(
            rank=SearchRank(search_vector(), search_query),
            raw_snippet=SearchHeadline(
                Concat(F("summary"), Value(" … "), plain_body, output_field=TextField()),
                search_query,
                config=SEARCH_CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                max_words=SNIPPET_WORDS,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-publish_at", "-pk")
    )


_TOKENS = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')


def _parse(query):
    """Words and "quoted phrases" to find, and -words to leave out (websearch's syntax)."""
    wanted, unwanted = [], []
    for minus, phrase, minus_word, word in _TOKENS.findall(query.lower()):
        text = " ".join((phrase or word).split()).strip("-")
        if not text or (word and text == "or"):
            continue
        (unwanted if (minus or minus_word) else wanted).append(text)
    return wanted[:10], unwanted[:10]


def _terms(query):
    """The words and phrases a fallback result is highlighted for."""
    return _parse(query)[0]


def _contains(term):
    return Q(headline__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term)


def _fallback_search(stories, query):
    wanted, unwanted = _parse(query)
    if not wanted:
        return stories.none()
    matches = Q()
    for term in wanted:
        matches &= _contains(term)
    for term in unwanted:
        matches &= ~_contains(term)
    score = sum(
        (
            Case(When(headline__icontains=term, then=Value(3)), default=Value(0))
            + Case(When(summary__icontains=term, then=Value(2)), default=Value(0))
            + Case(When(body__icontains=term, then=Value(1)), default=Value(0))
            for term in wanted
        ),
        Value(0),
    )
    return (
        stories.defer(None)  # the snippet is cut from the body here, in Python
        .filter(matches)
        .annotate(rank=score)
        .order_by("-rank", "-publish_at", "-pk")
    )


def snippet(article, query: str) -> str:
    """The highlighted excerpt of a search result, safe to put in a page."""
    raw = getattr(article, "raw_snippet", None)
    if raw is not None:
        text = html.unescape(raw)
        return mark_safe(  # noqa: S308 - escaped first; only our markers become <mark>
            " ".join(escape(text).split()).replace(_START, "<mark>").replace(_STOP, "</mark>")
        )
    return _fallback_snippet(article, query)


def _fallback_snippet(article, query):
    body = html.unescape(strip_tags(article.body))
    text = " ".join(f"{article.summary} … {body}".split())
    words = text.split(" ")
    terms = [word for term in _terms(query) for word in term.split()]
    lowered = [word.lower() for word in words]
    first = next((i for i, word in enumerate(lowered) if any(term in word for term in terms)), 0)
    start = max(0, first - 8)
    excerpt = words[start : start + SNIPPET_WORDS]
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts = []
    for word in excerpt:
        escaped = escape(word)
        if terms and pattern.search(word):
            escaped = f"<mark>{escaped}</mark>"
        parts.append(escaped)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return mark_safe(prefix + " ".join(parts) + suffix)  # noqa: S308 - every word escaped
