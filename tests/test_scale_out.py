"""Two hosts, one site: gunicorn twice, sharing PostgreSQL, Redis and an S3 bucket.

Nothing either host keeps to itself may matter: a story published on A is on B at once
(B's cached home page too), a reader flooding comments across both is limited as one,
and a picture uploaded through A is served by B, byte for byte. Always on PostgreSQL,
even when the suite runs on SQLite: several hosts on one SQLite file is not a thing.
"""

import io
import re
from html import unescape
from pathlib import Path

import psycopg
import pytest
import redis
from PIL import Image

from .conftest import demo_site_env, gunicorn
from .http_client import Browser, log_in, publish_story

REDIS_DB = 14  # this test's own (11-13 are other tests'); flushed before and after
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
DEMO_PASSWORD = "newsroom-demo"


def jpeg(width=1600, height=900, colour=(180, 60, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def picture_urls(html, alt):
    """Every URL of the <picture> whose <img> has this alt text: its AVIF and WebP
    sources, the JPEG srcset and the fallback src."""
    element = re.search(
        rf'<picture>(?:(?!</picture>).)*alt="{re.escape(alt)}"[^>]*></picture>', html, re.S
    )
    assert element, f"no picture with alt {alt!r}"
    urls = {unescape(src) for src in re.findall(r'\ssrc="([^"]+)"', element.group(0))}
    for srcset in re.findall(r'\ssrcset="([^"]+)"', element.group(0)):
        urls |= {part.split()[0] for part in unescape(srcset).split(",")}
    return urls


@pytest.fixture(scope="module")
def hosts(s3_server):
    """Hosts A and B (own gunicorn each) on one database, one Redis and one bucket."""
    cache = redis.Redis.from_url(REDIS_URL)
    cache.flushdb()
    bucket = s3_server.create_bucket("scale")
    with (
        demo_site_env(
            suffix="_scale", postgres=True, REDIS_URL=REDIS_URL, **s3_server.site_env(bucket)
        ) as env,
        gunicorn(env) as host_a,
        gunicorn(env) as host_b,
    ):
        yield {"a": host_a, "b": host_b, "env": env, "bucket": bucket}
    cache.flushdb()


@pytest.fixture(scope="module")
def published(hosts):
    """An editor publishes a story with a picture through host A's admin."""
    editor = Browser(hosts["a"])
    reader_b = Browser(hosts["b"], cookies=False)
    # B has its home page cached before the story exists.
    assert reader_b.get("/").headers["X-Page-Cache"] == "miss"
    before = reader_b.get("/")
    assert before.headers["X-Page-Cache"] == "hit"
    log_in(editor, "editor", DEMO_PASSWORD)
    picture = jpeg()
    publish_story(
        editor,
        headline="Ferry timetable changes from Monday",
        slug="ferry-timetable-changes",
        picture=("ferry.jpg", picture, "image/jpeg"),
        alt="The morning ferry leaving the harbour",
    )
    return {"url": "/story/ferry-timetable-changes/", "home_before": before.text}


def test_a_story_published_on_a_is_on_b_at_once(hosts, published):
    reader_b = Browser(hosts["b"], cookies=False)
    assert "Ferry timetable changes from Monday" not in published["home_before"]
    home = reader_b.get("/")
    assert home.status == 200
    # B's cached copy was dropped the moment A published: rendered anew, with the story.
    assert home.headers["X-Page-Cache"] == "miss"
    assert "Ferry timetable changes from Monday" in home.text
    assert reader_b.get("/").headers["X-Page-Cache"] == "hit"
    story = reader_b.get(published["url"])
    assert story.status == 200
    assert "Ferry timetable changes from Monday" in story.text


def test_a_picture_uploaded_through_a_is_served_by_b(hosts, published, s3_server):
    stored = s3_server.objects(hosts["bucket"])
    reader_a = Browser(hosts["a"], cookies=False)
    reader_b = Browser(hosts["b"], cookies=False)
    page = reader_b.get(published["url"]).text
    urls = picture_urls(page, "The morning ferry leaving the harbour")
    original = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    # 1600 px wide: seven widths (320 to 1600) in AVIF, WebP and JPEG.
    assert len(urls) == 21
    for url in [*urls, original]:
        key = url.split("/media/", 1)[1]
        assert key in stored, f"{key} is not in the bucket"
        for reader in (reader_b, reader_a):
            served = reader.get(url)
            assert served.status == 200, url
            assert served.body == stored[key]
            assert served.headers["Content-Length"] == str(len(stored[key]))
        assert reader_b.head(url).headers["Content-Length"] == str(len(stored[key]))
    # Nothing was written to either host's disk: the bucket holds every picture.
    assert not (Path(hosts["env"]["NEWSROOM_VAR_DIR"]) / "media").exists()


def test_a_comment_flood_across_both_hosts_is_limited_as_one(hosts, published):
    """One address posting to A and B in turn: the first comment is taken, the rest 429."""
    reader = {name: Browser(hosts[name], cookies=False) for name in ("a", "b")}
    page = reader["a"].get(published["url"])
    form = page.form(id="comment-form")
    action = re.search(r'action="(/comments/post/\d+/)#comment-form"', page.text).group(1)
    assert form.values["token"]
    answers = []
    for number, host in enumerate(["a", "b", "a", "b"], start=1):
        values = form.values | {
            "name": f"Reader {number}",
            "email": f"reader{number}@example.com",
            "body": f"Comment number {number} on the ferry timetable.",
        }
        answer = reader[host].post(action, values, headers={"Sec-Fetch-Site": "same-origin"})
        answers.append(answer)
    assert answers[0].status == 303, answers[0].text[:2000]
    for answer in answers[1:]:
        assert answer.status == 429, answer.text[:2000]
        assert "You are commenting too fast" in answer.text
        assert int(answer.headers["Retry-After"]) > 0
    with psycopg.connect(hosts["env"]["DATABASE_URL"]) as connection:
        bodies = [
            row[0]
            for row in connection.execute(
                "SELECT body FROM comments_comment WHERE body LIKE %s ORDER BY id",
                ["Comment number % on the ferry timetable."],
            )
        ]
    assert bodies == ["Comment number 1 on the ferry timetable."]
