"""The scenarios with comments: a comment storm, and breaking news.

Both run against the production configuration with the page cache on. Posting
goes through the real form: the hot story's form token and action read from its
page, ``Sec-Fetch-Site: same-origin`` as a browser sends, and a new commenter (email
and ``X-Forwarded-For`` address) for every comment, so the flood limits, which are
per address and per email, refuse none of them. New commenters are held for
moderation (``hold_first_time``), so a storm changes no page readers see; in
breaking news a separate Django process approves each comment, which does.
"""

import json
import subprocess
import sys
import time
from collections import Counter

from . import site
from .load import PROXY_HEADERS, Wrk, drive, http_request, percentile, together, wrk
from .site import log
from .varnish import varnish

READ_PAUSE_MS = 8
# Workers of the pool that takes comment posts (deploy/nginx.conf's newsroom_posts).
POST_WORKERS = 3
# Breaking news: approving turns, each between two idle ones.
BREAKING_ROUNDS = 5
APPROVALS_PER_SECOND = 2
LABELS = {
    "capacity": "one pool",
    "one pool": "one pool for posts and reads",
    "own workers": "on workers of their own",
    "varnish": "reads behind Varnish",
}


def _turns(measured):
    return "turns " + " / ".join(f"{rps:,}" for rps in measured["rps_per_turn"])


def _ratio(value, idle):
    return value / idle if idle else float("nan")


def _statuses(answers):
    return dict(Counter(str(status) for _, status, _, _ in answers))


def _comment(port, action, token, prefix, n):
    """One comment from a new commenter: email and address (10.x.y.z) of their own."""
    return http_request(
        port,
        action,
        method="POST",
        headers={
            "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
            "Sec-Fetch-Site": "same-origin",
            "Origin": f"https://127.0.0.1:{port}",
        },
        data={
            "name": f"Storm Reader {n}",
            "email": f"{prefix}-{n}@example.com",
            "body": f"Comment {n} of the storm {prefix}: quick, but typed by hand.",
            "token": token,
            "parent": "",
            "leave_empty": "",
        },
    )


