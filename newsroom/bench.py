"""`make bench`: requests per second for the reader's pages under gunicorn,
as ratios against a floor measured in the same run.

The floor is gunicorn (same config, same workers) serving a fixed byte string
from a bare WSGI app: no Python web framework can beat it on this machine, so
"story page = 0.03 × floor" means the same thing on any machine. Traffic goes
to 127.0.0.1 only; each measurement is bounded in time.

    python -m newsroom.bench [--seconds 10] [--connections 8]
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR_BODY = b"<!DOCTYPE html><title>floor</title><p>" + b"x" * 6000


def floor_app(environ, start_response):
    """The floor: fixed bytes, no framework."""
    start_response(
        "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(FLOOR_BODY)))]
    )
    return [FLOOR_BODY]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def serve(app, env):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", app],
        cwd=ROOT,
        env=env | {"PORT": str(port), "HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


def wrk(url, seconds, connections):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rps = float(
        next(line for line in output.splitlines() if line.startswith("Requests/sec")).split()[1]
    )
    p99 = next(
        (line.split()[1] for line in output.splitlines() if line.strip().startswith("99%")), "?"
    )
    errors = [
        line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line
    ]
    return {"rps": rps, "p99": p99, "errors": errors}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk); `make bench` installs it.")

    var_dir = tempfile.mkdtemp(prefix="newsroom-bench-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "NEWSROOM_VAR_DIR": var_dir,
        "NEWSROOM_ENV": "development",
        "WEB_CONCURRENCY": str(os.cpu_count() * 2 + 1),
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["load_demo", "-v0"],
    ):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    # A story with 50 approved comments, as in ../shared/docs/STACK.md.
    subprocess.run(
        manage + ["shell", "-c", BENCH_COMMENTS],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )

    results = {}
    process, base = serve("newsroom.bench:floor_app", env)
    try:
        wait_until_up(base + "/", process)
        results["floor (gunicorn, fixed bytes)"] = wrk(base + "/", args.seconds, args.connections)
    finally:
        process.terminate()
        process.wait(10)

    pages = {
        "home page": "/",
        "story page (50 comments)": "/story/harbour-bridge-reopens-after-repairs/",
        "section page": "/section/local/",
    }
    # Rendered on every request (page cache off), then as anonymous readers get them.
    for label, cache_seconds in (("rendered", "0"), ("page cache", "600")):
        process, base = serve("newsroom.wsgi", env | {"PAGE_CACHE_SECONDS": cache_seconds})
        try:
            wait_until_up(base + "/healthz", process)
            for name, path in pages.items():
                results[f"{name}, {label}"] = wrk(base + path, args.seconds, args.connections)
        finally:
            process.terminate()
            process.wait(10)

    floor = results["floor (gunicorn, fixed bytes)"]["rps"]
    print(
        f"newsroom bench: {os.cpu_count()} cores, {env['WEB_CONCURRENCY']} sync workers, "
        f"{args.connections} connections, {args.seconds} s each, database "
        f"{'PostgreSQL' if 'DATABASE_URL' in env else 'SQLite'}"
    )
    print(f"{'page':40} {'req/s':>9} {'× floor':>9} {'p99':>9}")
    for name, result in results.items():
        print(
            f"{name:40} {result['rps']:9.0f} {result['rps'] / floor:9.3f} {result['p99']:>9}"
            + (f"  {'; '.join(result['errors'])}" if result["errors"] else "")
        )
    Path(var_dir, "bench.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(var_dir, ignore_errors=True)


BENCH_COMMENTS = """
from articles.models import Article
from comments.models import Comment
article = Article.objects.get(slug="harbour-bridge-reopens-after-repairs")
Comment.objects.bulk_create([
    Comment(article=article, name=f"Reader {n}", email=f"r{n}@example.com",
            body=f"Comment number {n}.\\nWith a second line.", status="approved")
    for n in range(50)
])
"""

if __name__ == "__main__":
    main()
