"""End to end: an editor pins a story as the lead in the admin's "Front page", and readers
see it lead the home page at once, even though the home page was cached a moment before.

A real Chromium against the demo site served by real gunicorn (two workers, the page cache
on). Run with ``python -m pytest tests/test_browser_frontpage.py``.
"""

import re

import pytest
from playwright.sync_api import expect

from .test_browser_admin import EDITOR, choose_in_autocomplete, log_in, watch_for_problems

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

FRONT_PAGE = "/admin/articles/frontpagepin/"
# The oldest live demo story: without a pin it is far from the lead.
PINNED = "Volunteers count a record number of swifts over the old mill"


def lead_headline(page):
    return page.locator("section.lead-story h2")


def cached_home(reader):
    """Visit the home page until the page cache serves it; returns the cached answer."""
    for _ in range(5):
        response = reader.goto("/")
        assert response is not None and response.status == 200
        if response.headers.get("x-page-cache") == "hit":
            return response
    pytest.fail("the home page was never served from the page cache")


def test_editor_pins_the_lead_story_and_readers_see_it_at_once(new_context, site):
    """Pinned in the admin, the story leads the (cached) home page for readers at once;
    unpinned, the newest story leads again."""
    reader = new_context().new_page()
    cached_home(reader)
    expect(lead_headline(reader)).not_to_have_text(PINNED)
    newest = lead_headline(reader).inner_text()

    editor = new_context().new_page()
    log_in(editor, *EDITOR)
    problems = watch_for_problems(editor, site)
    editor.goto("/admin/")
    editor.get_by_role("link", name="Front page", exact=True).click()
    expect(editor.get_by_role("heading", level=1)).to_have_text(
        "Front page: the lead story, then the top stories"
    )
    editor.get_by_role("link", name=re.compile("^Add front-page story")).click()
    choose_in_autocomplete(editor, editor.locator(".field-article"), "swifts", PINNED)
    editor.get_by_label("Place:").select_option(label="Lead story")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.locator(".messagelist .success")).to_contain_text("was added successfully")
    row = editor.locator("#result_list tbody tr", has_text=PINNED)
    expect(row).to_contain_text("Lead story")
    try:
        assert problems == []

        # The reader's next visit: the pinned story leads, straight after the pin...
        response = reader.goto("/")
        assert response is not None and response.status == 200
        expect(lead_headline(reader)).to_have_text(PINNED)
        # ...and keeps leading the page as the cache serves it again.
        cached_home(reader)
        expect(lead_headline(reader)).to_have_text(PINNED)
        expect(reader.locator(".latest").get_by_role("link", name=PINNED)).to_have_count(0)
    finally:
        # Unpin (the demo site is shared by the session's browser tests).
        editor.goto(FRONT_PAGE)
        editor.locator("#result_list tbody tr", has_text=PINNED).locator(
            "input.action-select"
        ).check()
        editor.get_by_label("Action:").select_option(label="Unpin the selected stories")
        editor.get_by_role("button", name="Run").click()
        expect(editor.locator(".messagelist .success")).to_contain_text(
            "1 story left the front page."
        )
    reader.goto("/")
    expect(lead_headline(reader)).to_have_text(newest)
