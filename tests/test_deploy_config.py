"""deploy/nginx.conf: accepted by the real nginx, and working in front of real gunicorn.

The example is copied with only its paths, ports, upstream addresses and certificate
(self-signed, made here) changed, so nginx runs without root: pid, logs and temp files
in a temporary folder, high ports on 127.0.0.1. Two gunicorn hosts behind it, with
TRUSTED_PROXIES=127.0.0.1 as the README says for a proxy on the same machine.
"""

import os
import re
import shutil
import ssl
import subprocess
import time
from contextlib import contextmanager
from html import unescape
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, demo_site_env, free_port, gunicorn, shell
from .http_client import Browser

CONFIG = REPO_ROOT / "deploy" / "nginx.conf"
STORY = "/story/harbour-bridge-reopens-after-repairs/"
HEADLINE = "Harbour bridge reopens after eight months of repairs"
READER = "203.0.113.50"  # the reader, as the CDN or load balancer in front of nginx saw them


@pytest.fixture(scope="module")
def nginx():
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (apt-get install nginx-light)")
        pytest.skip("nginx not installed (apt-get install nginx-light)")
    return binary


def self_signed_certificate(folder):
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def adapted_config(folder, *, upstreams, posts, http_port, https_port, var_dir, cert, key):
    """deploy/nginx.conf with this machine's paths and ports; nothing else changed.

    ``upstreams``: the two hosts' readers' workers; ``posts``: their comment posts' workers.
    """
    text = CONFIG.read_text()
    # Started as root (CI), workers would run as www-data, which cannot read the test's
    # private temporary folders; started as anyone else, nginx ignores the directive.
    user = "user root;\n" if os.geteuid() == 0 else ""
    replacements = [
        ("user www-data;\n", user),
        ("pid /run/nginx.pid;", f"pid {folder}/nginx.pid;"),
        ("error_log /var/log/nginx/error.log warn;", f"error_log {folder}/error.log warn;"),
        (
            "access_log /var/log/nginx/access.log newsroom;",
            f"access_log {folder}/access.log newsroom;",
        ),
        ("server 10.0.0.11:8000", f"server {upstreams[0]}"),
        ("server 10.0.0.12:8000", f"server {upstreams[1]}"),
        ("server 10.0.0.11:8001", f"server {posts[0]}"),
        ("server 10.0.0.12:8001", f"server {posts[1]}"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;\n", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;\n", ""),
        ("/etc/letsencrypt/live/news.example.com/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/news.example.com/privkey.pem", str(key)),
        ("root /srv/newsroom/var;", f"root {var_dir};"),
        ("root /var/www/acme;", f"root {folder};"),
    ]
    for old, new in replacements:
        assert old in text, f"deploy/nginx.conf no longer contains {old!r}: update this test"
        text = text.replace(old, new)
    temp_paths = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + temp_paths, 1)
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


def nginx_command(binary, config, folder, *args):
    return [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config), *args]


