"""``make bench-scale``: readers' list pages and search at a million stories, on PostgreSQL.

Creates (or reuses) a PostgreSQL database, migrates it, fills it with
``generate_demo_data`` (a million stories with five approved comments each by default;
a second run adds nothing and takes a minute), serves it with gunicorn as configured in
``newsroom/gunicorn.conf.py`` with DEBUG and the page cache off, so every page is
rendered, and measures each page type with ``wrk`` over loopback: p50, p99 and requests
per second, against the targets (p99 under 50 ms for lists, 150 ms for search). Prints a
table and writes JSON; exits 1 when a target is missed or a request failed.

Each row rotates over several addresses of its kind (the most and least used tags and
contributors, years and months across the archive, common and rare words), so it
measures the kind of page rather than one cached row. Load goes to 127.0.0.1 only, for
``BENCH_SCALE_SECONDS`` per row.

Environment (all optional): ``BENCH_SCALE_DB`` (database name, default
newsroom_bench_scale), ``BENCH_SCALE_SERVER`` (default postgres://postgres@127.0.0.1:5432),
``BENCH_SCALE_STORIES`` (1000000), ``BENCH_SCALE_COMMENTS`` (5 per story),
``BENCH_SCALE_SECONDS`` (10), ``BENCH_SCALE_CONNECTIONS`` (2: one per core, the latency of a
page on an otherwise quiet site), ``BENCH_SCALE_PORT`` (8391), ``BENCH_SCALE_JSON``
(var/bench-scale.json), ``BENCH_SCALE_FILL`` (0: measure the database as it is, without
migrating or generating). The database is kept for the next run: drop it with
``dropdb -h 127.0.0.1 -U postgres newsroom_bench_scale``.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

from articles.demotext import COMMON_WORD, PLACES

ROOT = Path(__file__).resolve().parent.parent
LIST_TARGET_MS = 50
# Before each row: its load, not counted.
WARM_SECONDS = 3
SEARCH_TARGET_MS = 150
# Variables of the caller's shell that would point the site somewhere else.
CLEARED = {"DATABASE_URL", "REDIS_URL", "NEWSROOM_ENV", "DEBUG", "PAGE_CACHE_SECONDS", "BIND"}
CLEARED |= {"HOST", "PORT", "NEWSROOM_VAR_DIR", "SITE_URL", "DJANGO_SETTINGS_MODULE"}

WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def log(message):
    print(f"[bench-scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def settings_from_env():
    return {
        "db": os.environ.get("BENCH_SCALE_DB", "newsroom_bench_scale"),
        "server": os.environ.get("BENCH_SCALE_SERVER", "postgres://postgres@127.0.0.1:5432"),
        "stories": int(os.environ.get("BENCH_SCALE_STORIES", 1_000_000)),
        "comments": int(os.environ.get("BENCH_SCALE_COMMENTS", 5)),
        "seconds": int(os.environ.get("BENCH_SCALE_SECONDS", 10)),
        "connections": int(os.environ.get("BENCH_SCALE_CONNECTIONS", 2)),
        "port": int(os.environ.get("BENCH_SCALE_PORT", 8391)),
        "json": Path(os.environ.get("BENCH_SCALE_JSON", ROOT / "var" / "bench-scale.json")),
        "fill": os.environ.get("BENCH_SCALE_FILL", "1") != "0",
    }


def database(config):
    """The benchmark database, made if missing; its URL."""
    server = config["server"].rstrip("/")
    if urllib.parse.urlsplit(server).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench-scale runs against a PostgreSQL server on this machine only.")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["db"]]
        ).fetchone()
        if not exists:
            log(f"creating database {config['db']}")
            conn.execute(f'CREATE DATABASE "{config["db"]}"')
    return f"{server}/{config['db']}"


def site_env(database_url, var_dir):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return env | {
        "DATABASE_URL": database_url,
        "NEWSROOM_VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "PAGE_CACHE_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "LOG_LEVEL": "warning",
    }


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def fill(config, env, database_url):
    log("migrating")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    log(f"generating {config['stories']:,} stories, {config['comments']} comments each")
    manage(
        env,
        "generate_demo_data",
        "--stories",
        str(config["stories"]),
        "--comments-per-story",
        str(config["comments"]),
    )
    # What autovacuum does soon after a bulk load, done now so the first minutes of the
    # measurement are not its victims: visibility maps, statistics, search index merged.
    log("vacuum and analyze")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def addresses(database_url):
    """Page kind → the addresses measured for it (most and least used, spread in time)."""
    with psycopg.connect(database_url) as conn:

        def column(sql, *params):
            return [row[0] for row in conn.execute(sql, params).fetchall()]

        live = "a.status = 'published' AND a.publish_at <= now()"
        tags = """SELECT t.slug FROM taggit_tag t JOIN taggit_taggeditem i ON i.tag_id = t.id
                  JOIN articles_article a ON a.id = i.object_id
                  WHERE {live} GROUP BY t.slug ORDER BY count(*) {order}, t.slug LIMIT 3"""
        people = """SELECT c.slug FROM articles_contributor c
                    JOIN articles_byline b ON b.contributor_id = c.id
                    JOIN articles_article a ON a.id = b.article_id
                    WHERE {live} GROUP BY c.slug ORDER BY count(*) {order}, c.slug LIMIT 3"""
        months = column(
            f"SELECT DISTINCT to_char(a.publish_at AT TIME ZONE 'UTC', 'YYYY/MM') "  # noqa: S608
            f"FROM articles_article a WHERE {live} ORDER BY 1"
        )
        sections = column(
            f"SELECT s.slug FROM articles_section s JOIN articles_article a "  # noqa: S608
            f"ON a.section_id = s.id WHERE {live} GROUP BY s.slug ORDER BY count(*) DESC LIMIT 4"
        )
        pages = {
            "home": ["/"],
            "section": [f"/section/{s}/" for s in sections],
            "tag, most used": [f"/tag/{s}/" for s in column(tags.format(live=live, order="DESC"))],
            "tag, least used": [f"/tag/{s}/" for s in column(tags.format(live=live, order="ASC"))],
            "contributor, most": [
                f"/contributor/{s}/" for s in column(people.format(live=live, order="DESC"))
            ],
            "contributor, least": [
                f"/contributor/{s}/" for s in column(people.format(live=live, order="ASC"))
            ],
            "archive, year": sorted({f"/{m[:4]}/" for m in months}),
            "archive, month": [f"/{m}/" for m in months[:: max(1, len(months) // 24)]],
            "search, common": [
                f"/search/?q={urllib.parse.quote(q)}"
                for q in (COMMON_WORD, "harbour bridge", "new school")
            ],
            "search, rare": [
                f"/search/?q={urllib.parse.quote(q)}" for q in (PLACES[-1], PLACES[-2], PLACES[-3])
            ],
        }
    return {kind: urls for kind, urls in pages.items() if urls}


class Site:
    """gunicorn serving the benchmark database on 127.0.0.1, as configured for production."""

    def __init__(self, env, port, log_path):
        self.env = env | {"BIND": f"127.0.0.1:{port}"}
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def __enter__(self):
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):  # noqa: S310
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within a minute; see {self.log_path}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def get(self, path):
        with urllib.request.urlopen(f"{self.base}{path}", timeout=30) as response:  # noqa: S310
            return response.status


def measure(site, urls, *, seconds, connections, work_dir):
    """wrk over ``urls`` in turn for ``seconds``: requests per second, p50 and p99 in ms."""
    script = Path(work_dir) / "rotate.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(u) for u in urls))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    output = subprocess.run(
        [*command, "-s", str(script), site.base],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    return {
        "req_per_s": round(result["requests"] / result["seconds"], 1),
        "p50_ms": round(result["p50_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "errors": result["errors"],
        "requests": result["requests"],
    }


def main():
    config = settings_from_env()
    database_url = database(config)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as work_dir:
        env = site_env(database_url, Path(work_dir) / "var")
        if config["fill"]:
            fill(config, env, database_url)
        else:
            manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        pages = addresses(database_url)
        rows = {}
        with Site(env, config["port"], Path(work_dir) / "gunicorn.log") as site:
            for urls in pages.values():  # warm every worker's caches (navigation, counts)
                for url in urls * 6:
                    if site.get(url) != 200:
                        raise SystemExit(f"{url} did not answer 200")
            for kind, urls in pages.items():
                log(f"measuring {kind}: {', '.join(urls)}")
                target = SEARCH_TARGET_MS if kind.startswith("search") else LIST_TARGET_MS
                # The same load for a few seconds first, not counted: the requests above
                # came one at a time, so one worker may have served them all, and a
                # worker's first requests open its connections and fill its caches.
                measure(
                    site,
                    urls,
                    seconds=WARM_SECONDS,
                    connections=config["connections"],
                    work_dir=work_dir,
                )
                rows[kind] = measure(
                    site,
                    urls,
                    seconds=config["seconds"],
                    connections=config["connections"],
                    work_dir=work_dir,
                ) | {"target_p99_ms": target, "urls": urls}
                rows[kind]["ok"] = rows[kind]["p99_ms"] < target and not rows[kind]["errors"]
    report(config, rows)
    return 0 if all(row["ok"] for row in rows.values()) else 1


def report(config, rows):
    print(
        f"\n{config['stories']:,} stories, {config['comments']} comments each, PostgreSQL; "
        f"wrk -c{config['connections']}, {config['seconds']} s per page, page cache off\n"
    )
    print(f"{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'target':>8}  ")
    for kind, row in rows.items():
        verdict = "ok" if row["ok"] else ("ERRORS" if row["errors"] else "MISSED")
        print(
            f"{kind:<20} {row['req_per_s']:>8.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{'< ' + str(row['target_p99_ms']):>8}  {verdict}"
        )
    config["json"].parent.mkdir(parents=True, exist_ok=True)
    summary = {k: v for k, v in config.items() if k not in ("json", "server", "fill")}
    config["json"].write_text(json.dumps({"config": summary, "pages": rows}, indent=2) + "\n")
    print(f"\nJSON: {config['json']}")


if __name__ == "__main__":
    sys.exit(main())
