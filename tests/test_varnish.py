"""Behind Varnish (Debian's, with varnish-modules' xkey): readers never see a stale story.

Varnish keeps every page the site marks with its keys (``Surrogate-Key``) and drops
exactly the pages carrying a changed key when the site sends its PURGE
(``deploy/varnish.vcl``, ``CACHE_PURGE_URLS``). Changes are made in separate Django
processes, as an editor's request or a moderator's would be: a correction, a
takedown, an approved comment and a new story reach the reader through Varnish at
once, and pages that do not show the change stay cached (Varnish hits).
"""

import time
from pathlib import Path

import pytest

from newsroom.bench.varnish import varnish as run_varnish

from .conftest import demo_site_env, free_port, gunicorn
from .django_process import run_django
from .http_client import Browser

STORY = "/story/harbour-bridge-reopens-after-repairs/"
OTHER = "/story/library-extends-opening-hours/"
OTHER_SECTION = "/section/{}/"


@pytest.fixture(scope="module")
def varnish_port():
    return free_port()


@pytest.fixture(scope="module")
def site(varnish_port):
    with (
        demo_site_env(
            suffix="_varnish",
            CACHE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
            TRUSTED_PROXIES="127.0.0.1",
        ) as env,
        gunicorn(env) as base_url,
    ):
        yield {"env": env, "base_url": base_url}


@pytest.fixture(scope="module")
def varnish(site, varnish_port):
    """varnishd (deploy/varnish.vcl) in the foreground on its own port, in front of the
    site's gunicorn, as the bench's storm runs it."""
    backend_port = int(site["base_url"].rsplit(":", 1)[1])
    with run_varnish(port=varnish_port, backend_port=backend_port):
        yield Browser(f"http://127.0.0.1:{varnish_port}", cookies=False)


def change(site, code):
    """Run ``code`` in a fresh Django process of the site (``editor`` and friends bound)."""
    prelude = (
        "from django.contrib.auth import get_user_model; "
        "from articles import publishing; from articles.models import Article, Correction; "
        "from comments import moderation; from comments.models import Comment; "
        "editor = get_user_model().objects.get(username='editor'); "
    )
    done = run_django(prelude + code, environ=site["env"])
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def site_log(site):
    return "\n".join(
        path.read_text()[-4000:] for path in Path(site["env"]["NEWSROOM_VAR_DIR"]).glob("*.log")
    )


def warm(reader, *paths, site=None):
    """Each page is in Varnish: the second read is a Varnish hit."""
    for path in paths:
        assert reader.get(path).status == 200, (path, site and site_log(site))
        assert reader.get(path).headers["X-Varnish-Cache"] == "hit", path


def assert_hit(reader, path):
    assert reader.get(path).headers["X-Varnish-Cache"] == "hit", f"{path} was purged"


def other_section(site):
    return change(
        site,
        "print(Article.objects.live().exclude(section__slug='local')"
        ".values_list('section__slug', flat=True).first())",
    ).strip()


def test_pages_name_their_keys_and_varnish_keeps_them(site, varnish):
    direct = Browser(site["base_url"], cookies=False)
    page = direct.get(STORY)
    keys = page.headers["Surrogate-Key"].split()
    assert "site" in keys and any(key.startswith("story:") for key in keys)
    assert "s-maxage=" in page.headers["Cache-Control"]
    first, second = varnish.get(STORY), varnish.get(STORY)
    assert first.body == second.body
    assert second.headers["X-Varnish-Cache"] == "hit"
    assert "xkey" not in second.headers


def test_a_correction_is_seen_at_once_and_purges_only_what_shows_it(site, varnish):
    section = OTHER_SECTION.format(other_section(site))
    warm(varnish, STORY, "/", OTHER, section)
    change(
        site,
        "a = Article.objects.get(slug='harbour-bridge-reopens-after-repairs'); "
        "publishing.record_change(a, by=editor, kind=Correction.Kind.CORRECTION, "
        "note='The bridge reopened on Tuesday, not Monday.')",
    )
    assert "not Monday" in varnish.get(STORY).text
    assert "not Monday" in varnish.get("/corrections/").text
    assert_hit(varnish, OTHER)
    assert_hit(varnish, section)


