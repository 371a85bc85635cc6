"""Each process's copies of pages (pagecache/local.py) against a real Redis.

A copy answers without reading the shared cache, and never outlives a change
announced anywhere, an interrupted subscription or its own re-check time.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.test import override_settings

from pagecache import local, store

REDIS_DB = 10  # this module's own; flushed before and after each test
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
ROOT = Path(__file__).resolve().parents[2]
PAGES = {"BACKEND": "newsroom.cache.ResilientRedisCache", "LOCATION": REDIS_URL}


@pytest.fixture(autouse=True)
def redis_pages(settings):
    settings.CACHES = settings.CACHES | {"pages": PAGES}
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    settings.PAGECACHE_LOCAL_BYTES = 1024 * 1024
    settings.PAGECACHE_LOCAL_SECONDS = 60
    raw = redis.Redis.from_url(REDIS_URL)
    raw.flushdb()
    local.copies.close()
    yield raw
    local.copies.close()
    raw.flushdb()


def stored(address, keys, body=b"<p>the page</p>"):
    """A page saved to the shared cache, as the middleware saves it."""
    page = store.Page(
        status=200,
        headers=(("Content-Type", "text/html"),),
        body=body,
        etag='"e"',
        keys=("site", *keys),
        sequence=store.sequence(),
        expires_at=time.time() + 600,
    )
    assert store.save(address, page)
    return page


def drop_shared(raw, address):
    """Delete the page from the shared cache: what is served next is the process's copy."""
    assert raw.delete(f":1:{store.page_key(address)}") == 1


def test_a_page_once_read_is_served_from_the_process_copy(redis_pages):
    page = stored("https://site/a/", ["story:1"])
    assert store.lookup("https://site/a/") == page
    drop_shared(redis_pages, "https://site/a/")
    assert store.lookup("https://site/a/") == page


def test_a_change_in_another_process_retires_the_copy_at_once(redis_pages):
    stored("https://site/a/", ["story:1", "home"])
    stored("https://site/b/", ["story:2"])
    assert store.lookup("https://site/a/") is not None
    assert store.lookup("https://site/b/") is not None
    drop_shared(redis_pages, "https://site/b/")
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from pagecache import invalidation; invalidation.flush({'story:1'})",
        ],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "newsroom.settings", "REDIS_URL": REDIS_URL},
        check=True,
        capture_output=True,
    )
    # No wait: the announcement is on this process's socket before the change returns.
    assert store.lookup("https://site/a/") is None
    # The other page's keys were not touched: its copy still answers.
    assert store.lookup("https://site/b/") is not None


def test_a_change_while_a_page_is_read_keeps_it_out_of_the_copies(redis_pages):
    stored("https://site/a/", ["story:1"])
    cache = store.cache()
    _, token = local.copies.get(cache, "https://site/a/")
    page = store._shared(cache, "https://site/a/")
    assert page is not None
    # The story changes after the shared cache answered, before the copy is made.
    store.invalidate(["story:1"])
    local.copies.keep(cache, "https://site/a/", page, token)
    assert "https://site/a/" not in local.copies.pages
    assert store.lookup("https://site/a/") is None


def test_an_interrupted_subscription_drops_every_copy(redis_pages):
    stored("https://site/a/", ["story:1"])
    assert store.lookup("https://site/a/") is not None
    drop_shared(redis_pages, "https://site/a/")
    # Redis closes the subscriber's connection: announcements may have been lost.
    assert redis_pages.client_kill_filter(_type="pubsub") >= 1
    assert store.lookup("https://site/a/") is None
    # And the process subscribes again: pages read afterwards are kept again.
    page = stored("https://site/a/", ["story:1"])
    assert store.lookup("https://site/a/") == page
    drop_shared(redis_pages, "https://site/a/")
    assert store.lookup("https://site/a/") == page


def test_a_copy_is_checked_against_the_shared_cache_again_after_its_time(redis_pages, settings):
    settings.PAGECACHE_LOCAL_SECONDS = 0
    stored("https://site/a/", ["story:1"])
    assert store.lookup("https://site/a/") is not None
    drop_shared(redis_pages, "https://site/a/")
    assert store.lookup("https://site/a/") is None


def test_copies_stay_within_their_memory_budget(redis_pages, settings):
    settings.PAGECACHE_LOCAL_BYTES = 100_000
    for n in range(10):
        stored(f"https://site/{n}/", [f"story:{n}"], body=b"x" * 20_000)
        assert store.lookup(f"https://site/{n}/") is not None
    assert local.copies.size <= 100_000
    # The most recently served pages are the ones kept.
    assert "https://site/9/" in local.copies.pages
    assert "https://site/0/" not in local.copies.pages


def test_without_redis_there_are_no_copies(settings):
    settings.CACHES = settings.CACHES | {
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}
    }
    stored("https://site/a/", ["story:1"])
    assert store.lookup("https://site/a/") is not None
    assert not local.copies.pages


@override_settings(PAGECACHE_LOCAL_BYTES=0)
def test_copies_can_be_switched_off(redis_pages):
    stored("https://site/a/", ["story:1"])
    assert store.lookup("https://site/a/") is not None
    drop_shared(redis_pages, "https://site/a/")
    assert store.lookup("https://site/a/") is None