def test_the_example_config_passes_nginx_t(nginx, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    config = adapted_config(
        tmp_path,
        upstreams=["127.0.0.1:8001", "127.0.0.1:8002"],
        posts=["127.0.0.1:8003", "127.0.0.1:8004"],
        http_port=free_port(),
        https_port=free_port(),
        var_dir=tmp_path,
        cert=cert,
        key=key,
    )
    result = subprocess.run(
        nginx_command(nginx, config, tmp_path, "-t"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


@contextmanager
def serving_nginx(nginx, folder, *, upstreams, posts, env):
    """The example nginx in front of those gunicorn addresses; yields its addresses."""
    cert, key = self_signed_certificate(folder)
    http_port, https_port = free_port(), free_port()
    config = adapted_config(
        folder,
        upstreams=upstreams,
        posts=posts,
        http_port=http_port,
        https_port=https_port,
        var_dir=env["NEWSROOM_VAR_DIR"],
        cert=cert,
        key=key,
    )
    server = subprocess.Popen(
        nginx_command(nginx, config, folder, "-g", "daemon off;"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    tls = ssl.create_default_context(cafile=str(cert))
    base = f"https://127.0.0.1:{https_port}"
    try:
        try:
            wait_for(lambda: Browser(base, ssl_context=tls).get("/healthz").status == 200)
        except BaseException:
            print((folder / "error.log").read_text(errors="replace"))
            raise
        yield {
            "https": base,
            "http": f"http://127.0.0.1:{http_port}",
            "tls": tls,
            "env": env,
            "log": folder / "access.log",
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def _address(base_url):
    return base_url.removeprefix("http://")


@pytest.fixture(scope="module")
def proxied(nginx, tmp_path_factory):
    """The demo site on two gunicorn hosts behind the example nginx; yields its addresses.

    Host A also runs the small pool for comment posts; host B's is down (a port where
    nothing listens), so posts must go to A's."""
    folder = tmp_path_factory.mktemp("nginx")
    with (
        demo_site_env(suffix="_nginx", TRUSTED_PROXIES="127.0.0.1") as env,
        gunicorn(env, workers=1) as host_a,
        gunicorn(env, workers=1) as host_b,
        gunicorn(env, workers=1) as posts_a,
    ):
        hosts = [_address(host_a), _address(host_b)]
        posts = [_address(posts_a), f"127.0.0.1:{free_port()}"]
        with serving_nginx(nginx, folder, upstreams=hosts, posts=posts, env=env) as proxy:
            yield proxy | {"hosts": hosts, "posts": posts}


def wait_for(check, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("nginx did not answer in time")
        time.sleep(0.2)


def reader(proxied, **headers):
    return Browser(proxied["https"], cookies=False, ssl_context=proxied["tls"], headers=headers)


def test_the_story_page_is_served_through_nginx_over_tls(proxied):
    page = reader(proxied).get(STORY)
    assert page.status == 200
    assert HEADLINE in page.text
    # gunicorn believed nginx's X-Forwarded-Proto: the page knows it was asked over HTTPS.
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page.text).group(1)
    assert canonical == f"https://127.0.0.1{STORY}"
    # One request id in nginx's log and in the app's answer (and so in the app's logs).
    request_id = page.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    wait_for(lambda: f"request_id={request_id}" in proxied["log"].read_text())


def test_plain_http_is_sent_to_https(proxied):
    answer = Browser(proxied["http"], cookies=False).get(STORY)
    assert answer.status == 301
    assert answer.headers["Location"] == f"https://127.0.0.1{STORY}"


def test_static_files_come_from_nginx_with_long_caching(proxied):
    page = reader(proxied).get(STORY).text
    stylesheet = unescape(re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1))
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
    answer = reader(proxied).get(stylesheet)
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Request-ID" not in answer.headers  # nginx answered; the app never saw it
    on_disk = Path(proxied["env"]["NEWSROOM_VAR_DIR"]) / stylesheet.lstrip("/")
    assert answer.body == on_disk.read_bytes()
    plain = reader(proxied).get("/static/css/site.css")
    assert plain.status == 200
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


def test_a_comment_through_nginx_records_the_readers_address(proxied):
    """A reader behind a CDN or load balancer (which sent X-Forwarded-For) posts through
    nginx: the comment is stored with the reader's address, not a proxy's."""
    browser = reader(proxied, **{"X-Forwarded-For": READER})
    page = browser.get(STORY)
    form = page.form(id="comment-form")
    action = re.search(r'action="(/comments/post/\d+/)#comment-form"', page.text).group(1)
    body = "Sent through the proxy, with the reader's own address."
    values = form.values | {"name": "Proxy Reader", "email": "proxy@example.com", "body": body}
    answer = browser.post(action, values, headers={"Sec-Fetch-Site": "same-origin"})
    assert answer.status == 303, answer.text[:2000]
    stored = shell(
        proxied["env"],
        f"from comments.models import Comment; print(Comment.objects.get(body={body!r}).ip_address)",
    )
    assert stored[-1] == READER


def _post_comment(proxy, *, email, body, address):
    browser = reader(proxy, **{"X-Forwarded-For": address})
    page = browser.get(STORY)
    form = page.form(id="comment-form")
    action = re.search(r'action="(/comments/post/\d+/)#comment-form"', page.text).group(1)
    values = form.values | {"name": "Pool Reader", "email": email, "body": body}
    return page, browser.post(action, values, headers={"Sec-Fetch-Site": "same-origin"})


def _upstreams(proxy, request_id):
    """The gunicorn addresses nginx tried for a request, in order (from its access log)."""
    wait_for(lambda: f"request_id={request_id}" in proxy["log"].read_text())
    line = next(
        line for line in proxy["log"].read_text().splitlines() if f"request_id={request_id}" in line
    )
    return re.search(r"upstream=(.*?) request_id=", line).group(1).split(", ")


def _stored(env, body):
    code = (
        f"from comments.models import Comment; print(Comment.objects.filter(body={body!r}).count())"
    )
    return int(shell(env, code)[-1])


def test_comment_posts_have_workers_of_their_own_and_readers_do_not_share_them(proxied):
    """In a storm of comments no reader waits for a worker busy with a post: nginx sends
    comment posts to the small pool, and skips a host whose pool is down."""
    body = "Posted through nginx to the workers that take comments."
    page, answer = _post_comment(
        proxied, email="pool@example.com", body=body, address="203.0.113.51"
    )
    assert answer.status == 303, answer.text[:2000]
    assert _stored(proxied["env"], body) == 1
    tried = _upstreams(proxied, answer.headers["X-Request-ID"])
    assert tried[-1] == proxied["posts"][0]  # answered by host A's pool for posts
    assert not set(tried) & set(proxied["hosts"])
    # The story page itself came from a readers' worker.
    read = _upstreams(proxied, page.headers["X-Request-ID"])
    assert read[-1] in proxied["hosts"]
    assert proxied["posts"][0] not in read


def test_with_every_posts_pool_down_the_readers_workers_take_the_comments(nginx, proxied, tmp_path):
    """A posts pool not started, or crashed, loses no comment: the readers' workers
    take them. Each is stored once (a POST is passed on only if it was never sent)."""
    down = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    with serving_nginx(
        nginx, tmp_path, upstreams=proxied["hosts"], posts=down, env=proxied["env"]
    ) as proxy:
        body = "Posted while the workers for comments were down."
        _, answer = _post_comment(
            proxy, email="fallback@example.com", body=body, address="203.0.113.52"
        )
        assert answer.status == 303, answer.text[:2000]
        tried = _upstreams(proxy, answer.headers["X-Request-ID"])
    assert tried[-1] in proxied["hosts"]
    assert set(tried[:-1]) <= set(down)
    assert _stored(proxied["env"], body) == 1


def test_uploads_up_to_the_picture_cap_pass_and_bigger_ones_are_refused(proxied):
    browser = reader(proxied)
    headers = {"Content-Type": "application/octet-stream"}
    within = browser.post("/healthz", None, body=b"x" * (15 * 2**20 + 4096), headers=headers)
    # Through to the app (which refuses a cross-site POST; what matters is who answered).
    assert within.status != 413 and "X-Request-ID" in within.headers
    over = browser.post("/healthz", None, body=b"x" * (17 * 2**20), headers=headers)
    assert over.status == 413
