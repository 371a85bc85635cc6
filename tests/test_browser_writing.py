"""The story form's writing surface in a real Chromium, against the site under gunicorn.

A tall body editor with a live word count and reading time, headline and summary
counters that warn in words past what search results show, a preview of the story
as a search result and a shared link kept up to date while typing, and the byline
beside the text, starting with the writer. Run with
``python -m pytest tests/test_browser_writing.py``.
"""

import re

import pytest
from playwright.sync_api import expect

from articles import seo
from tests.test_browser_admin import (
    ADD_STORY,
    EDITOR,
    WRITER,
    body_editor,
    log_in,
    watch_for_problems,
)
from tests.validators import AXE_JS, require_axe

pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

LONG_HEADLINE = (
    "Harbour council approves the ferry budget after a long night of argument over fares"
)


def open_new_story(new_context, site):
    page = new_context().new_page()
    log_in(page, *WRITER)
    problems = watch_for_problems(page, site)
    page.goto(ADD_STORY)
    expect(page.get_by_role("heading", name="Add story")).to_be_visible()
    return page, problems


def test_word_count_and_reading_time_follow_the_body(new_context, site):
    """Typing in the editor updates the count; past 230 words it is a two-minute read."""
    page, problems = open_new_story(new_context, site)
    stats = page.locator(".field-body .writing-stats")
    expect(stats).to_have_text("Words: 0 · 1 min read")

    editor = body_editor(page)
    editor.click()
    page.keyboard.type("The ferry sails at seven.")
    expect(stats).to_have_text("Words: 5 · 1 min read")
    page.keyboard.press("Enter")
    page.keyboard.type("Tickets cost the same")
    # Words in separate paragraphs are counted apart ("seven." and "Tickets").
    expect(stats).to_have_text("Words: 9 · 1 min read")

    page.keyboard.press("Enter")
    page.keyboard.insert_text(" ".join(["harbour"] * 222))  # 231 words in all
    expect(stats).to_have_text("Words: 231 · 2 min read")
    assert problems == []


def test_a_long_headline_is_flagged_and_the_previews_follow(new_context, site):
    """Past 70 characters the headline's counter says so in words; the search result
    and the shared card show the headline cut as search results cut it, the story's
    address from the slug, and the summary."""
    page, problems = open_new_story(new_context, site)
    headline = page.get_by_label("Headline:")
    counter = page.locator("#id_headline_length")
    expect(counter).to_have_text("0 of 70 characters")
    expect(headline).to_have_attribute("aria-describedby", re.compile(r"\bid_headline_length\b"))

    headline.press_sequentially("Harbour council approves the ferry budget")
    expect(counter).to_have_text("41 of 70 characters")
    expect(counter).not_to_have_class(re.compile(r"\bis-over\b"))
    search = page.locator(".search-result")
    expect(search.locator(".search-result-title")).to_have_text(
        "Harbour council approves the ferry budget"
    )

    headline.press_sequentially(LONG_HEADLINE[len("Harbour council approves the ferry budget") :])
    assert len(LONG_HEADLINE) == 83
    expect(counter).to_contain_text("83 of 70 characters")
    expect(counter).to_have_class(re.compile(r"\bis-over\b"))
    expect(counter.get_by_role("status")).to_have_text(
        "Too long for search results: they show about 70 characters and cut the rest."
    )
    shortened = seo.shorten(LONG_HEADLINE, seo.TITLE_LIMIT)
    assert shortened.endswith("…") and len(shortened) <= 70
    expect(search.locator(".search-result-title")).to_have_text(shortened)
    expect(page.locator(".social-card .social-card-title")).to_have_text(shortened)
    expect(search.locator(".search-result-url")).to_have_text(
        f"{site}/story/harbour-council-approves-the-ferry-budget-after-a-long-night-of-argument-over-fares/"
    )

    summary = "The ferry keeps running all year; parking by the quay costs more in summer."
    page.get_by_label("Summary:").fill(summary)
    expect(page.locator("#id_summary_length")).to_have_text(f"{len(summary)} of 160 characters")
    expect(search.locator(".search-result-description")).to_have_text(summary)

    # Shortening the headline again takes the warning away.
    headline.fill("Ferry budget approved")
    expect(counter).to_have_text("21 of 70 characters")
    expect(counter).not_to_have_class(re.compile(r"\bis-over\b"))
    expect(search.locator(".search-result-title")).to_have_text("Ferry budget approved")
    assert problems == []


