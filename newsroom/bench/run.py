"""`make bench` / `python -m newsroom.bench`: what runs, in which order (see __init__)."""

import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from . import report, site
from .load import drive, fetch, http_request, percentile, together, wrk
from .site import log
from .storms import CommentScenarios

SCENARIOS = ["floor", "rendered", "cached", "storm", "breaking", "memory"]
# Rows that are ratios to the floor measure it in the same run.
NEEDS_FLOOR = {"floor", "rendered", "cached"}
# Cached pages: turns of the page, each between two of bare gunicorn sending its bytes.
CACHED_ROUNDS = 3
TOKEN_MIN_AGE = 3  # comments.checks.TOKEN_MIN_AGE: sooner looks like a robot


class Bench(CommentScenarios):
    def __init__(self, args, env, content, results, log_dir):
        self.args = args
        self.env = env
        self.content = content
        self.results = results
        self.log_dir = log_dir
        self.seconds = args.seconds
        self.connections = args.connections
        hot = content["hot"]
        self.hot = hot["path"]
        self.pages = {
            "home page": content["home"],
            f"story page ({hot['approved_comments']} comments)": hot["path"],
            "section page": content["section"],
            "tag page": content["tag"],
            "contributor page": content["contributor"],
        }
        self.pages = {name: path for name, path in self.pages.items() if path}

    def serve(self, name, cache_seconds, **settings):
        site.flush_cache()
        env = self.env | {"PAGE_CACHE_SECONDS": str(cache_seconds)} | settings
        servers = self.results.details.setdefault("servers", {})
        return site.serving("newsroom.wsgi", env, self.log_dir, name, record=servers)

    def warm(self, server, paths, headers=None):
        """Each worker renders each page once before it is measured (templates,
        URL resolver, connections): a run measures the steady state, not start-up."""
        drive(
            server.port,
            lambda n: http_request(server.port, paths[n % len(paths)], headers=headers),
            count=len(paths) * site.workers() * 2,
            seconds=120,
            concurrency=site.workers(),
        )

    def _wrk(self, base, paths, connections=None, **options):
        return wrk(
            base,
            paths,
            seconds=self.seconds,
            connections=connections or self.connections,
            **options,
        )

    # Scenarios -------------------------------------------------------------------

    def floor(self):
        with site.serving("newsroom.bench.floor:app", self.env, self.log_dir, "floor") as server:
            self.warm(server, ["/"])
            measured = self._wrk(server.base, ["/"])
        self.results.row("floor", "gunicorn, fixed bytes (6 KB)", measured)

    @contextmanager
    def same_bytes_floor(self, body):
        """gunicorn sending a cached page's own bytes: the floor a hit is held to.

        A cached story is ~6× the 6 KB floor's body; sending it costs the kernel and the
        load generator alike, whatever the application does. Cached rows are reported
        against the floor of their own bytes (the 6 KB ratio stays in their notes)."""
        body = body.encode() if isinstance(body, str) else body
        path = Path(self.log_dir) / f"floor-{len(body)}.html"
        path.write_bytes(body)
        env = self.env | {"FLOOR_BODY_FILE": str(path)}
        with site.serving(
            "newsroom.bench.floor:app", env, self.log_dir, f"floor-{len(body)}"
        ) as server:
            self.warm(server, ["/"])
            yield server

    def in_turns(self, page, floor):
        """``page`` and ``floor`` (each a function of seconds → a wrk result) measured in
        turns — floor, page, floor … floor, ``CACHED_ROUNDS`` of the page — so that the
        machine's drift between them (a third within minutes, on a shared machine)
        falls on both alike; each added up over its turns."""
        seconds = max(self.seconds // 2, 3)
        turns = {"page": [], "floor": []}
        for turn in ["floor", "page"] * CACHED_ROUNDS + ["floor"]:
            turns[turn].append((page if turn == "page" else floor)(seconds))
        return together(turns["page"]), together(turns["floor"])

    def rendered(self):
        with self.serve("rendered", 0) as server:
            for name, path in self.pages.items():
                log(f"rendered: {name} {path}")
                self.warm(server, [path])
                measured = self._wrk(server.base, [path])
                row = self.results.row("rendered", name, measured, path=path)
                self._status_notes(row, measured)
        counts = site.inside(
            self.env | {"PAGE_CACHE_SECONDS": "0"},
            "queries",
            "--mode",
            "rendered",
            "--pages",
            json.dumps(self.pages),
        )
        self.results.details["queries_rendered"] = counts
        for row in self.results.rows:
            if row["scenario"] == "rendered":
                probe = counts[row["name"]]
                row["queries"] = probe["queries"]
                if probe["status"] != 200:
                    row["notes"].append(f"SQL probe answered {probe['status']}")
        for row in self._rows("rendered"):
            self.results.target(
                f"rendered {row['name']} ≥ 3% of the floor",
                self._ratio_text(row),
                (row["ratio_to_floor"] or 0) >= 0.03,
            )
        worst = max(counts.values(), key=lambda c: c["queries"])
        self.results.target(
            "SQL per rendered page ≤ 6",
            ", ".join(f"{name} {c['queries']}" for name, c in counts.items()),
            worst["queries"] <= 6,
        )

    def cached(self):
        story = self.hot
        pages = {}
        with self.serve("cached", 600) as server:
            for path in ("/", story):
                fetch(server.base + path)
                pages[path] = fetch(server.base + path)[2]
            status, headers, _ = fetch(server.base + story)
            etag = headers.get("ETag", "")
            for name, path, extra in (
                ("story page, page cache hit", story, {}),
                ("home page, page cache hit", "/", {}),
                ("story page, If-None-Match (304)", story, {"If-None-Match": etag}),
            ):
                log(f"cached: {name}")
                self.warm(server, [path], extra)
                if extra:
                    # A 304 has no body to compare: the 6 KB floor is its floor.
                    measured = self._wrk(server.base, [path], headers=extra)
                    row = self.results.row("cached", name, measured, path=path)
                    self._status_notes(row, measured)
                    continue
                with self.same_bytes_floor(pages[path]) as floor:
                    measured, bare = self.in_turns(
                        lambda seconds, path=path: wrk(
                            server.base, [path], seconds=seconds, connections=self.connections
                        ),
                        lambda seconds, floor=floor: wrk(
                            floor.base, ["/"], seconds=seconds, connections=self.connections
                        ),
                    )
                row = self.results.row("cached", name, measured, path=path)
                self._status_notes(row, measured)
                size = len(pages[path].encode()) // 1024
                row["notes"].append(
                    f"{row['ratio_to_floor']:.3f} × the 6 KB floor; same {size} KB from bare "
                    f"gunicorn, in turns with it: {bare['rps']:,.0f} req/s "
                    f"(turns {' / '.join(f'{r:,}' for r in bare['rps_per_turn'])} against "
                    f"{' / '.join(f'{r:,}' for r in measured['rps_per_turn'])})"
                )
                row["ratio_to_floor"] = measured["rps"] / bare["rps"]
                row["floor_same_bytes_rps"] = bare["rps"]
        site.flush_cache()
        counts = site.inside(
            self.env | {"PAGE_CACHE_SECONDS": "600"},
            "queries",
            "--mode",
            "cached",
            "--pages",
            json.dumps({"story": story, "home": "/"}),
        )
        self.results.details["queries_cached"] = counts
        story_row, home_row, conditional_row = self._rows("cached")
        story_row["queries"] = counts["story"]["queries"]
        home_row["queries"] = counts["home"]["queries"]
        conditional_row["queries"] = counts["story"].get("queries_304")
        for row in (story_row, home_row):
            self.results.target(
                f"cached {row['name'].split(',')[0]} ≥ 70% of the floor",
                self._ratio_text(row),
                (row["ratio_to_floor"] or 0) >= 0.70,
            )
        answered_304 = conditional_row["measured"]["statuses"].get("304", 0)
        self.results.target(
            "a matching If-None-Match answers 304 without touching the database",
            f"{answered_304:,} of {conditional_row['measured']['requests']:,} answered 304, "
            f"{conditional_row['queries']} queries",
            answered_304 == conditional_row["measured"]["requests"]
            and conditional_row["queries"] == 0,
        )

    def memory(self):
        c = self.content
        mixed = [
            c["home"],
            *c["sections"],
            *c["tags"],
            *c["contributors"],
            *c["archives"],
            *c["stories"],
            c["hot"]["path"],
            "/feed/",
            "/feed/atom/",
            "/sitemap.xml",
            "/corrections/",
            *(f"/search/?q={word}" for word in ("harbour", "council", "market", "school")),
        ]
        count = self.args.memory_requests
        with self.serve("memory", 0) as server:
            before = server.worker_rss_mb()
            log(f"memory: {count:,} mixed requests over {len(mixed)} pages, page cache off")
            answers, elapsed = drive(
                server.port,
                lambda n: http_request(server.port, mixed[n % len(mixed)]),
                count=count,
                seconds=self.args.memory_seconds,
                concurrency=site.workers() * 2,
            )
            after = server.worker_rss_mb()
            timeouts = server.worker_timeouts()
        statuses = {}
        for _, status, _, _ in answers:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        latencies = [seconds * 1000 for _, _, seconds, _ in answers]
        bad = sum(n for s, n in statuses.items() if not (s.isdigit() and 200 <= int(s) < 400))
        largest = max((w["rss_mb"] for w in after.values()), default=0)
        measured = {
            "requests": len(answers),
            "seconds": round(elapsed, 2),
            "rps": len(answers) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99),
            "errors": bad,
            "statuses": statuses,
        }
        self.results.row(
            "memory",
            f"{len(answers):,} mixed requests, rendered",
            measured,
            ratio=False,
            notes=[
                "worker RSS "
                + ", ".join(f"{w['rss_mb']:.0f}" for w in after.values())
                + " MB (at start "
                + ", ".join(f"{w['rss_mb']:.0f}" for w in before.values())
                + ")"
            ]
            + (
                [f"{timeouts} worker(s) killed by gunicorn's timeout and replaced"]
                if timeouts
                else []
            ),
        )
        self.results.details["memory"] = {"before": before, "after": after, "pages": len(mixed)}
        self.results.target(
            f"each worker < 150 MB RSS after {len(answers):,} mixed requests",
            f"largest {largest:.0f} MB"
            + (f"; {timeouts} worker(s) replaced after a timeout" if timeouts else ""),
            largest < 150 and len(answers) >= count and not timeouts,
        )

    # Helpers ---------------------------------------------------------------------

    def _rows(self, scenario):
        return [row for row in self.results.rows if row["scenario"] == scenario]

    @staticmethod
    def _ratio_text(row):
        return f"{row['rps']:,.0f} req/s = {row['ratio_to_floor']:.3f} × floor"

    @staticmethod
    def _status_notes(row, measured):
        statuses = ", ".join(f"{k} × {v:,}" for k, v in sorted(measured["statuses"].items()))
        cache = measured["cache"]
        total = sum(cache.values())
        if cache.get("hit"):
            statuses += f"; hits {cache['hit'] / total:.1%}"
        row["notes"].append(statuses)

    def _comment_form(self, server):
        """Where the hot story's form posts and its token, once a person could have typed."""
        status, _, page = fetch(server.base + self.hot)
        action = re.search(r'<form class="comment-form" method="post" action="([^"#]+)', page)
        token = re.search(r'name="token" value="([^"]+)"', page)
        if status != 200 or not action or not token:
            raise RuntimeError(f"{self.hot} answered {status} without a comment form")
        token = html.unescape(token.group(1))
        issued = int(token.split(":")[1])
        time.sleep(max(0.0, issued + TOKEN_MIN_AGE + 1 - time.time()))
        return html.unescape(action.group(1)), token


