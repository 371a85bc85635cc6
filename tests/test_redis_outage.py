"""Losing Redis slows the site, never stops it (REDIS_URL set, Redis away).

Real Redis (127.0.0.1:6379) sits behind a TCP proxy the tests cut and restore,
so the site talks to the real server through a real socket and loses it the way
a crashed server or a broken network would lose it.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.test import override_settings

from articles.tests.factories import make_article, make_section
from comments.models import Comment
from comments.tests.factories import form_data
from newsroom import cache as resilient

from .tcpproxy import TCPProxy

REDIS_PORT = 6379
REDIS_DB = 11  # kept apart from anything else on this Redis; flushed by the tests
PUBLIC_PAGES = ["/", "/search/?q=story", "/feed/", "/feed/atom/", "/sitemap.xml", "/corrections/"]
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def redis_proxy():
    redis.Redis(port=REDIS_PORT, db=REDIS_DB).flushdb()
    with TCPProxy(REDIS_PORT) as proxy:
        yield proxy
    resilient._outages.clear()
    resilient._retry_at.clear()


@pytest.fixture
def redis_cache(settings, redis_proxy):
    """The site's cache is Redis, through the proxy; the whole-page cache is on."""
    redis = {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": f"redis://127.0.0.1:{redis_proxy.port}/{REDIS_DB}",
    }
    settings.CACHES = {"default": redis, "pages": redis}
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    return redis_proxy


def post_comment(client, article, **overrides):
    return client.post(
        f"/comments/post/{article.pk}/",
        form_data(article, **overrides),
        headers={"sec-fetch-site": "same-origin"},
    )


def outage_warnings(caplog):
    return [
        r
        for r in caplog.records
        if r.name == "newsroom.outages" and "unreachable" in r.getMessage()
    ]


@pytest.mark.django_db(transaction=True)
def test_every_public_page_and_posting_work_with_redis_away(client, redis_cache, caplog):
    section = make_section(name="Harbour", slug="harbour")
    article = make_article(headline="Ferry timetable changes", section=section)
    assert client.get("/").status_code == 200  # warm: pages and settings in Redis
    redis_cache.stop()

    for url in [*PUBLIC_PAGES, article.get_absolute_url(), section.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
    story = client.get(article.get_absolute_url())
    assert b"Ferry timetable changes" in story.content
    assert b"Post Comment" in story.content

    response = post_comment(client, article, body="Posted while the cache was away.")
    assert response.status_code == 303
    assert Comment.objects.filter(body="Posted while the cache was away.").exists()

    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["database"] == "ok"
    assert ready.json()["cache"].startswith("unreachable")


@pytest.mark.django_db(transaction=True)
def test_the_outage_is_logged_once_a_minute_not_once_a_request(client, redis_cache, caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.outages")
    with time_machine.travel(START, tick=False) as clock:
        make_article()
        redis_cache.stop()
        for _ in range(5):
            assert client.get("/").status_code == 200
            clock.shift(timedelta(seconds=resilient.RETRY_SECONDS + 1))  # Redis is tried again
        assert len(outage_warnings(caplog)) == 1
        assert "Redis at redis://127.0.0.1" in outage_warnings(caplog)[0].getMessage()
        clock.shift(timedelta(seconds=60))
        assert client.get("/").status_code == 200
        assert len(outage_warnings(caplog)) == 2


@pytest.mark.django_db(transaction=True)
def test_when_redis_returns_the_site_uses_it_again_without_a_restart(client, redis_cache):
    with time_machine.travel(START, tick=False) as clock:
        url = make_article().get_absolute_url()
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"

        redis_cache.stop()
        assert client.get(url).status_code == 200
        assert client.get(url)["X-Page-Cache"] == "miss"  # rendered from the database

        redis_cache.start()
        clock.shift(timedelta(seconds=resilient.RETRY_SECONDS + 1))
        assert client.get("/readyz").json()["status"] == "ok"
        assert client.get(url)["X-Page-Cache"] in {"hit", "miss"}
        assert client.get(url)["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_a_dead_redis_is_not_asked_on_every_request(redis_cache):
    """After a failure, Redis is left alone for a few seconds (no connect timeout per reader)."""
    with time_machine.travel(START, tick=False) as clock:
        redis_cache.stop()
        assert cache.get("anything", "fallback") == "fallback"
        redis_cache.start()
        # Still within the back-off: the cache answers as a miss without asking Redis.
        cache.set("key", "value")
        assert cache.get("key") is None
        clock.shift(timedelta(seconds=resilient.RETRY_SECONDS + 1))
        cache.set("key", "value")
        assert cache.get("key") == "value"


@pytest.mark.django_db
def test_redis_passwords_stay_out_of_the_log():
    assert resilient.redact("redis://:s3cret@cache.internal:6380/0") == (
        "redis://***@cache.internal:6380/0"
    )
    assert resilient.redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


@pytest.mark.django_db
@override_settings(
    CACHES={
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
)
def test_every_cache_operation_answers_as_a_miss_when_redis_is_away():
    assert cache.get("k", "default") == "default"
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    cache.delete_many(["a"])
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    with pytest.raises(ValueError):
        cache.incr("counter")