class CommentScenarios:
    """Mixed into ``run.Bench``: uses its server, content, results and settings."""

    def storm(self):
        """New commenters post while the cached story is read at a steady pace.

        First as fast as they can, to learn what one pool of workers takes. Then at a
        steady ``--storm-rate`` (250 a second), while the story is read: from one pool
        that serves posts and reads alike (for comparison: every worker may be busy
        with a post when a reader comes); with comment posts on workers of their own,
        as deploy/nginx.conf sends them (the bench is the proxy, see site.py); and with
        Varnish (deploy/varnish.vcl) in front for the reads.
        """
        readers = max(2, self.connections // 4)
        posters = max(2, self.connections // 2)
        prefix = f"storm-{int(time.time())}"
        proxy_port = site.free_port()
        purge = {"CACHE_PURGE_URLS": f"http://127.0.0.1:{proxy_port}/"}
        phases = {}
        with self.serve("storm", 600, **purge) as server:
            action, token = self._comment_form(server)
            # Every worker has read the story and taken a comment before it is measured.
            self._warm_posts(server, action, token, prefix, 4_000_000)
            log(f"storm: comments posted as fast as {posters} connections can, one pool")
            phases["capacity"] = self._posts(server.port, action, token, prefix, 0, posters)
            phases["one pool"] = self._storm_phase(
                server, server, action, token, prefix, 1_000_000, readers, posters
            )
            # The pool for comment posts: few workers, in the idle scheduling class
            # (newsroom/gunicorn.conf.py), so readers' workers and Varnish go first.
            pool = self.env | {"PAGE_CACHE_SECONDS": "600", "WORKER_NICE": "idle"} | purge
            pool |= {"WEB_CONCURRENCY": str(POST_WORKERS)}
            servers = self.results.details.setdefault("servers", {})
            with site.serving(
                "newsroom.wsgi", pool, self.log_dir, "storm-posts", record=servers
            ) as posts:
                self._warm_posts(posts, action, token, prefix, 5_000_000)
                phases["own workers"] = self._storm_phase(
                    server, posts, action, token, prefix, 2_000_000, readers, posters
                )
                with varnish(
                    port=proxy_port,
                    backend_port=server.port,
                    ready_path=self.hot,
                    headers=PROXY_HEADERS,
                ):
                    cache = site.Address(proxy_port)
                    phases["varnish"] = self._storm_phase(
                        cache, posts, action, token, prefix, 3_000_000, readers, posters
                    )
            time.sleep(1)  # let the last requests' after-commit work finish
        rows = site.inside(self.env, "storm-rows", "--prefix", prefix)
        counts = site.inside(
            self.env | {"PAGE_CACHE_SECONDS": "600"},
            "queries",
            "--mode",
            "rendered",
            "--pages",
            "{}",
            "--post-action",
            action,
            "--post-story",
            str(self.content["hot"]["id"]),
        )
        self._storm_rows(phases, rows, counts["comment POST"], prefix)

    def _warm_posts(self, server, action, token, prefix, first):
        self.warm(server, [self.hot])
        drive(
            server.port,
            lambda n: _comment(server.port, action, token, f"warm-{prefix}", first + n),
            count=4 * server.workers,
            seconds=120,
            concurrency=server.workers,
        )

    def _posts(self, port, action, token, prefix, first, posters, rate=None):
        answers, elapsed = drive(
            port,
            lambda n: _comment(port, action, token, prefix, first + n),
            count=self.args.storm_max,
            seconds=self.seconds,
            concurrency=posters,
            rate=rate,
        )
        answers = [(first + n, status, took, headers) for n, status, took, headers in answers]
        return {"answers": answers, "elapsed": elapsed}

    def _storm_phase(self, readers_to, posts_to, action, token, prefix, first, readers, posters):
        """Reads of the story from ``readers_to``, idle and then while comments go to
        ``posts_to`` at the steady rate."""
        wrk(readers_to.base, [self.hot], seconds=1, connections=readers)  # cached there
        # Readers come at a steady pace, as readers do: at most 1 / READ_PAUSE a second
        # per connection (about 1,000 req/s with 8), a third of what one pool serves as
        # hits, so that the machine has room for the posts (about a core at 250/s).
        pace = {"pause_ms": READ_PAUSE_MS}
        log(f"storm: idle reads of the story from {readers_to.base}, {readers} connections")
        idle = self._wrk(readers_to.base, [self.hot], connections=readers, **pace)
        rate = self.args.storm_rate
        log(f"storm: {rate:.0f} comments a second to {posts_to.base} while the story is read")
        reads = Wrk(readers_to.base, [self.hot], seconds=self.seconds, connections=readers, **pace)
        posted = self._posts(posts_to.port, action, token, prefix, first, posters, rate=rate)
        return posted | {"idle": idle, "during": reads.result()}

    def _storm_rows(self, phases, rows, post_queries, prefix):
        answers = [answer for phase in phases.values() for answer in phase["answers"]]
        statuses = _statuses(answers)
        stored = [n for n, status, _, _ in answers if status == 303]
        refused = [(n, status) for n, status, _, _ in answers if status != 303]
        # Every 303 stored exactly once; every refusal (or failure) stored nowhere.
        twice = [email for email, n in rows.items() if n > 1]
        missing = [n for n in stored if rows.get(f"{prefix}-{n}@example.com") != 1]
        refused_but_stored = [n for n, _ in refused if f"{prefix}-{n}@example.com" in rows]
        intact = not (twice or missing or refused_but_stored)
        rates = {
            where: self._storm_phase_rows(where, phase, post_queries)
            for where, phase in phases.items()
        }
        self.results.details["storm"] = {
            "statuses": statuses,
            "stored_rows": sum(rows.values()),
            "stored_twice": twice[:20],
            "answered_303_not_stored_once": missing[:20],
            "refused_but_stored": refused_but_stored[:20],
            "steady_rate": self.args.storm_rate,
        }
        steady = [where for where in phases if where != "capacity"]
        self.results.target(
            "comments posted ≥ 200 per second",
            f"{rates['capacity']['rps']:.0f}/s stored as fast as they came to one pool; "
            + ", ".join(f"{rates[where]['rps']:.0f}/s {LABELS[where]}" for where in steady),
            min(posted["rps"] for posted in rates.values()) >= 200,
        )
        self.results.target(
            "nothing lost: every POST stored once or refused with a reason",
            f"{len(stored):,} × 303 → {sum(rows.values()):,} rows; refused: "
            + (", ".join(f"{k} × {v}" for k, v in statuses.items() if k != "303") or "none"),
            intact,
        )
        for where in ("own workers", "varnish"):
            idle, during = phases[where]["idle"], phases[where]["during"]
            self.results.target(
                f"cached story reads during the storm within 2× of idle latency, {LABELS[where]}",
                f"p50 {idle['p50_ms']:.1f} → {during['p50_ms']:.1f} ms, "
                f"p99 {idle['p99_ms']:.1f} → {during['p99_ms']:.1f} ms, "
                f"{idle['rps']:,.0f} → {during['rps']:,.0f} req/s",
                # With the same connections, throughput halved is the mean latency doubled
                # (Little's law), counting reads still waiting when the run ended.
                during["p50_ms"] <= 2 * idle["p50_ms"]
                and during["p99_ms"] <= 2 * idle["p99_ms"]
                and during["rps"] >= idle["rps"] / 2,
            )

    def _storm_phase_rows(self, where, phase, post_queries):
        answers, elapsed = phase["answers"], phase["elapsed"]
        statuses = _statuses(answers)
        stored = sum(1 for _, status, _, _ in answers if status == 303)
        latencies = [took * 1000 for _, status, took, _ in answers if status == 303]
        posted = {
            "requests": len(answers),
            "seconds": round(elapsed, 2),
            "rps": stored / elapsed if elapsed else 0.0,
            "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99),
            "errors": len(answers) - stored,
            "statuses": statuses,
        }
        too_fast = statuses.get("429", 0)
        how = "as fast as they come" if where == "capacity" else f"{self.args.storm_rate:.0f}/s"
        self.results.row(
            "storm",
            f"comment POSTs {how}, {LABELS[where]}",
            posted,
            queries=post_queries["queries"],
            notes=[f"{stored:,} stored (303)", f"{too_fast} × 429" if too_fast else "no 429"],
            ratio=False,
        )
        if where == "capacity":
            return posted
        reads = "Varnish hits" if where == "varnish" else "hits"
        idle, during = phase["idle"], phase["during"]
        self.results.row("storm", f"story page {reads}, idle", idle, ratio=False)
        self.results.row(
            "storm",
            f"story page {reads}, posts {LABELS[where]}",
            during,
            ratio=False,
            notes=[
                f"p50 × {_ratio(during['p50_ms'], idle['p50_ms']):.2f}, "
                f"p99 × {_ratio(during['p99_ms'], idle['p99_ms']):.2f}, "
                f"req/s × {_ratio(during['rps'], idle['rps']):.2f} of idle"
            ],
        )
        return posted

    def breaking(self):
        """Readers over many pages and one hot story, idle and while comments are
        approved on the hot story, in turns: idle, approving, idle… ``BREAKING_ROUNDS``
        times, ending idle. A shared machine's speed drifts by more than the effect
        measured (a third between runs minutes apart, here); in short turns, each
        approving one between two idle ones, like is compared with like."""
        stories = self.content["stories"][: self.args.breaking_stories]
        others = [self.content["home"], *self.content["sections"], *stories]
        half = max(1, self.connections // 2)
        # Long enough for approvals to land and their effect to be seen, even in --quick.
        seconds = max(self.seconds // 2, 5)
        with self.serve("breaking", 600) as server:
            action, _ = self._comment_form(server)
            log(f"breaking: warming {len(others) + 1} pages")
            warm = [self.hot, *others]
            drive(
                server.port,
                lambda n: http_request(server.port, warm[n - 1]),
                count=len(warm),
                seconds=300,
                concurrency=site.workers(),
            )
            turns = {"idle": [], "approving": []}
            for phase in ["idle", "approving"] * BREAKING_ROUNDS + ["idle"]:
                # Every turn starts an approving process; in idle turns it approves
                # nothing. Starting one (Django, its first render) just before a turn
                # cost that turn 5-8% of its requests here, which is not approving.
                rate = APPROVALS_PER_SECOND if phase == "approving" else 0
                first = 1000 * len(turns["approving"])
                approver = self._approver(server, action, seconds, first, rate)
                log(f"breaking: {phase}, {len(others)} pages and the hot story, {half}+{half}")
                spread = Wrk(server.base, others, seconds=seconds, connections=half)
                hot = Wrk(server.base, [self.hot], seconds=seconds, connections=half)
                turn = {"others": spread.result(), "hot": hot.result()}
                out, err = approver.communicate(timeout=60)
                if approver.returncode:
                    raise RuntimeError(f"approver failed:\n{err[-3000:]}")
                turn["approver"] = json.loads(out.strip().splitlines()[-1])
                turns[phase].append(turn)
        phases = {
            phase: {
                "others": together([turn["others"] for turn in measured]),
                "hot": together([turn["hot"] for turn in measured]),
                "turns": measured,
            }
            for phase, measured in turns.items()
        }
        approvals = [turn["approver"] for turn in turns["approving"]]
        phases["approving"]["approver"] = {
            "approved": sum(a["approved"] for a in approvals),
            "approved_per_second": round(
                sum(a["approved_within_window"] for a in approvals) / (seconds * len(approvals)),
                2,
            ),
            "problems": [a["problems"] for a in approvals],
        }
        self._breaking_rows(phases, len(others))

    def _approver(self, server, action, seconds, first, rate):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsroom.bench.inside",
                "approve",
                "--base",
                server.base,
                "--story-path",
                self.hot,
                "--action",
                action,
                "--seconds",
                str(seconds),
                "--rate",
                str(rate),
                "--prefix",
                f"breaking-{int(time.time())}",
                "--first",
                str(first),
            ],
            cwd=site.ROOT,
            env=self.env | {"PAGE_CACHE_SECONDS": "600"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = process.stdout.readline()
        if ready.strip() != "ready":
            process.kill()
            raise RuntimeError(f"approver did not start: {ready}{process.stderr.read()[-3000:]}")
        return process

    def _breaking_rows(self, phases, pages):
        idle, busy = phases["idle"], phases["approving"]
        approver = busy["approver"]

        def hit_rate(measured):
            total = sum(measured["cache"].values())
            return measured["cache"].get("hit", 0) / total if total else 0.0

        for phase, label in ((idle, "idle"), (busy, f"comments approved {APPROVALS_PER_SECOND}/s")):
            others, hot = phase["others"], phase["hot"]
            self.results.row(
                "breaking",
                f"{pages} other pages, {label}",
                others,
                ratio=False,
                notes=[f"hit rate {hit_rate(others):.1%}", _turns(others)]
                + (
                    [f"× {_ratio(others['rps'], idle['others']['rps']):.2f} of idle"]
                    if phase is busy
                    else []
                ),
            )
            self.results.row(
                "breaking",
                f"hot story, {label}",
                hot,
                ratio=False,
                notes=[f"hit rate {hit_rate(hot):.1%}", _turns(hot)]
                + (
                    [f"× {_ratio(hot['rps'], idle['hot']['rps']):.2f} of idle"]
                    if phase is busy
                    else []
                ),
            )
        self.results.details["breaking"] = {"approver": approver, "pages": pages}
        rate = hit_rate(busy["others"])
        self.results.target(
            "breaking news: other pages' hit rate ≥ 99%",
            f"{rate:.2%} while {approver['approved']} comments were approved "
            f"({approver['approved_per_second']}/s)",
            rate >= 0.99 and approver["approved_per_second"] >= 0.9 * APPROVALS_PER_SECOND,
        )
        kept = _ratio(busy["others"]["rps"], idle["others"]["rps"])
        self.results.target(
            "breaking news: other pages keep their idle throughput (≥ 90%)",
            f"{busy['others']['rps']:,.0f} vs {idle['others']['rps']:,.0f} req/s idle ({kept:.0%})",
            kept >= 0.90,
        )
        kept = _ratio(busy["hot"]["rps"], idle["hot"]["rps"])
        self.results.target(
            "breaking news: the hot story keeps ≥ 80% of its idle throughput",
            f"{busy['hot']['rps']:,.0f} vs {idle['hot']['rps']:,.0f} req/s idle ({kept:.0%})",
            kept >= 0.80,
        )
