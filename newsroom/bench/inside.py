"""The bench's work inside Django, each run as its own process with the site's environment.

``python -m newsroom.bench.inside COMMAND``; the answer is one JSON line on stdout.
These run beside gunicorn (never inside it), against the same database and cache:

* ``describe``: which pages to load (the story with 50 comments, its section, tag and
  contributor, a few hundred other stories) and how big the content is.
* ``queries``: SQL per page, counted in-process with the test client and
  ``CaptureQueriesContext`` (rendered, page-cache miss, hit and 304, and a comment POST).
* ``storm-rows``: how many comments were stored for each email of a comment storm.
* ``approve``: the breaking-news moderator, posting comments to one story over HTTP and
  approving each through ``comments.moderation``, at a fixed rate.
* ``profile-post``: where the time of posting a comment goes (cProfile, in-process).
"""

import argparse
import cProfile
import html
import io
import json
import os
import pstats
import re
import sys
import time
import urllib.parse
from pathlib import Path

from newsroom.bench.load import fetch

GUNICORN_CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"

# Every request the bench makes comes through a "TLS-terminating proxy" at 127.0.0.1,
# as in production behind nginx: https, the reader's address, same-origin forms.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Sec-Fetch-Site": "same-origin"}
HOST = "127.0.0.1"


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def _answer(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


# describe ------------------------------------------------------------------------


def describe(args):
    from django.db.models import Count, Q
    from django.urls import reverse

    from articles.models import Article, Section
    from comments.models import Comment
    from comments.policy import policy_for

    live = Article.objects.live()
    approved = dict(
        Comment.objects.filter(status=Comment.Status.APPROVED, article__in=live)
        .values("article")
        .annotate(n=Count("pk"))
        .values_list("article", "n")
    )
    # The story page of the issue's comparison: 50 approved comments (the closest),
    # 5 tags (the closest), taking comments.
    candidates = sorted(approved, key=lambda pk: (abs(approved[pk] - args.comments), -pk))[:200]
    tag_counts = dict(
        live.filter(pk__in=candidates).annotate(n=Count("tags")).values_list("pk", "n")
    )
    candidates.sort(key=lambda pk: (abs(approved[pk] - args.comments), abs(tag_counts[pk] - 5)))
    hot = None
    for pk in candidates or live.order_by("-publish_at").values_list("pk", flat=True)[:50]:
        article = live.for_display().get(pk=pk)
        if policy_for(article).is_open:
            hot = article
            break
    if hot is None:
        sys.exit("No live story takes comments: the bench needs one.")
    byline = hot.bylines.select_related("contributor").first()
    tag = hot.tags.order_by("slug").first()
    others = list(
        live.exclude(pk=hot.pk)
        .order_by("-publish_at", "-pk")
        .values_list("slug", flat=True)[: args.stories]
    )
    published = hot.publish_at
    _answer(
        {
            "stories_live": live.count(),
            "comments_total": Comment.objects.count(),
            "hot": {
                "id": hot.pk,
                "path": hot.get_absolute_url(),
                "action": reverse("comments:post", args=[hot.pk]),
                "approved_comments": approved.get(hot.pk, 0),
                "tags": hot.tags.count(),
                "words": len(re.sub(r"<[^>]+>", " ", hot.body).split()),
            },
            "home": "/",
            "section": hot.section.get_absolute_url() if hot.section_id else None,
            "sections": [s.get_absolute_url() for s in Section.objects.order_by("slug")],
            "tag": reverse("articles:tag", kwargs={"slug": tag.slug}) if tag else None,
            "contributor": (
                reverse("articles:contributor", kwargs={"slug": byline.contributor.slug})
                if byline
                else None
            ),
            "archives": [
                f"/{published:%Y}/",
                f"/{published:%Y}/{published:%m}/",
                f"/{published:%Y}/{published:%m}/{published:%d}/",
            ],
            "stories": [reverse("articles:detail", kwargs={"slug": slug}) for slug in others],
            "tags": [
                reverse("articles:tag", kwargs={"slug": slug})
                for slug in live.filter(tags__isnull=False)
                .values_list("tags__slug", flat=True)
                .distinct()[:50]
            ],
            "contributors": sorted(
                {
                    reverse("articles:contributor", kwargs={"slug": slug})
                    for slug in live.filter(~Q(bylines=None)).values_list(
                        "bylines__contributor__slug", flat=True
                    )[:500]
                }
            )[:50],
        }
    )


# queries -------------------------------------------------------------------------


class _Response:
    def __init__(self, status, headers, body):
        self.status_code = status
        self.headers = dict(headers)
        self.body = body

    def get(self, name, default=""):
        return self.headers.get(name, default)


def wsgi(path, *, method="GET", headers=None, data=None, remote_addr="127.0.0.1"):
    """One request through the site's WSGI application in this process: the object
    gunicorn serves, fast path included, as the bench's proxy would send it."""
    from newsroom.wsgi import application

    path, _, query = path.partition("?")
    body = urllib.parse.urlencode(data).encode() if data is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr,
        "HTTP_HOST": HOST,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if data is not None:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (PROXY_HEADERS | (headers or {})).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = response_headers

    chunks = application(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return _Response(answer["status"], answer["headers"], content)


def _count(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, len(captured.captured_queries)


def queries(args):
    """SQL per request: ``--mode rendered`` (page cache off), or ``cached``: the first
    request (a miss: the caller emptied the cache), the next (a hit) and one carrying
    the hit's ETag (304)."""
    from comments.policy import issue_form_token

    pages = json.loads(args.pages)
    found = {}
    for path in pages.values():
        # The process's first requests: imports, templates, settings rows.
        wsgi(path + ("&" if "?" in path else "?") + "warm=1")
    for name, path in pages.items():
        if args.mode == "rendered":
            response, count = _count(lambda path=path: wsgi(path))
            found[name] = {"status": response.status_code, "queries": count}
            continue
        miss, miss_count = _count(lambda path=path: wsgi(path))
        hit, hit_count = _count(lambda path=path: wsgi(path))
        etag = hit.get("ETag")
        entry = {
            "status": hit.status_code,
            "queries_miss": miss_count,
            "cache_miss": miss.get("X-Page-Cache"),
            "queries": hit_count,
            "cache": hit.get("X-Page-Cache"),
            "etag": etag,
        }
        if etag:
            conditional, entry["queries_304"] = _count(
                lambda path=path, etag=etag: wsgi(path, headers={"If-None-Match": etag})
            )
            entry["status_304"] = conditional.status_code
        found[name] = entry
    if args.post_action:
        # One real comment, from a new reader at a new address: every query of the
        # POST, its after-commit work included.
        stamp = f"{time.time_ns()}"
        response, count = _count(
            lambda: wsgi(
                args.post_action,
                method="POST",
                data={
                    "name": "Query Counter",
                    "email": f"bench-queries-{stamp}@example.com",
                    "body": f"Counting the queries of one comment ({stamp}).",
                    "token": issue_form_token(args.post_story, at=time.time() - 60),
                    "parent": "",
                    "leave_empty": "",
                },
                headers={"X-Forwarded-For": f"192.0.2.{int(stamp) % 250 + 1}"},
            )
        )
        found["comment POST"] = {"status": response.status_code, "queries": count}
    _answer(found)


# storm-rows ----------------------------------------------------------------------


def storm_rows(args):
    from django.db.models import Count

    from comments.models import Comment

    rows = (
        Comment.objects.filter(email__startswith=args.prefix)
        .values("email")
        .annotate(n=Count("pk"))
        .values_list("email", "n")
    )
    _answer(dict(rows))


# approve -------------------------------------------------------------------------


def _http(url, data=None, headers=None):
    status, _, text = fetch(url, data=data, headers=PROXY_HEADERS | (headers or {}), timeout=30)
    return status, text


def form_token(page):
    match = re.search(r'name="token" value="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else ""


def approve(args):
    """Post a comment to the hot story and approve it, ``--rate`` times a second.

    Open loop, like real readers and moderators: each comment is sent on schedule
    by a thread of its own, whatever the latency of the ones before it. With
    ``--rate 0`` it starts, gets ready and waits out ``--seconds`` doing nothing:
    the idle turns' twin of an approving one.
    """
    import runpy
    import threading
    from concurrent.futures import ThreadPoolExecutor

    # It stands in for the gunicorn worker in which a moderator approves (and which
    # renders the story anew): scheduled as the site's workers are, WORKER_NICE. At
    # normal priority its renders went before the readers' workers, and breaking news'
    # other pages kept 85-90% of their idle throughput; at it, 91-95% (two runs).
    runpy.run_path(str(GUNICORN_CONF))["yield_cpu"]()

    from django.contrib.auth import get_user_model
    from django.db import connection

    from comments import moderation
    from comments.models import Comment

    moderator, _ = get_user_model().objects.get_or_create(
        username="bench-moderator", defaults={"is_staff": True}
    )
    status, page = _http(args.base + args.story_path)
    token = form_token(page)
    if status != 200 or not token:
        sys.exit(f"approve: the story answered {status} without a comment form")
    tally = {"posted": 0, "approved": 0, "problems": {}, "approved_at": []}
    lock = threading.Lock()

    def note(problem):
        with lock:
            tally["problems"][problem] = tally["problems"].get(problem, 0) + 1

    def post_and_approve(n):
        email = f"{args.prefix}-{n}@example.com"
        try:
            status, _ = _http(
                args.base + args.action,
                {
                    "name": f"Breaking Reader {n}",
                    "email": email,
                    "body": f"On the breaking story, comment {n} from {args.prefix}.",
                    "token": token,
                    "parent": "",
                    "leave_empty": "",
                },
                {"X-Forwarded-For": f"198.18.{n // 250 % 250}.{n % 250 + 1}"},
            )
            if status != 303:
                return note(str(status))
            with lock:
                tally["posted"] += 1
            comment = Comment.objects.filter(email=email).first()
            if comment is None:
                return note("answered 303, not stored")
            if moderation.approve(comment, by=moderator):
                with lock:
                    tally["approved"] += 1
                    tally["approved_at"].append(time.monotonic() - started)
        except OSError as error:
            note(type(error).__name__)
        finally:
            connection.close()

    # What the first approval would load is loaded now, before the measured window, as
    # a moderator's long-running worker has it: the ORM's queries and the moderation
    # rules (by approving no comment at all), and the story page's templates, views and
    # middleware, which an approval renders (pagecache.refresh; nothing is stored).
    from pagecache import refresh

    moderation.approve(Comment.objects.filter(email=f"{args.prefix}-0@example.com"), by=moderator)
    refresh.render("https://" + args.base.split("://", 1)[1] + args.story_path)
    connection.close()
    print("ready", flush=True)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        n = 0
        if not args.rate:
            time.sleep(args.seconds)
        while args.rate and (due := started + n / args.rate) < started + args.seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            n += 1
            pool.submit(post_and_approve, args.first + n)
    elapsed = time.monotonic() - started
    within = sum(1 for at in tally["approved_at"] if at <= args.seconds)
    _answer(
        {
            "sent": n,
            "posted": tally["posted"],
            "approved": tally["approved"],
            "approved_within_window": within,
            "seconds": round(elapsed, 2),
            "approved_per_second": round(within / args.seconds, 2),
            "problems": tally["problems"],
        }
    )


# profile-post --------------------------------------------------------------------


def profile_post(args):
    """Post ``--count`` comments through the test client under cProfile; print the costs."""
    from comments.policy import issue_form_token

    token = issue_form_token(args.story, at=time.time() - 60)
    stamp = time.time_ns()

    def post(n):
        return wsgi(
            args.action,
            method="POST",
            data={
                "name": f"Profiled Reader {n}",
                "email": f"bench-profile-{stamp}-{n}@example.com",
                "body": f"Profiling comment {n} of run {stamp}.",
                "token": token,
                "parent": "",
                "leave_empty": "",
            },
            headers={"X-Forwarded-For": f"10.{stamp % 200}.{n // 250 % 250}.{n % 250 + 1}"},
        )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(0)  # warm: imports, caches
    statuses = {}
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        for n in range(1, args.count + 1):
            status = post(n).status_code
            statuses[status] = statuses.get(status, 0) + 1
    plain = (time.perf_counter() - started) / args.count
    # A copy now: the next request empties the connection's log.
    queries = list(captured.captured_queries)
    # The same again under cProfile, for where Python's time goes.
    profile = cProfile.Profile()
    profile.enable()
    for n in range(args.count + 1, 2 * args.count + 1):
        post(n)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    sys.stderr.write(out.getvalue())
    # SQL by statement (literals taken out), the costliest first.
    by_statement = {}
    for query in queries:
        shape = re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", query["sql"])
        total, calls = by_statement.get(shape, (0.0, 0))
        by_statement[shape] = (total + float(query["time"]), calls + 1)
    costly = sorted(by_statement.items(), key=lambda item: -item[1][0])
    _answer(
        {
            "posts": args.count,
            "statuses": statuses,
            "ms_per_post": round(plain * 1000, 2),
            "queries_per_post": round(len(queries) / args.count, 1),
            "sql_ms_per_post": round(sum(float(q["time"]) for q in queries) / args.count * 1000, 2),
            "costliest_sql": [
                {"ms_per_post": round(total / args.count * 1000, 2), "calls": calls, "sql": sql}
                for sql, (total, calls) in costly[:8]
            ],
        }
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m newsroom.bench.inside")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("describe")
    p.add_argument("--stories", type=int, default=300)
    p.add_argument("--comments", type=int, default=50)
    p.set_defaults(run=describe)
    p = commands.add_parser("queries")
    p.add_argument("--mode", choices=["rendered", "cached"], required=True)
    p.add_argument("--pages", required=True, help="JSON object: name -> path")
    p.add_argument("--post-action", default="")
    p.add_argument("--post-story", type=int, default=0)
    p.set_defaults(run=queries)
    p = commands.add_parser("storm-rows")
    p.add_argument("--prefix", required=True)
    p.set_defaults(run=storm_rows)
    p = commands.add_parser("approve")
    p.add_argument("--base", required=True)
    p.add_argument("--story-path", required=True)
    p.add_argument("--action", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--rate", type=float, default=2.0)
    p.add_argument("--prefix", required=True)
    # Numbers commenters (and their addresses) from here: each run's commenters are new.
    p.add_argument("--first", type=int, default=0)
    p.set_defaults(run=approve)
    p = commands.add_parser("profile-post")
    p.add_argument("--action", required=True)
    p.add_argument("--story", type=int, required=True)
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--top", type=int, default=30)
    p.set_defaults(run=profile_post)
    args = parser.parse_args(argv)
    _setup()
    args.run(args)


if __name__ == "__main__":
    main()
