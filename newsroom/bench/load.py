"""Load from outside the site, to 127.0.0.1 only, always bounded in time and count.

Reads are driven by ``wrk`` (C, light on a 2-core machine that also runs the site)
with a Lua script that spreads requests over a list of paths and counts statuses
and the ``X-Page-Cache`` header. Comment posts, and runs that must stop at an exact
number of requests, use a small asyncio client instead, which keeps every
request's answer: what the storm's bookkeeping (every POST stored once or refused)
needs, and what wrk cannot do (it always runs for its whole duration).
"""

import asyncio
import json
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from functools import cache
from pathlib import Path

# What the bench's "proxy" adds to every request (see site.py).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@cache
def _opener():
    # One for the whole process: building one loads the system's certificates, some
    # 30 ms of CPU that every request would otherwise take from the machine under test.
    return urllib.request.build_opener(_NoRedirects)


def fetch(url, *, data=None, headers=None, timeout=60):
    """``(status, headers, text)`` of one request through the bench's proxy (a POST
    with ``data``), redirects not followed."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(  # noqa: S310 - the bench talks to 127.0.0.1 only
        url, data=body, headers=PROXY_HEADERS | (headers or {})
    )
    try:
        with _opener().open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as answer:
        with answer:
            return answer.code, answer.headers, answer.read().decode()


LUA = r"""
local paths = {PATHS}
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  for i, path in ipairs(paths) do prepared[i] = wrk.format(nil, path) end
  -- Threads start at different places in the list.
  index = (id * 7919) % #prepared
  statuses = {}
  cache = {}
end

function request()
  index = index % #prepared + 1
  return prepared[index]
end

PAUSE

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local c = headers["X-Page-Cache"] or headers["x-page-cache"] or "none"
  cache[c] = (cache[c] or 0) + 1
end

local function object(t)
  local parts = {}
  for k, v in pairs(t) do table.insert(parts, string.format('"%s": %d', k, v)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local st, ca = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do st[k] = (st[k] or 0) + v end
    for k, v in pairs(t:get("cache")) do ca[k] = (ca[k] or 0) + v end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"non_2xx_3xx": %d, "statuses": %s, "cache": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    object(st), object(ca)))
end
"""


def _lua_string(text):
    if not text.isascii() or any(c in text for c in '"\\\n'):
        raise ValueError(f"path not usable in the wrk script: {text!r}")
    return f'"{text}"'


class Wrk:
    """One wrk run, started in the background; ``result()`` waits for it."""

    def __init__(
        self, base, paths, *, seconds, connections, headers=None, threads=2, pause_ms=None
    ):
        """``pause_ms``: each connection waits that long after an answer before its next
        request (a steady pace of readers rather than as fast as the server answers)."""
        self.seconds = seconds
        script_dir = Path(tempfile.mkdtemp(prefix="newsroom-bench-wrk-"))
        script = script_dir / "paths.lua"
        pause = f"function delay() return {int(pause_ms)} end" if pause_ms else ""
        script.write_text(
            LUA.replace("PATHS", ", ".join(_lua_string(p) for p in paths)).replace("PAUSE", pause)
        )
        command = [
            "wrk",
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
        ]
        for name, value in (PROXY_HEADERS | (headers or {})).items():
            command += ["-H", f"{name}: {value}"]
        self.process = subprocess.Popen(
            [*command, base + paths[0]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.script_dir = script_dir

    def result(self):
        try:
            out, err = self.process.communicate(timeout=self.seconds + 60)
        finally:
            for file in self.script_dir.iterdir():
                file.unlink()
            self.script_dir.rmdir()
        line = next((x for x in out.splitlines() if x.startswith("BENCHJSON ")), None)
        if self.process.returncode or line is None:
            raise RuntimeError(f"wrk failed ({self.process.returncode}): {err or out}")
        raw = json.loads(line.removeprefix("BENCHJSON "))
        seconds = raw["duration_us"] / 1e6
        socket_errors = sum(raw["socket_errors"].values())
        return {
            "requests": raw["requests"],
            "seconds": round(seconds, 2),
            "rps": raw["requests"] / seconds if seconds else 0.0,
            "p50_ms": raw["p50_us"] / 1000,
            "p90_ms": raw["p90_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000,
            "errors": raw["non_2xx_3xx"] + socket_errors,
            "non_2xx_3xx": raw["non_2xx_3xx"],
            "socket_errors": raw["socket_errors"],
            "statuses": raw["statuses"],
            "cache": raw["cache"],
        }


def together(runs):
    """Several wrk runs of the same load as one: requests and seconds added up, the
    median of their p50s and the highest of their p99s."""
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["seconds"] for run in runs)
    p50s = sorted(run["p50_ms"] for run in runs)
    cache, statuses = Counter(), Counter()
    for run in runs:
        cache.update(run["cache"])
        statuses.update(run["statuses"])
    return {
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": p50s[len(p50s) // 2],
        "p99_ms": max(run["p99_ms"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "cache": dict(cache),
        "statuses": dict(statuses),
        "rps_per_turn": [round(run["rps"]) for run in runs],
    }


def wrk(base, paths, **options):
    return Wrk(base, paths, **options).result()


# The asyncio client ------------------------------------------------------------------


def http_request(port, path, *, method="GET", headers=None, data=None):
    """The bytes of one HTTP/1.1 request through the bench's proxy."""
    body = urllib.parse.urlencode(data).encode() if data is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (PROXY_HEADERS | (headers or {})).items()]
    if data is not None:
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _exchange(port, request, timeout):
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(request)
        await writer.drain()
        # gunicorn's sync workers close the connection after each answer.
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(head[0].split()[1]), headers


async def _drive(port, make_request, *, count, seconds, concurrency, timeout, rate):
    results = []
    began = time.monotonic()
    deadline = began + seconds
    numbers = iter(range(1, count + 1))

    async def sender():
        for n in numbers:
            if rate:
                # Request n is due at (n - 1) / rate: a steady pace that catches up when
                # the server has kept every sender busy.
                due = began + (n - 1) / rate
                if due >= deadline:
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            try:
                status, headers = await _exchange(port, make_request(n), timeout)
            except (OSError, TimeoutError, IndexError, ValueError) as error:
                results.append((n, type(error).__name__, time.monotonic() - started, {}))
                continue
            results.append((n, status, time.monotonic() - started, headers))

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return results, time.monotonic() - began


def drive(port, make_request, *, count, seconds, concurrency, timeout=30, rate=None):
    """Send up to ``count`` requests in ``seconds`` (requests started by then are
    answered), ``concurrency`` at a time; with ``rate``, at that many a second at
    most. Each: (n, status or error name, seconds, headers); and the time taken."""
    return asyncio.run(
        _drive(
            port,
            make_request,
            count=count,
            seconds=seconds,
            concurrency=concurrency,
            timeout=timeout,
            rate=rate,
        )
    )


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
