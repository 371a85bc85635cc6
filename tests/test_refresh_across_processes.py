"""A comment approved in one process is on the story page gunicorn serves next, from the
cache: the approving process renders the page before it retires the old one, so no
reader (no worker) waits for it. Real gunicorn, real Redis, a separate process."""

import urllib.request

import pytest
import redis

from .conftest import demo_site_env, gunicorn, shell

REDIS_DB = 10  # this test's own (11-14 are other tests'); flushed before and after
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture(scope="module")
def served():
    cache = redis.Redis.from_url(REDIS_URL)
    cache.flushdb()
    with demo_site_env(suffix="_refresh", REDIS_URL=REDIS_URL) as env, gunicorn(env) as base:
        yield env, base
    cache.flushdb()


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        return response.headers["X-Page-Cache"], response.read().decode()


def test_the_page_after_an_approval_comes_from_the_cache_with_the_comment(served):
    env, base = served
    [pk, path] = shell(
        env,
        "from articles.models import Article; a = Article.objects.live().first(); "
        "print(a.pk); print(a.get_absolute_url())",
    )
    url = base + path
    get(url)
    # Both workers hold a copy of the page (each keeps those it served lately).
    assert {get(url)[0] for _ in range(6)} == {"hit"}
    shell(
        env,
        "from django.contrib.auth import get_user_model; "
        "from comments import moderation; from comments.models import Comment; "
        f"c = Comment.objects.create(article_id={pk}, name='Ann Other', email='ann@example.com', "
        "body='Approved in another process', status='pending'); "
        "m, _ = get_user_model().objects.get_or_create(username='refresh-moderator', "
        "defaults={'is_staff': True}); "
        "print(moderation.approve(c, by=m))",
    )
    for _ in range(6):
        cached, page = get(url)
        assert cached == "hit"
        assert "Approved in another process" in page
