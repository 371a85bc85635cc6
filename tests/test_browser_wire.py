"""Partner copy in a real Chromium (issue 13): an item polled from a partner's feed
waits in the Incoming queue, a writer rewrites it and submits it, an editor publishes
it, and the reader sees "Original Source: …" linked to the partner's page."""

import re

import pytest
from playwright.sync_api import expect

from wire.tests.feedserver import FeedServer

from .conftest import manage
from .test_browser_admin import EDITOR, WRITER, body_editor, log_in, put_caret_at_end
from .test_browser_desk import json_ld, shell

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

INCOMING = "/admin/wire/incomingstory/"
SOURCE = "Lakeside Herald"
SITE = "https://www.lakeside-herald.example/"
ORIGINAL = "https://www.lakeside-herald.example/2026/12/ferry-timetable-changes"
HEADLINE = "Ferry timetable changes for the winter"
REWRITTEN = "Winter ferry timetable: fewer sailings from Monday"
ADDED = "The harbour office confirmed the new times on Tuesday."

FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>{SOURCE}</title><link>{SITE}</link><description>News from the lake</description>
<item>
  <title>{HEADLINE}</title>
  <link>{ORIGINAL}</link>
  <guid isPermaLink="false">lakeside-herald-4711</guid>
  <pubDate>Tue, 01 Dec 2026 08:30:00 +0000</pubDate>
  <description>The ferry will sail four times a day until March.</description>
  <content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[
    <p>The ferry will sail four times a day until March, the operator said.</p>
  ]]></content:encoded>
</item>
</channel></rss>
"""


def incoming_row(page, headline):
    return page.locator("#result_list tbody tr").filter(
        has=page.get_by_role("link", name=headline, exact=True)
    )


def test_partner_copy_goes_from_incoming_through_review_to_the_reader(new_context, site, site_env):
    """A polled item reaches Incoming with its source; a writer rewrites and submits
    it, an editor publishes it; the reader sees the linked attribution and the JSON-LD
    says what it is based on; Incoming no longer lists it."""
    with FeedServer() as partner:
        feed_url = partner.serve("/rss.xml", FEED)
        shell(
            site_env,
            "from wire.models import Feed, Source; "
            f"source = Source.objects.create(name={SOURCE!r}, site_url={SITE!r}); "
            f"Feed.objects.create(source=source, url={feed_url!r}); print(source.pk)",
        )
        manage(site_env, "poll_sources", "--source", SOURCE)
        assert partner.requests_to("/rss.xml"), "poll_sources did not fetch the feed"

    # The writer finds the item in Incoming, with its source and a link to the original.
    writer = new_context().new_page()
    log_in(writer, *WRITER)
    writer.goto("/admin/")
    # The desk lists it; the admin's list of models leads to the whole queue.
    expect(writer.locator("#editorial-dashboard")).to_contain_text(HEADLINE)
    writer.locator("tr.model-incomingstory").get_by_role(
        "link", name="Incoming", exact=True
    ).click()
    expect(writer).to_have_url(re.compile(re.escape(INCOMING) + r"$"))
    row = incoming_row(writer, HEADLINE)
    expect(row).to_have_count(1)
    expect(row.locator(".field-source")).to_have_text(SOURCE)
    expect(row.get_by_role("link", name="open")).to_have_attribute("href", ORIGINAL)

    # It opens the story's own form, editable, with the source filled in.
    row.get_by_role("link", name=HEADLINE, exact=True).click()
    expect(writer).to_have_url(re.compile(r"/admin/articles/article/\d+/change/$"))
    expect(writer.get_by_role("heading", name="Change story", level=1)).to_be_visible()
    story_id = int(re.search(r"/article/(\d+)/change/", writer.url).group(1))
    expect(writer.get_by_label("Source:")).to_have_value(re.compile(r"^\d+$"))
    expect(writer.locator("#id_source option:checked")).to_have_text(SOURCE)
    expect(writer.get_by_label("Original story's URL:")).to_have_value(ORIGINAL)

    # A new headline and a sentence more, then off to the editors.
    writer.get_by_label("Headline:").fill(REWRITTEN)
    editor_surface = body_editor(writer)
    # The caret at the end of the text (End only goes to the end of a wrapped line, and
    # where a click lands in a paragraph depends on the layout).
    put_caret_at_end(editor_surface)
    writer.keyboard.press("Enter")
    writer.keyboard.type(ADDED)
    expect(editor_surface.locator("p").last).to_have_text(ADDED)
    writer.get_by_role("button", name="Save and submit for review", exact=True).click()
    expect(
        writer.locator(".messagelist .success").filter(has_text=f"“{REWRITTEN}” is now In review")
    ).to_have_count(1)
    expect(writer.locator(".errornote")).to_have_count(0)

    # The editor sees it in Incoming as in review, opens it and publishes it.
    desk = new_context().new_page()
    log_in(desk, *EDITOR)
    desk.goto(INCOMING)
    desk.get_by_role("link", name="In review", exact=True).click()
    row = incoming_row(desk, REWRITTEN)
    expect(row).to_have_count(1)
    expect(row.locator(".field-source")).to_have_text(SOURCE)
    expect(row.locator(".field-state")).to_contain_text(re.compile("review", re.I))
    row.get_by_role("link", name=REWRITTEN, exact=True).click()
    expect(desk).to_have_url(re.compile(rf"/admin/articles/article/{story_id}/change/$"))
    expect(desk.get_by_label("Headline:")).to_have_value(REWRITTEN)
    expect(body_editor(desk).locator("p").last).to_have_text(ADDED)
    slug = desk.get_by_label("Slug:").input_value()
    desk.get_by_role("button", name="Save and publish now", exact=True).click()
    expect(
        desk.locator(".messagelist .success").filter(has_text=f"“{REWRITTEN}” is now Published")
    ).to_have_count(1)
    expect(desk.locator(".errornote")).to_have_count(0)

    # Published: nothing left to do in Incoming.
    desk.goto(INCOMING)
    expect(desk.get_by_role("link", name=REWRITTEN, exact=True)).to_have_count(0)
    expect(desk.get_by_role("link", name=HEADLINE, exact=True)).to_have_count(0)

    # The reader sees the writer's words and where they came from.
    reader = new_context().new_page()
    response = reader.goto(f"/story/{slug}/")
    assert response is not None and response.status == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(REWRITTEN)
    expect(reader.locator(".story-body")).to_contain_text(ADDED)
    attribution = reader.locator("p.attribution")
    expect(attribution).to_have_text(f"Original Source: {SOURCE}")
    expect(attribution.get_by_role("link", name=SOURCE, exact=True)).to_have_attribute(
        "href", ORIGINAL
    )
    data = json_ld(reader)
    assert data["isBasedOn"] == ORIGINAL
    assert data["sourceOrganization"]["name"] == SOURCE
    assert data["sourceOrganization"]["url"] == SITE
