"""Search over live stories: PostgreSQL full-text search, or a plain fallback on SQLite.

On PostgreSQL the story text is weighted (headline A, summary B, body C), matched with
``websearch_to_tsquery`` (quotes, ``or`` and ``-word`` work as readers expect), ranked,
and shown with highlighted snippets. The weighted vector is a column the database keeps
(``articles_article.search_vector``, generated from the text, with the GIN index
``article_search_idx``: migration ``0007_scale_indexes``); it is not a model field, so no
other query carries it, and ``StoredVector()`` names it in a query.

Ranking reads each candidate's vector, so only the newest ``MAX_RESULTS`` matches are
ranked: a word found in a hundred thousand stories costs what a word found in five hundred
does, and readers get the best of the most recent matches (a news site's archive is read
newest first). The view asks for the ranked ids once and fetches only the page it shows
(``results``).

On SQLite, which has no full-text search in Django, every word or "quoted phrase" must
appear in the headline, summary or body (case-insensitive, no stemming), -words must
not; matches in the headline rank first.
"""

import html
import re

from django.db import OperationalError, connection
from django.db.models import Case, Expression, F, Q, TextField, Value, When
from django.db.models.expressions import Col
from django.db.models.functions import Concat
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from psycopg.errors import QueryCanceled

from .models import Article

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 35
# How many of the newest matches are ranked (and counted): 10 pages of 20.
MAX_RESULTS = 200
# See _postgres_ids: a search the database misjudges stops after this long (milliseconds)
# and is answered from this many of the newest stories.
SEARCH_TIMEOUT_MS = 50
RECENT_WINDOW = 5_000
RANKED = ("-rank", "-publish_at", "-pk")

# Highlight markers that cannot occur in story text: the snippet is escaped first,
# then the markers become <mark> elements.
_START, _STOP = "\ue000", "\ue001"


class StoredVector(Expression):
    """The story's stored search vector (PostgreSQL), in whatever query names it."""

    def resolve_expression(self, query=None, *args, **kwargs):
        from django.contrib.postgres.search import SearchVectorField

        column = SearchVectorField()
        column.set_attributes_from_name("search_vector")
        column.model = Article
        return Col(query.get_initial_alias(), column)


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_LENGTH]


def search(raw_query: str):
    """Live stories matching the reader's words, best match first (a queryset).

    Among the newest ``MAX_RESULTS`` matches; on PostgreSQL each result carries
    ``raw_snippet`` for ``snippet()``. An empty query matches nothing.
    """
    query = clean_query(raw_query)
    if not query:
        return Article.objects.none()
    return _with_snippets(_ranked(query).for_listing().order_by(*RANKED), query)


class Results:
    """The view's results: the ranked ids in one query, then only the stories of the page shown.

    Django's paginator counts them with ``len()`` (at most ``MAX_RESULTS``) and slices out a
    page; a page is one query for its stories (with snippets) plus their bylines.
    """

    def __init__(self, raw_query: str):
        self.query = clean_query(raw_query)
        self._ids = None

    def ids(self):
        if self._ids is None:
            if not self.query:
                self._ids = []
            elif full_text_available():
                self._ids = _postgres_ids(self.query)
            else:
                self._ids = list(_ranked(self.query).order_by(*RANKED).values_list("pk", flat=True))
        return self._ids

    def __len__(self):
        return len(self.ids())

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        wanted = self.ids()[index]
        if not wanted:
            return []
        # Live again: a story taken down since the ids were read is not shown.
        stories = _with_snippets(
            Article.objects.filter(pk__in=wanted).still_live().for_listing(), self.query
        )
        by_pk = {story.pk: story for story in stories}
        return [by_pk[pk] for pk in wanted if pk in by_pk]


def results(raw_query: str) -> Results:
    return Results(raw_query)


def _ranked(query):
    """Live matches among the newest ``MAX_RESULTS``, annotated with ``rank`` (unordered)."""
    live = Article.objects.live()
    if full_text_available():
        search_query = _search_query(query)
        newest = live.alias(document=StoredVector()).filter(document=search_query)
        rank = _postgres_rank(search_query)
    else:
        wanted, unwanted = _parse(query)
        if not wanted:
            return Article.objects.none()
        newest = live.filter(_fallback_matches(wanted, unwanted))
        rank = _fallback_rank(wanted)
    newest = newest.order_by("-publish_at", "-pk").values("pk")[:MAX_RESULTS]
    return Article.objects.filter(pk__in=newest).annotate(rank=rank)


