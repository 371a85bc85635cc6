"""`make bench` (``python -m newsroom.bench``): the site under load, as in production.

What it starts: the content of issue 9's comparison (10,000 generated stories, the
story page with ~700 words, 5 tags, 50 approved comments and a comment form; SQLite
in a temporary directory, or ``--database-url`` / ``BENCH_DATABASE_URL`` for a
PostgreSQL database the bench may drop), then gunicorn with newsroom/gunicorn.conf.py
in production mode (``NEWSROOM_ENV=production``, DEBUG off, access log on, Redis DB 7
as the cache, 2 × cores + 1 sync workers), behind the bench acting as the
TLS-terminating proxy (``X-Forwarded-Proto: https``, readers' addresses in
``X-Forwarded-For``, ``TRUSTED_PROXIES=127.0.0.1``). Full production mode works
because the proxy headers satisfy the HTTPS redirect exactly as nginx does.

Load comes from other processes (wrk, an asyncio client, a Django "moderator"
process) to 127.0.0.1 only, each bounded in time and count. Rows, in one table and
in var/bench/bench-<time>.json (and var/bench/latest.json):

* floor: gunicorn, same settings, returning fixed bytes from a bare WSGI app. Rows
  marked "× floor" are ratios to it, so they mean the same on any machine.
* rendered: page cache off; home, the story with 50 comments, section, tag and
  contributor pages. SQL per page counted in-process (``CaptureQueriesContext``
  around the real WSGI application, same database).
* cached: page cache on; story and home as anonymous readers get them, and the
  story with a matching ``If-None-Match`` (every answer must be 304, no SQL).
* storm: comments POSTed as fast as the site takes them (16 connections; a new
  commenter each time, email and address, so flood limits refuse nothing and any 429
  is counted) while the cached story is read by 8 more; afterwards every 303 must match
  exactly one stored row and every refusal none. Read latency and req/s are compared
  with idle reads just before.
* breaking: readers spread over home, sections and a few hundred stories, and others
  on one hot story, idle and then while a separate Django process posts and
  approves (``comments.moderation.approve``) 2 comments a second on the hot story, in
  turns (idle, approving, … idle) so the machine's drift falls on both alike; the
  ``X-Page-Cache`` hit rate of the other pages and both throughputs vs idle.
* memory: 10,000 mixed requests (lists, stories, archives, feeds, sitemap, search),
  page cache off, then each worker's RSS from /proc/<pid>/status; workers gunicorn
  killed for a timeout are reported (their replacements' RSS would flatter).

Every row is preceded by a warm-up (each worker serves the page, and takes a comment,
before anything is measured). The statistics the query planner sees are those of a
production database: ``ANALYZE`` after loading PostgreSQL (autovacuum's steady
state), none on SQLite (the site never runs it).

Options: --seconds (10), --connections (32), --quick (3 s rows, 5 s turns of breaking news,
1,000-request memory run), --scenario NAME, --stories, --database-url, --keep (the
run's directory with gunicorn's logs). The generated database is kept under
var/bench/content/ per schema and generator, so later runs start in seconds. ``python -m newsroom.bench.inside
profile-post`` shows where the time of posting a comment goes.
"""