def test_the_byline_sits_under_the_text_and_starts_with_the_writer(new_context, site):
    """On a new story the byline, above the Filing section, already names the writer;
    saved as it is, the story carries their name."""
    page, problems = open_new_story(new_context, site)
    byline = page.locator("#bylines-group")
    filing = page.get_by_role("heading", name="Filing")
    expect(byline).to_be_visible()
    assert byline.bounding_box()["y"] < filing.bounding_box()["y"]
    assert page.locator(".field-body").bounding_box()["y"] < byline.bounding_box()["y"]
    expect(byline.locator("#bylines-0 .select2-selection__rendered")).to_have_text(
        re.compile(r"\bWren Writer$")
    )
    expect(byline.locator("tr.dynamic-bylines")).to_have_count(1)

    # The admin's inline controls still work where the byline now is.
    byline.locator(".add-row a").click()
    expect(byline.locator("tr.dynamic-bylines")).to_have_count(2)
    byline.locator("tr.dynamic-bylines").nth(1).locator(".inline-deletelink").click()
    expect(byline.locator("tr.dynamic-bylines")).to_have_count(1)

    page.get_by_label("Headline:").press_sequentially("Quay parking charges to rise")
    page.get_by_label("Summary:").fill("Drivers will pay more by the harbour from June.")
    body_editor(page).click()
    page.keyboard.type("The council agreed the new charges on Tuesday.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    expect(page.locator("#bylines-0 .select2-selection__rendered")).to_have_text(
        re.compile(r"\bWren Writer$")
    )
    expect(page.locator("#id_bylines-0-id")).to_have_value(re.compile(r"^\d+$"))  # saved
    assert problems == []


def test_the_body_editor_is_tall_and_grows_with_the_text(new_context, site):
    """Half the window or more from the start; taller once the text needs it."""
    page, problems = open_new_story(new_context, site)
    editor = body_editor(page)
    viewport = page.viewport_size
    start = editor.bounding_box()["height"]
    assert start >= 0.5 * viewport["height"], (start, viewport)

    headline = page.get_by_label("Headline:").bounding_box()
    form = page.locator("#article_form").bounding_box()
    assert headline["width"] >= 0.9 * form["width"], (headline, form)

    editor.click()
    for number in range(60):
        page.keyboard.insert_text(f"Paragraph {number} of a long story.")
        page.keyboard.press("Enter")
    expect(editor.locator("p")).to_have_count(61)
    assert editor.bounding_box()["height"] > start
    assert problems == []


def test_a_chosen_picture_shows_in_the_shared_card(new_context, site, tmp_path):
    """The picture chosen for upload, not yet saved, is in the card with its alt text."""
    from PIL import Image

    picture = tmp_path / "quay.png"
    Image.new("RGB", (600, 315), (20, 120, 40)).save(picture)
    page, problems = open_new_story(new_context, site)
    card_image = page.locator(".social-card-image img")
    expect(card_image).to_have_count(0)
    page.set_input_files("#id_new_lead_picture", picture)
    page.get_by_label("Alt text:").fill("The quay in the rain")
    expect(card_image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    expect(card_image).to_have_attribute("alt", "The quay in the rain")
    assert card_image.evaluate("img => img.naturalWidth") == 600
    assert problems == []  # a data: picture is allowed by the admin's CSP


def test_the_writing_aids_pass_axe(browser, site):
    """axe-core finds no WCAG 2.2 A/AA violation in the counters, the word count, the
    previews and the lead image's thumbnail, with a headline over its limit."""
    require_axe()
    # axe is injected as a script: only this test's context lifts the CSP for it.
    context = browser.new_context(base_url=site, bypass_csp=True)
    try:
        page = context.new_page()
        log_in(page, *EDITOR)
        page.goto("/admin/articles/article/")
        page.get_by_role(
            "link", name="Harbour bridge reopens after eight months of repairs"
        ).click()
        expect(page.locator(".picture-input-thumbnail")).to_be_visible()
        page.get_by_label("Headline:").fill(LONG_HEADLINE)
        expect(page.locator("#id_headline_length")).to_have_class(re.compile(r"\bis-over\b"))
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async () => {
                const parts = ["#writing-previews", ".writing-counter", ".writing-stats",
                               ".picture-input-thumbnail"];
                const results = await axe.run({include: parts.map((part) => [part])}, {
                    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a",
                                                    "wcag21aa", "wcag22aa"]},
                    resultTypes: ["violations"],
                });
                return results.violations.map((v) => [v.id, v.help,
                    v.nodes.slice(0, 3).map((n) => n.target.join(" "))]);
            }"""
        )
        assert violations == []
    finally:
        context.close()