def _postgres_ids(query):
    """The ranked ids, ranking the newest matches as they come out of their LIMIT.

    Written around the ORM's query because Django cannot select from a subquery: ranking
    in an outer ``id IN (…)`` query would look every candidate up again by id.

    The database chooses between reading the search index (a rare word) and walking the
    newest stories until enough match (a common one) from its statistics, which cannot
    judge every query: a phrase of two common words that rarely stand together looks
    common, and the walk would read the whole archive. Such a search is stopped after
    ``SEARCH_TIMEOUT_MS`` and answered from the newest ``RECENT_WINDOW`` stories.
    """
    search_query = _search_query(query)
    newest = (
        Article.objects.live()
        .annotate(story=F("pk"), at=F("publish_at"), document=StoredVector())
        .order_by("-publish_at", "-pk")
    )
    matches = newest.filter(document=search_query).values("story", "at", "document")
    sql, params = matches[:MAX_RESULTS].query.sql_with_params()
    rank = (
        "ORDER BY ts_rank(c.document, websearch_to_tsquery(%s::regconfig, %s)) DESC, "
        "c.at DESC, c.story DESC"
    )
    ranked = f"SELECT c.story FROM ({sql}) c {rank}"  # noqa: S608 - Django's SQL, values bound
    args = [*params, SEARCH_CONFIG, query]
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # A cancelled statement would abort the caller's transaction: no time limit.
            cursor.execute(ranked, args)
            return [row[0] for row in cursor.fetchall()]
        try:
            # One statement list runs as one transaction: the limit holds for this search.
            cursor.execute(f"SET LOCAL statement_timeout = {SEARCH_TIMEOUT_MS}; {ranked}", args)
            cursor.nextset()
            return [row[0] for row in cursor.fetchall()]
        except OperationalError as error:
            if not isinstance(error.__cause__, QueryCanceled):
                raise
        return _recent_ids(cursor, newest, query, rank)


def _recent_ids(cursor, newest, query, rank):
    """The ranked ids of the matches among the newest ``RECENT_WINDOW`` stories only."""
    window, params = newest.values("story", "at", "document")[
        :RECENT_WINDOW
    ].query.sql_with_params()
    cursor.execute(
        f"SELECT c.story FROM (SELECT * FROM ({window}) w "  # noqa: S608 - as above
        "WHERE w.document @@ websearch_to_tsquery(%s::regconfig, %s) "
        f"ORDER BY w.at DESC, w.story DESC LIMIT {int(MAX_RESULTS)}) c {rank}",
        [*params, SEARCH_CONFIG, query, SEARCH_CONFIG, query],
    )
    return [row[0] for row in cursor.fetchall()]


def _search_query(query):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _postgres_rank(search_query):
    from django.contrib.postgres.search import SearchRank

    return SearchRank(StoredVector(), search_query)


def _with_snippets(stories, query):
    """On PostgreSQL, the highlighted excerpt made by the database; on SQLite, the body
    (``snippet()`` cuts the excerpt from it)."""
    if not full_text_available():
        return stories.defer(None)
    from django.contrib.postgres.search import SearchHeadline
    from django.db.models import Func

    plain_body = Func(
        F("body"),
        Value("<[^>]*>"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    return stories.annotate(
        raw_snippet=SearchHeadline(
            Concat(F("summary"), Value(" … "), plain_body, output_field=TextField()),
            _search_query(query),
            config=SEARCH_CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=SNIPPET_WORDS,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
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


def _fallback_matches(wanted, unwanted):
    matches = Q()
    for term in wanted:
        matches &= _contains(term)
    for term in unwanted:
        matches &= ~_contains(term)
    return matches


def _fallback_rank(wanted):
    return sum(
        (
            Case(When(headline__icontains=term, then=Value(3)), default=Value(0))
            + Case(When(summary__icontains=term, then=Value(2)), default=Value(0))
            + Case(When(body__icontains=term, then=Value(1)), default=Value(0))
            for term in wanted
        ),
        Value(0),
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
