"""End to end for readers: a feed opened in the browser, and the comment form's memory.

A feed followed from the footer shows as a page (the site's XSLT stylesheet), not
as raw XML. The comment form remembers the reader's name and email in their own
browser, and shows a held comment back to its author alone.
Run with ``python -m pytest tests/test_browser_readers.py`` (see tests/conftest.py).
"""

import re
import time

import pytest
from playwright.sync_api import expect

from .test_browser_admin import watch_for_problems
from .test_browser_comments import CLEANUP, SETUP, shell

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

# Not a story other browser tests post to or count comments on.
STORY = "Library extends its opening hours into the evening"


@pytest.fixture
def story(site_env):
    """The demo story's address, and how long to wait before posting from this machine."""
    url, wait = shell(site_env, f"STORY = {STORY!r}\n{SETUP}")[-2:]
    yield url, float(wait)
    shell(site_env, "from django.db.models import F\n" + CLEANUP)


@pytest.mark.parametrize("kind", ["RSS", "Atom"])
def test_a_feed_followed_from_the_footer_reads_as_a_page(new_context, site, kind):
    """Footer → the feeds page → the feed: headings and story links, not raw XML tags."""
    page = new_context().new_page()
    problems = watch_for_problems(page, site)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Feeds (RSS and Atom)").click()
    expect(page.get_by_role("heading", name="Follow us with a feed", level=1)).to_be_visible()
    everything = page.locator(".feed-list").first.get_by_role("link", name=kind, exact=True)
    everything.click()
    expect(page).to_have_url(re.compile(r"/feed/(atom/)?\?view=page$"))
    expect(page.get_by_role("heading", name="Newsroom", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="What is a feed?")).to_be_visible()
    address = page.get_by_label("Copy this address into your feed reader")
    # The feed's own address, for feed readers: without the browser's query.
    expect(address).to_have_value(page.url.split("?")[0])
    stories = page.locator(".feed-stories li")
    expect(stories.first).to_be_visible()
    assert stories.count() >= 3  # the demo's live stories
    first = stories.first.get_by_role("link")
    headline = first.inner_text()
    # Chromium adds a banner of its own to XSLT pages (XSLT is deprecated there), with
    # inline style and an inline handler, which the site's CSP blocks. Those console
    # errors are the browser's; what the stylesheet drew has no inline style or script.
    banner = page.evaluate("document.querySelectorAll('xslt-warning-banner').length")
    ours = "document.querySelectorAll('body *:not(xslt-warning-banner)')"
    assert page.evaluate(f"[...{ours}].filter(e => e.hasAttribute('style')).length") == 0
    assert page.evaluate("document.querySelectorAll('script, style').length") == 0
    if banner:
        problems[:] = [
            problem
            for problem in problems
            if not ("view=page" in problem and "Content Security Policy" in problem)
        ]
    # Drawn with the site's own stylesheet: the page's font is not the browser's default.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert "<rss" not in page.locator("body").inner_text()
    assert "<title>" not in page.locator("body").inner_text()
    first.click()
    expect(page.get_by_role("heading", name=headline, level=1)).to_be_visible()
    assert problems == [], "\n".join(problems)


def test_the_form_remembers_the_reader_and_shows_them_their_held_comment(new_context, site, story):
    """Name and email are filled in next time; the held comment shows to its author only.

    The page stays the same for everyone (it is cached whole): another reader, in
    another browser, sees neither the comment nor the name.
    """
    story_url, wait = story
    author = new_context()
    page = author.new_page()
    problems = watch_for_problems(page, site)
    page.goto(story_url)
    comment_text = f"Evening hours suit shift workers ({time.time():.0f})"
    page.get_by_label("Name", exact=True).fill("Dee Remembered")
    page.get_by_label("Email", exact=True).fill("dee@example.com")
    page.get_by_label("Comment", exact=True).fill(comment_text + "\n\nThank you.")
    time.sleep(max(wait, 3.5))  # the form refuses posts faster than a person types
    page.get_by_role("button", name="Post Comment").click()
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation")
    assert "comment=pending" in page.url

    own = page.locator("#your-held-comment")
    expect(own).to_be_visible()
    expect(own).to_contain_text("Your comment is awaiting review")
    expect(own.locator(".comment-meta strong")).to_have_text("Dee Remembered")
    expect(own.locator(".comment-body p")).to_have_text([comment_text, "Thank you."])
    expect(own.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    # Nowhere in what the server sends for that address: only this browser drew it,
    # and nothing about the reader went into a cookie.
    served = page.request.get(page.url).text()
    assert "awaiting moderation" in served
    assert comment_text not in served and "Dee Remembered" not in served
    assert not [c for c in author.cookies() if "dee" in c["value"].lower()]

    # A new page load in the same browser: name and email are filled in, the text is not.
    fresh = author.new_page()
    fresh.goto(story_url)
    expect(fresh.get_by_label("Name", exact=True)).to_have_value("Dee Remembered")
    expect(fresh.get_by_label("Email", exact=True)).to_have_value("dee@example.com")
    expect(fresh.get_by_label("Comment", exact=True)).to_have_value("")
    # Without the server saying it is held, nothing is shown as the reader's own.
    expect(fresh.locator("#your-held-comment")).to_have_count(0)
    expect(fresh.get_by_text(comment_text)).to_have_count(0)

    # Another reader, even on the very address the author landed on, sees none of it.
    other = new_context().new_page()
    other_problems = watch_for_problems(other, site)
    other.goto(page.url)
    expect(other.get_by_role("status")).to_contain_text("awaiting moderation")
    expect(other.get_by_label("Name", exact=True)).to_have_value("")
    expect(other.get_by_label("Email", exact=True)).to_have_value("")
    expect(other.locator("#your-held-comment")).to_have_count(0)
    expect(other.get_by_text(comment_text)).to_have_count(0)
    expect(other.get_by_text("Dee Remembered")).to_have_count(0)
    assert problems == [] and other_problems == []