def test_an_approved_comment_refreshes_its_story_and_nothing_else(site, varnish):
    warm(varnish, STORY, "/", OTHER, site=site)
    change(
        site,
        "a = Article.objects.get(slug='harbour-bridge-reopens-after-repairs'); "
        "c = Comment.objects.create(article=a, name='Pat', email='pat@example.com', "
        "body='Finally open again, thank you.', status=Comment.Status.PENDING); "
        "moderation.approve(c, by=editor)",
    )
    assert "Finally open again" in varnish.get(STORY).text
    assert_hit(varnish, "/")
    assert_hit(varnish, OTHER)


def test_a_new_story_reaches_the_home_page_and_leaves_other_stories_cached(site, varnish):
    warm(varnish, "/", "/feed/", OTHER)
    change(
        site,
        "a = Article.objects.get(slug='draft-council-budget-preview'); "
        "publishing.publish(a, by=editor)",
    )
    assert "Council budget" in varnish.get("/").text
    assert "Council budget" in varnish.get("/feed/").text
    assert_hit(varnish, OTHER)


def test_editing_a_draft_purges_nothing(site, varnish):
    section = OTHER_SECTION.format(other_section(site))
    warm(varnish, "/", OTHER, section)
    change(
        site,
        "a = Article.objects.get(slug='ferry-fares-to-rise-in-spring'); "
        "a.summary = 'Still in review, reworded.'; a.save()",
    )
    for path in ("/", OTHER, section):
        assert_hit(varnish, path)


def test_a_takedown_answers_410_through_varnish_at_once(site, varnish):
    warm(varnish, OTHER, "/")
    change(
        site,
        "a = Article.objects.get(slug='library-extends-opening-hours'); "
        "publishing.take_down(a, by=editor, reason='Legal')",
    )
    assert varnish.get(OTHER).status == 410
    assert "Library extends" not in varnish.get("/").text
    assert varnish.get(OTHER).status == 410


def test_staff_are_never_served_from_varnish(site, varnish):
    warm(varnish, STORY)
    staff = varnish.get(STORY, headers={"Cookie": "sessionid=not-a-real-session"})
    assert staff.headers["X-Varnish-Cache"] == "miss"


def test_a_purge_must_name_its_keys(site, varnish):
    warm(varnish, STORY)
    assert varnish.request("PURGE", "/").status == 400
    assert_hit(varnish, STORY)


def test_a_scheduled_story_appears_through_varnish_on_time(site, varnish):
    """No job: pages (and Varnish's copies) are kept no later than the next scheduled instant.

    This one runs on the real clock across processes: the story goes live a few seconds
    ahead, and the feed is read through Varnish before and after that instant.
    """
    at = change(
        site,
        "from datetime import timedelta; from django.utils import timezone; "
        "a = Article.objects.get(slug='ferry-fares-to-rise-in-spring'); "
        "publishing.schedule(a, by=editor, at=timezone.now() + timedelta(seconds=4)); "
        "a.refresh_from_db(); print(a.publish_at.timestamp())",
    )
    live_at = float(at.strip().splitlines()[-1])
    warm(varnish, "/feed/")
    feed = varnish.get("/feed/")
    assert time.time() < live_at, (
        "the machine was too slow to read the feed before the story went live"
    )
    assert "Ferry fares" not in feed.text
    assert int(feed.headers["Cache-Control"].split("s-maxage=")[1].split(",")[0]) <= 4
    time.sleep(max(live_at - time.time(), 0) + 0.2)
    assert "Ferry fares" in varnish.get("/feed/").text
    assert "Ferry fares" in varnish.get("/").text