def parse(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m newsroom.bench",
        description="Requests per second of the reader's pages under gunicorn, as ratios to a "
        "floor measured in the same run; comment storm, breaking news, worker memory.",
    )
    parser.add_argument("--seconds", type=int, default=10, help="per row (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--quick", action="store_true", help="short run for development")
    parser.add_argument("--scenario", choices=SCENARIOS, help="run only this one")
    parser.add_argument("--stories", type=int, default=10_000, help="generated stories")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="a PostgreSQL database the bench drops and refills (its name must contain "
        "'bench'); default: SQLite in a temporary directory",
    )
    parser.add_argument(
        "--storm-rate",
        type=float,
        default=250,
        help="comments a second in the storm while the story is read (250)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the run's directory and logs")
    args = parser.parse_args(argv)
    args.memory_requests = 10_000
    args.memory_seconds = 900
    args.breaking_stories = 300
    if args.quick:
        args.seconds = min(args.seconds, 3)
        args.memory_requests = 1_000
        args.memory_seconds = 120
        args.breaking_stories = 100
    args.storm_max = 1000 * args.seconds
    return args


def main(argv=None):
    args = parse(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk); `make bench` installs it.")
    run_dir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    database = args.database_url or f"sqlite:///{run_dir / 'newsroom.sqlite3'}"
    env = site.site_env(run_dir, database)
    out_dir = site.ROOT / "var" / "bench"
    log(f"run directory {run_dir}")
    try:
        if args.database_url:
            site.prepare_postgres(env, stories=args.stories, seed=args.seed, log=log)
        else:
            site.prepare_sqlite(
                run_dir,
                env=env,
                stories=args.stories,
                seed=args.seed,
                cache_dir=out_dir / "content",
                log=log,
            )
        site.manage(env, "migrate", "--noinput", "-v0")
        site.manage(env, "collectstatic", "--noinput", "-v0")
        content = site.inside(env, "describe", "--stories", str(args.breaking_stories))
        hot = content["hot"]
        results = report.Results(
            {
                "started": time.strftime("%Y-%m-%d %H:%M"),
                "cores": os.cpu_count(),
                "workers": site.workers(),
                "connections": args.connections,
                "seconds": args.seconds,
                "database": "PostgreSQL" if args.database_url else "SQLite",
                "content": f"{content['stories_live']:,} stories, "
                f"{content['comments_total']:,} comments; the story: {hot['words']} words, "
                f"{hot['tags']} tags, {hot['approved_comments']} approved comments",
                "story": hot,
                "mode": "NEWSROOM_ENV=production, DEBUG off, access log on, Redis DB 7",
                "quick": args.quick,
            }
        )
        bench = Bench(args, env, content, results, run_dir)
        chosen = [args.scenario] if args.scenario else SCENARIOS
        if args.scenario in NEEDS_FLOOR - {"floor"}:
            chosen = ["floor", *chosen]
        for scenario in chosen:
            log(f"scenario {scenario}")
            getattr(bench, scenario)()
        print(report.table(results))
        path = report.write(results, out_dir)
        print(f"\nJSON: {path.relative_to(site.ROOT)} (and var/bench/latest.json)")
    finally:
        if args.keep:
            log(f"kept {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
